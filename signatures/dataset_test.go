package signatures

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/nightjar-ids/nightjar/decoders"
)

// loadWithDatasets loads rules text as the file dir/test.rules into reg.
func loadWithDatasets(t testing.TB, reg *Datasets, dir, rules string) (*RuleSet, []LoadError) {
	t.Helper()
	return LoadReader(strings.NewReader(rules), filepath.Join(dir, "test.rules"), DefaultVars(), Options{Datasets: reg})
}

func writeFile(t testing.TB, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// inspect runs the rule's first app-layer list over buf.
func inspectFirst(r *Rule, buf []byte) bool {
	return NewMatchState(&RuleSet{Rules: []*Rule{r}}).InspectBuffer(r.Buffers[0], buf)
}

func TestDatasetParse(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "ua.lst"), b64("curl/7.0")+"\n")
	for _, tc := range []struct {
		opts   string
		reason string // "" loads
	}{
		{`http.user_agent; dataset:isset,ua,type string,load ua.lst;`, ""},
		{`http.user_agent; dataset:set  ,ua2,type string;`, ""}, // bug 5109: blanks after the command
		{`http.user_agent; dataset: isnotset, ua3, type string, memcap 10mb, hashsize 1024;`, ""},
		{`dns.query; to_md5; dataset:isset,h,type md5;`, ""},
		{`dns.query; datarep:rep1, >, 200, type string;`, ""},
		{`dns.query; datarep:rep2, >=, 2, type sha256;`, ""},
		{`content:"x"; dataset:isset,p,type string;`, "only supported for sticky buffers"},
		{`http.user_agent; dataset:frob,ua4,type string;`, `dataset action "frob" is not supported`},
		{`http.user_agent; dataset:isset,ua5,type blob;`, "bad dataset type"},
		{`http.user_agent; dataset:isset,nosuchset;`, "not defined"},
		{`http.user_agent; dataset:isset,ua6,type string,state a.lst,save b.lst;`, "can not be mixed"},
		{`http.user_agent; dataset:isset,ua7,type string,save /tmp/x.lst;`, "Absolute paths not allowed: /tmp/x.lst"},
		{`http.user_agent; dataset:isset,ua8,type string,state ../x.lst;`, "Directory traversals not allowed"},
		{`http.user_agent; dataset:isset,ua9,type string,load missing.lst;`, "no such file"},
		{`http.user_agent; dataset:isset,ua,type md5;`, "already exists and is of type string"},
		{`http.user_agent; dataset:isset,ua10,type string,format json;`, "not supported yet"},
		{`http.user_agent; dataset:isset,ua11,type string,load ua.lst,load ua.lst;`, "only appear once"},
		{`dns.query; datarep:rep3, ~, 2, type string;`, `datarep operation "~" is not supported`},
		{`dns.query; datarep:rep4, >, 70000, type string;`, "invalid datarep value"},
		{`dns.query; datarep:rep5, >, 1, load x.rep;`, "type must be set"},
	} {
		reg := NewDatasets(DatasetsConfig{DataDir: dir})
		// The first rule declares ua so that the conflicting-type case has something to meet.
		rules := "alert http any any -> any any (http.user_agent; dataset:isset,ua,type string,load ua.lst; sid:1;)\n" +
			"alert ip any any -> any any (" + tc.opts + " sid:2;)\n"
		rs, errs := loadWithDatasets(t, reg, dir, rules)
		loaded := len(rs.Rules) == 2
		switch {
		case tc.reason == "" && !loaded:
			t.Errorf("%s: not loaded: %v", tc.opts, errs)
		case tc.reason != "" && loaded:
			t.Errorf("%s: loaded, want %q", tc.opts, tc.reason)
		case tc.reason != "" && (len(errs) != 1 || !strings.Contains(errs[0].Reason, tc.reason)):
			t.Errorf("%s: errors %v, want %q", tc.opts, errs, tc.reason)
		}
	}
}

