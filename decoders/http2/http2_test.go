package http2

import (
	"bytes"
	"encoding/binary"
	"testing"

	"golang.org/x/net/http2/hpack"
)

// frame builds one frame.
func frame(typ FrameType, flags uint8, stream uint32, payload []byte) []byte {
	b := []byte{byte(len(payload) >> 16), byte(len(payload) >> 8), byte(len(payload)), byte(typ), flags, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[5:], stream)
	return append(b, payload...)
}

// block HPACK-encodes fields given as name, value pairs with enc.
func block(enc *hpack.Encoder, buf *bytes.Buffer, kv ...string) []byte {
	buf.Reset()
	for i := 0; i+1 < len(kv); i += 2 {
		if err := enc.WriteField(hpack.HeaderField{Name: kv[i], Value: kv[i+1]}); err != nil {
			panic(err)
		}
	}
	return append([]byte(nil), buf.Bytes()...)
}

// conversation is a client and a server side of one GET with a padded, prioritised request,
// a response split over HEADERS and CONTINUATION, a padded body and the connection frames.
func conversation() (client, server []byte) {
	var cb, sb bytes.Buffer
	ce, se := hpack.NewEncoder(&cb), hpack.NewEncoder(&sb)
	client = append(client, Preface...)
	client = append(client, frame(FrameSettings, 0, 0, []byte{0, 2, 0, 0, 0, 0, 0, 4, 0, 0, 0xff, 0xff})...)
	req := block(ce, &cb, ":method", "GET", ":path", "/index.html", ":authority", "example.com", ":scheme", "http", "user-agent", "nj-test/1")
	// Padded (2 bytes of padding) and prioritised (weight 200).
	p := append([]byte{2, 0, 0, 0, 0, 200}, req...)
	p = append(p, 0, 0)
	client = append(client, frame(FrameHeaders, FlagEndStream|FlagEndHeaders|FlagPadded|FlagPriority, 1, p)...)
	client = append(client, frame(FrameWindowUpdate, 0, 0, []byte{0, 0, 0x80, 0})...)
	client = append(client, frame(FrameGoAway, 0, 0, []byte{0, 0, 0, 1, 0, 0, 0, 2, 'd', 'b', 'g'})...)

	server = append(server, frame(FrameSettings, 0, 0, []byte{0, 3, 0, 0, 0, 100})...)
	server = append(server, frame(FrameSettings, 1, 0, nil)...)
	resp := block(se, &sb, ":status", "200", "content-type", "text/html", "content-length", "5", "x-long", "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvv")
	cut := len(resp) / 2
	server = append(server, frame(FrameHeaders, 0, 1, resp[:cut])...)
	server = append(server, frame(FrameContinuation, FlagEndHeaders, 1, resp[cut:])...)
	server = append(server, frame(FrameData, FlagPadded, 1, []byte{3, 'h', 'e', 'l', 0, 0, 0})...)
	server = append(server, frame(FrameData, FlagEndStream, 1, []byte{'l', 'o'})...)
	server = append(server, frame(FramePing, 0, 0, make([]byte, 8))...)
	return client, server
}

// feedSplit feeds b in pieces of n bytes.
func feedSplit(p *Parser, toServer bool, b []byte, n int) {
	for len(b) > 0 {
		k := min(n, len(b))
		p.Feed(toServer, b[:k])
		b = b[k:]
	}
}

