package signatures

import (
	"errors"
	"strings"
)

// smbKeyword parses smb.version (Suricata 8): the SMB version of the transaction, 1 or 2, at
// most once per rule; done is false for another keyword.
func (b *ruleBuilder) smbKeyword(name, val string) (done bool, err error) {
	if name != "smb.version" {
		return false, nil
	}
	for _, n := range b.r.AppNumbers {
		if n.ID == NumSMBVersion {
			return true, errors.New("Can't use 2 or more smb.version declarations in the same sig")
		}
	}
	var v uint64
	switch strings.TrimSpace(val) {
	case "1":
		v = 1
	case "2":
		v = 2
	default:
		return true, errors.New("smb.version: want 1 or 2")
	}
	b.r.AppNumbers = append(b.r.AppNumbers, AppNumberMatch{ID: NumSMBVersion, Dir: bufBoth, Cmp: UintMatch{Op: '=', A: v}})
	return true, nil
}
