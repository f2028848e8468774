package dns

import (
	"bytes"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// builder assembles DNS messages for tests; names are written uncompressed unless a pointer
// is given explicitly.
type builder struct{ b []byte }

func newMsg(id, flags uint16, qd, an, ns, ar uint16) *builder {
	b := &builder{}
	for _, v := range []uint16{id, flags, qd, an, ns, ar} {
		b.u16(v)
	}
	return b
}
func (b *builder) u16(v uint16) *builder { b.b = append(b.b, byte(v>>8), byte(v)); return b }
func (b *builder) u32(v uint32) *builder { return b.u16(uint16(v >> 16)).u16(uint16(v)) }
func (b *builder) raw(p ...byte) *builder {
	b.b = append(b.b, p...)
	return b
}
func (b *builder) name(n string) *builder {
	if n != "" {
		for _, l := range strings.Split(n, ".") {
			b.b = append(b.b, byte(len(l)))
			b.b = append(b.b, l...)
		}
	}
	b.b = append(b.b, 0)
	return b
}
func (b *builder) ptr(off int) *builder { return b.raw(0xc0|byte(off>>8), byte(off)) }
func (b *builder) question(n string, t uint16) *builder {
	return b.name(n).u16(t).u16(1)
}

// rr writes a record header and rdata produced by fill (its length is patched in).
func (b *builder) rr(n string, t uint16, ttl uint32, fill func(b *builder)) *builder {
	b.name(n).u16(t).u16(1).u32(ttl)
	at := len(b.b)
	b.u16(0)
	fill(b)
	l := len(b.b) - at - 2
	b.b[at], b.b[at+1] = byte(l>>8), byte(l)
	return b
}

func summary(m *Message) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "id=%d flags=%s rcode=%s", m.ID, FlagsString(nil, m.Flags), RcodeString(nil, m.Rcode()))
	for _, q := range m.Queries {
		fmt.Fprintf(&sb, " q=%s/%s", q.Name, RRTypeString(nil, q.Type))
	}
	for i, sec := range [][]RR{m.Answers, m.Authorities, m.Additionals} {
		for _, r := range sec {
			fmt.Fprintf(&sb, " %d:%s/%s/%d", i, r.Name, RRTypeString(nil, r.Type), r.TTL)
			switch r.Type {
			case TypeA, TypeAAAA:
				fmt.Fprintf(&sb, "=%s", AddrString(nil, r.Data))
			case TypeSOA:
				fmt.Fprintf(&sb, "=%s,%s,%d,%d,%d,%d,%d", r.SOA.MName, r.SOA.RName, r.SOA.Serial,
					r.SOA.Refresh, r.SOA.Retry, r.SOA.Expire, r.SOA.Minimum)
			case TypeSRV:
				fmt.Fprintf(&sb, "=%d,%d,%d,%s", r.SRV.Priority, r.SRV.Weight, r.SRV.Port, r.SRV.Name)
			case TypeSSHFP:
				fmt.Fprintf(&sb, "=%d,%d,%x", r.SSHFP.Algo, r.SSHFP.Type, r.SSHFP.Fingerprint)
			default:
				fmt.Fprintf(&sb, "=%s", SafeString(nil, r.Data))
			}
		}
	}
	for _, e := range m.Events.Slice() {
		sb.WriteString(" !" + e.Name())
	}
	return sb.String()
}

func bigResponse() []byte {
	b := newMsg(0x1234, 0x8180, 1, 9, 1, 1).question("www.example.com", TypeA)
	// the CNAME's owner points at the question name (offset 12), its target at "example.com" (16)
	b.ptr(12).u16(TypeCNAME).u16(1).u32(300)
	b.u16(6).raw(3, 'w', 'e', 'b').ptr(16) // "web" + pointer to "example.com"
	b.rr("web.example.com", TypeA, 60, func(b *builder) { b.raw(192, 0, 2, 1) })
	b.rr("web.example.com", TypeAAAA, 60, func(b *builder) {
		b.raw(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)
	})
	b.rr("example.com", TypeMX, 60, func(b *builder) { b.u16(10).name("mail.example.com") })
	b.rr("example.com", TypeTXT, 60, func(b *builder) { b.raw(2, 'h', 'i', 0) })
	b.rr("_sip._udp.example.com", TypeSRV, 60, func(b *builder) { b.u16(20).u16(1).u16(5060).name("sip.example.com") })
	b.rr("example.com", TypeSSHFP, 60, func(b *builder) { b.raw(1, 1, 0x19, 0x8c) })
	b.rr("null.example.com", TypeNULL, 60, func(b *builder) { b.raw('V', 3, 0xc5) })
	b.rr("example.com", TypePTR, 60, func(b *builder) { b.name("ptr.example.com") })
	b.rr("example.com", TypeSOA, 900, func(b *builder) {
		b.name("ns.example.com").name("hostmaster.example.com").u32(1).u32(7200).u32(900).u32(1209600).u32(86400)
	})
	b.rr("", TypeOPT, 0, func(b *builder) {})
	return b.b
}

