package verify

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// run.py reads test.yaml with PyYAML's safe_load, which implements YAML 1.1: plain
// scalars such as yes/no/on/off are booleans, 0777 is octal, 1:30 is 90, 1e5 is a string
// (a float needs a dot) and 2024-01-02 is a date. yaml.v3 resolves plain scalars by YAML
// 1.2 rules, so this file takes yaml.v3's node tree and resolves scalars itself, the 1.1
// way, keeping mapping order (requires and match keys are evaluated in order) and letting
// a repeated key replace the earlier value as PyYAML does.

// ymap is a YAML mapping in document order. Keys are Python values; most are strings.
type ymap struct {
	keys []any
	vals []any
}

func (m *ymap) set(k, v any) {
	for i, old := range m.keys {
		if pyEqual(old, k) && pyTypeName(old) == pyTypeName(k) {
			m.vals[i] = v
			return
		}
	}
	m.keys = append(m.keys, k)
	m.vals = append(m.vals, v)
}

// get looks a string key up.
func (m *ymap) get(name string) (any, bool) {
	if m == nil {
		return nil, false
	}
	for i, k := range m.keys {
		if s, ok := k.(string); ok && s == name {
			return m.vals[i], true
		}
	}
	return nil, false
}

func (m *ymap) has(name string) bool {
	_, ok := m.get(name)
	return ok
}

// keyString is the key as run.py would print it.
func keyString(k any) string { return pyStr(k) }

// plain turns a loaded YAML value into the form decoded JSON has, so pyEqual can compare
// them. A non-string key cannot equal any JSON key, so it is made unmatchable.
func plain(v any) any {
	switch x := v.(type) {
	case *ymap:
		out := make(map[string]any, len(x.keys))
		for i, k := range x.keys {
			ks, ok := k.(string)
			if !ok {
				ks = "\x00" + pyRepr(k)
			}
			out[ks] = plain(x.vals[i])
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = plain(x[i])
		}
		return out
	}
	return v
}

const maxYAMLDepth = 200

// loadYAML parses one YAML document into Python-like values (*ymap for mappings).
func loadYAML(data []byte) (any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, nil
	}
	return convertNode(doc.Content[0], 0)
}

func convertNode(n *yaml.Node, depth int) (any, error) {
	if depth > maxYAMLDepth {
		return nil, fmt.Errorf("line %d: YAML nested too deeply", n.Line)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return convertNode(n.Content[0], depth+1)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, fmt.Errorf("line %d: unresolved alias", n.Line)
		}
		return convertNode(n.Alias, depth+1)
	case yaml.ScalarNode:
		return convertScalar(n)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := convertNode(c, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		m := &ymap{}
		var merges []*ymap
		for i := 0; i+1 < len(n.Content); i += 2 {
			kn, vn := n.Content[i], n.Content[i+1]
			v, err := convertNode(vn, depth+1)
			if err != nil {
				return nil, err
			}
			if kn.Kind == yaml.ScalarNode && kn.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0 && kn.Value == "<<" {
				mm, err := mergeSources(v, kn.Line)
				if err != nil {
					return nil, err
				}
				merges = append(merges, mm...)
				continue
			}
			k, err := convertNode(kn, depth+1)
			if err != nil {
				return nil, err
			}
			switch k.(type) {
			case []any, *ymap:
				return nil, fmt.Errorf("line %d: unhashable mapping key", kn.Line)
			}
			m.set(k, v)
		}
		// Merged keys never override keys written in the mapping itself.
		for _, src := range merges {
			for i, k := range src.keys {
				if ks, ok := k.(string); ok && m.has(ks) {
					continue
				}
				m.set(k, src.vals[i])
			}
		}
		return m, nil
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node kind %d", n.Line, n.Kind)
}

func mergeSources(v any, line int) ([]*ymap, error) {
	switch x := v.(type) {
	case *ymap:
		return []*ymap{x}, nil
	case []any:
		out := make([]*ymap, 0, len(x))
		for _, e := range x {
			m, ok := e.(*ymap)
			if !ok {
				return nil, fmt.Errorf("line %d: merge key needs mappings", line)
			}
			out = append(out, m)
		}
		return out, nil
	}
	return nil, fmt.Errorf("line %d: merge key needs a mapping", line)
}

// PyYAML's YAML 1.1 implicit resolvers, tried in the order PyYAML registers them.
var (
	reYAMLBool  = regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	reYAMLFloat = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
	reYAMLInt   = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	reYAMLNull  = regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)
	reYAMLTime  = regexp.MustCompile(`^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$`)
)

