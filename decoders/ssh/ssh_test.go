package ssh

import (
	"crypto/md5"
	"encoding/binary"
	"fmt"
	mrand "math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// pkt frames a payload as an unencrypted SSH binary packet with 8-byte alignment.
func pkt(payload []byte) []byte {
	pad := 8 - (5+len(payload))%8
	if pad < 4 {
		pad += 8
	}
	out := binary.BigEndian.AppendUint32(nil, uint32(1+len(payload)+pad))
	out = append(out, byte(pad))
	out = append(out, payload...)
	return append(out, make([]byte, pad)...)
}

func nameList(s string) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(s))), s...)
}

// kexInit lists: kex, hostkey, enc c2s, enc s2c, mac c2s, mac s2c, comp c2s, comp s2c.
var kexLists = [8]string{
	"curve25519-sha256,ext-info-c", "ssh-ed25519", "aes128-ctr,chacha20-poly1305@openssh.com",
	"aes256-ctr", "hmac-sha2-256", "hmac-sha2-512", "none,zlib@openssh.com", "none",
}

func kexInit() []byte {
	p := append([]byte{msgKexInit}, make([]byte, 16)...)
	for _, l := range kexLists {
		p = append(p, nameList(l)...)
	}
	p = append(p, nameList("")...)
	p = append(p, nameList("")...)
	p = append(p, 0, 0, 0, 0, 0) // first_kex_packet_follows, reserved
	return pkt(p)
}

type chunk struct {
	toServer bool
	data     []byte
}

