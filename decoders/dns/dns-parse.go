package dns

import (
	"errors"
	"fmt"
)

// Limits on name expansion, as Suricata applies them.
const (
	MaxNameLen  = 1025 // longer names are cut and flagged (rrname_truncated)
	maxLabels   = 255  // more labels than this is dns.too_many_labels
	maxPointers = 255  // more compression jumps than this is dns.infinite_loop
	headerLen   = 12
)

// Errors ParseMessage returns; the message's Events say the same in Suricata's terms.
var (
	ErrShort     = errors.New("dns: message shorter than its header")
	ErrMalformed = errors.New("dns: malformed message")
)

// ref locates an expanded name in the parser's name buffer while that buffer may still grow.
type ref struct{ off, n int32 }

// rrRefs are the names of one RR, resolved into slices once parsing is done.
type rrRefs struct {
	name, data, soaM, soaR, srv ref
}

// Parser parses DNS messages into a reused Message. One per worker (UDP) or per flow (TCP).
type Parser struct {
	msg    Message
	names  []byte // expanded names of the current message
	qRefs  []ref
	rrRefs [3][]rrRefs
	counts [NumEvents]uint64
}

// EventCount returns how often the parser raised e since it was made.
func (p *Parser) EventCount(e Event) uint64 {
	if e >= NumEvents {
		return 0
	}
	return p.counts[e]
}

func (p *Parser) event(e Event) {
	if !p.msg.Events.Has(e) {
		p.counts[e]++
	}
	p.msg.Events.add(e)
}

// ParseMessage parses one DNS message (a UDP datagram, or a TCP message without its length
// prefix). toServer is the direction it travelled: a response sent to the server or a query
// sent to the client raises dns.not_a_request / dns.not_a_response. The Message is valid
// until the next call. On error the Message still carries the events and whatever parsed.
func (p *Parser) ParseMessage(toServer bool, b []byte) (*Message, error) {
	m := &p.msg
	*m = Message{
		Queries: m.Queries[:0], Answers: m.Answers[:0], Authorities: m.Authorities[:0],
		Additionals: m.Additionals[:0],
	}
	p.names = p.names[:0]
	p.qRefs = p.qRefs[:0]
	for i := range p.rrRefs {
		p.rrRefs[i] = p.rrRefs[i][:0]
	}
	if len(b) < headerLen {
		p.event(EventMalformedData)
		return m, ErrShort
	}
	m.Header = Header{
		ID: be16(b), Flags: be16(b[2:]), QDCount: be16(b[4:]), ANCount: be16(b[6:]),
		NSCount: be16(b[8:]), ARCount: be16(b[10:]),
	}
	if m.Response() && toServer {
		p.event(EventNotARequest)
	} else if !m.Response() && !toServer {
		p.event(EventNotAResponse)
	}
	if m.Z() {
		p.event(EventZFlagSet)
	}
	if m.Opcode() >= 7 {
		p.event(EventInvalidOpcode)
	}
	off := headerLen
	var err error
	for i := 0; i < int(m.QDCount); i++ {
		var q Query
		var r ref
		r, q.NameTruncated, off, err = p.name(b, off)
		if err == nil && off+4 > len(b) {
			err = fmt.Errorf("question %d: %w", i, ErrMalformed)
		}
		if err != nil {
			p.event(EventMalformedData)
			p.resolve()
			return m, err
		}
		q.Type, q.Class = be16(b[off:]), be16(b[off+2:])
		off += 4
		m.Queries = append(m.Queries, q)
		p.qRefs = append(p.qRefs, r)
	}
	counts := [3]uint16{m.ANCount, m.NSCount, m.ARCount}
	fails := [3]Event{EventMalformedData, EventInvalidAuthorities, EventInvalidAdditionals}
	for sec := 0; sec < 3; sec++ {
		off, err = p.section(b, off, sec, int(counts[sec]))
		if err != nil {
			p.event(fails[sec])
			if sec == 0 {
				p.resolve()
				return m, err
			}
			break // Suricata keeps the answers when only later sections are broken
		}
	}
	p.resolve()
	return m, nil
}

// section parses count records into section sec (0 answers, 1 authorities, 2 additionals).
func (p *Parser) section(b []byte, off, sec, count int) (int, error) {
	for i := 0; i < count; i++ {
		var rr RR
		var rf rrRefs
		var err error
		rf.name, rr.NameTruncated, off, err = p.name(b, off)
		if err != nil {
			return off, err
		}
		if off+10 > len(b) {
			return off, fmt.Errorf("record %d header: %w", i, ErrMalformed)
		}
		rr.Type, rr.Class = be16(b[off:]), be16(b[off+2:])
		rr.TTL = uint32(be16(b[off+4:]))<<16 | uint32(be16(b[off+6:]))
		rdlen := int(be16(b[off+8:]))
		off += 10
		if off+rdlen > len(b) {
			return off, fmt.Errorf("record %d rdata: %w", i, ErrMalformed)
		}
		rr.RData = b[off : off+rdlen]
		if err := p.rdata(b, off, &rr, &rf, sec); err != nil {
			return off, fmt.Errorf("record %d: %w", i, err)
		}
		off += rdlen
	}
	return off, nil
}