func TestDatasetTypes(t *testing.T) {
	dir := t.TempDir()
	md := md5.Sum([]byte("evil.example"))
	sh := sha256.Sum256([]byte("evil.example"))
	writeFile(t, filepath.Join(dir, "s.lst"), b64("evil.example")+"\n\n"+b64("x y,z")+",7\n")
	writeFile(t, filepath.Join(dir, "m.lst"), hex.EncodeToString(md[:])+"\n")
	writeFile(t, filepath.Join(dir, "h.lst"), hex.EncodeToString(sh[:])+",300\n")
	writeFile(t, filepath.Join(dir, "4.lst"), "10.1.2.3\n192.0.2.1,5\n")
	writeFile(t, filepath.Join(dir, "6.lst"), "10.1.2.3\n2001:db8::1\n::ffff:192.0.2.9\n")
	reg := NewDatasets(DatasetsConfig{DataDir: dir})
	for _, tc := range []struct {
		typ, file string
		in, out   [][]byte
	}{
		{"string", "s.lst", [][]byte{[]byte("evil.example"), []byte("x y,z")}, [][]byte{[]byte("evil.exampl"), []byte("EVIL.example")}},
		{"md5", "m.lst", [][]byte{md[:]}, [][]byte{sh[:16], []byte("evil.example")}},
		{"sha256", "h.lst", [][]byte{sh[:]}, [][]byte{md[:]}},
		{"ipv4", "4.lst", [][]byte{{10, 1, 2, 3}, {192, 0, 2, 1}}, [][]byte{{10, 1, 2, 4}, ip16("10.1.2.3")}},
		{"ip", "6.lst", [][]byte{{10, 1, 2, 3}, ip16("2001:db8::1"), {192, 0, 2, 9}}, [][]byte{ip16("2001:db8::2"), {10, 1, 2, 4}}},
	} {
		d, err := reg.get(DatasetSpec{Name: "t-" + tc.typ, Type: mustType(t, tc.typ), Load: filepath.Join(dir, tc.file)})
		if err != nil {
			t.Fatalf("%s: %v", tc.typ, err)
		}
		isset := &DatasetMatch{Set: d, Cmd: DatasetIsSet}
		isnot := &DatasetMatch{Set: d, Cmd: DatasetIsNotSet}
		for _, v := range tc.in {
			if !isset.Match(v) || isnot.Match(v) {
				t.Errorf("%s: %x not in the set", tc.typ, v)
			}
		}
		for _, v := range tc.out {
			if isset.Match(v) || !isnot.Match(v) {
				t.Errorf("%s: %x in the set", tc.typ, v)
			}
		}
		if isset.Match(nil) || isnot.Match([]byte{}) {
			t.Errorf("%s: an empty buffer matched", tc.typ)
		}
	}
	// Reputations: datarep compares the entry's number; an entry without one has 0.
	s := reg.Lookup("t-string")
	for _, tc := range []struct {
		op   byte
		rep  uint16
		val  string
		want bool
	}{
		{'>', 6, "x y,z", true}, {'>', 7, "x y,z", false}, {'=', 7, "x y,z", true}, {'g', 7, "x y,z", true},
		{'l', 6, "x y,z", false}, {'<', 1, "evil.example", true}, {'!', 0, "evil.example", false},
		{'>', 0, "absent", false},
	} {
		m := &DatasetMatch{Set: s, Cmd: DatasetRep, RepOp: tc.op, Rep: tc.rep}
		if got := m.Match([]byte(tc.val)); got != tc.want {
			t.Errorf("datarep %c%d on %q = %v, want %v", tc.op, tc.rep, tc.val, got, tc.want)
		}
	}
}

func ip16(s string) []byte {
	a := netip.MustParseAddr(s).As16()
	return a[:]
}

func mustType(t testing.TB, s string) DatasetType {
	t.Helper()
	typ, err := ParseDatasetType(s)
	if err != nil {
		t.Fatal(err)
	}
	return typ
}

func TestDatasetListErrors(t *testing.T) {
	for _, tc := range []struct {
		typ, text, want string
	}{
		{"string", b64("a") + "\n!!!\n", "l.lst:2: dataset d: bad base64 encoding"},
		{"md5", "abcd\n", "l.lst:1: dataset d: bad md5"},
		{"sha256", strings.Repeat("zz", 32) + "\n", "not hex"},
		{"ipv4", "2001:db8::1\n", "bad ipv4 address"},
		{"ip", "10.0.0.300\n", "bad ip address"},
		{"string", b64("a") + ",65536\n", "l.lst:1: dataset d: bad rep"},
	} {
		d := newDataset(DatasetSpec{Name: "d", Type: mustType(t, tc.typ)})
		err := ReadDatasetList(d, strings.NewReader(tc.text), "l.lst")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %q: error %v, want %q", tc.typ, tc.text, err, tc.want)
		}
	}
}