func TestParseResponse(t *testing.T) {
	var p Parser
	m, err := p.ParseMessage(false, bigResponse())
	if err != nil {
		t.Fatal(err)
	}
	want := "id=4660 flags=8180 rcode=NOERROR q=www.example.com/A" +
		" 0:www.example.com/CNAME/300=web.example.com" +
		" 0:web.example.com/A/60=192.0.2.1" +
		" 0:web.example.com/AAAA/60=2001:0db8:0000:0000:0000:0000:0000:0001" +
		" 0:example.com/MX/60=mail.example.com" +
		" 0:example.com/TXT/60=hi 0:example.com/TXT/60=" +
		" 0:_sip._udp.example.com/SRV/60=20,1,5060,sip.example.com" +
		" 0:example.com/SSHFP/60=1,1,198c" +
		" 0:null.example.com/NULL/60=V\x03\\xc5" +
		" 0:example.com/PTR/60=ptr.example.com" +
		" 1:example.com/SOA/900=ns.example.com,hostmaster.example.com,1,7200,900,1209600,86400" +
		" 2:/OPT/0="
	if got := summary(m); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if !m.Response() || !m.RD() || !m.RA() || m.AA() || m.Opcode() != 0 {
		t.Errorf("flags misread: %+v", m.Header)
	}
}

func TestQueryAndProbe(t *testing.T) {
	q := newMsg(7, 0x0100, 1, 0, 0, 0).question("suricata.io", TypeAAAA).b
	var p Parser
	m, err := p.ParseMessage(true, q)
	if err != nil || string(m.QueryName(0)) != "suricata.io" || m.Queries[0].Type != TypeAAAA || m.Events.N != 0 {
		t.Fatalf("query: %v %s", err, summary(m))
	}
	if ProbeDatagram(true, q) != Match || ProbeDatagram(false, q) != Match {
		t.Error("ProbeDatagram refused a query")
	}
	// An unassigned opcode is still DNS (the parser flags it), as Suricata's probe has it.
	if odd := newMsg(1, 9<<11|0x0100, 1, 0, 0, 0).question("suricata.io", TypeA).b; ProbeDatagram(true, odd) != Match {
		t.Error("ProbeDatagram refused a query with opcode 9")
	}
	if ProbeDatagram(true, []byte("GET / HTTP/1.1\r\nHost: x\r\n")) != NoMatch {
		t.Error("ProbeDatagram took HTTP")
	}
	tcp := append([]byte{0, byte(len(q))}, q...)
	if Probe(true, tcp) != Match || Probe(true, tcp[:5]) != NeedMore {
		t.Error("Probe on the TCP form")
	}
	// A response sent to the server is flagged.
	r := newMsg(7, 0x8180, 1, 0, 0, 0).question("suricata.io", TypeA).b
	if m, _ := p.ParseMessage(true, r); !m.Events.Has(EventNotARequest) {
		t.Error("no not_a_request")
	}
	if m, _ := p.ParseMessage(false, q); !m.Events.Has(EventNotAResponse) {
		t.Error("no not_a_response")
	}
}

func TestMalformed(t *testing.T) {
	loop := newMsg(1, 0x0100, 1, 0, 0, 0).ptr(12).u16(1).u16(1).b
	forward := newMsg(1, 0x0100, 1, 0, 0, 0).ptr(18).u16(1).u16(1).name("fwd.example").b
	long := newMsg(1, 0x0100, 1, 0, 0, 0)
	for i := 0; i < 20; i++ {
		long.raw(63).raw(bytes.Repeat([]byte{'a'}, 63)...)
	}
	long.raw(0).u16(1).u16(1)
	many := newMsg(1, 0x0100, 1, 0, 0, 0)
	for i := 0; i < 300; i++ {
		many.raw(1, 'x')
	}
	many.raw(0).u16(1).u16(1)
	cases := []struct {
		name    string
		msg     []byte
		event   Event
		wantErr bool
	}{
		{"short", []byte{1, 2, 3}, EventMalformedData, true},
		{"pointer loop", loop, EventInfiniteLoop, true},
		{"z flag", newMsg(1, 0x0140, 1, 0, 0, 0).question("a.b", 1).b, EventZFlagSet, false},
		{"opcode 9", newMsg(1, 9<<11, 1, 0, 0, 0).question("a.b", 1).b, EventInvalidOpcode, false},
		{"name too long", long.b, EventNameTooLong, false},
		{"too many labels", many.b, EventTooManyLabels, true},
		{"bad authority", append(newMsg(1, 0x8180, 1, 0, 1, 0).question("a.b", 1).b, 0xff), EventInvalidAuthorities, false},
		{"answer count beyond data", newMsg(1, 0x8180, 1, 3, 0, 0).question("a.b", 1).b, EventMalformedData, true},
		{"label type 0x40", newMsg(1, 0x0100, 1, 0, 0, 0).raw(0x41, 'a', 0).u16(1).u16(1).b, EventMalformedData, true},
	}
	var p Parser
	for _, c := range cases {
		toServer := c.msg == nil || len(c.msg) < 3 || c.msg[2]&0x80 == 0
		m, err := p.ParseMessage(toServer, c.msg)
		if !m.Events.Has(c.event) {
			t.Errorf("%s: no %s (events %v)", c.name, c.event.Name(), summary(m))
		}
		if (err != nil) != c.wantErr {
			t.Errorf("%s: err = %v, want error %v", c.name, err, c.wantErr)
		}
		if err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrShort) {
			t.Errorf("%s: error %v is not ErrMalformed", c.name, err)
		}
	}
	// A forward pointer is legal (Suricata accepts it).
	m, err := p.ParseMessage(true, forward)
	if err != nil || string(m.QueryName(0)) != "fwd.example" {
		t.Errorf("forward pointer: %v %s", err, summary(m))
	}
	// The long name is cut at MaxNameLen and flagged.
	m, _ = p.ParseMessage(true, long.b)
	if len(m.QueryName(0)) != MaxNameLen || !m.Queries[0].NameTruncated {
		t.Errorf("long name: len %d truncated %v", len(m.QueryName(0)), m.Queries[0].NameTruncated)
	}
}