// rdata decodes one record's data and appends it (TXT: once per string).
func (p *Parser) rdata(b []byte, off int, rr *RR, rf *rrRefs, sec int) error {
	d := rr.RData
	var err error
	switch rr.Type {
	case TypeA, TypeAAAA:
		if rr.Type == TypeA && len(d) != 4 || rr.Type == TypeAAAA && len(d) != 16 {
			return ErrMalformed
		}
		rr.Data = d
	case TypeCNAME, TypeNS, TypePTR:
		rf.data, _, _, err = p.name(b, off)
	case TypeMX:
		if len(d) < 3 {
			return ErrMalformed
		}
		rr.MX = be16(d)
		rf.data, _, _, err = p.name(b, off+2)
	case TypeSOA:
		var o int
		rf.soaM, _, o, err = p.name(b, off)
		if err == nil {
			rf.soaR, _, o, err = p.name(b, o)
		}
		if err == nil && o+20 > off+len(d) {
			err = ErrMalformed
		}
		if err == nil {
			s := &rr.SOA
			s.Serial, s.Refresh, s.Retry = be32(b[o:]), be32(b[o+4:]), be32(b[o+8:])
			s.Expire, s.Minimum = be32(b[o+12:]), be32(b[o+16:])
		}
	case TypeSRV:
		if len(d) < 7 {
			return ErrMalformed
		}
		rr.SRV.Priority, rr.SRV.Weight, rr.SRV.Port = be16(d), be16(d[2:]), be16(d[4:])
		rf.srv, _, _, err = p.name(b, off+6)
	case TypeSSHFP:
		if len(d) < 2 {
			return ErrMalformed
		}
		rr.SSHFP = SSHFP{Algo: d[0], Type: d[1], Fingerprint: d[2:]}
	case TypeTXT:
		if len(d) == 0 {
			break // logged as one empty string
		}
		for len(d) > 0 {
			n := int(d[0])
			if 1+n > len(d) {
				return ErrMalformed
			}
			one := *rr
			one.Data = d[1 : 1+n]
			p.appendRR(sec, one, *rf)
			d = d[1+n:]
		}
		return nil
	default: // NULL, OPT and everything else: raw
		rr.Data = d
	}
	if err != nil {
		return err
	}
	p.appendRR(sec, *rr, *rf)
	return nil
}

func (p *Parser) appendRR(sec int, rr RR, rf rrRefs) {
	m := &p.msg
	switch sec {
	case 0:
		m.Answers = append(m.Answers, rr)
	case 1:
		m.Authorities = append(m.Authorities, rr)
	default:
		m.Additionals = append(m.Additionals, rr)
	}
	p.rrRefs[sec] = append(p.rrRefs[sec], rf)
}

// resolve turns name refs into slices now that the name buffer no longer grows.
func (p *Parser) resolve() {
	m := &p.msg
	get := func(r ref) []byte { return p.names[r.off : r.off+r.n : r.off+r.n] }
	for i := range m.Queries {
		m.Queries[i].Name = get(p.qRefs[i])
	}
	for sec, rrs := range [3][]RR{m.Answers, m.Authorities, m.Additionals} {
		for i := range rrs {
			rf := p.rrRefs[sec][i]
			rr := &rrs[i]
			rr.Name = get(rf.name)
			switch rr.Type {
			case TypeCNAME, TypeNS, TypePTR, TypeMX:
				rr.Data = get(rf.data)
			case TypeSOA:
				rr.SOA.MName, rr.SOA.RName = get(rf.soaM), get(rf.soaR)
			case TypeSRV:
				rr.SRV.Name = get(rf.srv)
			}
		}
	}
}

// name expands the domain name at off into the name buffer. It returns where the name ends
// in the message (after the first pointer, if any). Pointers may go forward as well as back
// (Suricata accepts both); the jump limit is what stops loops.
func (p *Parser) name(b []byte, off int) (r ref, truncated bool, end int, err error) {
	start := len(p.names)
	end = -1
	labels, jumps := 0, 0
	for {
		if off >= len(b) {
			return ref{}, false, 0, fmt.Errorf("name at %d: %w", off, ErrMalformed)
		}
		l := int(b[off])
		switch {
		case l == 0:
			if end < 0 {
				end = off + 1
			}
			return ref{int32(start), int32(len(p.names) - start)}, truncated, end, nil
		case l&0xc0 == 0xc0:
			if off+1 >= len(b) {
				return ref{}, false, 0, fmt.Errorf("pointer at %d: %w", off, ErrMalformed)
			}
			if end < 0 {
				end = off + 2
			}
			jumps++
			if jumps > maxPointers {
				p.event(EventInfiniteLoop)
				return ref{}, false, 0, fmt.Errorf("name at %d: compression loop: %w", off, ErrMalformed)
			}
			off = (l&0x3f)<<8 | int(b[off+1])
			continue
		case l&0xc0 != 0:
			return ref{}, false, 0, fmt.Errorf("label type %#x at %d: %w", l&0xc0, off, ErrMalformed)
		}
		if off+1+l > len(b) {
			return ref{}, false, 0, fmt.Errorf("label at %d: %w", off, ErrMalformed)
		}
		labels++
		if labels > maxLabels {
			p.event(EventTooManyLabels)
			return ref{}, false, 0, fmt.Errorf("name at %d: too many labels: %w", off, ErrMalformed)
		}
		if !truncated {
			if len(p.names) > start {
				p.names = append(p.names, '.')
			}
			p.names = append(p.names, b[off+1:off+1+l]...)
			if len(p.names)-start > MaxNameLen {
				p.names = p.names[:start+MaxNameLen]
				truncated = true
				p.event(EventNameTooLong)
			}
		}
		off += 1 + l
	}
}

func be16(b []byte) uint16 { return uint16(b[0])<<8 | uint16(b[1]) }
func be32(b []byte) uint32 { return uint32(be16(b))<<16 | uint32(be16(b[2:])) }