// TestDatasetSetAcrossMatchers: a value one worker's rule adds is seen by another worker's rule
// at once; set matches only the first time, unset only when the value is there.
func TestDatasetSetAcrossMatchers(t *testing.T) {
	dir := t.TempDir()
	reg := NewDatasets(DatasetsConfig{DataDir: dir})
	rules := `alert http any any -> any any (http.user_agent; dataset:set,ua-seen,type string; sid:1;)
alert http any any -> any any (http.user_agent; dataset:isset,ua-seen; sid:2;)
alert http any any -> any any (http.user_agent; dataset:isnotset,ua-seen; sid:3;)
alert http any any -> any any (http.host; dataset:unset,ua-seen; sid:4;)
alert http any any -> any any (http.user_agent; to_md5; dataset:isset,ua-md5,type md5,load md5.lst; sid:5;)
`
	sum := md5.Sum([]byte("curl/8"))
	writeFile(t, filepath.Join(dir, "md5.lst"), hex.EncodeToString(sum[:])+"\n")
	rs, errs := loadWithDatasets(t, reg, dir, rules)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	e, cerrs, err := Compile(rs, EngineOptions{})
	if err != nil || len(cerrs) > 0 {
		t.Fatal(err, cerrs)
	}
	w1, w2 := e.NewMatcher(), e.NewMatcher()
	dec := decoders.NewDecoder(decoders.DefaultConfig())
	var pkt decoders.Packet
	frame := buildFrame(tcpTo(80, ""))
	dec.Decode(&pkt, frame, decoders.LinkEthernet, 0, len(frame))
	txIn := func(ua, host string) *TxInput {
		tx := &benchTx{bufs: [2]map[BufferID][]byte{{BufHTTPUserAgent: []byte(ua), BufHTTPHost: []byte(host)}, {}}}
		return &TxInput{PacketInput: PacketInput{Pkt: &pkt, HasFlow: true, ToServer: true, Established: true, FlowSlot: 1, FlowGen: 1,
			App: AppHTTP, AppTS: AppHTTP, AppTC: AppHTTP}, Tx: tx, Now: [2]uint8{StageComplete, 0}}
	}
	sids := func(m *Matcher, in *TxInput) []uint32 {
		var out []uint32
		for _, x := range m.InspectTx(in, nil) {
			out = append(out, x.Rule.SID)
		}
		slices.Sort(out)
		return out
	}
	for i, step := range []struct {
		m        *Matcher
		ua, host string
		want     []uint32
	}{
		// Rules run in order, so on the first sight sid 1 adds the value before sid 2 looks.
		{w1, "curl/8", "h", []uint32{1, 2, 5}},
		{w2, "curl/8", "h", []uint32{2, 5}},
		{w2, "wget", "h", []uint32{1, 2}},
		{w1, "other", "curl/8", []uint32{1, 2, 4}},
		{w2, "curl/8", "h", []uint32{1, 2, 5}},
	} {
		if got := sids(step.m, txIn(step.ua, step.host)); !slices.Equal(got, step.want) {
			t.Errorf("step %d (%s): sids %v, want %v", i, step.ua, got, step.want)
		}
	}
	if n := reg.Lookup("ua-seen").Len(); n != 3 {
		t.Errorf("ua-seen has %d entries, want 3", n)
	}
}