// TestTruncatedEverywhere parses every prefix of a full response: never a panic, and every
// strict prefix that cuts into the answers fails.
func TestTruncatedEverywhere(t *testing.T) {
	full := bigResponse()
	var p Parser
	for n := 0; n < len(full); n++ {
		m, err := p.ParseMessage(false, full[:n])
		if err == nil && len(m.Answers) == 10 && len(m.Authorities) == 1 && len(m.Additionals) == 1 {
			t.Fatalf("prefix %d parsed as the whole message", n)
		}
	}
	rng := mrand.New(mrand.NewPCG(3, 3))
	for i := 0; i < 3000; i++ {
		b := append([]byte(nil), full...)
		for j := 0; j < 1+rng.IntN(6); j++ {
			b[rng.IntN(len(b))] = byte(rng.Uint32())
		}
		p.ParseMessage(i%2 == 0, b)
		ProbeDatagram(true, b)
	}
}

// tcpStream frames messages with their length prefixes.
func tcpStream(msgs ...[]byte) []byte {
	var out []byte
	for _, m := range msgs {
		out = append(out, byte(len(m)>>8), byte(len(m)))
		out = append(out, m...)
	}
	return out
}

type tcpChunk struct {
	toServer bool
	data     []byte
}

func feedTCP(s *State, chunks []tcpChunk, cut func(n int) int) []string {
	var got []string
	s.Reset()
	s.OnMessage = func(toServer bool, m *Message, err error) {
		got = append(got, fmt.Sprintf("%v %s err=%v", toServer, summary(m), err))
	}
	for _, c := range chunks {
		d := c.data
		for len(d) > 0 {
			n := min(max(cut(len(d)), 1), len(d))
			s.Feed(c.toServer, d[:n])
			d = d[n:]
		}
	}
	return got
}

func TestTCPSegmentationIndependence(t *testing.T) {
	q1 := newMsg(1, 0x0100, 1, 0, 0, 0).question("a.example", TypeA).b
	q2 := newMsg(2, 0x0100, 1, 0, 0, 0).question("b.example", TypeTXT).b
	chunks := []tcpChunk{
		{true, tcpStream(q1, q2)},
		{false, tcpStream(bigResponse(), bigResponse())},
		{true, tcpStream(q1)},
	}
	var s State
	whole := feedTCP(&s, chunks, func(n int) int { return n })
	if len(whole) != 5 {
		t.Fatalf("got %d messages: %v", len(whole), whole)
	}
	if got := feedTCP(&s, chunks, func(int) int { return 1 }); !reflect.DeepEqual(got, whole) {
		t.Errorf("byte by byte:\n%v\nwant\n%v", got, whole)
	}
	rng := mrand.New(mrand.NewPCG(5, 5))
	for i := 0; i < 50; i++ {
		if got := feedTCP(&s, chunks, func(n int) int { return 1 + rng.IntN(n) }); !reflect.DeepEqual(got, whole) {
			t.Fatalf("random split %d:\n%v\nwant\n%v", i, got, whole)
		}
	}
}

func TestTCPGapResync(t *testing.T) {
	q1 := newMsg(1, 0x0100, 1, 0, 0, 0).question("a.example", TypeA).b
	q2 := newMsg(2, 0x0100, 1, 0, 0, 0).question("b.example", TypeA).b
	var s State
	var ids []uint16
	s.OnMessage = func(_ bool, m *Message, _ error) { ids = append(ids, m.ID) }
	st := tcpStream(q1)
	s.Feed(true, st[:7])
	s.Gap(true, 100)
	s.Feed(true, []byte("garbage that is not dns at all"))
	s.Feed(true, tcpStream(q2))
	if !reflect.DeepEqual(ids, []uint16{2}) || s.EventCount(EventStreamGap) != 1 {
		t.Errorf("ids %v gaps %d", ids, s.EventCount(EventStreamGap))
	}
}