// conversation is a plausible SSH start: banners, KEXINITs, a DH exchange, NEWKEYS, then
// ciphertext.
func conversation() []chunk {
	join := func(parts ...[]byte) []byte {
		var out []byte
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	junk := make([]byte, 300)
	for i := range junk {
		junk[i] = byte(i * 7)
	}
	return []chunk{
		{false, []byte("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3\r\n")},
		{true, join([]byte("SSH-2.0-OpenSSH_9.6\r\n"), kexInit())},
		{false, kexInit()},
		{true, pkt(append([]byte{30}, make([]byte, 36)...))},
		{false, join(pkt(append([]byte{31}, make([]byte, 200)...)), pkt([]byte{msgNewKeys}))},
		{true, join(pkt([]byte{msgNewKeys}), junk)},
		{false, junk},
	}
}

type snapshot struct {
	Client, Server            [4]string
	Encrypted, Done           bool
	Events                    []Event
	PacketsClient, PacketsSrv uint64
}

func sideSnap(d *Side) [4]string {
	return [4]string{string(d.ProtoVersion), string(d.SoftwareVersion), string(d.HASSHString), string(d.HASSH)}
}

func feed(s *State, chunks []chunk, cut func(int) int) snapshot {
	s.Reset()
	for _, c := range chunks {
		d := c.data
		for len(d) > 0 {
			n := min(max(cut(len(d)), 1), len(d))
			s.Feed(c.toServer, d[:n])
			d = d[n:]
		}
	}
	return snapshot{
		Client: sideSnap(s.Client()), Server: sideSnap(s.Server()), Encrypted: s.Encrypted(), Done: s.Done(),
		Events: append([]Event(nil), s.Events()...), PacketsClient: s.Packets(true), PacketsSrv: s.Packets(false),
	}
}

func TestConversation(t *testing.T) {
	s := New(Config{})
	got := feed(s, conversation(), func(n int) int { return n })
	clientStr := strings.Join([]string{kexLists[0], kexLists[2], kexLists[4], kexLists[6]}, ";")
	serverStr := strings.Join([]string{kexLists[0], kexLists[3], kexLists[5], kexLists[7]}, ";")
	want := snapshot{
		Client:    [4]string{"2.0", "OpenSSH_9.6", clientStr, fmt.Sprintf("%x", md5.Sum([]byte(clientStr)))},
		Server:    [4]string{"2.0", "OpenSSH_8.9p1", serverStr, fmt.Sprintf("%x", md5.Sum([]byte(serverStr)))},
		Encrypted: true, Done: true, PacketsClient: 3, PacketsSrv: 3,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestSegmentationIndependence(t *testing.T) {
	s := New(Config{})
	chunks := conversation()
	whole := feed(s, chunks, func(n int) int { return n })
	if got := feed(s, chunks, func(int) int { return 1 }); !reflect.DeepEqual(got, whole) {
		t.Errorf("byte by byte:\n%+v\nwant %+v", got, whole)
	}
	rng := mrand.New(mrand.NewPCG(9, 9))
	for i := 0; i < 100; i++ {
		if got := feed(s, chunks, func(n int) int { return 1 + rng.IntN(n) }); !reflect.DeepEqual(got, whole) {
			t.Fatalf("random split %d:\n%+v\nwant %+v", i, got, whole)
		}
	}
}

func TestBanners(t *testing.T) {
	cases := []struct {
		toServer        bool
		in              string
		proto, software string
		event           Event
		failed          bool
	}{
		{false, "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3\r\n", "2.0", "OpenSSH_8.9p1", EventNone, false},
		{false, "SSH-1.99-Cisco_server-1.24\n", "1.99", "Cisco_server-1.24", EventNone, false},
		{true, "SSH-1.5-OpenSSH_3.1p1\r\n", "1.5", "OpenSSH_3.1p1", EventNone, false},
		{false, "hello there\r\nSSH-2.0-srv\r\n", "2.0", "srv", EventNone, false}, // lines before the banner
		{true, "hello there\r\n", "", "", EventInvalidBanner, true},
		{true, "SSH-2.0\r\n", "", "", EventInvalidBanner, true},
		{true, "SSH-2.0-" + strings.Repeat("x", 400) + "\r\n", "2.0", strings.Repeat("x", 256-8), EventLongBanner, false},
	}
	for i, c := range cases {
		s := New(Config{})
		s.Feed(c.toServer, []byte(c.in))
		d := s.Server()
		if c.toServer {
			d = s.Client()
		}
		if string(d.ProtoVersion) != c.proto || string(d.SoftwareVersion) != c.software {
			t.Errorf("case %d: %q/%q, want %q/%q", i, d.ProtoVersion, d.SoftwareVersion, c.proto, c.software)
		}
		if c.event != EventNone && s.EventCount(c.event) == 0 {
			t.Errorf("case %d: no %s (%v)", i, c.event.Name(), s.Events())
		}
		if c.event == EventNone && len(s.Events()) != 0 {
			t.Errorf("case %d: unexpected events %v", i, s.Events())
		}
		if s.Failed(c.toServer) != c.failed {
			t.Errorf("case %d: failed %v", i, s.Failed(c.toServer))
		}
	}
}

func TestMalformedRecords(t *testing.T) {
	banner := []byte("SSH-2.0-x\r\n")
	for i, rec := range [][]byte{
		{0xff, 0xff, 0xff, 0xff, 4, 20},                     // absurd length
		{0, 0, 0, 2, 0, 20},                                 // too short for padding
		{0, 0, 0, 12, 11, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, // padding eats the payload
	} {
		s := New(Config{})
		s.Feed(true, append(append([]byte(nil), banner...), rec...))
		if s.EventCount(EventInvalidRecord) == 0 || !s.Failed(true) {
			t.Errorf("record %d: events %v failed %v", i, s.Events(), s.Failed(true))
		}
	}
	s := New(Config{})
	s.Feed(true, banner)
	s.Gap(true, 10)
	if !s.Failed(true) || s.EventCount(EventStreamGap) != 1 {
		t.Error("gap before encryption not reported")
	}
	// Mutated conversations never panic.
	rng := mrand.New(mrand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		s.Reset()
		for _, c := range conversation() {
			b := append([]byte(nil), c.data...)
			b[rng.IntN(len(b))] = byte(rng.Uint32())
			s.Feed(c.toServer, b)
		}
	}
}

func TestProbe(t *testing.T) {
	if Probe(true, []byte("SSH-2.0-x")) != Match || Probe(true, []byte("SS")) != NeedMore ||
		Probe(false, []byte("GET /")) != NoMatch || Probe(true, nil) != NeedMore {
		t.Error("probe")
	}
}
