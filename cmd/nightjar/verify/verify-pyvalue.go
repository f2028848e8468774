package verify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Values from test.yaml and eve.json share one representation, the one Python's
// yaml.safe_load and json.loads produce, because run.py compares them with Python's
// operators: nil (None), bool, int64 or *big.Int (int), float64, string, []any (list),
// map[string]any (dict) and pyTimestamp (a YAML 1.1 timestamp, which equals no JSON value).

// pyTimestamp is a plain YAML scalar PyYAML turns into a datetime; JSON never yields one,
// so it only equals another timestamp with the same text.
type pyTimestamp string

// pyNum is a Python number: an exact integer or a float. bool counts as an integer
// because Python's bool is a subclass of int (True == 1).
type pyNum struct {
	isFloat bool
	f       float64
	i       *big.Int
}

func asNum(v any) (pyNum, bool) {
	switch x := v.(type) {
	case bool:
		if x {
			return pyNum{i: big.NewInt(1)}, true
		}
		return pyNum{i: big.NewInt(0)}, true
	case int:
		return pyNum{i: big.NewInt(int64(x))}, true
	case int64:
		return pyNum{i: big.NewInt(x)}, true
	case *big.Int:
		return pyNum{i: x}, true
	case float64:
		return pyNum{isFloat: true, f: x}, true
	}
	return pyNum{}, false
}

// numCmp compares two numbers exactly, as Python does between int and float.
// ok is false when a NaN is involved (every comparison with NaN is False).
func numCmp(a, b pyNum) (c int, ok bool) {
	switch {
	case !a.isFloat && !b.isFloat:
		return a.i.Cmp(b.i), true
	case a.isFloat && b.isFloat:
		if math.IsNaN(a.f) || math.IsNaN(b.f) {
			return 0, false
		}
		switch {
		case a.f < b.f:
			return -1, true
		case a.f > b.f:
			return 1, true
		}
		return 0, true
	case a.isFloat:
		c, ok := floatIntCmp(a.f, b.i)
		return c, ok
	default:
		c, ok := floatIntCmp(b.f, a.i)
		return -c, ok
	}
}

func floatIntCmp(f float64, i *big.Int) (int, bool) {
	if math.IsNaN(f) {
		return 0, false
	}
	if math.IsInf(f, 1) {
		return 1, true
	}
	if math.IsInf(f, -1) {
		return -1, true
	}
	r := new(big.Rat).SetFloat64(f)
	return r.Cmp(new(big.Rat).SetInt(i)), true
}

// pyEqual is Python's == between two decoded values.
func pyEqual(a, b any) bool {
	if na, ok := asNum(a); ok {
		nb, ok := asNum(b)
		if !ok {
			return false
		}
		c, ok := numCmp(na, nb)
		return ok && c == 0
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case pyTimestamp:
		y, ok := b.(pyTimestamp)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !pyEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !pyEqual(xv, yv) {
				return false
			}
		}
		return true
	}
	return false
}

// pyCompare is Python's ordering for the operators __gt, __gte, __lt and __lte: numbers
// with numbers, strings with strings (code point order, which UTF-8 byte order preserves).
// Any other pairing is a TypeError in Python, an error here.
func pyCompare(a, b any) (c int, ok bool, err error) {
	if na, isNum := asNum(a); isNum {
		nb, isNum := asNum(b)
		if !isNum {
			return 0, false, fmt.Errorf("'<' not supported between %s and %s", pyTypeName(a), pyTypeName(b))
		}
		c, ok := numCmp(na, nb)
		return c, ok, nil
	}
	if sa, isStr := a.(string); isStr {
		if sb, isStr := b.(string); isStr {
			return strings.Compare(sa, sb), true, nil
		}
	}
	return 0, false, fmt.Errorf("'<' not supported between %s and %s", pyTypeName(a), pyTypeName(b))
}

// pyLen is what run.py's "__len" yields: len() of the value, or -1 where Python's len
// raises (numbers, bool, None).
func pyLen(v any) int {
	switch x := v.(type) {
	case string:
		return utf8.RuneCountInString(x)
	case []any:
		return len(x)
	case map[string]any:
		return len(x)
	}
	return -1
}

func pyTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int, int64, *big.Int:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []any:
		return "list"
	case map[string]any:
		return "dict"
	case pyTimestamp:
		return "datetime"
	}
	return fmt.Sprintf("%T", v)
}

// pyStr is Python's str(): run.py uses it for a shell check's "expect" and for versions
// written as YAML numbers (min-version: 7.0 is the string "7.0").
func pyStr(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case pyTimestamp:
		return string(x)
	}
	return pyRepr(v)
}

func pyRepr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case *big.Int:
		return x.String()
	case float64:
		return pyFloatRepr(x)
	case string:
		return "'" + strings.ReplaceAll(strings.ReplaceAll(x, `\`, `\\`), "'", `\'`) + "'"
	case pyTimestamp:
		return string(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pyRepr(k) + ": " + pyRepr(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// pyFloatRepr follows Python's repr(float): shortest round-trip digits, fixed notation
// for decimal exponents in [-4, 16), always with a fractional part.
func pyFloatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	mant, expStr, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expStr)
	if exp < -4 || exp >= 16 {
		sign := "+"
		if exp < 0 {
			sign = "-"
			exp = -exp
		}
		return fmt.Sprintf("%se%s%02d", mant, sign, exp)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}

// decodeJSONLine decodes one EVE line the way json.loads does: integers stay exact
// (flow_id and friends exceed float precision), numbers with a fraction or exponent
// become floats.
func decodeJSONLine(line []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	// json.loads rejects trailing data after the value.
	if dec.More() {
		return nil, fmt.Errorf("extra data after JSON value")
	}
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("extra data after JSON value")
	}
	return fromJSON(v), nil
}

func fromJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		return jsonNumber(string(x))
	case []any:
		for i := range x {
			x[i] = fromJSON(x[i])
		}
		return x
	case map[string]any:
		for k, e := range x {
			x[k] = fromJSON(e)
		}
		return x
	}
	return v
}

func jsonNumber(s string) any {
	if strings.ContainsAny(s, ".eE") {
		// ParseFloat reports a range error with ±Inf, which is what Python yields too.
		f, _ := strconv.ParseFloat(s, 64)
		return f
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i
	}
	b, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return s
	}
	return b
}
