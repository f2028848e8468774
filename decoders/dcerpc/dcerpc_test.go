package dcerpc

import (
	"encoding/binary"
	"encoding/hex"
	"testing"
)

// PDUs of one DCERPC-over-TCP session (suricata-verify bug-5162, the flow to port 49674): a
// bind offering one interface twice (NDR, then bind-time feature negotiation), its ack
// accepting the first (0) and answering the second with 3, a request (opnum 4, 30 stub
// bytes) and its response.
var (
	realBind    = mustHex("05000b03100000007400000002000000d016d016000000000200000000000100785634123412cdabef0001234567cffb01000000045d888aeb1cc9119fe808002b1048600200000001000100785634123412cdabef0001234567cffb010000002c1cb76c12984045030000000000000001000000")
	realBindAck = mustHex("05000c03100000005400000002000000d016d0162a1e000006003439363734000200000000000000045d888aeb1cc9119fe808002b10486002000000030003000000000000000000000000000000000000000000")
	realRequest = mustHex("050000031000000036000000020000001e00000000000400000000000300000000000000030000004400430000000000000000000000")
	realResp    = mustHex("050002031000000024000000020000000c00000000000000539d5f0e779ead0200000000")
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func TestBindAndRequest(t *testing.T) {
	s := New()
	s.Feed(true, realBind)
	s.Feed(false, realBindAck)
	s.Feed(true, realRequest)
	s.Feed(false, realResp)
	if s.Failed() || len(s.Txs()) != 2 {
		t.Fatalf("failed %v, %d txs", s.Failed(), len(s.Txs()))
	}
	bind, req := s.Txs()[0], s.Txs()[1]
	if bind.Cmd != [2]uint8{TypeBind, TypeBindAck} || bind.CallID != 2 || bind.Done != [2]bool{true, true} {
		t.Errorf("bind tx %+v", bind)
	}
	if len(s.Ifaces) != 2 {
		t.Fatalf("interfaces %+v", s.Ifaces)
	}
	want := mustHex("12345678" + "1234abcdef0001234567cffb")
	for i, r := range []uint16{0, 3} {
		f := s.Ifaces[i]
		if string(f.UUID[:]) != string(want) || f.Version != 1 || f.VersionMinor != 0 || !f.Acked || f.Result != r || f.CtxID != uint16(i) {
			t.Errorf("interface %d: %+v", i, f)
		}
	}
	if req.Cmd != [2]uint8{TypeRequest, TypeResponse} || req.Opnum != 4 || req.CtxID != 0 || !req.FirstRequest {
		t.Errorf("request tx %+v", req)
	}
	// Suricata counts a TCP response's stub from the end of the header (20 bytes here).
	if len(req.Stub[0]) != 30 || len(req.Stub[1]) != 20 || req.Frags != [2]uint16{1, 1} || req.Done != [2]bool{true, true} {
		t.Errorf("request stubs %d/%d frags %v done %v", len(req.Stub[0]), len(req.Stub[1]), req.Frags, req.Done)
	}
}

func TestByteAtATime(t *testing.T) {
	s := New()
	for _, c := range []struct {
		toServer bool
		b        []byte
	}{{true, realBind}, {false, realBindAck}, {true, realRequest}, {false, realResp}} {
		for i := range c.b {
			s.Feed(c.toServer, c.b[i:i+1])
		}
	}
	if s.Failed() || len(s.Txs()) != 2 || !s.Txs()[1].Done[1] || len(s.Txs()[1].Stub[0]) != 30 {
		t.Fatalf("failed %v txs %d", s.Failed(), len(s.Txs()))
	}
}

// fragment builds a request or response fragment of call 7 with flags and a stub.
func fragment(typ, flags uint8, stub []byte) []byte {
	b := make([]byte, 24, 24+len(stub))
	copy(b, []byte{5, 0, typ, flags, 0x10, 0, 0, 0})
	binary.LittleEndian.PutUint16(b[8:], uint16(24+len(stub)))
	binary.LittleEndian.PutUint32(b[12:], 7)
	binary.LittleEndian.PutUint16(b[22:], 9) // opnum (requests)
	return append(b, stub...)
}

func TestFragments(t *testing.T) {
	s := New()
	s.Feed(true, append(fragment(TypeRequest, FlagFirstFrag, []byte("abcd")), fragment(TypeRequest, 0x00, []byte("ef"))...))
	if tx := s.Txs()[0]; tx.Done[0] {
		t.Fatal("a middle fragment completed the request")
	}
	s.Feed(true, fragment(TypeRequest, FlagLastFrag, []byte("gh")))
	s.Feed(false, fragment(TypeResponse, FlagFirstFrag|FlagLastFrag, []byte("xyz")))
	if len(s.Txs()) != 1 {
		t.Fatalf("%d txs", len(s.Txs()))
	}
	tx := s.Txs()[0]
	if string(tx.Stub[0]) != "abcdefgh" || tx.Frags[0] != 3 || tx.Opnum != 9 || !tx.Done[0] || !tx.Done[1] {
		t.Errorf("tx %+v stub %q", tx, tx.Stub[0])
	}
}

func TestGapResync(t *testing.T) {
	s := New()
	s.Feed(true, realBind)
	s.Feed(false, realBindAck)
	s.Feed(true, realRequest[:10])
	s.Gap(true, 100)
	s.Feed(true, append([]byte{0xde, 0xad}, realRequest...))
	s.Feed(false, realResp)
	if s.Failed() || len(s.Txs()) != 2 {
		t.Fatalf("failed %v txs %d", s.Failed(), len(s.Txs()))
	}
	if tx := s.Txs()[1]; tx.Opnum != 4 || !tx.Done[1] {
		t.Errorf("request after the gap: %+v", tx)
	}
}

func TestMalformed(t *testing.T) {
	for name, c := range map[string]struct {
		toServer bool
		b        []byte
	}{
		"version 4":        {true, append([]byte{4, 0}, realBind[2:]...)},
		"short frag len":   {true, append(append([]byte{}, realBind[:8]...), append([]byte{8, 0}, realBind[10:]...)...)},
		"unknown pdu type": {true, append(append([]byte{}, realBind[:2]...), append([]byte{TypeShutdown}, realBind[3:]...)...)},
		"server first":     {false, realBindAck},
		"truncated bind":   {true, append(append([]byte{}, realBind[:8]...), append([]byte{20, 0}, realBind[10:20]...)...)},
	} {
		s := New()
		s.Feed(c.toServer, c.b)
		if !s.Failed() || s.Stats.Errors != 1 {
			t.Errorf("%s: failed %v errors %d", name, s.Failed(), s.Stats.Errors)
		}
	}
}

func TestFeedAllocs(t *testing.T) {
	s := New()
	run := func() {
		s.Feed(true, realBind)
		s.Feed(false, realBindAck)
		s.Feed(true, realRequest)
		s.Feed(false, realResp)
		s.Release(func(*Tx) bool { return true })
		s.Reset()
	}
	run()
	if n := testing.AllocsPerRun(100, run); n != 0 {
		t.Errorf("%v allocs per session", n)
	}
}

// TestObjectUUIDInStub: a request flagging an object UUID (suricata-verify dcerpc-dce-iface-02)
// keeps it in its stub, as Suricata counts it (24 bytes, not 8).
func TestObjectUUIDInStub(t *testing.T) {
	req := mustHex("0500008310000000300000001b000000080000000100040074c0d8cce5d0404a92b4d074faa6ba28090000000001000000000000")
	h, err := ParseHeader(req)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseRequest(&h, req[:h.FragLen])
	if err != nil || r.Opnum != 4 || r.CtxID != 1 || len(r.Stub) != 24 {
		t.Fatalf("request %+v stub %d: %v", r, len(r.Stub), err)
	}
}
