package export

import (
	"io"
	"strconv"
	"time"
)

// fast.log is Suricata's one-line-per-alert text log, which analysts grep and older tooling
// tails. The line format is Suricata's alert-fastlog:
//
//	11/24/2009-21:27:09.534255  [**] [1:2018358:10] ET HUNTING … [**] [Classification: Potentially Bad Traffic] [Priority: 2] {TCP} 192.168.2.14:50096 -> 209.53.113.5:80
//
// Time is in the EVE format's zone, month first, microseconds truncated. Addresses are written in
// compressed form (inet_ntop, as Suricata), whatever the EVE IPv6 setting.

// AppendFastLog appends a as one fast.log line in the default format (UTC).
func AppendFastLog(dst []byte, a *Alert) []byte { return defaultEVE.AppendFastLog(dst, a) }

// AppendFastLog appends a as one fast.log line, newline included. It does not allocate beyond
// growing dst.
func (f *EVEFormat) AppendFastLog(dst []byte, a *Alert) []byte {
	t := time.Unix(0, a.Timestamp).In(f.loc)
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	dst = appendPadded(dst, int(month), 2)
	dst = append(dst, '/')
	dst = appendPadded(dst, day, 2)
	dst = append(dst, '/')
	dst = appendPadded(dst, year, 4)
	dst = append(dst, '-')
	dst = appendPadded(dst, hour, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, minute, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, sec, 2)
	dst = append(dst, '.')
	dst = appendPadded(dst, t.Nanosecond()/1000, 6)
	dst = append(dst, "  "...)
	if a.Drop {
		if a.Action == "blocked" {
			dst = append(dst, "[Drop] "...)
		} else {
			dst = append(dst, "[wDrop] "...)
		}
	}
	dst = append(dst, "[**] ["...)
	dst = strconv.AppendUint(dst, uint64(a.GID), 10)
	dst = append(dst, ':')
	dst = strconv.AppendUint(dst, uint64(a.SignatureID), 10)
	dst = append(dst, ':')
	dst = strconv.AppendUint(dst, uint64(a.Rev), 10)
	dst = append(dst, "] "...)
	dst = appendOneLine(dst, a.Signature)
	dst = append(dst, " [**] [Classification: "...)
	if a.Category == "" {
		dst = append(dst, "(null)"...) // what Suricata prints for a rule without classtype
	} else {
		dst = appendOneLine(dst, a.Category)
	}
	dst = append(dst, "] [Priority: "...)
	dst = strconv.AppendInt(dst, int64(a.Severity), 10)
	dst = append(dst, "] {"...)
	dst = appendProtoName(dst, a.Proto)
	dst = append(dst, "} "...)
	sp, dp := uint64(a.SrcPort), uint64(a.DestPort)
	switch {
	case isICMP(a.Proto):
		sp, dp = uint64(a.ICMPType), uint64(a.ICMPCode)
	case !hasPorts(a.Proto):
		sp, dp = 0, 0
	}
	dst = a.SrcIP.WithZone("").AppendTo(dst)
	dst = append(dst, ':')
	dst = strconv.AppendUint(dst, sp, 10)
	dst = append(dst, " -> "...)
	dst = a.DestIP.WithZone("").AppendTo(dst)
	dst = append(dst, ':')
	dst = strconv.AppendUint(dst, dp, 10)
	return append(dst, '\n')
}

// appendOneLine copies s with line breaks replaced by spaces, so that a rule message can never
// split a fast.log record in two.
func appendOneLine(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\n' || c == '\r' {
			c = ' '
		}
		dst = append(dst, c)
	}
	return dst
}

// FastLogBuffer is one worker's staging area for fast.log lines, handed in whole buffers to a
// shared writer (an *EVEWriter opened on fast.log: it is a plain line writer) exactly as
// EVEBuffer does for eve.json. Not safe for concurrent use.
type FastLogBuffer struct{ b *EVEBuffer }

// NewFastLogBuffer makes a worker's fast.log buffer; arguments as NewEVEBuffer's.
func NewFastLogBuffer(out io.Writer, format *EVEFormat, limit int) *FastLogBuffer {
	return &FastLogBuffer{b: NewEVEBuffer(out, format, limit)}
}

// Alert appends a's line.
func (f *FastLogBuffer) Alert(a *Alert) {
	f.b.buf = f.b.format.AppendFastLog(f.b.buf, a)
	f.b.maybeFlush()
}

// Flush hands the waiting lines to the writer; see EVEBuffer.Flush.
func (f *FastLogBuffer) Flush() error { return f.b.Flush() }
