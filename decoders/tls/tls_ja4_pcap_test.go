package tls

import (
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// flowPrints are the fingerprints one flow produced, in order.
type flowPrints struct {
	ja4  []string // one per ClientHello
	ja4s string   // of the last ServerHello
}

func fingerprintFlow(s *State, fl *tcpFlow) flowPrints {
	s.Reset()
	var out flowPrints
	for _, c := range fl.chunks {
		ch, sh := s.ClientHellos(), s.ServerHellos()
		s.Feed(c.toServer, c.data)
		if s.ClientHellos() != ch {
			out.ja4 = append(out.ja4, string(s.LastJA4()))
		}
		if s.ServerHellos() != sh {
			out.ja4s = string(s.JA4S())
		}
	}
	return out
}

// TestJA4AgainstFoxIO compares JA4 (and JA4S) with the values FoxIO's Python reference
// computed for its sample captures. QUIC hellos (JA4 "q…") are out of scope here.
func TestJA4AgainstFoxIO(t *testing.T) {
	base := filepath.Join(sharedDir(t), "pcaps", "FoxIO-LLC+ja4")
	files, err := filepath.Glob(filepath.Join(base, "expected-ja4-python-testdata", "*.json"))
	if err != nil || len(files) == 0 {
		t.Skipf("no expected JA4 data under %s", base)
	}
	s := New(Config{})
	var want, got, wantS, gotS int
	for _, jf := range files {
		pcap := filepath.Join(base, "pcap", strings.TrimSuffix(filepath.Base(jf), ".json"))
		if _, err := os.Stat(pcap); err != nil {
			continue
		}
		raw, err := os.ReadFile(jf)
		if err != nil {
			t.Fatal(err)
		}
		var entries []map[string]any
		if err := json.Unmarshal(raw, &entries); err != nil {
			t.Fatalf("%s: %v", jf, err)
		}
		flows := readTCPFlows(t, pcap)
		byTuple := map[[2]netip.AddrPort][]*tcpFlow{}
		for _, fl := range flows {
			k := [2]netip.AddrPort{fl.client, fl.server}
			byTuple[k] = append(byTuple[k], fl)
		}
		for _, e := range entries {
			exp := expectedJA4(e)
			expS, _ := e["JA4S"].(string)
			if len(exp) == 0 || strings.HasPrefix(exp[0], "q") {
				continue
			}
			want += len(exp)
			if expS != "" {
				wantS++
			}
			k, ok := entryTuple(e)
			if !ok {
				t.Errorf("%s: entry without a usable tuple: %v", filepath.Base(jf), e)
				continue
			}
			var best flowPrints
			for _, fl := range byTuple[k] {
				fp := fingerprintFlow(s, fl)
				if slices.Equal(fp.ja4, exp) {
					best = fp
					break
				}
				if len(fp.ja4) > len(best.ja4) {
					best = fp
				}
			}
			for i, w := range exp {
				if i < len(best.ja4) && best.ja4[i] == w {
					got++
				} else {
					t.Errorf("%s %v JA4.%d: got %v, want %s", filepath.Base(jf), k, i+1, best.ja4, w)
				}
			}
			if expS != "" {
				if best.ja4s == expS {
					gotS++
				} else {
					t.Errorf("%s %v JA4S: got %q, want %q", filepath.Base(jf), k, best.ja4s, expS)
				}
			}
		}
	}
	t.Logf("JA4: %d of %d expected values matched; JA4S: %d of %d", got, want, gotS, wantS)
	if want == 0 {
		t.Skip("no TCP JA4 expectations with captures present")
	}
}

// expectedJA4 returns JA4.1, JA4.2 … in order.
func expectedJA4(e map[string]any) []string {
	var keys []int
	for k := range e {
		if n, ok := strings.CutPrefix(k, "JA4."); ok {
			if i, err := strconv.Atoi(n); err == nil {
				keys = append(keys, i)
			}
		}
	}
	sort.Ints(keys)
	var out []string
	for _, i := range keys {
		if v, ok := e["JA4."+strconv.Itoa(i)].(string); ok {
			out = append(out, v)
		}
	}
	return out
}

func entryTuple(e map[string]any) ([2]netip.AddrPort, bool) {
	get := func(k string) string { v, _ := e[k].(string); return v }
	src, err1 := netip.ParseAddr(get("src"))
	dst, err2 := netip.ParseAddr(get("dst"))
	sp, err3 := strconv.ParseUint(get("srcport"), 10, 16)
	dp, err4 := strconv.ParseUint(get("dstport"), 10, 16)
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
		return [2]netip.AddrPort{}, false
	}
	return [2]netip.AddrPort{netip.AddrPortFrom(src, uint16(sp)), netip.AddrPortFrom(dst, uint16(dp))}, true
}