// TestDatasetIssetAllocs: looking a buffer up, and setting one already there, allocates nothing.
func TestDatasetIssetAllocs(t *testing.T) {
	reg := NewDatasets(DatasetsConfig{})
	rs, errs := loadWithDatasets(t, reg, t.TempDir(), `alert http any any -> any any (http.user_agent; dataset:isset,ua,type string; sid:1;)
alert http any any -> any any (http.user_agent; datarep:ua, >, 1; sid:2;)
alert http any any -> any any (http.user_agent; dataset:set,ua; sid:3;)`)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if _, err := reg.Lookup("ua").Add([]byte("Mozilla/5.0")); err != nil {
		t.Fatal(err)
	}
	st := NewMatchState(rs)
	buf := []byte("Mozilla/5.0")
	allocs := testing.AllocsPerRun(100, func() {
		// isset, datarep, and set of a value already there.
		if !st.InspectBuffer(rs.Rules[0].Buffers[0], buf) || st.InspectBuffer(rs.Rules[1].Buffers[0], buf) ||
			st.InspectBuffer(rs.Rules[2].Buffers[0], buf) {
			t.Fatal("wrong verdict")
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per lookup", allocs)
	}
}

func TestDatasetMemcap(t *testing.T) {
	d := newDataset(DatasetSpec{Name: "m", Type: DatasetString, Memcap: 2 * (datasetEntryOverhead + 4), Hashsize: 0})
	for i, v := range []string{"aaaa", "bbbb", "aaaa"} {
		if _, err := d.Add([]byte(v)); err != nil {
			t.Fatalf("add %d: %v", i, err)
		}
	}
	if added, err := d.Add([]byte("cccc")); added || err == nil {
		t.Fatalf("add past the memcap: added %v, err %v", added, err)
	}
	if d.Len() != 2 || d.Refused() != 1 {
		t.Errorf("len %d refused %d, want 2 and 1", d.Len(), d.Refused())
	}
	// A removal frees room.
	if !d.Remove([]byte("aaaa")) || d.Remove([]byte("aaaa")) {
		t.Fatal("remove")
	}
	if added, err := d.Add([]byte("cccc")); !added || err != nil {
		t.Fatalf("add after remove: %v %v", added, err)
	}
	// A list file too large for the memcap refuses the set.
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "big.lst"), b64("one")+"\n"+b64("two")+"\n"+b64("three")+"\n")
	reg := NewDatasets(DatasetsConfig{})
	_, err := reg.get(DatasetSpec{Name: "big", Type: DatasetString, Load: filepath.Join(dir, "big.lst"), Memcap: 2*datasetEntryOverhead + 6 + datasetHashRow, Hashsize: 1})
	if err == nil || !strings.Contains(err.Error(), "too large for set memcap") {
		t.Errorf("err %v, want the memcap refusal", err)
	}
	// A hashsize whose table alone exceeds the memcap is refused.
	if _, err := reg.get(DatasetSpec{Name: "h", Type: DatasetString, Memcap: 1000, Hashsize: 1000}); err == nil {
		t.Error("hashsize beyond memcap accepted")
	}
}

// TestDatasetStateRoundTrip: a state file is loaded at start, grows with set, is written at
// Save, and a fresh registry loading it sees the same values.
func TestDatasetStateRoundTrip(t *testing.T) {
	dir := t.TempDir()
	rules := `alert dns any any -> any any (dns.query; dataset:set,seen,type string,state seen.lst; sid:1;)
alert dns any any -> any any (dns.query; to_sha256; dataset:set,seen-h,type sha256,save seen-h.lst; sid:2;)
alert ip any any -> any any (tls.sni; dataset:set,seen-ip,type ip,state ip.lst; sid:3;)
alert ip any any -> any any (tls.sni; dataset:set,seen-v4,type ipv4,state v4.lst; sid:4;)
`
	values := [][]byte{[]byte("a.example"), []byte("line\nbreak,comma"), []byte(strings.Repeat("long", 400))}
	reg := NewDatasets(DatasetsConfig{DataDir: dir})
	if _, errs := loadWithDatasets(t, reg, dir, rules); len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, v := range values {
		if added, err := reg.Lookup("seen").Add(v); !added || err != nil {
			t.Fatal(added, err)
		}
		h := sha256.Sum256(v)
		reg.Lookup("seen-h").Add(h[:])
	}
	ips := [][]byte{{192, 0, 2, 1}, ip16("2001:db8::5")}
	for _, v := range ips {
		if added, err := reg.Lookup("seen-ip").Add(v); !added || err != nil {
			t.Fatal(added, err)
		}
	}
	reg.Lookup("seen-v4").Add([]byte{198, 51, 100, 7})
	if err := reg.Save(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "ip.lst"))
	if string(got) != "192.0.2.1\n2001:db8::5\n" {
		t.Errorf("ip.lst = %q", got)
	}
	got, _ = os.ReadFile(filepath.Join(dir, "v4.lst"))
	if string(got) != "198.51.100.7\n" {
		t.Errorf("v4.lst = %q", got)
	}
	reg2 := NewDatasets(DatasetsConfig{DataDir: dir})
	if _, errs := loadWithDatasets(t, reg2, dir, rules); len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, v := range values {
		if !reg2.Lookup("seen").Contains(v) {
			t.Errorf("%q lost in the state file", v)
		}
	}
	for _, v := range ips {
		if !reg2.Lookup("seen-ip").Contains(v) {
			t.Errorf("%v lost in the state file", v)
		}
	}
	if !reg2.Lookup("seen-v4").Contains([]byte{198, 51, 100, 7}) {
		t.Error("ipv4 state lost")
	}
	// A save-only set starts empty: its file is written, not read.
	if n := reg2.Lookup("seen-h").Len(); n != 0 {
		t.Errorf("save-only set loaded %d entries", n)
	}
	saved, err := os.ReadFile(filepath.Join(dir, "seen-h.lst"))
	if err != nil || bytes.Count(saved, []byte("\n")) != len(values) {
		t.Errorf("seen-h.lst: %q %v", saved, err)
	}
}

