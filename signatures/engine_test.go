package signatures

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEngineGroupingByProtoPortDirection(t *testing.T) {
	h := newHarness(t, `
alert tcp any any -> any 80 (msg:"web"; content:"attack"; sid:1;)
alert udp any any -> any 53 (msg:"dns"; content:"attack"; sid:2;)
alert tcp any 80 -> any any (msg:"web reply"; flow:to_client; content:"attack"; sid:3;)
alert tcp any any -> any 8080 (msg:"other port"; content:"attack"; sid:4;)
alert ip any any -> any any (msg:"any ip"; content:"attack"; sid:5;)
`, EngineOptions{})
	st := h.e.Stats()
	if st.Groups < 3 {
		t.Errorf("groups %d, want the rules split into several groups", st.Groups)
	}
	h.expect(tcpTo(80, "an attack"), 1, 5)
	h.expect(tcpTo(8080, "an attack"), 4, 5)
	h.expect(tcpTo(81, "an attack"), 5)
	udp := tcpTo(53, "an attack")
	udp.proto = 17
	h.expect(udp, 2, 5)
	h.expect(tcpTo(80, "nothing"))
	h.expect(tcpTo(80, "").reply("an attack"), 3, 5)

	// The group of port 80 (to server) must not carry the to-client rule, nor the 8080 one.
	g := h.e.groups[h.e.ports[0][dirToServer][80]]
	for _, er := range h.e.rules {
		if !g.fp.has(er.idx) {
			continue
		}
		if sid := er.r.SID; sid == 3 || sid == 4 || sid == 2 {
			t.Errorf("sid %d in the tcp/80 to-server group", sid)
		}
	}
}

func TestEnginePrefilterThenVerify(t *testing.T) {
	h := newHarness(t, `
alert tcp any any -> any any (msg:"chain"; content:"USER"; content:"root"; distance:1; within:5; sid:1;)
alert tcp any any -> any any (msg:"neg"; content:"GET"; content:!"Host"; sid:2;)
`, EngineOptions{})
	h.expect(tcpTo(21, "USER root\r\n"), 1)
	// The fast pattern hits but the chain does not hold: no alert.
	h.expect(tcpTo(21, "USER xxxxxxxxxx root\r\n"))
	h.expect(tcpTo(80, "GET / HTTP/1.0\r\n\r\n"), 2)
	h.expect(tcpTo(80, "GET / HTTP/1.0\r\nHost: a\r\n\r\n"))
}

func TestEngineNoFastPatternRules(t *testing.T) {
	h := newHarness(t, `
alert tcp any any -> any any (msg:"big"; dsize:>20; sid:1;)
alert tcp any any -> any any (msg:"pcre only"; pcre:"/ab+c/"; sid:2;)
alert tcp any any -> any any (msg:"negated only"; content:!"zzz"; sid:3;)
alert tcp any any -> any any (msg:"fp"; content:"abbbc"; sid:4;)
`, EngineOptions{})
	if got := h.e.Stats().NoFastPattern; got != 3 {
		t.Errorf("NoFastPattern = %d, want 3", got)
	}
	h.expect(tcpTo(80, "xxabbbcxx"), 2, 3, 4)
	h.expect(tcpTo(80, "012345678901234567890123"), 1, 3)
	h.expect(tcpTo(80, "zzz"))
}

func TestEngineNocaseAndOffsetDepth(t *testing.T) {
	h := newHarness(t, `
alert tcp any any -> any any (msg:"nocase"; content:"HeLLo"; nocase; sid:1;)
alert tcp any any -> any any (msg:"window"; content:"abc"; offset:2; depth:3; sid:2;)
alert tcp any any -> any any (msg:"case"; content:"World"; sid:3;)
`, EngineOptions{})
	for _, er := range h.e.rules {
		if er.r.SID == 2 && (er.fp.minEnd != 5 || er.fp.maxEnd != 5) {
			t.Errorf("sid 2 fast pattern window [%d,%d], want [5,5]", er.fp.minEnd, er.fp.maxEnd)
		}
	}
	h.expect(tcpTo(80, "say hello world"), 1)
	h.expect(tcpTo(80, "HELLO World"), 1, 3)
	h.expect(tcpTo(80, "xxabc"), 2)
	h.expect(tcpTo(80, "abcxx"))
	h.expect(tcpTo(80, "xxxabc"))
}

