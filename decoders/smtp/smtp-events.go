package smtp

import "math/bits"

// Event is an SMTP app-layer event; names are Suricata's (app-layer-event:smtp.…), which
// EVE anomaly records write in upper case.
type Event uint8

// Events.
const (
	EventNone Event = iota
	EventInvalidReply
	EventUnableToMatchReplyWithRequest
	EventMaxCommandLineLenExceeded
	EventMaxReplyLineLenExceeded
	EventInvalidPipelinedSequence
	EventBdatChunkLenExceeded
	EventNoServerWelcomeMessage
	EventTLSRejected
	EventDataCommandRejected
	EventMIMEParseFailed
	EventMIMEMalformedMsg
	EventMIMEInvalidBase64
	EventMIMEInvalidQP
	EventMIMELongLine
	EventMIMELongEncLine
	EventMIMELongHeaderName
	EventMIMELongHeaderValue
	EventMIMELongBoundary
	EventMIMELongFilename
	EventDuplicateFields
	EventUnparsableContent
	EventTruncatedLine
	numEvents
)

// NumEvents is the size of the event space (EventNone included).
const NumEvents = int(numEvents)

var eventNames = [numEvents]string{"", "INVALID_REPLY", "UNABLE_TO_MATCH_REPLY_WITH_REQUEST",
	"MAX_COMMAND_LINE_LEN_EXCEEDED", "MAX_REPLY_LINE_LEN_EXCEEDED", "INVALID_PIPELINED_SEQUENCE",
	"BDAT_CHUNK_LEN_EXCEEDED", "NO_SERVER_WELCOME_MESSAGE", "TLS_REJECTED", "DATA_COMMAND_REJECTED",
	"MIME_PARSE_FAILED", "MIME_MALFORMED_MSG", "MIME_INVALID_BASE64", "MIME_INVALID_QP",
	"MIME_LONG_LINE", "MIME_LONG_ENC_LINE", "MIME_LONG_HEADER_NAME", "MIME_LONG_HEADER_VALUE",
	"MIME_LONG_BOUNDARY", "MIME_LONG_FILENAME", "DUPLICATE_FIELDS", "UNPARSABLE_CONTENT",
	"TRUNCATED_LINE"}

// String is the event's name without the "smtp." prefix, as EVE anomaly records write it.
func (e Event) String() string {
	if e < numEvents {
		return eventNames[e]
	}
	return "unknown"
}

// EventByName resolves a name with or without the "smtp." prefix, in any case (rules write
// smtp.invalid_reply, EVE writes INVALID_REPLY).
func EventByName(name string) (Event, bool) {
	if len(name) > 5 && equalFold([]byte(name[:5]), "smtp.") {
		name = name[5:]
	}
	for i := 1; i < int(numEvents); i++ {
		if equalFold([]byte(name), eventNames[i]) {
			return Event(i), true
		}
	}
	return EventNone, false
}

// Events is a set of events.
type Events uint32

// Has reports whether e is in the set.
func (s Events) Has(e Event) bool { return s&(1<<e) != 0 }

// Count is the number of events in the set.
func (s Events) Count() int { return bits.OnesCount32(uint32(s)) }

func (s *Events) set(e Event) { *s |= 1 << e }

// equalFold reports whether b equals s ignoring ASCII case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		if lower(b[i]) != lower(s[i]) {
			return false
		}
	}
	return true
}

// hasPrefixFold reports whether b starts with s ignoring ASCII case.
func hasPrefixFold(b []byte, s string) bool {
	return len(b) >= len(s) && equalFold(b[:len(s)], s)
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