// TestDatasetReload: a reload finds the sets with state (their contents carry on) and reads a
// set loaded from a rule's list file afresh.
func TestDatasetReload(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "bl.lst"), b64("one")+"\n")
	rules := `alert dns any any -> any any (dns.query; dataset:set,seen,type string,state seen.lst; sid:1;)
alert dns any any -> any any (dns.query; dataset:isset,bl,type string,load bl.lst; sid:2;)
`
	reg := NewDatasets(DatasetsConfig{DataDir: dir})
	if _, errs := loadWithDatasets(t, reg, dir, rules); len(errs) > 0 {
		t.Fatal(errs)
	}
	seen, bl := reg.Lookup("seen"), reg.Lookup("bl")
	seen.Add([]byte("kept"))
	writeFile(t, filepath.Join(dir, "bl.lst"), b64("one")+"\n"+b64("two")+"\n")
	rs, errs := LoadWith([]string{writeRules(t, dir, rules)}, DefaultVars(), Options{Datasets: reg})
	if len(errs) > 0 || len(rs.Rules) != 2 {
		t.Fatal(errs)
	}
	if reg.Lookup("seen") != seen || !seen.Contains([]byte("kept")) {
		t.Error("the state set did not survive the reload")
	}
	if nb := reg.Lookup("bl"); nb == bl || !nb.Contains([]byte("two")) {
		t.Error("the load-only set was not read afresh")
	}
	// A reload whose rules no longer name a load-only set forgets it.
	LoadWith([]string{writeRules(t, dir, "alert dns any any -> any any (dns.query; dataset:isset,seen; sid:1;)\n")}, DefaultVars(), Options{Datasets: reg})
	if reg.Lookup("bl") != nil || reg.Lookup("seen") != seen {
		t.Error("after a reload without bl: wrong sets")
	}
}

func writeRules(t testing.TB, dir, text string) string {
	t.Helper()
	p := filepath.Join(dir, "r.rules")
	writeFile(t, p, text)
	return p
}

// TestDatasetConcurrent: workers adding and looking up at once (run with -race).
func TestDatasetConcurrent(t *testing.T) {
	d := newDataset(DatasetSpec{Name: "c", Type: DatasetString, Memcap: 1 << 20})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				v := []byte{byte('a' + w), byte(i), byte(i >> 8)}
				d.Add(v)
				if !d.Contains(v) {
					t.Error("value added is not there")
					return
				}
				if i%3 == 0 {
					d.Remove(v)
				}
			}
		}()
	}
	wg.Wait()
	if want := 4 * (500 - 167); d.Len() != want {
		t.Errorf("len %d, want %d", d.Len(), want)
	}
}

// FuzzDatasetList: the list-file reader never panics, and what it accepts writes back to a
// list that reads to the same set.
func FuzzDatasetList(f *testing.F) {
	for _, s := range []string{
		"", "\n\n", b64("hello") + "\n", b64("a") + ",5\n" + b64("b"), "!!!", "aGVsbG8\n",
		"d41d8cd98f00b204e9800998ecf8427e\n", "d41d8cd98f00b204e9800998ecf8427e,300\n",
		"10.0.0.1\n2001:db8::1\n::ffff:1.2.3.4,9\n", "1.2.3.4,70000\n", "x,\n",
	} {
		for typ := DatasetString; typ <= DatasetIP; typ++ {
			f.Add(uint8(typ), s)
		}
	}
	f.Fuzz(func(t *testing.T, typ uint8, text string) {
		tt := DatasetType(typ%5 + 1)
		d := newDataset(DatasetSpec{Name: "f", Type: tt, Memcap: 1 << 20})
		if err := ReadDatasetList(d, strings.NewReader(text), "fuzz.lst"); err != nil {
			return
		}
		var out bytes.Buffer
		if _, err := d.WriteTo(&out); err != nil {
			t.Fatal(err)
		}
		d2 := newDataset(DatasetSpec{Name: "f", Type: tt, Memcap: 1 << 20})
		if err := ReadDatasetList(d2, &out, "again.lst"); err != nil {
			t.Fatalf("written list does not read back: %v\n%q", err, out.String())
		}
		if d2.Len() != d.Len() {
			t.Fatalf("%d entries read back, want %d", d2.Len(), d.Len())
		}
		for k := range d.m {
			if _, ok := d2.m[k]; !ok {
				t.Fatalf("%x lost", k)
			}
		}
	})
}