func TestEngineFlowbitsAcrossPackets(t *testing.T) {
	h := newHarness(t, `
alert tcp any any -> any any (msg:"secret after login"; content:"secret"; flowbits:isset,auth; sid:1;)
alert tcp any any -> any any (msg:"login"; content:"login"; flowbits:set,auth; flowbits:noalert; sid:2;)
alert tcp any any -> any any (msg:"logout"; content:"logout"; flowbits:unset,auth; flowbits:noalert; sid:3;)
alert tcp any any -> any any (msg:"not authed"; content:"secret"; flowbits:isnotset,auth; sid:4;)
alert tcp any any -> any any (msg:"either"; content:"either"; flowbits:isset,auth|other; sid:5;)
alert tcp any any -> any any (msg:"both"; content:"both"; flowbits:isset,auth&other; sid:6;)
alert tcp any any -> any any (msg:"set other"; content:"other"; flowbits:set,other; flowbits:noalert; sid:7;)
`, EngineOptions{})
	p := tcpTo(80, "")
	with := func(s string) pktSpec { q := p; q.payload = s; return q }
	h.expect(with("secret"), 4)
	h.expect(with("login"))
	h.expect(with("secret"), 1)
	h.expect(with("either both"), 5)
	h.expect(with("other"))
	h.expect(with("both"), 6)
	h.expect(with("logout"))
	h.expect(with("secret"), 4)
	// Setter and checker in one packet: the setter is ordered first (flowbits order), though
	// its sid is higher.
	h.expect(with("login secret"), 1)

	// FlowEnded clears the bits; a new generation on the slot starts clean too.
	h.m.FlowEnded(p.slot, p.gen)
	h.expect(with("secret"), 4)
	h.expect(with("login"))
	q := with("secret")
	q.gen = 2
	h.expect(q, 4)
	// Another flow never sees this flow's bits.
	h.expect(with("login"))
	r := with("secret")
	r.slot = 7
	h.expect(r, 4)
	// Without a flow, isset and isnotset both fail.
	n := with("secret")
	n.hasFlow = false
	h.expect(n)
}

func TestEngineFlowintAndXbits(t *testing.T) {
	h := newHarness(t, `
alert tcp any any -> any any (msg:"check"; content:"try"; flowint:tries,>,2; sid:1;)
alert tcp any any -> any any (msg:"count"; content:"try"; flowint:tries,+,1; noalert; sid:4;)
alert tcp any any -> any any (msg:"mark host"; content:"bad"; xbits:set,badhost,track ip_src,expire 10; noalert; sid:2;)
alert tcp any any -> any any (msg:"from bad host"; content:"again"; xbits:isset,badhost,track ip_src; sid:3;)
`, EngineOptions{})
	p := tcpTo(80, "try")
	// The counting rule is ordered before the checking one (flowint order), so each packet's
	// increment is visible to the check on the same packet.
	h.expect(p)
	h.expect(p)
	h.expect(p, 1)
	h.expect(p, 1)

	q := tcpTo(80, "again")
	q.time = 1e9
	h.expect(q)
	q.payload = "bad"
	h.expect(q)
	// Another flow from the same source sees the host bit.
	q.payload, q.slot = "again", 9
	h.expect(q, 3)
	// Past the expiry it is gone.
	q.time = 20e9
	h.expect(q)
}

func TestEnginePassSuppresses(t *testing.T) {
	h := newHarness(t, `
alert tcp any any -> any any (msg:"alert ok"; content:"ok"; sid:1;)
pass tcp any any -> any any (msg:"pass ok"; content:"ok"; sid:2;)
alert tcp any any -> any any (msg:"other"; content:"zz"; sid:3;)
drop tcp any any -> any any (msg:"drop"; content:"dd"; sid:4;)
pass ip 10.9.9.9 any -> any any (msg:"trusted host"; sid:5;)
`, EngineOptions{})
	h.expect(tcpTo(80, "ok zz"))
	h.expect(tcpTo(80, "zz"), 3)
	// A packet pass does not pass the flow.
	h.expect(tcpTo(80, "dd zz"), 4, 3)
	if h.out[0].Action != ActionDrop {
		t.Errorf("drop rule reported action %v", h.out[0].Action)
	}
	// An IP-only pass passes the whole flow.
	p := tcpTo(80, "zz")
	p.src, p.slot = "10.9.9.9", 3
	h.expect(p)
	h.expect(p.reply("zz"))
	p.src, p.slot = "10.9.9.8", 4
	h.expect(p, 3)
}

