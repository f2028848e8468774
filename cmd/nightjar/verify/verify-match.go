package verify

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Operator parts end a dotted path: the value reached so far is handed to the operator.
// run.py knows __contains, __find, __startswith and __endswith (and __len, which yields
// the length); __gt, __gte, __lt and __lte are Nightjar's additions in the same style.
var operatorParts = map[string]bool{
	"__contains": true, "__find": true, "__startswith": true, "__endswith": true,
	"__gt": true, "__gte": true, "__lt": true, "__lte": true,
}

var reIndexedPart = regexp.MustCompile(`^(.*)\[(\d+)\]$`)

// findValue walks a dotted path such as "dns.answers[0].rrname" through a decoded event,
// as run.py's find_value does: a missing key or index yields nil (None), "__len" yields
// the length of what was reached, and an operator part stops the walk. Where Python would
// raise (a membership test on a number or None, or a string key that is a substring of a
// string value) it returns an error, which run.py turns into a failed check.
func findValue(path string, obj any) (any, error) {
	for _, part := range strings.Split(path, ".") {
		if part == "__len" {
			return int64(pyLen(obj)), nil
		}
		if operatorParts[part] {
			break
		}
		name, index := part, ""
		if m := reIndexedPart.FindStringSubmatch(part); m != nil {
			name, index = m[1], m[2]
		}
		switch o := obj.(type) {
		case map[string]any:
			v, ok := o[name]
			if !ok {
				return nil, nil
			}
			obj = v
		case []any:
			for _, e := range o {
				if pyEqual(e, name) {
					return nil, fmt.Errorf("%s: list indices must be integers or slices, not str", path)
				}
			}
			return nil, nil
		case string:
			if strings.Contains(o, name) {
				return nil, fmt.Errorf("%s: string indices must be integers, not str", path)
			}
			return nil, nil
		default:
			return nil, fmt.Errorf("%s: argument of type '%s' is not iterable", path, pyTypeName(obj))
		}
		if index == "" {
			continue
		}
		i, err := strconv.Atoi(index)
		if err != nil {
			return nil, nil // an index too large for any list
		}
		switch o := obj.(type) {
		case []any:
			if i >= len(o) {
				return nil, nil
			}
			obj = o[i]
		case string:
			r := []rune(o)
			if i >= len(r) {
				return nil, nil
			}
			obj = string(r[i])
		default:
			return nil, nil // run.py swallows the error of indexing anything else
		}
	}
	return obj, nil
}

// matchTerm is one key of a filter's "match" with its expected value in JSON form.
type matchTerm struct {
	key  string
	want any
}

// matchEvent reports whether an event satisfies every term, evaluated in order and
// stopping at the first that fails, like run.py (so a type error in a later term only
// surfaces on events that pass the earlier ones).
func matchEvent(terms []matchTerm, ev any) (bool, error) {
	for _, t := range terms {
		ok, err := matchTermEval(t, ev)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func matchTermEval(t matchTerm, ev any) (bool, error) {
	switch t.key {
	case "has-key", "not-has-key":
		// run.py takes one path; a list of paths (used by the suite) means all of them.
		paths := []any{t.want}
		if list, ok := t.want.([]any); ok {
			paths = list
		}
		for _, p := range paths {
			v, err := findValue(pyStr(p), ev)
			if err != nil {
				return false, err
			}
			if (v == nil) == (t.key == "has-key") {
				return false, nil
			}
		}
		return true, nil
	}
	val, err := findValue(t.key, ev)
	if err != nil {
		return false, err
	}
	op := ""
	if i := strings.LastIndex(t.key, "__"); i >= 0 {
		op = t.key[i:]
	}
	switch op {
	case "__find", "__startswith", "__endswith":
		s, ok := val.(string)
		if !ok {
			return false, fmt.Errorf("%s: '%s' object has no attribute '%s'", t.key, pyTypeName(val), op[2:])
		}
		w, ok := t.want.(string)
		if !ok {
			return false, fmt.Errorf("%s: argument must be str, not %s", t.key, pyTypeName(t.want))
		}
		switch op {
		case "__find":
			return strings.Contains(s, w), nil
		case "__startswith":
			return strings.HasPrefix(s, w), nil
		}
		return strings.HasSuffix(s, w), nil
	case "__contains":
		return pyContains(val, t.want, t.key)
	case "__gt", "__gte", "__lt", "__lte":
		c, ok, err := pyCompare(val, t.want)
		if err != nil {
			return false, fmt.Errorf("%s: %w", t.key, err)
		}
		if !ok {
			return false, nil
		}
		switch op {
		case "__gt":
			return c > 0, nil
		case "__gte":
			return c >= 0, nil
		case "__lt":
			return c < 0, nil
		}
		return c <= 0, nil
	}
	return pyEqual(val, t.want), nil
}

// pyContains is Python's "item in container".
func pyContains(container, item any, key string) (bool, error) {
	switch c := container.(type) {
	case string:
		s, ok := item.(string)
		if !ok {
			return false, fmt.Errorf("%s: 'in <string>' requires string as left operand, not %s", key, pyTypeName(item))
		}
		return strings.Contains(c, s), nil
	case []any:
		for _, e := range c {
			if pyEqual(e, item) {
				return true, nil
			}
		}
		return false, nil
	case map[string]any:
		switch k := item.(type) {
		case string:
			_, ok := c[k]
			return ok, nil
		case []any, map[string]any:
			return false, fmt.Errorf("%s: unhashable type: '%s'", key, pyTypeName(item))
		}
		return false, nil
	}
	return false, fmt.Errorf("%s: argument of type '%s' is not iterable", key, pyTypeName(container))
}
