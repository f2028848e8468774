package signatures

import (
	"fmt"
	"strings"
)

func splitArgs(v string) []string {
	parts := strings.Split(v, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

func (b *ruleBuilder) isdataat(val string) error {
	parts := splitArgs(val)
	defer b.relativeTo(hasRelative(parts[1:]))()
	neg := false
	first := parts[0]
	if strings.HasPrefix(first, "!") {
		neg, first = true, strings.TrimSpace(first[1:])
	}
	off, err := b.varRef(first, 0, 1<<31-1)
	if err != nil {
		return err
	}
	d := &Isdataat{Offset: off}
	for _, p := range parts[1:] {
		switch p {
		case "relative":
			d.Relative = true
		case "rawbytes":
		default:
			return fmt.Errorf("unknown option %q", p)
		}
	}
	b.add(Keyword{Kind: MatchIsdataat, Negated: neg, Relative: d.Relative, Isdataat: d})
	return nil
}

// byteOption applies one of the options shared by the byte_* keywords; it reports false for
// an option it does not know.
func (b *ruleBuilder) byteOption(op *ByteOp, p string) (bool, error) {
	key, arg, _ := strings.Cut(p, " ")
	arg = strings.TrimSpace(arg)
	switch key {
	case "relative":
		op.Relative = true
	case "big":
		op.Little = false
	case "little":
		op.Little = true
	case "string":
		op.String = true
		if op.Base == 0 {
			op.Base = 10
		}
		if arg != "" { // byte_math: "string dec"
			return b.byteOption(op, arg)
		}
	case "hex":
		op.String, op.Base = true, 16
	case "dec":
		op.String, op.Base = true, 10
	case "oct":
		op.String, op.Base = true, 8
	case "dce":
		op.DCE = true
	case "endian":
		return b.byteOption(op, arg)
	case "bitmask":
		v, err := parseInt(arg)
		if err != nil || v <= 0 {
			return true, fmt.Errorf("bad bitmask %q", arg)
		}
		op.Bitmask, op.HasMask = uint64(v), true
	default:
		return false, nil
	}
	return true, nil
}

func checkNBytes(op *ByteOp, jump bool) error {
	if op.NBytes.Var >= 0 {
		return nil
	}
	n := op.NBytes.Value
	if op.String {
		// 0 converts the digits up to the end of the buffer; 23 octal digits fill a uint64.
		if n < 0 || n > 23 {
			return fmt.Errorf("string byte count %d not in 0..23", n)
		}
	} else if jump && n == 0 {
		// Suricata lets byte_jump read no bytes: the jump is then post_offset alone.
	} else if n < 1 || n > 8 {
		return fmt.Errorf("byte count %d not in 1..8", n)
	}
	return nil
}

func (b *ruleBuilder) byteOp(name, val string) error {
	parts := splitArgs(val)
	defer b.relativeTo(hasRelative(parts))()
	op := &ByteOp{Multiplier: 1, Result: -1, Value: literal(0), RValue: literal(0), NBytes: literal(0), Offset: literal(0)}
	var kind MatcherKind
	var err error
	extractName := ""
	rest := parts
	switch name {
	case "byte_test":
		kind = MatchByteTest
		if len(parts) < 4 {
			return fmt.Errorf("want nbytes, operator, value, offset")
		}
		if op.NBytes, err = b.varRef(parts[0], 0, 23); err != nil {
			return err
		}
		o := parts[1]
		if strings.HasPrefix(o, "!") {
			op.NotOp, o = true, strings.TrimSpace(o[1:])
		}
		switch o {
		case "<", ">", "=", "&", "^":
			op.Op = o[0]
		case "<=":
			op.Op = 'l'
		case ">=":
			op.Op = 'g'
		default:
			return fmt.Errorf("bad operator %q", parts[1])
		}
		if op.Value, err = b.varRefU(parts[2]); err != nil {
			return err
		}
		// Suricata reads byte_test's offset as any int32 (byte_jump's is range-checked); an
		// offset past the buffer simply never matches.
		if op.Offset, err = b.varRef(parts[3], -1<<31, 1<<31-1); err != nil {
			return err
		}
		rest = parts[4:]
	case "byte_jump":
		kind = MatchByteJump
		if len(parts) < 2 {
			return fmt.Errorf("want nbytes, offset")
		}
		if op.NBytes, err = b.varRef(parts[0], 0, 23); err != nil {
			return err
		}
		if op.Offset, err = b.varRef(parts[1], -65535, 65535); err != nil {
			return err
		}
		rest = parts[2:]
	case "byte_extract":
		kind = MatchByteExtract
		if len(parts) < 3 {
			return fmt.Errorf("want nbytes, offset, name")
		}
		v, err := parseInt(parts[0])
		if err != nil {
			return fmt.Errorf("bad byte count %q", parts[0])
		}
		op.NBytes = literal(v)
		if op.Offset, err = b.varRef(parts[1], -65535, 65535); err != nil {
			return err
		}
		rest = parts[3:]
		extractName = parts[2]
	case "byte_math":
		kind = MatchByteMath
		return b.byteMath(op, parts)
	}
	for _, p := range rest {
		known, err := b.byteOption(op, p)
		if err != nil {
			return err
		}
		if known {
			continue
		}
		key, arg, _ := strings.Cut(p, " ")
		arg = strings.TrimSpace(arg)
		switch {
		case key == "multiplier" && kind != MatchByteTest:
			v, err := parseInt(arg)
			if err != nil || v < 1 || v > 65535 {
				return fmt.Errorf("bad multiplier %q", arg)
			}
			op.Multiplier = uint64(v)
		case key == "align" && kind == MatchByteJump && arg == "":
			op.Align4 = true
		case key == "align" && kind == MatchByteExtract:
			v, err := parseInt(arg)
			if err != nil || (v != 2 && v != 4) {
				return fmt.Errorf("bad align %q", arg)
			}
			op.AlignN = uint64(v)
		case key == "from_beginning" && kind == MatchByteJump:
			op.FromBeginning = true
		case key == "from_end" && kind == MatchByteJump:
			op.FromEnd = true
		case key == "post_offset" && kind == MatchByteJump:
			v, err := parseInt(arg)
			if err != nil || v < -65535 || v > 65535 {
				return fmt.Errorf("bad post_offset %q", arg)
			}
			op.PostOffset = v
		default:
			return fmt.Errorf("unknown option %q", p)
		}
	}
	if op.FromBeginning && op.FromEnd {
		return fmt.Errorf("from_beginning and from_end together")
	}
	if op.String && op.Base == 0 {
		op.Base = 10
	}
	if err = checkNBytes(op, kind == MatchByteJump); err != nil {
		return err
	}
	if kind == MatchByteExtract {
		if op.Result, err = b.defineVar(extractName); err != nil {
			return err
		}
	}
	b.add(Keyword{Kind: kind, Relative: op.Relative, Byte: op})
	return nil
}

// varRefU is varRef for unsigned 64-bit values (byte_test's value).
func (b *ruleBuilder) varRefU(s string) (Operand, error) {
	if v, err := parseUint64(s); err == nil {
		return Operand{Value: int64(v), Var: -1}, nil
	}
	return b.varRef(s, 0, 0)
}

func (b *ruleBuilder) byteMath(op *ByteOp, parts []string) error {
	var result string
	seen := map[string]bool{}
	for _, p := range parts {
		key, arg, _ := strings.Cut(p, " ")
		arg = strings.TrimSpace(arg)
		var err error
		switch key {
		case "bytes":
			op.NBytes, err = b.varRef(arg, 0, 23)
		case "offset":
			op.Offset, err = b.varRef(arg, -65535, 65535)
		case "oper":
			switch arg {
			case "+", "-", "*", "/":
				op.MathOp = arg[0]
			case "<<":
				op.MathOp = 'L'
			case ">>":
				op.MathOp = 'R'
			default:
				err = fmt.Errorf("bad oper %q", arg)
			}
		case "rvalue":
			op.RValue, err = b.varRefU(arg)
		case "result":
			result = arg
		default:
			var known bool
			known, err = b.byteOption(op, p)
			if err == nil && !known {
				err = fmt.Errorf("unknown option %q", p)
			}
		}
		if err != nil {
			return err
		}
		seen[key] = true
	}
	for _, k := range []string{"bytes", "offset", "oper", "rvalue", "result"} {
		if !seen[k] {
			return fmt.Errorf("missing %s", k)
		}
	}
	if op.String && op.Base == 0 {
		op.Base = 10
	}
	if err := checkNBytes(op, false); err != nil {
		return err
	}
	slot, err := b.defineVar(result)
	if err != nil {
		return err
	}
	op.Result = slot
	b.add(Keyword{Kind: MatchByteMath, Relative: op.Relative, Byte: op})
	return nil
}
