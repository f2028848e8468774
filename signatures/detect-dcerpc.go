package signatures

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// DCEMatch is one dcerpc.iface (dce_iface) or dcerpc.opnum (dce_opnum) keyword. Both read the
// request of a DCERPC transaction, over TCP or over an SMB named pipe.
type DCEMatch struct {
	Iface   bool // dcerpc.iface; otherwise dcerpc.opnum
	UUID    [16]byte
	HasVer  bool
	Ver     UintMatch
	AnyFrag bool
	Opnums  []UintMatch // any of them
}

// DCEIfaceRecordLen is the size of one BufDCERPCIface instance: the interface's UUID (RFC
// 4122 byte order), its major version (little endian) and a flags byte (DCEIfaceFirstFrag).
const DCEIfaceRecordLen = 19

// DCEIfaceFirstFrag flags an interface offered in a bind that carried the first-fragment
// flag: without any_frag, dcerpc.iface matches only those (Suricata's rule).
const DCEIfaceFirstFrag = 1

// dceKeyword parses dcerpc.iface, dcerpc.opnum and their Suricata 6 names; done is false for
// another keyword.
func (b *ruleBuilder) dceKeyword(name, val string) (done bool, err error) {
	switch name {
	case "dcerpc.iface", "dce_iface":
		m, err := parseDCEIface(val)
		if err != nil {
			return true, fmt.Errorf("%s: %w", name, err)
		}
		b.r.DCE = append(b.r.DCE, m)
		return true, nil
	case "dcerpc.opnum", "dce_opnum":
		m, err := parseDCEOpnum(val)
		if err != nil {
			return true, fmt.Errorf("%s: %w", name, err)
		}
		b.r.DCE = append(b.r.DCE, m)
		return true, nil
	}
	return false, nil
}

// parseDCEIface reads UUID[,<op>VERSION][,any_frag].
func parseDCEIface(val string) (DCEMatch, error) {
	m := DCEMatch{Iface: true}
	parts := strings.Split(val, ",")
	u := strings.ReplaceAll(strings.TrimSpace(parts[0]), "-", "")
	raw, err := hex.DecodeString(u)
	if err != nil || len(raw) != 16 || strings.Count(strings.TrimSpace(parts[0]), "-") != 4 {
		return m, fmt.Errorf("bad interface uuid %q", parts[0])
	}
	m.UUID = [16]byte(raw)
	for _, p := range parts[1:] {
		p = strings.TrimSpace(p)
		switch {
		case p == "any_frag":
			m.AnyFrag = true
		case p != "" && strings.ContainsRune("<>=!", rune(p[0])):
			c, err := parseUint(p, 0xffff)
			if err != nil {
				return m, fmt.Errorf("bad version %q: %w", p, err)
			}
			m.HasVer, m.Ver = true, *c
		default:
			return m, fmt.Errorf("bad option %q", p)
		}
	}
	return m, nil
}

// parseDCEOpnum reads a list of operation numbers and ranges: 12, 15-18, …
func parseDCEOpnum(val string) (DCEMatch, error) {
	m := DCEMatch{}
	for _, p := range strings.Split(val, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(p), "-")
		a, err := parseUint64(lo)
		if err != nil || a > 0xffff {
			return m, fmt.Errorf("bad opnum %q", p)
		}
		if !isRange {
			m.Opnums = append(m.Opnums, UintMatch{Op: '=', A: a})
			continue
		}
		z, err := parseUint64(hi)
		if err != nil || z > 0xffff || z < a {
			return m, fmt.Errorf("bad opnum range %q", p)
		}
		m.Opnums = append(m.Opnums, UintMatch{Op: 'r', A: a - 1, B: z + 1})
		if a == 0 {
			m.Opnums[len(m.Opnums)-1] = UintMatch{Op: 'l', A: z}
		}
	}
	if len(m.Opnums) == 0 {
		return m, fmt.Errorf("no opnum")
	}
	return m, nil
}

// matchDCE evaluates the rule's dcerpc.iface and dcerpc.opnum keywords on tx.
func (r *Rule) matchDCE(tx AppTx, toServer bool) bool {
	for i := range r.DCE {
		m := &r.DCE[i]
		if !m.Iface {
			v, ok := tx.Number(NumDCERPCOpnum, toServer, 0)
			if !ok || !anyMatch(m.Opnums, v) {
				return false
			}
			continue
		}
		found := false
		for k := 0; k < 64 && !found; k++ {
			rec, ok := tx.Buffer(BufDCERPCIface, toServer, k)
			if !ok {
				break
			}
			found = len(rec) == DCEIfaceRecordLen && [16]byte(rec) == m.UUID &&
				(m.AnyFrag || rec[18]&DCEIfaceFirstFrag != 0) &&
				(!m.HasVer || m.Ver.Match(uint64(rec[16])|uint64(rec[17])<<8))
		}
		if !found {
			return false
		}
	}
	return true
}

func anyMatch(ms []UintMatch, v uint64) bool {
	for i := range ms {
		if ms[i].Match(v) {
			return true
		}
	}
	return false
}
