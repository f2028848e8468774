package sensor

import (
	"bufio"
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// End-to-end tests of app-layer detection: captures built here, rules written here, the read
// path run as a user runs it, and eve.json's alerts checked one by one (count per rule and
// flow, tx_id, which side is the source).

// daCapture builds an Ethernet capture packet by packet; frame i is pcap_cnt i+1.
type daCapture struct {
	t      testing.TB
	frames [][]byte
}

// daEndpoint is one side of a conversation.
type daEndpoint struct {
	ip   net.IP
	port uint16
	seq  uint32 // next sequence number this side sends (TCP)
}

// daConv is a two-sided conversation: c is the client, s the server.
type daConv struct {
	cap  *daCapture
	c, s daEndpoint
}

func newDACapture(t testing.TB) *daCapture { return &daCapture{t: t} }

// conv starts a conversation from 10.0.0.1:cport to 10.0.0.2:sport.
func (c *daCapture) conv(cport, sport uint16) *daConv {
	return &daConv{cap: c,
		c: daEndpoint{ip: net.IPv4(10, 0, 0, 1).To4(), port: cport, seq: 1000},
		s: daEndpoint{ip: net.IPv4(10, 0, 0, 2).To4(), port: sport, seq: 50000}}
}

// add serialises one frame with correct lengths and checksums and returns its pcap_cnt.
func (c *daCapture) add(ip *layers.IPv4, l4 gopacket.SerializableLayer, payload []byte) int {
	c.t.Helper()
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2},
		EthernetType: layers.EthernetTypeIPv4}
	switch x := l4.(type) {
	case *layers.TCP:
		if err := x.SetNetworkLayerForChecksum(ip); err != nil {
			c.t.Fatal(err)
		}
	case *layers.UDP:
		if err := x.SetNetworkLayerForChecksum(ip); err != nil {
			c.t.Fatal(err)
		}
	}
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, eth, ip, l4, gopacket.Payload(payload)); err != nil {
		c.t.Fatalf("serialise frame: %v", err)
	}
	c.frames = append(c.frames, slices.Clone(buf.Bytes()))
	return len(c.frames)
}

// tcp sends one segment from the client (toServer) or the server, with the peer's next
// sequence number as ACK when ack is set; it returns the frame's pcap_cnt.
func (v *daConv) tcp(toServer bool, syn, ack, fin, psh bool, data []byte) int {
	src, dst := &v.c, &v.s
	if !toServer {
		src, dst = dst, src
	}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src.ip, DstIP: dst.ip}
	seg := &layers.TCP{SrcPort: layers.TCPPort(src.port), DstPort: layers.TCPPort(dst.port), Seq: src.seq,
		SYN: syn, ACK: ack, FIN: fin, PSH: psh, Window: 65535}
	if ack {
		seg.Ack = dst.seq
	}
	n := v.cap.add(ip, seg, data)
	src.seq += uint32(len(data))
	if syn || fin {
		src.seq++
	}
	return n
}

// handshake opens the session.
func (v *daConv) handshake() {
	v.tcp(true, true, false, false, false, nil)
	v.tcp(false, true, true, false, false, nil)
	v.tcp(true, false, true, false, false, nil)
}

// send sends data in one segment and has the receiver ACK it; it returns the data frame's
// pcap_cnt.
func (v *daConv) send(toServer bool, data string) int {
	n := v.tcp(toServer, false, true, false, true, []byte(data))
	v.tcp(!toServer, false, true, false, false, nil)
	return n
}

// close ends the session with FIN/ACK from both sides and a last ACK.
func (v *daConv) close() {
	v.tcp(true, false, true, true, false, nil)
	v.tcp(false, false, true, true, false, nil)
	v.tcp(true, false, true, false, false, nil)
}

// udp sends one datagram; it returns its pcap_cnt.
func (v *daConv) udp(toServer bool, payload []byte) int {
	src, dst := &v.c, &v.s
	if !toServer {
		src, dst = dst, src
	}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: src.ip, DstIP: dst.ip}
	return v.cap.add(ip, &layers.UDP{SrcPort: layers.UDPPort(src.port), DstPort: layers.UDPPort(dst.port)}, payload)
}

