package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nightjar-ids/nightjar/sensor"
	"github.com/nightjar-ids/nightjar/signatures"
)

var big = flag.Bool("big", false, "also generate ~200 MB to check that generation memory stays flat")

func TestGenDeterministic(t *testing.T) {
	a, _ := genFile(t, smallOpts(42, 6<<20))
	b, _ := genFile(t, smallOpts(42, 6<<20))
	c, _ := genFile(t, smallOpts(43, 6<<20))
	ha, hb, hc := sha256File(t, a), sha256File(t, b), sha256File(t, c)
	if ha != hb {
		t.Errorf("same seed, different files: %s vs %s", ha, hb)
	}
	if ha == hc {
		t.Errorf("seeds 42 and 43 gave the same file %s", ha)
	}
	if sha256File(t, a+".expected.json") != sha256File(t, b+".expected.json") {
		t.Errorf("same seed, different expected.json")
	}
}

func TestParseMix(t *testing.T) {
	m, err := ParseMix("http=2,dns=1")
	if err != nil || m[KindHTTP] != 2 || m[KindDNS] != 1 || m[KindTLS13] != 0 {
		t.Fatalf("ParseMix = %v, %v", m, err)
	}
	for _, bad := range []string{"http", "gopher=1", "http=-1", "http=0", "dns=x"} {
		if _, err := ParseMix(bad); err == nil {
			t.Errorf("ParseMix(%q) accepted", bad)
		}
	}
	if back, _ := ParseMix(DefaultMix.String()); back != DefaultMix {
		t.Errorf("mix round trip: %v != %v", back, DefaultMix)
	}
}

