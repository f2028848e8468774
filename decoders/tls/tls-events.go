package tls

// Event is a TLS app-layer event. Names are Suricata's (rules match them with
// app-layer-event:tls.NAME); the few Nightjar adds are marked.
type Event uint8

// TLS events. The order is Nightjar's own; only the names are a contract.
const (
	EventNone Event = iota
	EventInvalidSSLv2Header
	EventInvalidTLSHeader
	EventInvalidRecordVersion
	EventInvalidRecordType
	EventInvalidRecordLength
	EventInvalidHandshakeMessage
	EventHandshakeInvalidLength
	EventHeartbeatMessage
	EventMultipleSNIExtensions
	EventInvalidSNIType
	EventInvalidSNILength
	EventCertificateInvalidLength
	EventCertificateInvalidDER
	EventCertificateInvalidSerial
	EventCertificateInvalidX509Name
	EventCertificateInvalidValidity
	EventInvalidSSLRecord
	EventStreamGap    // Nightjar: bytes were lost; the direction is no longer parsed
	EventBufferCapped // Nightjar: a handshake message or certificate store exceeded its cap
	NumEvents
)

var eventNames = [NumEvents]string{
	EventNone:                       "",
	EventInvalidSSLv2Header:         "tls.invalid_sslv2_header",
	EventInvalidTLSHeader:           "tls.invalid_tls_header",
	EventInvalidRecordVersion:       "tls.invalid_record_version",
	EventInvalidRecordType:          "tls.invalid_record_type",
	EventInvalidRecordLength:        "tls.invalid_record_length",
	EventInvalidHandshakeMessage:    "tls.invalid_handshake_message",
	EventHandshakeInvalidLength:     "tls.handshake_invalid_length",
	EventHeartbeatMessage:           "tls.heartbeat_message",
	EventMultipleSNIExtensions:      "tls.multiple_sni_extensions",
	EventInvalidSNIType:             "tls.invalid_sni_type",
	EventInvalidSNILength:           "tls.invalid_sni_length",
	EventCertificateInvalidLength:   "tls.certificate_invalid_length",
	EventCertificateInvalidDER:      "tls.certificate_invalid_der",
	EventCertificateInvalidSerial:   "tls.certificate_invalid_serial",
	EventCertificateInvalidX509Name: "tls.certificate_invalid_x509name",
	EventCertificateInvalidValidity: "tls.certificate_invalid_validity",
	EventInvalidSSLRecord:           "tls.invalid_ssl_record",
	EventStreamGap:                  "tls.stream_gap",
	EventBufferCapped:               "tls.buffer_capped",
}

// Name is the event's rule/EVE name, e.g. "tls.invalid_record_type".
func (e Event) Name() string {
	if e >= NumEvents {
		return ""
	}
	return eventNames[e]
}

// MaxEvents is how many events a flow keeps in order; more are counted in EventCounts only.
const MaxEvents = 16

// events records what a flow raised: the first MaxEvents in order and a count per kind.
type events struct {
	list   [MaxEvents]Event
	n      uint8
	counts [NumEvents]uint32
}

func (ev *events) add(e Event) {
	ev.counts[e]++
	if int(ev.n) < MaxEvents {
		ev.list[ev.n] = e
		ev.n++
	}
}
