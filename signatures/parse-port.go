package signatures

import (
	"fmt"
	"strconv"
	"strings"
)

// PortSet is a resolved port expression: sorted, disjoint, inclusive port ranges.
type PortSet struct {
	spans []span[uint32]
	Any   bool
}

var portDomain = &domain[uint32]{
	cmp: func(a, b uint32) int {
		switch {
		case a < b:
			return -1
		case a > b:
			return 1
		}
		return 0
	},
	next: func(a uint32) (uint32, bool) { return a + 1, a < 65535 },
	prev: func(a uint32) (uint32, bool) { return a - 1, a > 0 },
	univ: []span[uint32]{{0, 65535}},
}

// ParsePortSet resolves a rule-header port expression (any, N, N:M, N:, :M, !, [..], $VARS).
func ParsePortSet(s string, vars Vars) (PortSet, error) {
	n, err := parseGroup(s, vars, 0)
	if err != nil {
		return PortSet{}, err
	}
	spans, err := evalGroup(portDomain, n, parsePortLeaf)
	if err != nil {
		return PortSet{}, err
	}
	if len(spans) == 0 {
		return PortSet{}, fmt.Errorf("port %q matches nothing", s)
	}
	return PortSet{spans: spans, Any: len(spans) == 1 && spans[0] == portDomain.univ[0]}, nil
}

// Contains reports whether port p is in the set.
func (s *PortSet) Contains(p uint16) bool {
	if s.Any {
		return true
	}
	return contains(portDomain.cmp, s.spans, uint32(p))
}

// Ranges returns the set as inclusive [lo, hi] pairs.
func (s *PortSet) Ranges() [][2]uint16 {
	out := make([][2]uint16, len(s.spans))
	for i, sp := range s.spans {
		out[i] = [2]uint16{uint16(sp.Lo), uint16(sp.Hi)}
	}
	return out
}

func parsePortLeaf(tok string) ([]span[uint32], error) {
	num := func(s string, def uint32) (uint32, error) {
		if s == "" {
			return def, nil
		}
		v, err := strconv.ParseUint(s, 10, 16)
		if err != nil {
			return 0, fmt.Errorf("bad port %q", tok)
		}
		return uint32(v), nil
	}
	if i := strings.IndexByte(tok, ':'); i >= 0 {
		lo, err := num(tok[:i], 0)
		if err != nil {
			return nil, err
		}
		hi, err := num(tok[i+1:], 65535)
		if err != nil {
			return nil, err
		}
		if lo > hi || (tok[:i] == "" && tok[i+1:] == "") {
			return nil, fmt.Errorf("bad port range %q", tok)
		}
		return []span[uint32]{{lo, hi}}, nil
	}
	v, err := num(tok, 0)
	if err != nil || tok == "" {
		return nil, fmt.Errorf("bad port %q", tok)
	}
	return []span[uint32]{{v, v}}, nil
}
