package signatures

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/nightjar-ids/nightjar/decoders"
)

// etOpen is ET Open loaded once per test binary: parsing it costs far more than compiling it,
// and Compile does not modify a RuleSet.
var etOpen struct {
	once  sync.Once
	rs    *RuleSet
	files int
	dir   string
}

func loadETOpen(tb testing.TB) *RuleSet {
	tb.Helper()
	etOpen.once.Do(func() {
		etOpen.dir = filepath.Join(sharedDir(tb), "rules", "et-open-2024")
		files, _ := filepath.Glob(filepath.Join(etOpen.dir, "*.rules"))
		etOpen.files = len(files)
		if len(files) > 0 {
			etOpen.rs, _ = Load(files, DefaultVars())
		}
	})
	if etOpen.files == 0 {
		tb.Skipf("ET Open rules not found in %s (shared test data absent)", etOpen.dir)
	}
	if etOpen.rs == nil || len(etOpen.rs.Rules) == 0 {
		tb.Fatal("no ET Open rule loaded")
	}
	return etOpen.rs
}

func TestCompileETOpen(t *testing.T) {
	rs := loadETOpen(t)
	dir := t.TempDir()
	e, lerrs, err := Compile(rs, EngineOptions{CacheDir: dir})
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	st := e.Stats()
	t.Logf("cold: %d rules in, %d loaded, %d refused; %d groups, %d databases, %d patterns, %d without fast pattern, %d IP-only; %v",
		len(rs.Rules), st.Rules, len(lerrs), st.Groups, st.Databases, st.Patterns, st.NoFastPattern, st.IPOnly, st.CompileTime)
	for i, le := range lerrs {
		if i == 5 {
			break
		}
		t.Logf("refused: %v", le)
	}
	if st.CacheHit {
		t.Error("cold compile reported a cache hit")
	}
	warm, _, err := Compile(rs, EngineOptions{CacheDir: dir})
	if err != nil {
		t.Fatalf("warm Compile: %v", err)
	}
	ws := warm.Stats()
	t.Logf("warm: %v, cache hit %v (%d/%d databases)", ws.CompileTime, ws.CacheHit, ws.CachedDBs, ws.Databases)
	if !ws.CacheHit {
		t.Error("second compile did not load from the cache")
	}
	// Every packet of the probe set must inspect without trouble, and alerts must agree
	// between the cold and warm engines.
	a, b := e.NewMatcher(), warm.NewMatcher()
	dec := decoders.NewDecoder(decoders.DefaultConfig())
	var pkt decoders.Packet
	var da, db []Match
	total := 0
	for i, s := range benchPackets() {
		frame := buildFrame(s)
		dec.Decode(&pkt, frame, decoders.LinkEthernet, int64(i)*1e6, len(frame))
		in := PacketInput{Pkt: &pkt, HasFlow: true, ToServer: s.toSrv, Established: true, FlowSlot: i, FlowGen: 1}
		da = a.Inspect(&in, da[:0])
		db = b.Inspect(&in, db[:0])
		if len(da) != len(db) {
			t.Errorf("packet %d: cold engine %d alerts, warm %d", i, len(da), len(db))
		}
		total += len(da)
		for _, m := range da {
			t.Logf("packet %d: sid %d %s", i, m.Rule.SID, m.Rule.Msg)
		}
	}
	t.Logf("%d alerts over %d probe packets", total, len(benchPackets()))
}

// benchPackets are ordinary traffic shapes: HTTP requests and responses, DNS, TLS, SMB-like
// binary and a bulk transfer segment.
func benchPackets() []pktSpec {
	http := tcpTo(80, "GET /index.php?id=1&page=about HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\nAccept: text/html,application/xhtml+xml\r\nAccept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n\r\n")
	post := tcpTo(80, "POST /api/v1/login HTTP/1.1\r\nHost: api.example.com\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 29\r\n\r\nuser=admin&password=hunter22")
	resp := http.reply("HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 120\r\n\r\n<html><head><title>Example</title></head><body><script src=\"/js/app.js\"></script>Hello</body></html>")
	dns := tcpTo(53, "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x07example\x03com\x00\x00\x01\x00\x01")
	dns.proto = 17
	tls := tcpTo(443, "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03"+string(make([]byte, 32))+"\x00\x00\x20\xc0\x2b\xc0\x2f\x00\x9e\xcc\x14\x00\x00\x00\x15\x00\x13\x00\x00\x10www.example.com")
	smb := tcpTo(445, "\x00\x00\x00\x85\xffSMBr\x00\x00\x00\x00\x18\x53\xc8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xfe\x00\x00\x00\x00\x00b\x00\x02PC NETWORK PROGRAM 1.0\x00\x02LANMAN1.0\x00")
	bulk := make([]byte, 1400)
	for i := range bulk {
		bulk[i] = byte(i*7 + i>>3)
	}
	data := tcpTo(8443, string(bulk))
	return []pktSpec{http, post, resp, dns, tls, smb, data}
}

// benchEngine compiles ET Open once per process, reusing a cache under the temp dir so repeated
// benchmark runs start warm.
func benchEngine(b *testing.B) *Engine {
	rs := loadETOpen(b)
	e, _, err := Compile(rs, EngineOptions{CacheDir: benchCacheDir()})
	if err != nil {
		b.Fatalf("Compile: %v", err)
	}
	return e
}

