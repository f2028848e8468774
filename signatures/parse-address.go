package signatures

import (
	"fmt"
	"net/netip"
	"strings"
)

// AddrSet is a resolved address expression: sorted, disjoint, inclusive address ranges, IPv4
// and IPv6 kept apart. Negation and nested groups are already applied.
type AddrSet struct {
	spans []span[netip.Addr]
	// v4 is the IPv4 part of spans as integers: most traffic is IPv4, and comparing uint32s is
	// several times cheaper than netip.Addr.Compare.
	v4  []span[uint32]
	Any bool // the set is every address
}

var addrDomain = &domain[netip.Addr]{
	cmp: func(a, b netip.Addr) int { return a.Compare(b) },
	next: func(a netip.Addr) (netip.Addr, bool) {
		n := a.Next()
		return n, n.IsValid()
	},
	prev: func(a netip.Addr) (netip.Addr, bool) {
		p := a.Prev()
		return p, p.IsValid()
	},
	univ: []span[netip.Addr]{
		{netip.IPv4Unspecified(), netip.AddrFrom4([4]byte{255, 255, 255, 255})},
		{netip.IPv6Unspecified(), netip.AddrFrom16([16]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})},
	},
}

// ParseAddrSet resolves a rule-header address expression (any, CIDR, a-b ranges, !, [..],
// $VARS) against vars.
func ParseAddrSet(s string, vars Vars) (AddrSet, error) {
	n, err := parseGroup(s, vars, 0)
	if err != nil {
		return AddrSet{}, err
	}
	spans, err := evalGroup(addrDomain, n, parseAddrLeaf)
	if err != nil {
		return AddrSet{}, err
	}
	if len(spans) == 0 {
		return AddrSet{}, fmt.Errorf("address %q matches nothing", s)
	}
	return newAddrSet(spans), nil
}

func newAddrSet(spans []span[netip.Addr]) AddrSet {
	s := AddrSet{spans: spans, Any: len(spans) == 2 && spans[0] == addrDomain.univ[0] && spans[1] == addrDomain.univ[1]}
	for _, sp := range spans {
		if sp.Lo.Is4() {
			s.v4 = append(s.v4, span[uint32]{addr4(sp.Lo), addr4(sp.Hi)})
		}
	}
	return s
}

func addr4(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// Contains reports whether a is in the set.
func (s *AddrSet) Contains(a netip.Addr) bool {
	if s.Any {
		return true
	}
	a = a.Unmap()
	if a.Is4() {
		return containsUint32(s.v4, addr4(a))
	}
	return contains(addrDomain.cmp, s.spans, a)
}

// Prefixes returns the set as a minimal list of CIDR prefixes (for grouping and display).
func (s *AddrSet) Prefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, sp := range s.spans {
		out = appendRangePrefixes(out, sp.Lo, sp.Hi)
	}
	return out
}

// appendRangePrefixes covers [lo, hi] with the largest aligned prefixes.
func appendRangePrefixes(out []netip.Prefix, lo, hi netip.Addr) []netip.Prefix {
	for lo.IsValid() && lo.Compare(hi) <= 0 {
		bits := lo.BitLen()
		best := netip.PrefixFrom(lo, bits)
		for l := bits - 1; l >= 0; l-- {
			p := netip.PrefixFrom(lo, l).Masked()
			if p.Addr() != lo || lastAddr(p).Compare(hi) > 0 {
				break
			}
			best = p
		}
		out = append(out, best)
		end := lastAddr(best)
		if end.Compare(hi) >= 0 {
			break
		}
		lo = end.Next()
	}
	return out
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func parseAddrLeaf(tok string) ([]span[netip.Addr], error) {
	if i := strings.IndexByte(tok, '/'); i >= 0 {
		a, err := netip.ParseAddr(tok[:i])
		if err != nil {
			return nil, fmt.Errorf("bad address %q", tok)
		}
		a = a.Unmap()
		mask := tok[i+1:]
		var bits int
		if m, err := netip.ParseAddr(mask); err == nil && m.Is4() && a.Is4() {
			// Dotted netmask form, 10.0.0.0/255.0.0.0.
			bits = maskBits(m.As4())
			if bits < 0 {
				return nil, fmt.Errorf("bad netmask in %q", tok)
			}
		} else if _, err := fmt.Sscanf(mask, "%d", &bits); err != nil || fmt.Sprint(bits) != mask {
			return nil, fmt.Errorf("bad prefix length in %q", tok)
		}
		if bits < 0 || bits > a.BitLen() {
			return nil, fmt.Errorf("bad prefix length in %q", tok)
		}
		p := netip.PrefixFrom(a, bits).Masked()
		return []span[netip.Addr]{{p.Addr(), lastAddr(p)}}, nil
	}
	if i := strings.IndexByte(tok, '-'); i >= 0 {
		lo, err1 := netip.ParseAddr(tok[:i])
		hi, err2 := netip.ParseAddr(tok[i+1:])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("bad address range %q", tok)
		}
		lo, hi = lo.Unmap(), hi.Unmap()
		if lo.Is4() != hi.Is4() || lo.Compare(hi) > 0 {
			return nil, fmt.Errorf("bad address range %q", tok)
		}
		return []span[netip.Addr]{{lo, hi}}, nil
	}
	a, err := netip.ParseAddr(tok)
	if err != nil {
		return nil, fmt.Errorf("bad address %q", tok)
	}
	a = a.Unmap()
	return []span[netip.Addr]{{a, a}}, nil
}

func maskBits(m [4]byte) int {
	v := uint32(m[0])<<24 | uint32(m[1])<<16 | uint32(m[2])<<8 | uint32(m[3])
	n := 0
	for v&0x80000000 != 0 {
		n++
		v <<= 1
	}
	if v != 0 {
		return -1
	}
	return n
}