func convertScalar(n *yaml.Node) (any, error) {
	if n.Style&yaml.TaggedStyle != 0 {
		return explicitScalar(n)
	}
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n.Value, nil
	}
	return resolvePlain(n.Value)
}

func resolvePlain(s string) (any, error) {
	switch {
	case reYAMLBool.MatchString(s):
		return yamlBool(s), nil
	case reYAMLFloat.MatchString(s):
		return yamlFloat(s)
	case reYAMLInt.MatchString(s):
		return yamlInt(s)
	case reYAMLNull.MatchString(s):
		return nil, nil
	case reYAMLTime.MatchString(s):
		return pyTimestamp(s), nil
	}
	return s, nil
}

func explicitScalar(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!str":
		return n.Value, nil
	case "!!null":
		return nil, nil
	case "!!bool":
		if !reYAMLBool.MatchString(n.Value) {
			return nil, fmt.Errorf("line %d: bad !!bool %q", n.Line, n.Value)
		}
		return yamlBool(n.Value), nil
	case "!!int":
		return yamlInt(n.Value)
	case "!!float":
		return yamlFloat(n.Value)
	case "!!timestamp":
		return pyTimestamp(n.Value), nil
	}
	return nil, fmt.Errorf("line %d: could not determine a constructor for tag %s", n.Line, n.Tag)
}

func yamlBool(s string) bool {
	switch strings.ToLower(s) {
	case "yes", "true", "on":
		return true
	}
	return false
}

func yamlInt(raw string) (any, error) {
	s := strings.ReplaceAll(raw, "_", "")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	v := new(big.Int)
	var ok bool
	switch {
	case s == "0":
		ok = true
	case strings.HasPrefix(s, "0b"):
		_, ok = v.SetString(s[2:], 2)
	case strings.HasPrefix(s, "0x"):
		_, ok = v.SetString(s[2:], 16)
	case strings.HasPrefix(s, "0"):
		_, ok = v.SetString(s[1:], 8)
	case strings.Contains(s, ":"):
		ok = true
		base := big.NewInt(1)
		parts := strings.Split(s, ":")
		for i := len(parts) - 1; i >= 0; i-- {
			d, err := strconv.ParseInt(parts[i], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("bad sexagesimal int %q", raw)
			}
			v.Add(v, new(big.Int).Mul(big.NewInt(d), base))
			base.Mul(base, big.NewInt(60))
		}
	default:
		_, ok = v.SetString(s, 10)
	}
	if !ok {
		return nil, fmt.Errorf("bad int %q", raw)
	}
	if neg {
		v.Neg(v)
	}
	if v.IsInt64() {
		return v.Int64(), nil
	}
	return v, nil
}

func yamlFloat(raw string) (any, error) {
	s := strings.ToLower(strings.ReplaceAll(raw, "_", ""))
	sign := 1.0
	if s != "" && (s[0] == '-' || s[0] == '+') {
		if s[0] == '-' {
			sign = -1
		}
		s = s[1:]
	}
	switch {
	case s == ".inf":
		return sign * math.Inf(1), nil
	case s == ".nan":
		return math.NaN(), nil
	case strings.Contains(s, ":"):
		parts := strings.Split(s, ":")
		v, base := 0.0, 1.0
		for i := len(parts) - 1; i >= 0; i-- {
			d, err := strconv.ParseFloat(parts[i], 64)
			if err != nil {
				return nil, fmt.Errorf("bad sexagesimal float %q", raw)
			}
			v += d * base
			base *= 60
		}
		return sign * v, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !math.IsInf(f, 0) {
		return nil, fmt.Errorf("bad float %q", raw)
	}
	return sign * f, nil
}
