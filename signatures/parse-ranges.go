package signatures

import (
	"fmt"
	"slices"
	"strings"
)

// span is an inclusive interval of an ordered key (an address or a port).
type span[K any] struct{ Lo, Hi K }

// domain gives the ordered key space that address and port groups are evaluated in, so that
// one piece of interval arithmetic serves both.
type domain[K any] struct {
	cmp  func(a, b K) int
	next func(K) (K, bool) // successor, false at the top of a family
	prev func(K) (K, bool) // predecessor, false at the bottom of a family
	univ []span[K]
}

// normalize sorts spans and merges the ones that overlap or touch.
func (d *domain[K]) normalize(s []span[K]) []span[K] {
	slices.SortFunc(s, func(a, b span[K]) int { return d.cmp(a.Lo, b.Lo) })
	out := s[:0]
	for _, x := range s {
		if n := len(out); n > 0 {
			last := &out[n-1]
			nx, ok := d.next(last.Hi)
			if d.cmp(x.Lo, last.Hi) <= 0 || (ok && d.cmp(nx, x.Lo) == 0) {
				if d.cmp(x.Hi, last.Hi) > 0 {
					last.Hi = x.Hi
				}
				continue
			}
		}
		out = append(out, x)
	}
	return out
}

// subtract returns a minus b; both normalized.
func (d *domain[K]) subtract(a, b []span[K]) []span[K] {
	var out []span[K]
	for _, x := range a {
		cur := []span[K]{x}
		for _, y := range b {
			var nxt []span[K]
			for _, c := range cur {
				if d.cmp(y.Hi, c.Lo) < 0 || d.cmp(y.Lo, c.Hi) > 0 {
					nxt = append(nxt, c)
					continue
				}
				if d.cmp(y.Lo, c.Lo) > 0 {
					if p, ok := d.prev(y.Lo); ok {
						nxt = append(nxt, span[K]{c.Lo, p})
					}
				}
				if d.cmp(y.Hi, c.Hi) < 0 {
					if n, ok := d.next(y.Hi); ok {
						nxt = append(nxt, span[K]{n, c.Hi})
					}
				}
			}
			cur = nxt
		}
		out = append(out, cur...)
	}
	return out
}

// contains reports whether k lies in the normalized set s (binary search, no allocation).
func contains[K any](cmp func(a, b K) int, s []span[K], k K) bool {
	lo, hi := 0, len(s)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch {
		case cmp(k, s[m].Lo) < 0:
			hi = m
		case cmp(k, s[m].Hi) > 0:
			lo = m + 1
		default:
			return true
		}
	}
	return false
}

// containsUint32 is contains for integer keys, with the comparisons inline.
func containsUint32(s []span[uint32], k uint32) bool {
	lo, hi := 0, len(s)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch {
		case k < s[m].Lo:
			hi = m
		case k > s[m].Hi:
			lo = m + 1
		default:
			return true
		}
	}
	return false
}

// groupNode is a parsed address or port expression: a leaf, or a bracketed list, possibly
// negated. Variables are expanded while parsing.
type groupNode struct {
	neg    bool
	leaf   string
	list   []*groupNode
	isList bool
	isAny  bool
}

const maxVarDepth = 16

// parseGroup parses s, expanding $VARS from vars.
func parseGroup(s string, vars Vars, depth int) (*groupNode, error) {
	if depth > maxVarDepth {
		return nil, fmt.Errorf("variables nested too deep (a loop?)")
	}
	p := &groupParser{s: s, vars: vars, depth: depth}
	n, err := p.expr()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("unexpected %q in %q", p.s[p.i:], s)
	}
	return n, nil
}

type groupParser struct {
	s     string
	i     int
	vars  Vars
	depth int
}

func (p *groupParser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *groupParser) expr() (*groupNode, error) {
	p.skipSpace()
	if p.i >= len(p.s) {
		return nil, fmt.Errorf("empty value in %q", p.s)
	}
	switch p.s[p.i] {
	case '!':
		p.i++
		n, err := p.expr()
		if err != nil {
			return nil, err
		}
		return &groupNode{neg: true, isList: true, list: []*groupNode{n}}, nil
	case '[':
		p.i++
		n := &groupNode{isList: true}
		for {
			c, err := p.expr()
			if err != nil {
				return nil, err
			}
			n.list = append(n.list, c)
			p.skipSpace()
			if p.i >= len(p.s) {
				return nil, fmt.Errorf("unclosed [ in %q", p.s)
			}
			if p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.s[p.i] == ']' {
				p.i++
				return n, nil
			}
			return nil, fmt.Errorf("unexpected %q in %q", p.s[p.i], p.s)
		}
	}
	start := p.i
	for p.i < len(p.s) && !strings.ContainsRune(",[]! \t", rune(p.s[p.i])) {
		p.i++
	}
	tok := p.s[start:p.i]
	if tok == "" {
		return nil, fmt.Errorf("empty value in %q", p.s)
	}
	if tok[0] == '$' {
		val, ok := p.vars.lookup(tok[1:])
		if !ok {
			return nil, fmt.Errorf("undefined variable %s", tok)
		}
		return parseGroup(val, p.vars, p.depth+1)
	}
	if strings.EqualFold(tok, "any") {
		return &groupNode{isAny: true}, nil
	}
	return &groupNode{leaf: tok}, nil
}

// evalGroup turns a parsed expression into a normalized span set. A list is the union of its
// positive members (everything when it has none) minus the union of its negated members, which
// is how Suricata reads [1.0.0.0/8,!1.1.1.1] and [!80].
func evalGroup[K any](d *domain[K], n *groupNode, leaf func(string) ([]span[K], error)) ([]span[K], error) {
	switch {
	case n.isAny:
		return slices.Clone(d.univ), nil
	case !n.isList:
		s, err := leaf(n.leaf)
		if err != nil {
			return nil, err
		}
		return d.normalize(s), nil
	}
	var pos, neg []span[K]
	hasPos := false
	for _, c := range n.list {
		s, err := evalGroup(d, c, leaf)
		if err != nil {
			return nil, err
		}
		if c.neg {
			// c is "!x": s already holds the complement of x; subtract x itself.
			neg = append(neg, d.subtract(d.univ, s)...)
			continue
		}
		hasPos = true
		pos = append(pos, s...)
	}
	if !hasPos {
		pos = slices.Clone(d.univ)
	}
	res := d.subtract(d.normalize(pos), d.normalize(neg))
	if n.neg {
		// A negated node wraps one child and stands for its complement.
		res = d.subtract(d.univ, res)
	}
	return d.normalize(res), nil
}