func TestEngineIPOnlyOncePerDirection(t *testing.T) {
	h := newHarness(t, `alert ip 10.0.0.1 any -> any any (msg:"host"; sid:1;)`, EngineOptions{})
	if h.e.Stats().IPOnly != 1 {
		t.Fatalf("IPOnly = %d, want 1", h.e.Stats().IPOnly)
	}
	p := tcpTo(80, "x")
	h.expect(p, 1)
	h.expect(p)
	// The reply comes from the server, which the rule does not name.
	h.expect(p.reply("y"))
	p.hasFlow = false
	h.expect(p, 1)
	h.expect(p, 1)
}

func TestEngineNoalert(t *testing.T) {
	h := newHarness(t, `
alert tcp any any -> any any (msg:"silent"; content:"a"; noalert; flowbits:set,x; sid:1;)
alert tcp any any -> any any (msg:"loud"; content:"b"; flowbits:isset,x; sid:2;)
`, EngineOptions{})
	h.expect(tcpTo(80, "a"))
	h.expect(tcpTo(80, "b"), 2)
}

func TestEngineActionOrder(t *testing.T) {
	h := newHarness(t, `
alert tcp any any -> any any (msg:"low prio"; content:"x"; priority:3; sid:1;)
alert tcp any any -> any any (msg:"high prio"; content:"x"; priority:1; sid:9;)
reject tcp any any -> any any (msg:"reject"; content:"x"; sid:5;)
drop tcp any any -> any any (msg:"drop"; content:"x"; sid:7;)
`, EngineOptions{})
	h.expect(tcpTo(80, "x"), 7, 5, 9, 1)
}

func TestEngineThresholdTypes(t *testing.T) {
	h := newHarness(t, `
alert tcp any any -> any any (msg:"limit"; content:"L"; threshold:type limit, track by_src, count 2, seconds 60; sid:1;)
alert tcp any any -> any any (msg:"threshold"; content:"T"; threshold:type threshold, track by_dst, count 3, seconds 60; sid:2;)
alert tcp any any -> any any (msg:"both"; content:"B"; threshold:type both, track by_both, count 2, seconds 60; sid:3;)
alert tcp any any -> any any (msg:"df"; content:"D"; detection_filter:track by_rule, count 2, seconds 60; sid:4;)
alert tcp any any -> any any (msg:"backoff 1"; content:"O"; threshold:type backoff, track by_flow, count 1, multiplier 3; sid:5;)
alert tcp any any -> any any (msg:"backoff 2"; content:"W"; threshold:type backoff, track by_flow, count 2, multiplier 3; sid:6;)
`, EngineOptions{})
	run := func(payload string, n int, start int64) []int {
		var hits []int
		for i := 1; i <= n; i++ {
			p := tcpTo(80, payload)
			p.time = start + int64(i)*1e9
			if len(h.inspect(p)) > 0 {
				hits = append(hits, i)
			}
		}
		return hits
	}
	check := func(name string, got []int, want ...int) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s: alerts on packets %v, want %v", name, got, want)
			return
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s: alerts on packets %v, want %v", name, got, want)
				return
			}
		}
	}
	check("limit", run("L", 5, 0), 1, 2)
	check("limit after window", run("L", 2, 100e9), 1, 2)
	check("threshold", run("T", 7, 0), 3, 6)
	check("both", run("B", 5, 0), 2)
	check("detection_filter", run("D", 5, 0), 3, 4, 5)
	// Suricata's backoff: the count-th match, then each multiple by the multiplier.
	check("backoff count 1", run("O", 10, 0), 1, 3, 9)
	check("backoff count 2", run("W", 20, 0), 2, 6, 18)
}

func TestEngineThresholdConfig(t *testing.T) {
	tc, errs := ParseThresholdConfig(strings.NewReader(`
# comment
suppress gen_id 1, sig_id 1
suppress gen_id 1, sig_id 2, track by_src, ip [10.0.0.1,10.0.0.2]
threshold gen_id 1, sig_id 3, type limit, track by_src, count 1, seconds 60
rate_filter gen_id 1, sig_id 4, track by_src, count 1, seconds 60, new_action drop, timeout 10
bogus line
`), "threshold.config", nil)
	if len(errs) != 2 {
		t.Fatalf("errors %v, want rate_filter and bogus line", errs)
	}
	if !strings.Contains(errs[0].Error(), "rate_filter is not supported") {
		t.Errorf("rate_filter error %q", errs[0])
	}
	h := newHarness(t, `
alert tcp any any -> any any (msg:"always suppressed"; content:"a"; sid:1;)
alert tcp any any -> any any (msg:"suppressed by src"; content:"b"; sid:2;)
alert tcp any any -> any any (msg:"override"; content:"c"; threshold:type limit, track by_src, count 5, seconds 60; sid:3;)
`, EngineOptions{Thresholds: tc})
	h.expect(tcpTo(80, "a"))
	h.expect(tcpTo(80, "b"))
	p := tcpTo(80, "b")
	p.src = "10.0.0.3"
	h.expect(p, 2)
	h.expect(tcpTo(80, "c"), 3)
	h.expect(tcpTo(80, "c"))
}

