package export

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

func sampleAppHeader(txID uint64, hasTx bool) AppHeader {
	return AppHeader{Tuple: sampleTCPFlow().Tuple, Timestamp: t1.UnixNano(), PcapCnt: 7, TxID: txID, HasTxID: hasTx}
}

func sampleHTTP() *HTTPEvent {
	return &HTTPEvent{AppHeader: sampleAppHeader(3, true), Hostname: []byte("example.com"), Port: -1,
		URL: []byte("/a?b=\"c\""), UserAgent: []byte("curl/8"), ContentType: []byte("text/html"),
		Method: []byte("GET"), Protocol: []byte("HTTP/1.1"), Status: 200, Length: 1234}
}

func sampleTLS() *TLSEvent {
	return &TLSEvent{AppHeader: sampleAppHeader(0, false), SNI: []byte("example.com"), Version: "TLS 1.3",
		Subject: []byte("CN=example.com"), IssuerDN: []byte("CN=CA"), Serial: []byte("01:02"),
		Fingerprint: []byte("aa:bb"), NotBefore: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		NotAfter: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), JA3Hash: []byte("abc"), JA3String: []byte("771,1-2"),
		JA3SHash: []byte("def"), JA3SString: []byte("771,1"), JA4: []byte("t13d1516h2_8daaf6152771_e5627efa2ab1")}
}

func sampleSSH() *SSHEvent {
	return &SSHEvent{AppHeader: sampleAppHeader(0, false),
		Client: SSHHost{ProtoVersion: []byte("2.0"), SoftwareVersion: []byte("OpenSSH_8.9p1"),
			HASSH: []byte("ec7378c1a92f5a8dde7e8b7a1ddf33d1"), HASSHString: []byte("curve25519-sha256;aes128-ctr;hmac-sha2-256;none")},
		Server: SSHHost{ProtoVersion: []byte("2.0"), SoftwareVersion: []byte("dropbear")}}
}

func sampleDNS(answer bool) *DNSEvent {
	e := &DNSEvent{AppHeader: sampleAppHeader(1, false), Version: 2, ID: 0x1234,
		Queries: []DNSQuery{{RRName: []byte("example.com"), RRType: []byte("A")}}}
	if answer {
		e.Response, e.Flags, e.Rcode = true, 0x8180, []byte("NOERROR")
		e.Answers = []DNSAnswer{{RRName: []byte("example.com"), RRType: []byte("A"), TTL: 60, Data: DNSDataText,
			RData: []byte("192.0.2.1")}, {RRName: []byte(""), RRType: []byte("SOA"), TTL: 5, Data: DNSDataSOA,
			SOA: DNSSOA{MName: []byte("ns.example"), RName: []byte("root.example"), Serial: 7}}}
	}
	return e
}

func TestAppEventsAgainstSuricataSchema(t *testing.T) {
	sch := eveSchema(t)
	f := defaultEVE
	lines := map[string][]byte{
		"http":       f.AppendHTTP(nil, sampleHTTP()),
		"http empty": f.AppendHTTP(nil, &HTTPEvent{AppHeader: sampleAppHeader(0, true), Port: -1}),
		"tls":        f.AppendTLS(nil, sampleTLS()),
		"tls empty":  f.AppendTLS(nil, &TLSEvent{AppHeader: sampleAppHeader(0, false)}),
		"tls resumed": f.AppendTLS(nil, &TLSEvent{AppHeader: sampleAppHeader(0, false), SessionResumed: true,
			SubjectAltName: []string{"a.example", "b.example"}}),
		"ssh":             f.AppendSSH(nil, sampleSSH()),
		"dns query":       f.AppendDNS(nil, sampleDNS(false)),
		"dns answer":      f.AppendDNS(nil, sampleDNS(true)),
		"dns v3 request":  f.AppendDNS(nil, sampleDNSv3(false)),
		"dns v3 response": f.AppendDNS(nil, sampleDNSv3(true)),
		"fileinfo":        f.AppendFileInfo(nil, sampleFileInfo()),
		"fileinfo no http": f.AppendFileInfo(nil, &FileInfoEvent{AppHeader: sampleAppHeader(0, false),
			File: FileInfo{State: FileStateTruncated, Gaps: true}}),
	}
	for name, line := range lines {
		if err := validateLine(sch, line); err != nil {
			t.Errorf("%s: %s\ndoes not validate: %v", name, line, err)
		}
	}
}

