package dns

// Event is a DNS app-layer event. Names are Suricata's (app-layer-event:dns.NAME); the one
// Nightjar adds is marked.
type Event uint8

// DNS events. The order is Nightjar's own; only the names are a contract.
const (
	EventNone Event = iota
	EventMalformedData
	EventNotARequest
	EventNotAResponse
	EventZFlagSet
	EventInvalidOpcode
	EventNameTooLong
	EventInfiniteLoop
	EventTooManyLabels
	EventInvalidAdditionals
	EventInvalidAuthorities
	EventStreamGap // Nightjar: TCP bytes were lost; framing resumes at a plausible message
	NumEvents
)

var eventNames = [NumEvents]string{
	EventMalformedData:      "dns.malformed_data",
	EventNotARequest:        "dns.not_a_request",
	EventNotAResponse:       "dns.not_a_response",
	EventZFlagSet:           "dns.z_flag_set",
	EventInvalidOpcode:      "dns.invalid_opcode",
	EventNameTooLong:        "dns.name_too_long",
	EventInfiniteLoop:       "dns.infinite_loop",
	EventTooManyLabels:      "dns.too_many_labels",
	EventInvalidAdditionals: "dns.invalid_additionals",
	EventInvalidAuthorities: "dns.invalid_authorities",
	EventStreamGap:          "dns.stream_gap",
}

// Name is the event's rule/EVE name, e.g. "dns.malformed_data".
func (e Event) Name() string {
	if e >= NumEvents {
		return ""
	}
	return eventNames[e]
}

// MaxEvents is how many events one message keeps.
const MaxEvents = 8

// Events is a short list of events plus how many did not fit.
type Events struct {
	List [MaxEvents]Event
	N    uint8
	Lost uint8
}

func (ev *Events) add(e Event) {
	for _, x := range ev.List[:ev.N] {
		if x == e {
			return // one of each per message, as Suricata sets them per transaction
		}
	}
	if int(ev.N) < MaxEvents {
		ev.List[ev.N] = e
		ev.N++
	} else if ev.Lost < 255 {
		ev.Lost++
	}
}

// Has reports whether e was raised.
func (ev *Events) Has(e Event) bool {
	for _, x := range ev.List[:ev.N] {
		if x == e {
			return true
		}
	}
	return false
}

// Slice returns the events in order.
func (ev *Events) Slice() []Event { return ev.List[:ev.N] }
