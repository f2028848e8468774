package signatures

import (
	"testing"

	"github.com/nightjar-ids/nightjar/decoders"
)

func TestTCPMSS(t *testing.T) {
	h := newHarness(t, `alert tcp any any -> any any (tcp.mss:<536; sid:1;)
alert tcp any any -> any any (tcp.mss:1460; sid:2;)
`, EngineOptions{})
	h.dec.Decode(&h.pkt, buildFrame(tcpTo(80, "")), decoders.LinkEthernet, 0, 0)
	p := h.pkt
	if got := h.inspectRaw(&p); len(got) != 0 {
		t.Errorf("packet without an MSS option: %v", got)
	}
	p.TCPOpts.HasMSS, p.TCPOpts.MSS = true, 500
	if got := h.inspectRaw(&p); !sidsEqual(got, []uint32{1}) {
		t.Errorf("MSS 500: %v, want [1]", got)
	}
	p.TCPOpts.MSS = 1460
	if got := h.inspectRaw(&p); !sidsEqual(got, []uint32{2}) {
		t.Errorf("MSS 1460: %v, want [2]", got)
	}
	if r, _ := loadOne(t, `alert tcp any any -> any any (tcp.mss:70000; sid:1;)`); r != nil {
		t.Error("tcp.mss above 65535 loaded")
	}
}

// versionTx is a TLS transaction that reports one hello version per side.
type versionTx struct {
	client, server uint16
	subject        string
}

func (v *versionTx) Buffer(id BufferID, toServer bool, i int) ([]byte, bool) {
	if id == BufTLSCertSubject && !toServer && i == 0 && v.subject != "" {
		return []byte(v.subject), true
	}
	return nil, false
}

func (v *versionTx) Number(id NumberID, toServer bool, i int) (uint64, bool) {
	if id != NumSSLVersion || i != 0 {
		return 0, false
	}
	if toServer {
		return SSLVersionClass(v.client)
	}
	return SSLVersionClass(v.server)
}

func (v *versionTx) Event(string) bool { return false }

func TestSSLVersion(t *testing.T) {
	h := newHarness(t, `alert tcp any any -> any any (ssl_version:!sslv3; sid:1;)
alert tcp any any -> any any (ssl_version:!tls1.3,tls1.2; sid:2;)
alert tcp any any -> any any (ssl_version:tls1.0,tls1.1; sid:3;)
alert tcp any any -> any any (ssl_version:!tls1.0; sid:4;)
`, EngineOptions{})
	start := [2]uint8{StageStart, StageStart}
	tests := []struct {
		tx       versionTx
		toServer bool
		want     []uint32
	}{
		{versionTx{client: 0x0301}, true, []uint32{1, 2, 3}},
		{versionTx{client: 0x0303, server: 0x0300}, false, []uint32{2, 4}},
		{versionTx{client: 0x0301, server: 0x0304}, false, []uint32{1, 4}},
		{versionTx{client: 0x7f1c}, true, []uint32{1, 4}}, // a TLS 1.3 draft is TLS 1.3
		{versionTx{client: 0x1234}, true, nil},            // unknown versions never match
	}
	for _, tc := range tests {
		tx := tc.tx
		if got := h.inspectTx(AppTLS, &tx, tc.toServer, start); !sidsEqual(got, tc.want) {
			t.Errorf("%+v toServer %v: %v, want %v", tc.tx, tc.toServer, got, tc.want)
		}
	}
	for _, bad := range []string{"tls1.4", "tls1.0,tls1.0", ""} {
		if r, _ := loadOne(t, `alert tcp any any -> any any (ssl_version:`+bad+`; sid:1;)`); r != nil {
			t.Errorf("ssl_version:%s loaded", bad)
		}
	}
}

func TestTLSLegacySubject(t *testing.T) {
	h := newHarness(t, `alert tls any any -> any any (tls.subject:"CN=SELKS"; sid:1;)
alert tls any any -> any any (tls.subject:!"CN=other"; sid:2;)
alert tls any any -> any any (tls.subject:"cn=selks"; sid:3;)
alert tls any any -> any any (tls.subject:"O=Stamus"; tls.cert_subject; content:"CN="; sid:4;)
`, EngineOptions{})
	r := mustRule(t, `alert tls any any -> any any (tls.issuerdn:"x"; tls.cert_issuer; content:"y"; sid:5;)`)
	if len(r.Buffers) != 2 || r.Buffers[0].ID != r.Buffers[1].ID {
		t.Fatalf("the legacy keyword and the sticky buffer must be two lists, got %d", len(r.Buffers))
	}
	done := [2]uint8{StageComplete, StageComplete}
	tx := &versionTx{subject: "C=FR, O=Stamus, CN=SELKS"}
	if got := h.inspectTx(AppTLS, tx, false, done); !sidsEqual(got, []uint32{1, 2, 4}) {
		t.Errorf("subject present: %v, want [1 2 4] (case-sensitive)", got)
	}
	if got := h.inspectTx(AppTLS, &versionTx{}, false, done); len(got) != 0 {
		t.Errorf("no certificate: %v, want none (negated included)", got)
	}
}
