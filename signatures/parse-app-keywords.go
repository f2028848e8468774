package signatures

import (
	"fmt"
	"strings"

	"github.com/nightjar-ids/nightjar/decoders"
	"github.com/nightjar-ids/nightjar/decoders/dns"
	"github.com/nightjar-ids/nightjar/decoders/ftp"
	"github.com/nightjar-ids/nightjar/decoders/http"
	"github.com/nightjar-ids/nightjar/decoders/http2"
	"github.com/nightjar-ids/nightjar/decoders/smtp"
	"github.com/nightjar-ids/nightjar/decoders/ssh"
	"github.com/nightjar-ids/nightjar/decoders/tls"
)

// Event keywords (decode-event, app-layer-event) and the app-layer keywords that came after
// the first set: dns.opcode, dns.rcode, dns.rrtype and the sticky buffers gonids does not list.

// appKeyword parses the keywords of this file; done is false for a keyword it does not know.
func (b *ruleBuilder) appKeyword(name, val string) (done bool, err error) {
	switch name {
	case "decode-event", "engine-event":
		return true, b.decodeEvent(val)
	case "app-layer-event":
		return true, b.appLayerEvent(val)
	case "stream-event":
		return true, b.streamEvent(val)
	case "http2.frametype", "http2.errorcode", "http2.priority", "http2.window", "http2.size_update", "http2.settings":
		return true, b.http2Number(name, val)
	case "dns.opcode", "dns.rcode", "dns.rrtype":
		id, limit := NumDNSOpcode, uint64(255)
		switch name {
		case "dns.rcode":
			id = NumDNSRcode
		case "dns.rrtype":
			id, limit = NumDNSRRType, 65535
		}
		u, err := parseUint(val, limit)
		if err != nil {
			return true, err
		}
		b.r.AppNumbers = append(b.r.AppNumbers, AppNumberMatch{ID: id, Dir: bufBoth, Cmp: *u})
		return true, nil
	}
	if done, err := b.ftpKeyword(name, val); done {
		return true, err
	}
	if done, err := b.dceKeyword(name, val); done {
		return true, err
	}
	if done, err := b.smbKeyword(name, val); done {
		return true, err
	}
	if _, ok := BufferByName(name); ok {
		// A sticky buffer that the generic lookup (gonids's list) does not name.
		return true, b.sticky(name, val)
	}
	return false, nil
}

// decodeEvent is decode-event:NAME, Suricata's decoder event name with or without its
// "decoder." prefix (ipv4.trunc_pkt). An event the decoders never raise is refused rather
// than loaded dead.
func (b *ruleBuilder) decodeEvent(val string) error {
	v := strings.TrimSpace(val)
	e, ok := decoders.EventByName(v)
	if !ok {
		return notSupported("decode-event %s not raised by the decoders", v)
	}
	b.r.DecodeEvents = append(b.r.DecodeEvents, e)
	return nil
}

// appLayerEvent is app-layer-event:PROTO.NAME. Only the protocols the sensor parses, and only
// the events their parsers raise, load; Suricata's generic applayer.* events are not raised.
func (b *ruleBuilder) appLayerEvent(val string) error {
	v := strings.TrimSpace(val)
	proto, ev, ok := strings.Cut(v, ".")
	if !ok || proto == "" || ev == "" {
		return fmt.Errorf("bad app-layer-event %q: want proto.event", v)
	}
	if !appEventKnown(proto, v) {
		return notSupported("app-layer-event %s not supported yet", v)
	}
	b.r.AppEvents = append(b.r.AppEvents, v)
	return nil
}

// appEventKnown reports whether the parser of proto raises the event full ("proto.name").
func appEventKnown(proto, full string) bool {
	switch proto {
	case "http":
		_, ok := http.EventByName(full)
		return ok
	case "tls":
		for e := tls.Event(1); e < tls.NumEvents; e++ {
			if e.Name() == full {
				return true
			}
		}
	case "dns":
		for e := dns.Event(1); e < dns.NumEvents; e++ {
			if e.Name() == full {
				return true
			}
		}
	case "http2":
		_, ok := http2.EventByName(full)
		return ok
	case "ftp":
		_, ok := ftp.EventByName(full)
		return ok
	case "ssh":
		for e := ssh.Event(1); e < ssh.NumEvents; e++ {
			if e.Name() == full {
				return true
			}
		}
	case "smtp":
		_, ok := smtp.EventByName(full)
		return ok
	}
	return false
}

// appEventProto is the protocol an app-layer event name belongs to.
func appEventProto(full string) AppProto {
	proto, _, _ := strings.Cut(full, ".")
	p, _ := AppProtoByName(proto)
	return p
}

// isTxRule reports whether the rule is inspected per transaction: it reads app-layer buffers
// or numbers, or tests app-layer events.
func (r *Rule) isTxRule() bool {
	return len(r.Buffers) > 0 || len(r.AppNumbers) > 0 || len(r.AppEvents) > 0 || len(r.DCE) > 0
}
