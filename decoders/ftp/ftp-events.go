package ftp

import "math/bits"

// Event is an FTP app-layer event; names are Suricata 8's (app-layer-event:ftp.…).
type Event uint8

// Events.
const (
	EventNone Event = iota
	EventRequestCommandTooLong
	EventResponseCommandTooLong
	EventTooManyTransactions
	EventFileBeforePort
	EventFileWithoutName
	numEvents
)

// NumEvents is the size of the event space (EventNone included).
const NumEvents = int(numEvents)

var eventNames = [numEvents]string{"", "request_command_too_long", "response_command_too_long",
	"too_many_transactions", "file_before_port", "file_without_name"}

// String is the event's name without the "ftp." prefix, as EVE anomaly records write it.
func (e Event) String() string {
	if e < numEvents {
		return eventNames[e]
	}
	return "unknown"
}

// EventByName resolves a name with or without the "ftp." prefix.
func EventByName(name string) (Event, bool) {
	if len(name) > 4 && name[:4] == "ftp." {
		name = name[4:]
	}
	for i := 1; i < int(numEvents); i++ {
		if eventNames[i] == name {
			return Event(i), true
		}
	}
	return EventNone, false
}

// Events is a set of events.
type Events uint8

// Has reports whether e is in the set.
func (s Events) Has(e Event) bool { return s&(1<<e) != 0 }

// Count is the number of events in the set.
func (s Events) Count() int { return bits.OnesCount8(uint8(s)) }

func (s *Events) set(e Event) { *s |= 1 << e }