func benchCacheDir() string { return filepath.Join(os.TempDir(), "nightjar-bench-hscache") }

func BenchmarkInspect(b *testing.B) {
	e := benchEngine(b)
	m := e.NewMatcher()
	dec := decoders.NewDecoder(decoders.DefaultConfig())
	specs := benchPackets()
	pkts := make([]decoders.Packet, len(specs))
	ins := make([]PacketInput, len(specs))
	for i, s := range specs {
		frame := buildFrame(s)
		dec.Decode(&pkts[i], frame, decoders.LinkEthernet, 0, len(frame))
		ins[i] = PacketInput{Pkt: &pkts[i], HasFlow: true, ToServer: s.toSrv, Established: true, FlowSlot: i, FlowGen: 1}
	}
	dst := make([]Match, 0, 64)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dst = m.Inspect(&ins[i%len(ins)], dst[:0])
	}
}

func BenchmarkCompileETOpen(b *testing.B) {
	rs := loadETOpen(b)
	b.Run("cold", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, _, err := Compile(rs, EngineOptions{CacheDir: b.TempDir()}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		dir := benchCacheDir()
		if _, _, err := Compile(rs, EngineOptions{CacheDir: dir}); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			e, _, err := Compile(rs, EngineOptions{CacheDir: dir})
			if err != nil {
				b.Fatal(err)
			}
			if !e.Stats().CacheHit {
				b.Fatal("no cache hit")
			}
		}
	})
}

// benchTx is an HTTP transaction for the benchmarks: fixed buffers per side.
type benchTx struct {
	bufs [2]map[BufferID][]byte // [0] to server
}

func (t *benchTx) Buffer(id BufferID, toServer bool, i int) ([]byte, bool) {
	side := 1
	if toServer {
		side = 0
	}
	b, ok := t.bufs[side][id]
	return b, ok && i == 0
}

func (t *benchTx) Number(NumberID, bool, int) (uint64, bool) { return 0, false }
func (t *benchTx) Event(string) bool                         { return false }

func BenchmarkInspectTx(b *testing.B) {
	e := benchEngine(b)
	m := e.NewMatcher()
	body := make([]byte, 4096)
	for i := range body {
		body[i] = byte('a' + i%26)
	}
	tx := &benchTx{bufs: [2]map[BufferID][]byte{{
		BufHTTPURI: []byte("/index.php?id=1&page=2"), BufHTTPURIRaw: []byte("/index.php?id=1&page=2"),
		BufHTTPMethod: []byte("GET"), BufHTTPHost: []byte("www.example.com"), BufHTTPHostRaw: []byte("www.example.com"),
		BufHTTPUserAgent:   []byte("Mozilla/5.0 (Windows NT 10.0; Win64; x64)"),
		BufHTTPHeader:      []byte("Host: www.example.com\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)\r\nAccept: */*"),
		BufHTTPRequestLine: []byte("GET /index.php?id=1&page=2 HTTP/1.1"), BufHTTPProtocol: []byte("HTTP/1.1"),
	}, {
		BufHTTPStatCode: []byte("200"), BufHTTPStatMsg: []byte("OK"), BufHTTPResponseBody: body, BufFileData: body,
		BufHTTPHeader:      []byte("Server: nginx\r\nContent-Type: text/html\r\nContent-Length: 4096"),
		BufHTTPContentType: []byte("text/html"), BufHTTPServer: []byte("nginx"),
	}}}
	dec := decoders.NewDecoder(decoders.DefaultConfig())
	var pkt decoders.Packet
	frame := buildFrame(tcpTo(80, ""))
	dec.Decode(&pkt, frame, decoders.LinkEthernet, 0, len(frame))
	ins := []TxInput{
		{PacketInput: PacketInput{Pkt: &pkt, HasFlow: true, ToServer: true, Established: true, FlowSlot: 1, FlowGen: 1, App: AppHTTP, AppTS: AppHTTP, AppTC: AppHTTP},
			Tx: tx, Now: [2]uint8{StageComplete, 0}},
		{PacketInput: PacketInput{Pkt: &pkt, HasFlow: true, ToServer: false, Established: true, FlowSlot: 1, FlowGen: 1, App: AppHTTP, AppTS: AppHTTP, AppTC: AppHTTP},
			Tx: tx, Prev: [2]uint8{StageComplete, 0}, Now: [2]uint8{StageComplete, StageComplete}},
	}
	dst := make([]Match, 0, 64)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dst = m.InspectTx(&ins[i%len(ins)], dst[:0])
	}
}

func BenchmarkInspectStream(b *testing.B) {
	e := benchEngine(b)
	m := e.NewMatcher()
	dec := decoders.NewDecoder(decoders.DefaultConfig())
	var pkt decoders.Packet
	frame := buildFrame(tcpTo(8080, ""))
	dec.Decode(&pkt, frame, decoders.LinkEthernet, 0, len(frame))
	in := PacketInput{Pkt: &pkt, HasFlow: true, ToServer: true, Established: true, FlowSlot: 1, FlowGen: 1, Stream: true}
	win := make([]byte, e.StreamKeep()+1448)
	for i := range win {
		win[i] = byte(i*13 + i>>4)
	}
	dst := make([]Match, 0, 64)
	b.ReportAllocs()
	b.SetBytes(1448)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dst = m.InspectStream(&in, win, e.StreamKeep(), dst[:0])
	}
}