func TestEngineCacheHit(t *testing.T) {
	dir := t.TempDir()
	rules := `
alert tcp any any -> any 80 (msg:"a"; content:"alpha"; sid:1;)
alert tcp any any -> any any (msg:"b"; content:"beta"; nocase; sid:2;)
alert udp any any -> any any (msg:"c"; content:"gamma"; offset:1; depth:10; sid:3;)
`
	cold := newHarness(t, rules, EngineOptions{CacheDir: dir})
	if cold.e.Stats().CacheHit {
		t.Fatal("first compile reported a cache hit")
	}
	warm := newHarness(t, rules, EngineOptions{CacheDir: dir})
	st := warm.e.Stats()
	if !st.CacheHit || st.CachedDBs != st.Databases {
		t.Fatalf("second compile: CacheHit %v, %d of %d databases cached", st.CacheHit, st.CachedDBs, st.Databases)
	}
	t.Logf("cold %v, warm %v (%d databases)", cold.e.Stats().CompileTime, st.CompileTime, st.Databases)
	warm.expect(tcpTo(80, "ALPHA BETA alpha"), 1, 2)
	// A changed rule set misses.
	other := newHarness(t, rules+`alert tcp any any -> any any (msg:"d"; content:"delta"; sid:4;)`, EngineOptions{CacheDir: dir})
	if other.e.Stats().CacheHit {
		t.Error("changed rule set reported a full cache hit")
	}
}

// A damaged cache file must cost a compile, never a broken engine.
func TestEngineCacheDamaged(t *testing.T) {
	dir := t.TempDir()
	rules := `
alert tcp any any -> any 80 (msg:"a"; content:"alpha"; sid:1;)
alert udp any any -> any any (msg:"c"; content:"gamma"; offset:1; depth:10; sid:3;)
`
	newHarness(t, rules, EngineOptions{CacheDir: dir})
	files, _ := filepath.Glob(filepath.Join(dir, "*.hsdb"))
	if len(files) == 0 {
		t.Fatal("no cache file written")
	}
	for i, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			data = data[:len(data)/2]
		} else {
			data[len(data)/2] ^= 0xff
		}
		if err := os.WriteFile(f, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h := newHarness(t, rules, EngineOptions{CacheDir: dir})
	if st := h.e.Stats(); st.CachedDBs != 0 {
		t.Errorf("%d damaged databases loaded from the cache", st.CachedDBs)
	}
	h.expect(tcpTo(80, "alpha"), 1)
	udp := tcpTo(53, "xgamma")
	udp.proto = 17
	h.expect(udp, 3)
	// The rebuilt files serve the next start.
	if st := newHarness(t, rules, EngineOptions{CacheDir: dir}).e.Stats(); !st.CacheHit {
		t.Errorf("cache not rewritten: %d of %d databases cached", st.CachedDBs, st.Databases)
	}
}

