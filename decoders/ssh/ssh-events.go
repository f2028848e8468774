package ssh

// Event is an SSH app-layer event. Names are Suricata's (app-layer-event:ssh.NAME); the one
// Nightjar adds is marked.
type Event uint8

// SSH events. The order is Nightjar's own; only the names are a contract.
const (
	EventNone Event = iota
	EventInvalidBanner
	EventLongBanner
	EventInvalidRecord
	EventStreamGap // Nightjar: bytes were lost before encryption; the direction is given up
	NumEvents
)

var eventNames = [NumEvents]string{
	EventInvalidBanner: "ssh.invalid_banner",
	EventLongBanner:    "ssh.long_banner",
	EventInvalidRecord: "ssh.invalid_record",
	EventStreamGap:     "ssh.stream_gap",
}

// Name is the event's rule/EVE name, e.g. "ssh.invalid_banner".
func (e Event) Name() string {
	if e >= NumEvents {
		return ""
	}
	return eventNames[e]
}