func checkConversation(t *testing.T, p *Parser) {
	t.Helper()
	var stream *Tx
	var globals []*Tx
	for _, tx := range p.Txs() {
		if tx.Global {
			globals = append(globals, tx)
		} else {
			stream = tx
		}
	}
	if stream == nil || stream.StreamID != 1 {
		t.Fatalf("no stream 1 transaction: %d txs", len(p.Txs()))
	}
	if got := string(stream.Method()) + " " + string(stream.Path()) + " " + string(stream.Authority()); got != "GET /index.html example.com" {
		t.Errorf("request pseudo-headers %q", got)
	}
	if ua := string(stream.Get(0, "User-Agent")); ua != "nj-test/1" {
		t.Errorf("user-agent %q", ua)
	}
	if st := string(stream.Status()); st != "200" {
		t.Errorf("status %q", st)
	}
	if v := string(stream.Get(1, "x-long")); v != "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvv" {
		t.Errorf("field across CONTINUATION %q", v)
	}
	if b := string(stream.Side[1].Body); b != "hello" || stream.Side[1].BodyLen != 5 {
		t.Errorf("body %q (%d)", b, stream.Side[1].BodyLen)
	}
	if w := stream.Side[0].Priorities; len(w) != 1 || w[0] != 200 {
		t.Errorf("priorities %v", w)
	}
	if !stream.Done() || !stream.Side[0].HeadersDone || !stream.Side[1].HeadersDone {
		t.Errorf("stream not done: %+v", stream.Side[1])
	}
	if !stream.Side[1].HasFrame(FrameContinuation) || !stream.Side[1].HasFrame(FrameData) || stream.Side[0].HasFrame(FrameData) {
		t.Errorf("frame types %b %b", stream.Side[0].Frames, stream.Side[1].Frames)
	}
	// Client SETTINGS, WINDOW_UPDATE, GOAWAY; server SETTINGS, PING; the ACK makes none.
	if len(globals) != 5 {
		t.Fatalf("%d global transactions, want 5", len(globals))
	}
	var settings, windows, codes int
	for _, g := range globals {
		for d := range g.Side {
			settings += len(g.Side[d].Settings)
			windows += len(g.Side[d].Windows)
			codes += len(g.Side[d].ErrorCodes)
		}
		if g.Events != 0 {
			t.Errorf("global tx %d events %b", g.ID, g.Events)
		}
	}
	if settings != 3 || windows != 1 || codes != 1 {
		t.Errorf("settings %d windows %d error codes %d", settings, windows, codes)
	}
	if stream.Events != 0 || p.Events != 0 {
		t.Errorf("events %b %b", stream.Events, p.Events)
	}
}

// TestConversationAnySplit feeds the conversation in pieces of every size from 1 byte up: the
// framing must not depend on where the stream was cut.
func TestConversationAnySplit(t *testing.T) {
	client, server := conversation()
	p := NewParser(Config{})
	for n := 1; n <= len(client)+1; n++ {
		p.Reset()
		feedSplit(p, true, client, n)
		feedSplit(p, false, server, n)
		checkConversation(t, p)
		if t.Failed() {
			t.Fatalf("split %d", n)
		}
	}
}

func TestTxIDsAndRelease(t *testing.T) {
	client, server := conversation()
	p := NewParser(Config{})
	p.Feed(true, client)
	p.Feed(false, server)
	for i, tx := range p.Txs() {
		if tx.ID != uint64(i) {
			t.Fatalf("tx %d has id %d", i, tx.ID)
		}
	}
	n := len(p.Txs())
	p.ReleaseDone(p.Txs()[n-1].ID)
	if len(p.Txs()) != 0 {
		t.Fatalf("%d transactions left after release", len(p.Txs()))
	}
}

func TestEvents(t *testing.T) {
	cases := []struct {
		name   string
		client []byte
		want   Event
	}{
		{"bad magic", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), EventInvalidClientMagic},
		{"rst length", append([]byte(Preface), frame(FrameRSTStream, 0, 1, []byte{0, 0, 0})...), EventInvalidFrameLength},
		{"window length", append([]byte(Preface), frame(FrameWindowUpdate, 0, 0, []byte{0, 0})...), EventInvalidFrameLength},
		{"priority length", append([]byte(Preface), frame(FramePriority, 0, 3, []byte{0})...), EventInvalidFrameLength},
		{"goaway length", append([]byte(Preface), frame(FrameGoAway, 0, 0, []byte{0, 0, 0, 0})...), EventInvalidFrameLength},
		{"settings length", append([]byte(Preface), frame(FrameSettings, 0, 0, []byte{0, 1, 0})...), EventInvalidFrameData},
		{"padding too long", append([]byte(Preface), frame(FrameData, FlagPadded, 1, []byte{9, 'a'})...), EventInvalidFrameData},
		{"bad hpack", append([]byte(Preface), frame(FrameHeaders, FlagEndHeaders, 1, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})...), EventInvalidHeader},
		{"long frame", append([]byte(Preface), frame(FrameData, 0, 1, make([]byte, maxHandledFrame))...), EventLongFrameData},
		{"reuse", append(append([]byte(Preface), frame(FrameRSTStream, 0, 1, []byte{0, 0, 0, 8})...), frame(FrameData, 0, 1, []byte{'x'})...), EventStreamIDReuse},
	}
	for _, c := range cases {
		p := NewParser(Config{})
		p.Feed(true, c.client)
		all := p.Events
		for _, tx := range p.Txs() {
			all |= tx.Events
		}
		if !all.Has(c.want) {
			t.Errorf("%s: events %b, want %s", c.name, all, c.want)
		}
	}
}