func TestEngineInspectAllocs(t *testing.T) {
	h := newHarness(t, `
alert tcp any any -> any any (msg:"a"; content:"GET"; flowbits:set,g; sid:1;)
alert tcp any any -> any any (msg:"b"; content:"Host"; flowbits:isset,g; flowint:n,+,1; sid:2;)
alert tcp any any -> any any (msg:"c"; dsize:>5; threshold:type limit, track by_rule, count 1, seconds 60; sid:3;)
`, EngineOptions{})
	frame := buildFrame(tcpTo(80, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	h.dec.Decode(&h.pkt, frame, 1, 0, len(frame))
	in := PacketInput{Pkt: &h.pkt, HasFlow: true, ToServer: true, Established: true, FlowSlot: 5, FlowGen: 1}
	dst := make([]Match, 0, 16)
	dst = h.m.Inspect(&in, dst[:0])
	if len(dst) != 3 {
		t.Fatalf("warm-up alerts %d, want 3", len(dst))
	}
	allocs := testing.AllocsPerRun(200, func() {
		dst = h.m.Inspect(&in, dst[:0])
	})
	if allocs != 0 {
		t.Errorf("Inspect allocates %.1f times per packet", allocs)
	}
}

// TestHostStateShared: two matchers (two workers) given one HostState see each other's xbits
// and count a host's threshold together, also across a reload (a new engine, same state);
// matchers with their own state do not.
func TestHostStateShared(t *testing.T) {
	rules := `
alert tcp any any -> any any (msg:"mark host"; content:"bad"; xbits:set,badhost,track ip_src,expire 10; noalert; sid:2;)
alert tcp any any -> any any (msg:"from bad host"; content:"again"; xbits:isset,badhost,track ip_src; sid:3;)
alert tcp any any -> any any (msg:"limited"; content:"lim"; threshold:type limit,track by_src,count 1,seconds 60; sid:4;)
`
	a := newHarness(t, rules, EngineOptions{})
	b := newHarness(t, rules, EngineOptions{})
	shared := NewHostState()
	a.m, b.m = a.e.NewMatcherWith(shared), b.e.NewMatcherWith(shared)

	p := tcpTo(80, "bad")
	p.time = 1e9
	a.expect(p)
	p.payload, p.slot = "again", 9
	b.expect(p, 3) // set through a, seen through b
	p.payload = "lim"
	a.expect(p, 4)
	b.expect(p) // the source's limit is spent, whichever worker counts it

	// A matcher with a state of its own sees neither.
	c := newHarness(t, rules, EngineOptions{})
	p.payload = "again"
	c.expect(p)
	p.payload = "lim"
	c.expect(p, 4)
}

// TestFlowCounts: flow.pkts and flow.bytes, Suricata 8's direction forms and the older
// per-direction names, against the flow's counters.
func TestFlowCounts(t *testing.T) {
	rs, errs := LoadReader(strings.NewReader(`
alert ip any any -> any any (flow.pkts:toserver,=10; flow.bytes:toclient,>8000; sid:1;)
alert ip any any -> any any (flow.pkts_toserver:10; flow.bytes_toclient:>8000; sid:2;)
alert ip any any -> any any (flow.pkts:either,>=5; sid:3;)
alert ip any any -> any any (flow.bytes:toserver,!=100; sid:4;)
alert ip any any -> any any (flow.pkts:sideways,=1; sid:5;)
alert ip any any -> any any (flow.pkts:=1; sid:6;)
`), "f.rules", DefaultVars(), Options{})
	if len(rs.Rules) != 4 || len(errs) != 2 {
		t.Fatalf("loaded %d rules, %d errors (%v); want 4 and 2", len(rs.Rules), len(errs), errs)
	}
	for _, tc := range []struct {
		pkts, bytes [2]uint64
		want        [4]bool
	}{
		{[2]uint64{10, 3}, [2]uint64{500, 9000}, [4]bool{true, true, true, true}},
		{[2]uint64{9, 3}, [2]uint64{500, 9000}, [4]bool{false, false, true, true}},
		{[2]uint64{10, 3}, [2]uint64{100, 8000}, [4]bool{false, false, true, false}},
		{[2]uint64{1, 6}, [2]uint64{100, 0}, [4]bool{false, false, true, false}},
		{[2]uint64{1, 4}, [2]uint64{1, 0}, [4]bool{false, false, false, true}},
	} {
		in := &PacketInput{FlowPkts: tc.pkts, FlowBytes: tc.bytes}
		for i, r := range rs.Rules {
			got := true
			for j := range r.FlowCounts {
				got = got && r.FlowCounts[j].match(in)
			}
			if got != tc.want[i] {
				t.Errorf("sid %d with pkts %v bytes %v: %v, want %v", r.SID, tc.pkts, tc.bytes, got, tc.want[i])
			}
		}
	}
}

// TestIPAddressBuffers: ip.src and ip.dst (Suricata 8) are the raw address fields of the IP
// header.
func TestIPAddressBuffers(t *testing.T) {
	h := newHarness(t, `
alert tcp any any -> any any (msg:"src"; ip.src; content:"|0a 00 00 01|"; bsize:4; sid:1;)
alert tcp any any -> any any (msg:"dst"; ip.dst; content:"|c0 a8 01 02|"; sid:2;)
alert tcp any any -> any any (msg:"dst as src"; ip.src; content:"|c0 a8 01 02|"; sid:3;)
`, EngineOptions{})
	h.expect(tcpTo(80, "x"), 1, 2)
	h.expect(tcpTo(80, "x").reply("y"), 3)
}