// write stores the capture as a pcap file in a temporary folder and returns its path.
func (c *daCapture) write() string {
	c.t.Helper()
	path := filepath.Join(c.t.TempDir(), "app.pcap")
	f, err := os.Create(path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	pw := pcapgo.NewWriter(w)
	if err := pw.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		c.t.Fatal(err)
	}
	base := time.Unix(1700000000, 0)
	for i, fr := range c.frames {
		ci := gopacket.CaptureInfo{Timestamp: base.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(fr), Length: len(fr)}
		if err := pw.WritePacket(ci, fr); err != nil {
			c.t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		c.t.Fatal(err)
	}
	return path
}

// daRun is what one read of a capture wrote.
type daRun struct {
	events []map[string]any
	alerts []map[string]any
}

// runAppRules runs the capture with the rules on the given number of workers and insists that
// every rule loaded: a refused rule would make a "must not alert" check pass for nothing. The
// rules of sids in mayRefuse may be refused (Suricata refuses them); loaded, they must stay
// silent, which the caller's exact alert check sees.
func runAppRules(t *testing.T, pcap string, rules []string, workers int, mayRefuse ...int) daRun {
	t.Helper()
	path := filepath.Join(t.TempDir(), "app.rules")
	if err := os.WriteFile(path, []byte(strings.Join(rules, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var logBuf bytes.Buffer
	sum, out := runReadOpts(t, ReadOptions{Files: []string{pcap}, Workers: workers, RuleFiles: []string{path},
		Log: slog.New(slog.NewTextHandler(&logBuf, nil))}, "detect.cache-dir=")
	refused := 0
	for _, sid := range mayRefuse {
		if strings.Contains(logBuf.String(), fmt.Sprintf(" sid %d:", sid)) {
			refused++
		}
	}
	if !sum.Detect || sum.Rules != len(rules)-refused || sum.RulesTotal != len(rules) {
		t.Fatalf("%d of %d rules loaded (%d in the file), detect=%v; log:\n%s", sum.Rules, sum.RulesTotal, len(rules), sum.Detect, logBuf.String())
	}
	var r daRun
	r.events = readEVE(t, filepath.Join(out, "eve.json"))
	for _, ev := range r.events {
		if ev["event_type"] == "alert" {
			r.alerts = append(r.alerts, ev)
		}
	}
	if uint64(len(r.alerts)) != sum.Alerts {
		t.Errorf("eve.json has %d alerts, summary says %d", len(r.alerts), sum.Alerts)
	}
	return r
}

func daSID(a map[string]any) int {
	al, _ := a["alert"].(map[string]any)
	v, _ := al["signature_id"].(float64)
	return int(v)
}

func daNum(a map[string]any, key string) (int, bool) {
	v, ok := a[key].(float64)
	return int(v), ok
}

// daClientPort is the client port of the alert's flow, from the flow section Suricata writes
// with every alert.
func daClientPort(a map[string]any) int {
	f, _ := a["flow"].(map[string]any)
	v, _ := f["src_port"].(float64)
	return int(v)
}

// daWant is the expected alert of one rule on one flow.
type daWant struct {
	sid, cport int
	toServer   bool // direction, and so whether src is the client
	txIDs      []int
}

// daKey identifies a rule on a flow.
type daKey struct{ sid, cport int }

// checkAlerts compares the run's alerts with want exactly: every expected (sid, flow) alerts
// exactly len(txIDs) times with those tx_ids (-1 stands for a packet or stream alert, which
// carries no tx_id), in the expected direction with the expected side as source; nothing else
// alerts, so every rule not in want is checked silent.
func checkAlerts(t *testing.T, r daRun, want []daWant) {
	t.Helper()
	got := map[daKey][]map[string]any{}
	for _, a := range r.alerts {
		k := daKey{daSID(a), daClientPort(a)}
		got[k] = append(got[k], a)
	}
	seen := map[daKey]bool{}
	for _, w := range want {
		k := daKey{w.sid, w.cport}
		seen[k] = true
		as := got[k]
		if len(as) != len(w.txIDs) {
			t.Errorf("sid %d on flow from port %d: %d alerts, want %d; they are:\n%s", w.sid, w.cport, len(as), len(w.txIDs), daDump(as))
			continue
		}
		var txs []int
		for _, a := range as {
			id, has := daNum(a, "tx_id")
			if !has {
				id = -1
			}
			txs = append(txs, id)
			dir := "to_client"
			if w.toServer {
				dir = "to_server"
			}
			srcPort, _ := daNum(a, "src_port")
			srcIsClient := srcPort == w.cport && a["src_ip"] == "10.0.0.1"
			if a["direction"] != dir || srcIsClient != w.toServer {
				t.Errorf("sid %d on flow from port %d: direction %v src %v:%v, want %s with src the %s", w.sid, w.cport,
					a["direction"], a["src_ip"], a["src_port"], dir, map[bool]string{true: "client", false: "server"}[w.toServer])
			}
		}
		slices.Sort(txs)
		wantTx := slices.Sorted(slices.Values(w.txIDs))
		if !slices.Equal(txs, wantTx) {
			t.Errorf("sid %d on flow from port %d: tx_ids %v, want %v (-1: none)", w.sid, w.cport, txs, wantTx)
		}
	}
	for k, as := range got {
		if !seen[k] {
			t.Errorf("unexpected alerts: sid %d on flow from port %d, %d times:\n%s", k.sid, k.cport, len(as), daDump(as))
		}
	}
}

func daDump(as []map[string]any) string {
	var sb strings.Builder
	for _, a := range as {
		tx, has := daNum(a, "tx_id")
		txs := "none"
		if has {
			txs = fmt.Sprint(tx)
		}
		pc, _ := daNum(a, "pcap_cnt")
		fmt.Fprintf(&sb, "  pcap_cnt %d %v:%v -> %v:%v %v tx_id %s app_proto %v\n", pc, a["src_ip"], a["src_port"],
			a["dest_ip"], a["dest_port"], a["direction"], txs, a["app_proto"])
	}
	return sb.String()
}

// alertsOf returns the run's alerts of one rule on one flow.
func (r daRun) alertsOf(sid, cport int) []map[string]any {
	var out []map[string]any
	for _, a := range r.alerts {
		if daSID(a) == sid && daClientPort(a) == cport {
			out = append(out, a)
		}
	}
	return out
}

// TestDetectAppStream checks stream inspection: a pattern split over two segments alerts once,
// a pattern whole in one segment alerts once (not once for the packet and again for the
// stream), the same pattern twice far apart in a session alerts twice, and a packet-only rule
// alerts on the packet.
func TestDetectAppStream(t *testing.T) {
	c := newDACapture(t)
	// Session A: the split pattern.
	a := c.conv(40001, 9999)
	a.handshake()
	firstA := a.send(true, "xxxxABC")
	secondA := a.send(true, "DEFyyyy")
	a.send(false, "ok SRV-")
	a.send(false, "SPLIT done")
	a.close()
	// Session B: one marker, far more than a stream window of filler, the marker again.
	b := c.conv(40002, 9999)
	b.handshake()
	b.send(true, "hello MARK-Q7 there")
	filler := strings.Repeat("f", 1000)
	for range 3 {
		b.send(true, filler)
	}
	b.send(true, "again MARK-Q7 bye")
	b.close()
	pcap := c.write()

	rules := []string{
		`alert tcp any any -> any any (msg:"split"; flow:to_server,established; content:"ABCDEF"; sid:1;)`,
		`alert tcp any any -> any any (msg:"whole in one segment"; content:"xxxx"; sid:2;)`,
		`alert tcp any any -> any any (msg:"packet only"; dsize:>0; content:"ABC"; sid:3;)`,
		`alert tcp any any -> any any (msg:"twice far apart"; flow:established,to_server; content:"MARK-Q7"; sid:4;)`,
		`alert tcp any any -> any any (msg:"split to client"; flow:to_client,established; content:"SRV-SPLIT"; sid:7;)`,
		// Silent: the pattern is in neither direction as one run of bytes.
		`alert tcp any any -> any any (msg:"not there"; content:"ABCDEFG"; sid:5;)`,
		`alert tcp any any -> any any (msg:"wrong direction"; flow:to_client; content:"ABCDEF"; sid:6;)`,
	}
	want := []daWant{
		{sid: 1, cport: 40001, toServer: true, txIDs: []int{-1}},
		{sid: 2, cport: 40001, toServer: true, txIDs: []int{-1}},
		{sid: 3, cport: 40001, toServer: true, txIDs: []int{-1}},
		{sid: 4, cport: 40002, toServer: true, txIDs: []int{-1, -1}},
		{sid: 7, cport: 40001, toServer: false, txIDs: []int{-1}},
	}
	for _, workers := range []int{1, 2} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			r := runAppRules(t, pcap, rules, workers)
			checkAlerts(t, r, want)
			// The split pattern cannot be found before the segment that completes it.
			for _, al := range r.alertsOf(1, 40001) {
				if pc, _ := daNum(al, "pcap_cnt"); pc < secondA {
					t.Errorf("sid 1 alerted at pcap_cnt %d, before the segment completing it (%d)", pc, secondA)
				}
			}
			// The packet-only rule alerts on the packet carrying "ABC".
			for _, al := range r.alertsOf(3, 40001) {
				if pc, _ := daNum(al, "pcap_cnt"); pc != firstA {
					t.Errorf("sid 3 alerted at pcap_cnt %d, want the packet %d", pc, firstA)
				}
			}
		})
	}
}

// TestDetectAppHTTP checks per-transaction HTTP rules: each buffer, the side it is inspected
// on, tx_id, transforms, legacy content modifiers, header-protocol payload rules, and two
// pipelined requests as two transactions.
func TestDetectAppHTTP(t *testing.T) {
	c := newDACapture(t)
	h := c.conv(40100, 80)
	h.handshake()
	h.send(true, "GET /index.php?id=1 HTTP/1.1\r\nHost: Example.COM\r\nUser-Agent: EvilBot/1.0\r\n\r\n")
	h.send(false, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 18\r\n\r\nhello secret world")
	h.close()
	p := c.conv(40101, 80)
	p.handshake()
	p.send(true, "GET /pipe-one HTTP/1.1\r\nHost: pipe.test\r\n\r\nGET /pipe-two HTTP/1.1\r\nHost: pipe.test\r\n\r\n")
	p.send(false, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
	p.close()
	// The same request in two segments: the protocol is known before the User-Agent arrives.
	l := c.conv(40102, 80)
	l.handshake()
	l.send(true, "GET /late HTTP/1.1\r\nHost: late.test\r\n")
	l.send(true, "User-Agent: EvilBot/2.0\r\n\r\n")
	l.send(false, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
	l.close()
	pcap := c.write()

	rules := []string{
		`alert http any any -> any any (msg:"ua"; http.user_agent; content:"EvilBot"; sid:10;)`,
		`alert http any any -> any any (msg:"host lowercased"; http.host; content:"example.com"; sid:11;)`,
		`alert http any any -> any any (msg:"uri+urilen"; http.uri; content:"/index.php"; urilen:>5; sid:12;)`,
		`alert http any any -> any any (msg:"stat_code"; flow:to_client; http.stat_code; content:"200"; sid:13;)`,
		`alert http any any -> any any (msg:"file.data"; flow:to_client; file.data; content:"secret"; sid:14;)`,
		`alert tcp any any -> any any (msg:"legacy method"; content:"GET"; http_method; sid:15;)`,
		`alert http any any -> any any (msg:"http payload"; content:"EvilBot"; sid:16;)`,
		`alert http any any -> any any (msg:"host upper"; http.host; to_uppercase; content:"EXAMPLE.COM"; sid:17;)`,
		`alert http any any -> any any (msg:"uri transform chain"; http.uri; to_uppercase; strip_whitespace; content:"/INDEX.PHP?ID=1"; endswith; sid:18;)`,
		`alert http any any -> any any (msg:"raw host"; http.host.raw; content:"Example.COM"; sid:19;)`,
		`alert http any any -> any any (msg:"per request"; http.uri; content:"/pipe-"; sid:30;)`,
		// Silent rules.
		`alert http any any -> any any (msg:"good ua"; http.user_agent; content:"GoodBot"; sid:20;)`,
		`alert http any any -> any any (msg:"urilen too short"; http.uri; content:"/index.php"; urilen:<5; sid:21;)`,
		`alert http any any -> any any (msg:"transform applied"; http.host; to_uppercase; content:"example.com"; sid:22;)`,
		// Request buffers told to look at responses: Suricata refuses the rule ("mixes keywords
		// with conflicting directions"); loaded, it must not alert on the response side.
		`alert http any any -> any any (msg:"ua on responses"; flow:to_client; http.user_agent; content:"EvilBot"; sid:23;)`,
		`alert http any any -> any any (msg:"body not in request"; flow:to_server; file.data; content:"secret"; sid:24;)`,
		`alert http any any -> any any (msg:"payload elsewhere"; content:"NoSuchThing"; sid:25;)`,
	}
	want := []daWant{
		{sid: 10, cport: 40100, toServer: true, txIDs: []int{0}},
		{sid: 10, cport: 40102, toServer: true, txIDs: []int{0}},
		{sid: 11, cport: 40100, toServer: true, txIDs: []int{0}},
		{sid: 12, cport: 40100, toServer: true, txIDs: []int{0}},
		{sid: 13, cport: 40100, toServer: false, txIDs: []int{0}},
		{sid: 14, cport: 40100, toServer: false, txIDs: []int{0}},
		{sid: 15, cport: 40100, toServer: true, txIDs: []int{0}},
		{sid: 15, cport: 40101, toServer: true, txIDs: []int{0, 1}},
		{sid: 15, cport: 40102, toServer: true, txIDs: []int{0}},
		{sid: 16, cport: 40100, toServer: true, txIDs: []int{-1}},
		{sid: 16, cport: 40102, toServer: true, txIDs: []int{-1}},
		{sid: 17, cport: 40100, toServer: true, txIDs: []int{0}},
		{sid: 18, cport: 40100, toServer: true, txIDs: []int{0}},
		{sid: 19, cport: 40100, toServer: true, txIDs: []int{0}},
		{sid: 30, cport: 40101, toServer: true, txIDs: []int{0, 1}},
	}
	for _, workers := range []int{1, 2} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			r := runAppRules(t, pcap, rules, workers, 23)
			checkAlerts(t, r, want)
			for _, a := range r.alerts {
				if a["app_proto"] != "http" {
					t.Errorf("sid %d alert app_proto %v, want http", daSID(a), a["app_proto"])
				}
			}
			// The per-request rule's two alerts name the two transactions of the flow's http
			// events.
			var httpTx []int
			for _, ev := range r.events {
				if ev["event_type"] == "http" {
					if sp, _ := daNum(ev, "src_port"); sp == 40101 {
						id, _ := daNum(ev, "tx_id")
						httpTx = append(httpTx, id)
					}
				}
			}
			slices.Sort(httpTx)
			if !slices.Equal(httpTx, []int{0, 1}) {
				t.Errorf("pipelined flow's http events have tx_ids %v, want [0 1]", httpTx)
			}
		})
	}
}

// daDNS serialises a DNS message asking (and, for a response, answering) name A.
func daDNS(t testing.TB, id uint16, name string, response bool) []byte {
	t.Helper()
	d := &layers.DNS{ID: id, RD: true, OpCode: layers.DNSOpCodeQuery,
		Questions: []layers.DNSQuestion{{Name: []byte(name), Type: layers.DNSTypeA, Class: layers.DNSClassIN}}}
	if response {
		d.QR, d.RA = true, true
		d.Answers = []layers.DNSResourceRecord{{Name: []byte(name), Type: layers.DNSTypeA, Class: layers.DNSClassIN,
			TTL: 60, IP: net.IPv4(192, 0, 2, 7).To4()}}
	}
	buf := gopacket.NewSerializeBuffer()
	if err := d.SerializeTo(buf, gopacket.SerializeOptions{FixLengths: true}); err != nil {
		t.Fatal(err)
	}
	return slices.Clone(buf.Bytes())
}

// TestDetectAppDNS checks dns.query rules on UDP: the query's name, with nocase and with a
// transform, alerts once per transaction on the query, not again on the response.
func TestDetectAppDNS(t *testing.T) {
	c := newDACapture(t)
	d := c.conv(40200, 53)
	d.udp(true, daDNS(t, 0x1234, "www.evil-domain.com", false))
	d.udp(false, daDNS(t, 0x1234, "www.evil-domain.com", true))
	o := c.conv(40201, 53)
	o.udp(true, daDNS(t, 0x4321, "www.example.org", false))
	o.udp(false, daDNS(t, 0x4321, "www.example.org", true))
	pcap := c.write()

	rules := []string{
		`alert dns any any -> any any (msg:"evil nocase"; dns.query; content:"EVIL-domain"; nocase; sid:40;)`,
		`alert dns any any -> any any (msg:"evil dotprefix"; dns.query; dotprefix; content:".evil-domain.com"; endswith; sid:41;)`,
		`alert dns any any -> any any (msg:"other name"; dns.query; content:"good-domain"; sid:42;)`,
		`alert dns any any -> any any (msg:"case matters"; dns.query; content:"EVIL-domain"; sid:43;)`,
		`alert dns any any -> any any (msg:"dotprefix anchors"; dns.query; dotprefix; content:".evil-domain.co"; endswith; sid:44;)`,
		`alert dns any any -> any any (msg:"second flow"; dns.query; content:"example.org"; sid:45;)`,
		// dns.query is a request buffer: Suricata refuses it with flow:to_client; loaded, it
		// must not alert on the response.
		`alert dns any any -> any any (msg:"query on responses"; flow:to_client; dns.query; content:"evil-domain"; sid:46;)`,
	}
	want := []daWant{
		{sid: 40, cport: 40200, toServer: true, txIDs: []int{0}},
		{sid: 41, cport: 40200, toServer: true, txIDs: []int{0}},
		{sid: 45, cport: 40201, toServer: true, txIDs: []int{0}},
	}
	for _, workers := range []int{1, 2} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			r := runAppRules(t, pcap, rules, workers, 46)
			checkAlerts(t, r, want)
			for _, a := range r.alerts {
				if a["app_proto"] != "dns" {
					t.Errorf("sid %d alert app_proto %v, want dns", daSID(a), a["app_proto"])
				}
			}
		})
	}
}