func TestHeaderLimits(t *testing.T) {
	var b bytes.Buffer
	enc := hpack.NewEncoder(&b)
	kv := []string{":method", "GET", ":path", "/"}
	for range 50 {
		kv = append(kv, "x-pad", "0123456789")
	}
	blk := block(enc, &b, kv...)
	p := NewParser(Config{MaxHeaders: 10})
	p.Feed(true, append([]byte(Preface), frame(FrameHeaders, FlagEndHeaders|FlagEndStream, 1, blk)...))
	tx := p.Txs()[0]
	if n := len(tx.Side[0].Headers); n != 10 {
		t.Errorf("%d headers stored, want 10", n)
	}
	p = NewParser(Config{RequestBodyLimit: 4})
	p.Feed(true, append([]byte(Preface), frame(FrameData, FlagEndStream, 1, []byte("abcdefgh"))...))
	s := p.Txs()[0].Side[0]
	if string(s.Body) != "abcd" || !s.BodyTruncated || s.BodyLen != 8 {
		t.Errorf("body %q truncated %v len %d", s.Body, s.BodyTruncated, s.BodyLen)
	}
}

func TestSizeUpdateLogged(t *testing.T) {
	var b bytes.Buffer
	enc := hpack.NewEncoder(&b)
	enc.SetMaxDynamicTableSizeLimit(4096)
	enc.SetMaxDynamicTableSize(2048)
	blk := block(enc, &b, ":method", "GET")
	p := NewParser(Config{})
	p.Feed(true, append([]byte(Preface), frame(FrameHeaders, FlagEndHeaders, 1, blk)...))
	h := p.Txs()[0].Side[0].Headers
	if len(h) != 2 || h[0].Kind != HeaderSizeUpdate || h[0].SizeUpdate != 2048 || string(h[1].Name) != ":method" {
		t.Fatalf("headers %+v", h)
	}
}

func TestProbe(t *testing.T) {
	if Probe(true, []byte("PRI * HTTP/2.0\r\n")) != NeedMore || Probe(true, []byte(Preface)) != Match || Probe(true, []byte("GET /")) != NoMatch {
		t.Error("to-server probe")
	}
	_, server := conversation()
	if Probe(false, server) != Match || Probe(false, server[:5]) != NeedMore || Probe(false, []byte("HTTP/1.1 200 OK\r\n")) != NoMatch {
		t.Error("to-client probe")
	}
}

func TestUpgrade(t *testing.T) {
	p := NewParser(Config{})
	// SETTINGS_ENABLE_PUSH 0, base64url without padding.
	p.Upgrade([]byte("GET"), []byte("/robots.txt"), [][2][]byte{{[]byte("Host"), []byte("nghttp2.org")}}, []byte("AAIAAAAA"))
	tx := p.Txs()[0]
	if tx.StreamID != 1 || string(tx.Path()) != "/robots.txt" || string(tx.Get(0, "host")) != "nghttp2.org" ||
		len(tx.Side[0].Settings) != 1 || tx.Side[0].Settings[0].ID != 2 {
		t.Fatalf("upgraded tx %+v", tx.Side[0])
	}
	p.Upgrade([]byte("GET"), []byte("/"), nil, []byte("!!"))
	if !p.Txs()[1].Events.Has(EventInvalidHTTP1Settings) {
		t.Error("bad HTTP2-Settings not reported")
	}
}

func TestHostNorm(t *testing.T) {
	p := NewParser(Config{})
	p.Upgrade([]byte("GET"), []byte("/"), [][2][]byte{{[]byte("host"), []byte("User@Example.COM:8080")}}, nil)
	got, ok := p.Txs()[0].AppendHostNorm(nil)
	if !ok || string(got) != "example.com" {
		t.Fatalf("host %q", got)
	}
}

func TestParseNames(t *testing.T) {
	if c, ok := ParseErrorCode("HTTP_1_1_REQUIRED"); !ok || c != 13 {
		t.Errorf("HTTP_1_1_REQUIRED: %v %v", c, ok)
	}
	if c, ok := ParseErrorCode("internal_error"); !ok || c.String() != "INTERNALERROR" {
		t.Errorf("internal_error: %v %v", c, ok)
	}
	if f, ok := ParseFrameType("RST_STREAM"); !ok || f != FrameRSTStream {
		t.Errorf("RST_STREAM: %v %v", f, ok)
	}
	if id, ok := ParseSettingID("SETTINGS_HEADER_TABLE_SIZE"); !ok || id != 1 {
		t.Errorf("setting: %v %v", id, ok)
	}
	if _, ok := ParseFrameType("NOPE"); ok {
		t.Error("unknown frame type accepted")
	}
}