// TestGenDecodesCleanly runs a generated file through the sensor with every checksum checked:
// no decoder event, the flows the generator made (no more, no fewer), and every TCP flow
// closed through a full handshake and teardown (Zeek's SF).
func TestGenDecodesCleanly(t *testing.T) {
	for _, mix := range []string{"", "tls12=1,ssh=1,tcp=1,udp=1"} {
		t.Run("mix="+mix, func(t *testing.T) {
			o := smallOpts(7, 12<<20)
			if mix != "" {
				var err error
				if o.Mix, err = ParseMix(mix); err != nil {
					t.Fatal(err)
				}
			}
			path, st := genFile(t, o)
			cfg, _, err := sensor.LoadConfig("", []string{"pcap-file.checksum-checks=yes", "outputs.arrow.enabled=false"})
			if err != nil {
				t.Fatal(err)
			}
			out := t.TempDir()
			sum, err := sensor.ReadFiles(context.Background(), &cfg, sensor.ReadOptions{Files: []string{path}, OutDir: out, Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Packets != st.Packets || sum.Invalid != 0 || sum.Damaged() {
				t.Errorf("packets %d (generated %d), invalid %d, damaged %v", sum.Packets, st.Packets, sum.Invalid, sum.Damaged())
			}
			if len(sum.Events) > 0 {
				t.Errorf("decoder events on generated traffic: %v", sum.Events)
			}
			for name, want := range map[string]uint64{"flow.total": st.Flows, "flow.tcp": st.TCPFlows, "flow.udp": st.UDPFlows, "flow.tcp_reuse": 0} {
				if got := sum.Counter(name); got != want {
					t.Errorf("%s = %d, generator made %d", name, got, want)
				}
			}
			var tcp, udp uint64
			for _, ev := range readJSONLines(t, filepath.Join(out, "eve.json")) {
				if ev["event_type"] != "flow" {
					continue
				}
				f := ev["flow"].(map[string]any)
				state := connState(ev)
				switch ev["proto"] {
				case "TCP":
					tcp++
					if f["state"] != "closed" || state != "SF" {
						t.Errorf("TCP flow %v:%v→%v:%v ended %v with conn_state %q, want closed and SF",
							ev["src_ip"], ev["src_port"], ev["dest_ip"], ev["dest_port"], f["state"], state)
					}
				case "UDP":
					udp++
					if f["pkts_toclient"].(float64) == 0 {
						t.Errorf("UDP flow %v:%v→%v:%v has no reply", ev["src_ip"], ev["src_port"], ev["dest_ip"], ev["dest_port"])
					}
				}
			}
			if tcp != st.TCPFlows || udp != st.UDPFlows {
				t.Errorf("eve.json flow records: %d tcp, %d udp; generated %d, %d", tcp, udp, st.TCPFlows, st.UDPFlows)
			}
		})
	}
}

func connState(ev map[string]any) string {
	md, _ := ev["metadata"].(map[string]any)
	vars, _ := md["flowvars"].([]any)
	for _, v := range vars {
		if m, ok := v.(map[string]any); ok {
			if s, ok := m["conn_state"].(string); ok {
				return s
			}
		}
	}
	return ""
}

// TestGenAttacks checks the ground truth against the rules themselves (read as text: the
// signature loader does not take app-layer buffers yet): each named rule is in ET Open with
// that message and no threshold, its content is in the capture, and every expected alert's
// addresses fall inside the rule's source and destination sets.
func TestGenAttacks(t *testing.T) {
	etDir := filepath.Join(sharedDir(t), "rules", "et-open-2024")
	o := smallOpts(3, 6<<20)
	o.AttackEvery = 10
	path, st := genFile(t, o)
	raw, err := os.ReadFile(path + ".expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var exp Expected
	if err := json.Unmarshal(raw, &exp); err != nil {
		t.Fatal(err)
	}
	if st.Attacks < uint64(len(attacks)) || len(exp.Rules) != len(attacks) {
		t.Fatalf("%d attack transactions, %d rules listed: want every attack kind", st.Attacks, len(exp.Rules))
	}
	var total uint64
	for _, a := range exp.Alerts {
		total += a.Count
	}
	if total != st.Attacks {
		t.Errorf("expected alerts sum to %d, %d attacks injected", total, st.Attacks)
	}
	pcap, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	vars := signatures.DefaultVars()
	type header struct{ src, dst signatures.AddrSet }
	headers := map[uint32]header{}
	for _, a := range attacks {
		rule := findRule(t, filepath.Join(etDir, a.File), a.SID)
		if rule == "" {
			t.Errorf("sid %d is not in %s", a.SID, a.File)
			continue
		}
		if !strings.Contains(rule, `msg:"`+a.Msg+`"`) {
			t.Errorf("sid %d: msg is not %q: %s", a.SID, a.Msg, rule)
		}
		for _, kw := range []string{"threshold", "detection_filter", "flowbits", "xbits", "pcre"} {
			if strings.Contains(rule, kw+":") {
				t.Errorf("sid %d uses %s: not the plain rule the attack is built for", a.SID, kw)
			}
		}
		if !strings.Contains(rule, `content:"`+strings.ReplaceAll(a.Content, ";", "|3b|")+`"`) {
			t.Errorf("sid %d: content %q is not the rule's", a.SID, a.Content)
		}
		// Rule headers read: action proto src sport -> dst dport (options).
		f := strings.Fields(rule[:strings.IndexByte(rule, '(')])
		if len(f) != 7 {
			t.Fatalf("sid %d: odd header %q", a.SID, f)
		}
		src, err1 := signatures.ParseAddrSet(f[2], vars)
		dst, err2 := signatures.ParseAddrSet(f[5], vars)
		if err1 != nil || err2 != nil {
			t.Fatalf("sid %d: header addresses: %v %v", a.SID, err1, err2)
		}
		headers[a.SID] = header{src, dst}
		wire := []byte(a.Content)
		if a.kind == KindDNS { // DNS names travel as labels
			wire = appendQuestion(nil, wire, 1)
			wire = wire[:len(wire)-4]
		}
		if !bytes.Contains(pcap, wire) {
			t.Errorf("sid %d: content %q is not in the capture", a.SID, a.Content)
		}
	}
	for _, e := range exp.Alerts {
		h, ok := headers[e.SID]
		if !ok {
			continue
		}
		src, dst := netip.MustParseAddr(e.Src), netip.MustParseAddr(e.Dst)
		if !h.src.Contains(src) || !h.dst.Contains(dst) {
			t.Errorf("sid %d alert %s → %s: outside the rule's %v → %v", e.SID, e.Src, e.Dst, h.src.Prefixes(), h.dst.Prefixes())
		}
	}
}

// findRule returns the active rule with sid in file, "" when there is none.
func findRule(t *testing.T, file string, sid uint32) string {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	tag := "sid:" + strconv.FormatUint(uint64(sid), 10) + ";"
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "alert ") && strings.Contains(line, tag) {
			return line
		}
	}
	return ""
}

// TestGenMemoryFlat generates 4 and 16 times more bytes than a base size into io.Discard and
// requires the heap's high-water mark not to grow with the size. With -big the larger size is
// ~200 MB.
func TestGenMemoryFlat(t *testing.T) {
	base, large := int64(8<<20), int64(64<<20)
	if *big {
		large = 200 << 20
	} else if testing.Short() {
		t.Skip("short mode")
	}
	peak := func(size int64) uint64 {
		o := DefaultGenOptions()
		o.Size = size
		runtime.GC()
		var maxHeap atomic.Uint64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			var m runtime.MemStats
			for {
				runtime.ReadMemStats(&m)
				if m.HeapInuse > maxHeap.Load() {
					maxHeap.Store(m.HeapInuse)
				}
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		}()
		st, err := Generate(io.Discard, o)
		close(stop)
		wg.Wait()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d MB: %d packets, peak heap in use %.1f MiB, %.0f MB/s", size>>20, st.Packets,
			float64(maxHeap.Load())/(1<<20), float64(st.Bytes)/1e6/st.Elapsed.Seconds())
		return maxHeap.Load()
	}
	small, bigPeak := peak(base), peak(large)
	if bigPeak > small+small/2+(4<<20) {
		t.Errorf("peak heap grew with size: %d MiB at %d MB, %d MiB at %d MB", small>>20, base>>20, bigPeak>>20, large>>20)
	}
}