// daSharedPcaps is the shared capture folder, ../shared/pcaps from the repository root.
func daSharedPcaps(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "shared", "pcaps"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "index.tsv")); err != nil {
		t.Skipf("shared captures not found at %s (../shared relative to the repository root): %v", dir, err)
	}
	return dir
}

// TestDetectAppTLS checks tls.sni on real captures: the SNI comes from the EVE tls events of a
// first run, and a rule for it must alert exactly once on each flow whose tls event carries
// it, on the client's side, and nowhere else.
func TestDetectAppTLS(t *testing.T) {
	dir := daSharedPcaps(t)
	for _, name := range []string{"arkime+arkime/tests/pcap/tls-split-client-hello.pcap",
		"ntop+nDPI/tests/cfgs/default/pcap/chrome.pcap", "ntop+nDPI/tests/cfgs/default/pcap/cloudflare-warp.pcap"} {
		t.Run(filepath.Base(name), func(t *testing.T) {
			pcap := filepath.Join(dir, name)
			if _, err := os.Stat(pcap); err != nil {
				t.Skipf("capture %s absent: %v", name, err)
			}
			// The first run only finds the SNIs; its rule is one that never fires.
			first := runAppRules(t, pcap, []string{`alert tls any any -> any any (msg:"never"; tls.sni; content:"no.such.sni.invalid"; sid:99;)`}, 1)
			if len(first.alerts) != 0 {
				t.Fatalf("a tls.sni rule for a name nowhere in the capture alerted %d times:\n%s", len(first.alerts), daDump(first.alerts))
			}
			flowsBySNI := map[string]map[float64]bool{}
			for _, ev := range first.events {
				if ev["event_type"] != "tls" {
					continue
				}
				tl, _ := ev["tls"].(map[string]any)
				sni, _ := tl["sni"].(string)
				if sni == "" {
					continue
				}
				if flowsBySNI[sni] == nil {
					flowsBySNI[sni] = map[float64]bool{}
				}
				flowsBySNI[sni][ev["flow_id"].(float64)] = true
			}
			if len(flowsBySNI) == 0 {
				t.Fatalf("no tls event with an SNI in %s", name)
			}
			// The SNI of the most flows, ties to the first in name order, so that the choice
			// does not depend on map order.
			var sni string
			for _, s := range slices.Sorted(func(yield func(string) bool) {
				for k := range flowsBySNI {
					if !yield(k) {
						return
					}
				}
			}) {
				if sni == "" || len(flowsBySNI[s]) > len(flowsBySNI[sni]) {
					sni = s
				}
			}
			if strings.ContainsAny(sni, `";\|`) {
				t.Skipf("SNI %q cannot be written as a plain content", sni)
			}
			rules := []string{
				fmt.Sprintf(`alert tls any any -> any any (msg:"sni"; tls.sni; content:"%s"; startswith; endswith; sid:50;)`, sni),
				// tls.sni is a ClientHello buffer: Suricata refuses it with flow:to_client;
				// loaded, it must not alert on the server's side.
				fmt.Sprintf(`alert tls any any -> any any (msg:"sni wrong side"; flow:to_client; tls.sni; content:"%s"; sid:51;)`, sni),
			}
			for _, workers := range []int{1, 2} {
				r := runAppRules(t, pcap, rules, workers, 51)
				want := map[float64]bool{}
				for _, ev := range r.events {
					if ev["event_type"] != "tls" {
						continue
					}
					if tl, _ := ev["tls"].(map[string]any); tl["sni"] == sni {
						want[ev["flow_id"].(float64)] = true
					}
				}
				if len(want) != len(flowsBySNI[sni]) {
					t.Errorf("workers=%d: %d flows carry SNI %q, the first run saw %d", workers, len(want), sni, len(flowsBySNI[sni]))
				}
				got := map[float64]int{}
				for _, a := range r.alerts {
					if daSID(a) != 50 {
						t.Errorf("workers=%d: sid %d alerted:\n%s", workers, daSID(a), daDump([]map[string]any{a}))
						continue
					}
					got[a["flow_id"].(float64)]++
					f, _ := a["flow"].(map[string]any)
					if a["direction"] != "to_server" || a["src_ip"] != f["src_ip"] || a["src_port"] != f["src_port"] {
						t.Errorf("workers=%d: tls.sni alert direction %v src %v:%v, want to_server from the client %v:%v",
							workers, a["direction"], a["src_ip"], a["src_port"], f["src_ip"], f["src_port"])
					}
					if tx, has := daNum(a, "tx_id"); !has || tx != 0 {
						t.Errorf("workers=%d: tls.sni alert tx_id %v, want 0", workers, a["tx_id"])
					}
				}
				for id := range want {
					if got[id] != 1 {
						t.Errorf("workers=%d: flow %.0f with SNI %q alerted %d times, want 1", workers, id, sni, got[id])
					}
				}
				for id, n := range got {
					if !want[id] {
						t.Errorf("workers=%d: flow %.0f without SNI %q alerted %d times", workers, id, sni, n)
					}
				}
			}
		})
	}
}
