package http2

import "math/bits"

// Event is an HTTP/2 app-layer event; names are Suricata 7's (app-layer-event:http2.…).
type Event uint8

// Events.
const (
	EventNone Event = iota
	EventInvalidFrameHeader
	EventInvalidClientMagic
	EventInvalidFrameData
	EventInvalidHeader
	EventInvalidFrameLength
	EventExtraHeaderData
	EventLongFrameData
	EventStreamIDReuse
	EventInvalidHTTP1Settings
	EventFailedDecompression
	EventAuthorityHostMismatch
	EventUserinfoInURI
	EventTooManyStreams
	numEvents
)

// NumEvents is the size of the event space (EventNone included).
const NumEvents = int(numEvents)

var eventNames = [numEvents]string{"", "invalid_frame_header", "invalid_client_magic", "invalid_frame_data",
	"invalid_header", "invalid_frame_length", "extra_header_data", "long_frame_data", "stream_id_reuse",
	"invalid_http1_settings", "failed_decompression", "authority_host_mismatch", "userinfo_in_uri",
	"too_many_streams"}

// String is the event's name without the "http2." prefix, as EVE anomaly records write it.
func (e Event) String() string {
	if e < numEvents {
		return eventNames[e]
	}
	return "unknown"
}

// EventByName resolves a name with or without the "http2." prefix.
func EventByName(name string) (Event, bool) {
	if len(name) > 6 && name[:6] == "http2." {
		name = name[6:]
	}
	for i := 1; i < int(numEvents); i++ {
		if eventNames[i] == name {
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