func TestAppEventFields(t *testing.T) {
	var m struct {
		EventType string `json:"event_type"`
		TxID      *int   `json:"tx_id"`
		HTTP      map[string]any
		TLS       map[string]any
		DNS       map[string]any
		SSH       map[string]map[string]any
	}
	decode := func(line []byte) {
		t.Helper()
		m.HTTP, m.TLS, m.DNS, m.SSH, m.TxID = nil, nil, nil, nil, nil
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
	}
	decode(defaultEVE.AppendHTTP(nil, sampleHTTP()))
	if m.EventType != "http" || m.TxID == nil || *m.TxID != 3 || m.HTTP["url"] != `/a?b="c"` || m.HTTP["status"] != 200.0 ||
		m.HTTP["http_method"] != "GET" || m.HTTP["http_port"] != nil {
		t.Errorf("http: %+v", m)
	}
	decode(defaultEVE.AppendTLS(nil, sampleTLS()))
	if m.TLS["sni"] != "example.com" || m.TLS["notbefore"] != "2024-01-02T03:04:05" ||
		m.TLS["ja3"].(map[string]any)["hash"] != "abc" || m.TLS["ja4"] == nil || m.TxID != nil {
		t.Errorf("tls: %+v", m.TLS)
	}
	if m.TLS["session_resumed"] != nil || m.TLS["subjectaltname"] != nil {
		t.Errorf("tls: session_resumed and subjectaltname are written only when set: %+v", m.TLS)
	}
	decode(defaultEVE.AppendTLS(nil, &TLSEvent{AppHeader: sampleAppHeader(0, false), SessionResumed: true,
		SubjectAltName: []string{"a.example", "b.example"}}))
	if m.TLS["session_resumed"] != true {
		t.Errorf("tls resumed: %+v", m.TLS)
	}
	if san, _ := m.TLS["subjectaltname"].([]any); len(san) != 2 || san[1] != "b.example" {
		t.Errorf("tls subjectaltname: %+v", m.TLS)
	}
	decode(defaultEVE.AppendSSH(nil, sampleSSH()))
	if m.SSH["client"]["software_version"] != "OpenSSH_8.9p1" || m.SSH["server"]["proto_version"] != "2.0" {
		t.Errorf("ssh: %+v", m.SSH)
	}
	if h, _ := m.SSH["client"]["hassh"].(map[string]any); h["hash"] != "ec7378c1a92f5a8dde7e8b7a1ddf33d1" ||
		h["string"] != "curve25519-sha256;aes128-ctr;hmac-sha2-256;none" || m.SSH["server"]["hassh"] != nil {
		t.Errorf("ssh hassh (client's only): %+v", m.SSH)
	}
	decode(defaultEVE.AppendDNS(nil, sampleDNS(true)))
	if m.DNS["flags"] != "8180" || m.DNS["qr"] != true || m.DNS["ra"] != true || m.DNS["aa"] != nil ||
		m.DNS["version"] != 2.0 || len(m.DNS["answers"].([]any)) != 2 {
		t.Errorf("dns answer: %+v", m.DNS)
	}
	decode(defaultEVE.AppendDNS(nil, sampleDNS(false)))
	if m.DNS["type"] != "query" || m.DNS["tx_id"] != 1.0 || m.DNS["rrname"] != "example.com" {
		t.Errorf("dns query: %+v", m.DNS)
	}
}

func TestAppEventsDoNotAllocate(t *testing.T) {
	h, tl, s, dq, da := sampleHTTP(), sampleTLS(), sampleSSH(), sampleDNS(false), sampleDNS(true)
	d3q, d3r := sampleDNSv3(false), sampleDNSv3(true)
	buf := make([]byte, 0, 1<<16)
	n := testing.AllocsPerRun(100, func() {
		b := defaultEVE.AppendHTTP(buf[:0], h)
		b = defaultEVE.AppendTLS(b, tl)
		b = defaultEVE.AppendSSH(b, s)
		b = defaultEVE.AppendDNS(b, dq)
		b = defaultEVE.AppendDNS(b, da)
		b = defaultEVE.AppendDNS(b, d3q)
		_ = defaultEVE.AppendDNS(b, d3r)
	})
	if n != 0 {
		t.Errorf("app-layer encoders allocate %v times per run", n)
	}
}

// TestAppendHTTPStatusString: a status code that is not a number is written as status_string
// (Suricata 8), and a numeric one as status alone.
func TestAppendHTTPStatusString(t *testing.T) {
	e := sampleHTTP()
	e.Status, e.StatusString = 0, []byte("2XX")
	m := decodeLine(t, defaultEVE.AppendHTTP(nil, e))
	expect(t, m, map[string]any{"http.status_string": "2XX", "http.status": nil})
	m = decodeLine(t, defaultEVE.AppendHTTP(nil, sampleHTTP()))
	expect(t, m, map[string]any{"http.status": 200, "http.status_string": nil})
}

// TestAppendTLSALPNs: the offered and the chosen ALPN protocols as Suricata 8's client_alpns
// and server_alpns lists; absent when the handshake had none.
func TestAppendTLSALPNs(t *testing.T) {
	e := sampleTLS()
	e.ClientALPNs, e.ServerALPN = [][]byte{[]byte("h2"), []byte("http/1.1")}, []byte("http/1.1")
	m := decodeLine(t, defaultEVE.AppendTLS(nil, e))
	tlsObj, _ := m["tls"].(map[string]any)
	if got := fmt.Sprint(tlsObj["client_alpns"], tlsObj["server_alpns"]); got != "[h2 http/1.1] [http/1.1]" {
		t.Errorf("client_alpns, server_alpns = %s", got)
	}
	m = decodeLine(t, defaultEVE.AppendTLS(nil, sampleTLS()))
	expect(t, m, map[string]any{"tls.client_alpns": nil, "tls.server_alpns": nil})
}
