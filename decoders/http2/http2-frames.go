package http2

import (
	"encoding/binary"
	"strconv"
)

// FrameType is an HTTP/2 frame type (RFC 9113 section 6).
type FrameType uint8

// Frame types.
const (
	FrameData FrameType = iota
	FrameHeaders
	FramePriority
	FrameRSTStream
	FrameSettings
	FramePushPromise
	FramePing
	FrameGoAway
	FrameWindowUpdate
	FrameContinuation
	numFrameTypes
)

// frameTypeNames are Suricata's spellings (http2.frametype values, EVE).
var frameTypeNames = [numFrameTypes]string{"DATA", "HEADERS", "PRIORITY", "RSTSTREAM", "SETTINGS",
	"PUSHPROMISE", "PING", "GOAWAY", "WINDOWUPDATE", "CONTINUATION"}

func (t FrameType) String() string {
	if t < numFrameTypes {
		return frameTypeNames[t]
	}
	return strconv.Itoa(int(t))
}

// ParseFrameType reads a frame type as http2.frametype takes it: Suricata's name (case
// insensitive) or a number.
func ParseFrameType(s string) (FrameType, bool) {
	name := withoutUnderscores(s)
	for i, n := range frameTypeNames {
		if equalFoldASCII(name, n) {
			return FrameType(i), true
		}
	}
	v, err := strconv.ParseUint(s, 10, 8)
	return FrameType(v), err == nil
}

// Frame flags.
const (
	FlagEndStream  = 0x1 // DATA, HEADERS; ACK on SETTINGS and PING
	FlagEndHeaders = 0x4
	FlagPadded     = 0x8
	FlagPriority   = 0x20
)

// ErrorCode is an RST_STREAM or GOAWAY error code (RFC 9113 section 7).
type ErrorCode uint32

var errorCodeNames = [...]string{"NOERROR", "PROTOCOLERROR", "INTERNALERROR", "FLOWCONTROLERROR",
	"SETTINGSTIMEOUT", "STREAMCLOSED", "FRAMESIZEERROR", "REFUSEDSTREAM", "CANCEL", "COMPRESSIONERROR",
	"CONNECTERROR", "ENHANCEYOURCALM", "INADEQUATESECURITY", "HTTP11REQUIRED"}

// String is Suricata's name of the code, or its decimal value when it has none.
func (c ErrorCode) String() string {
	if int(c) < len(errorCodeNames) {
		return errorCodeNames[c]
	}
	return strconv.FormatUint(uint64(c), 10)
}

// ParseErrorCode reads an error code as http2.errorcode takes it: a name, with or without
// its underscores (INTERNAL_ERROR, HTTP_1_1_REQUIRED), or a number.
func ParseErrorCode(s string) (ErrorCode, bool) {
	name := withoutUnderscores(s)
	for i, n := range errorCodeNames {
		if equalFoldASCII(name, n) {
			return ErrorCode(i), true
		}
	}
	v, err := strconv.ParseUint(s, 10, 32)
	return ErrorCode(v), err == nil
}

// Setting is one SETTINGS parameter.
type Setting struct {
	ID    uint16
	Value uint32
}

var settingNames = [...]string{"", "SETTINGSHEADERTABLESIZE", "SETTINGSENABLEPUSH", "SETTINGSMAXCONCURRENTSTREAMS",
	"SETTINGSINITIALWINDOWSIZE", "SETTINGSMAXFRAMESIZE", "SETTINGSMAXHEADERLISTSIZE"}

// SettingName is Suricata's EVE name of a setting identifier, or its decimal value.
func SettingName(id uint16) string {
	if id > 0 && int(id) < len(settingNames) {
		return settingNames[id]
	}
	return strconv.FormatUint(uint64(id), 10)
}

// ParseSettingID reads a setting as http2.settings names it: SETTINGS_HEADER_TABLE_SIZE,
// the EVE spelling without underscores, or a number.
func ParseSettingID(s string) (uint16, bool) {
	name := withoutUnderscores(s)
	for i, n := range settingNames {
		if n != "" && equalFoldASCII(name, n) {
			return uint16(i), true
		}
	}
	v, err := strconv.ParseUint(s, 10, 16)
	return uint16(v), err == nil
}

// withoutUnderscores is how rules' names (RST_STREAM) meet Suricata's EVE names (RSTSTREAM).
func withoutUnderscores(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '_' {
			b = append(b, s[i])
		}
	}
	return string(b)
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'a' <= x && x <= 'z' {
			x -= 'a' - 'A'
		}
		if 'a' <= y && y <= 'z' {
			y -= 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// frameHeaderLen is the fixed size of a frame header.
const frameHeaderLen = 9

// frameHeader is a decoded frame header.
type frameHeader struct {
	length   uint32
	typ      FrameType
	flags    uint8
	reserved bool
	stream   uint32
}

func parseFrameHeader(b []byte) frameHeader {
	sid := binary.BigEndian.Uint32(b[5:9])
	return frameHeader{length: uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2]), typ: FrameType(b[3]), flags: b[4],
		reserved: sid&0x80000000 != 0, stream: sid & 0x7fffffff}
}

// controlFrameMax is how many payload bytes of a frame that is not streamed (SETTINGS, PING,
// GOAWAY …) are kept: enough for 682 settings; a GOAWAY's debug data past it is skipped.
const controlFrameMax = 4096

// maxHandledFrame is Suricata's HTTP2_MAX_HANDLED_FRAME_SIZE: a longer frame is reported
// (http2.long_frame_data), as Suricata handles only its start.
const maxHandledFrame = 65536

// prefixLen is the length of the fixed fields in front of a streamed frame's content: the
// pad length, a HEADERS frame's priority, a PUSH_PROMISE's promised stream id.
func prefixLen(h frameHeader) int {
	n := 0
	switch h.typ {
	case FrameData, FrameHeaders, FramePushPromise:
		if h.flags&FlagPadded != 0 {
			n++
		}
	}
	switch {
	case h.typ == FrameHeaders && h.flags&FlagPriority != 0:
		n += 5
	case h.typ == FramePushPromise:
		n += 4
	}
	return n
}

// streamed reports whether the frame's content is consumed as it arrives (bodies and header
// blocks, which may be long) rather than buffered whole.
func streamed(t FrameType) bool {
	return t == FrameData || t == FrameHeaders || t == FramePushPromise || t == FrameContinuation
}
