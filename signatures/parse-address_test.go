package signatures

import (
	"net/netip"
	"testing"
)

func TestAddrSet(t *testing.T) {
	vars := DefaultVars()
	vars["NESTED"] = "[$HOME_NET,!10.1.0.0/16,[8.8.8.8,!8.8.8.8]]"
	vars["LOOP"] = "$LOOP"
	tests := []struct {
		expr    string
		in, out []string
		err     bool
	}{
		{expr: "any", in: []string{"1.2.3.4", "::1"}},
		{expr: "$HOME_NET", in: []string{"192.168.1.1", "10.255.0.1", "172.31.255.255"}, out: []string{"172.32.0.1", "8.8.8.8", "::1"}},
		{expr: "$EXTERNAL_NET", in: []string{"8.8.8.8", "2001:db8::1"}, out: []string{"10.0.0.1"}},
		{expr: "!$HOME_NET", in: []string{"1.1.1.1"}, out: []string{"192.168.0.1"}},
		{expr: "[10.0.0.0/8,!10.1.1.1]", in: []string{"10.1.1.2", "10.0.0.0"}, out: []string{"10.1.1.1", "11.0.0.0"}},
		{expr: "[!10.1.1.1]", in: []string{"1.1.1.1", "::"}, out: []string{"10.1.1.1"}},
		{expr: "![1.1.1.1,2.2.2.2]", in: []string{"3.3.3.3"}, out: []string{"1.1.1.1", "2.2.2.2"}},
		{expr: "$NESTED", in: []string{"10.2.0.1", "192.168.0.1"}, out: []string{"10.1.2.3", "8.8.8.8"}},
		{expr: "1.2.3.4-1.2.3.6", in: []string{"1.2.3.4", "1.2.3.6"}, out: []string{"1.2.3.3", "1.2.3.7"}},
		{expr: "10.0.0.0/255.255.0.0", in: []string{"10.0.255.255"}, out: []string{"10.1.0.0"}},
		{expr: "10.0.0.5/24", in: []string{"10.0.0.1"}, out: []string{"10.0.1.0"}},
		{expr: "2001:db8::/32", in: []string{"2001:db8:ffff::1"}, out: []string{"2001:db9::", "1.2.3.4"}},
		{expr: "[1.1.1.1, 2.2.2.2]", in: []string{"2.2.2.2"}, out: []string{"3.3.3.3"}},
		{expr: "$NOPE", err: true},
		{expr: "$LOOP", err: true},
		{expr: "!any", err: true},
		{expr: "[1.1.1.1,!1.1.1.1]", err: true},
		{expr: "1.2.3", err: true},
		{expr: "[1.1.1.1", err: true},
		{expr: "1.1.1.1/33", err: true},
	}
	for _, tc := range tests {
		s, err := ParseAddrSet(tc.expr, vars)
		if tc.err {
			if err == nil {
				t.Errorf("%q: want error", tc.expr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.expr, err)
			continue
		}
		for _, a := range tc.in {
			if !s.Contains(netip.MustParseAddr(a)) {
				t.Errorf("%q should contain %s", tc.expr, a)
			}
		}
		for _, a := range tc.out {
			if s.Contains(netip.MustParseAddr(a)) {
				t.Errorf("%q should not contain %s", tc.expr, a)
			}
		}
	}
}

func TestAddrSetPrefixes(t *testing.T) {
	s, err := ParseAddrSet("[10.0.0.0/8,!10.0.0.0/9]", nil)
	if err != nil {
		t.Fatal(err)
	}
	got := s.Prefixes()
	if len(got) != 1 || got[0] != netip.MustParsePrefix("10.128.0.0/9") {
		t.Errorf("prefixes = %v", got)
	}
	s, _ = ParseAddrSet("1.2.3.4-1.2.3.9", nil)
	if got := s.Prefixes(); len(got) != 2 || got[0] != netip.MustParsePrefix("1.2.3.4/30") || got[1] != netip.MustParsePrefix("1.2.3.8/31") {
		t.Errorf("range prefixes = %v", got)
	}
}

func TestPortSet(t *testing.T) {
	vars := DefaultVars()
	tests := []struct {
		expr    string
		in, out []uint16
		err     bool
	}{
		{expr: "any", in: []uint16{0, 65535}},
		{expr: "$HTTP_PORTS", in: []uint16{80}, out: []uint16{81}},
		{expr: "$SHELLCODE_PORTS", in: []uint16{81, 0}, out: []uint16{80}},
		{expr: "$FILE_DATA_PORTS", in: []uint16{80, 110, 143}, out: []uint16{25}},
		{expr: "1024:", in: []uint16{1024, 65535}, out: []uint16{1023}},
		{expr: ":1023", in: []uint16{0, 1023}, out: []uint16{1024}},
		{expr: "[1:100,!50]", in: []uint16{1, 49, 51}, out: []uint16{50, 101}},
		{expr: "![80,443]", in: []uint16{8080}, out: []uint16{80, 443}},
		{expr: "[!80]", in: []uint16{81}, out: []uint16{80}},
		{expr: "[$HTTP_PORTS,[8000:8100,!8080]]", in: []uint16{80, 8001}, out: []uint16{8080}},
		{expr: "70000", err: true},
		{expr: "100:50", err: true},
		{expr: "!any", err: true},
		{expr: "abc", err: true},
	}
	for _, tc := range tests {
		s, err := ParsePortSet(tc.expr, vars)
		if tc.err {
			if err == nil {
				t.Errorf("%q: want error", tc.expr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.expr, err)
			continue
		}
		for _, p := range tc.in {
			if !s.Contains(p) {
				t.Errorf("%q should contain %d", tc.expr, p)
			}
		}
		for _, p := range tc.out {
			if s.Contains(p) {
				t.Errorf("%q should not contain %d", tc.expr, p)
			}
		}
	}
}

// TestAddrSetIPv4PathAgrees checks Contains' integer path for IPv4 against the generic search
// over the netip spans, at every span edge and its neighbours, for IPv4 and IPv4-mapped IPv6.
func TestAddrSetIPv4PathAgrees(t *testing.T) {
	vars := DefaultVars()
	for _, expr := range []string{"$HOME_NET", "$EXTERNAL_NET", "[0.0.0.0/8,255.255.255.255,10.0.0.0/8,!10.1.2.3]",
		"[1.2.3.4-1.2.3.9,2001:db8::/32]", "!192.168.0.0/16", "any"} {
		s, err := ParseAddrSet(expr, vars)
		if err != nil {
			t.Fatalf("%q: %v", expr, err)
		}
		var probes []netip.Addr
		for _, sp := range s.spans {
			for _, a := range []netip.Addr{sp.Lo, sp.Hi, sp.Lo.Prev(), sp.Hi.Next()} {
				if a.IsValid() {
					probes = append(probes, a, netip.AddrFrom16(a.As16()))
				}
			}
		}
		for _, a := range probes {
			want := s.Any || contains(addrDomain.cmp, s.spans, a.Unmap())
			if got := s.Contains(a); got != want {
				t.Errorf("%q.Contains(%v) = %v, generic search says %v", expr, a, got, want)
			}
		}
	}
}
