package smb

import (
	"bytes"
	"encoding/binary"
)

// ntlmAuth finds an NTLMSSP authenticate message in a session setup's security blob (inside
// its SPNEGO wrapping) and keeps the names it carries. It reports whether there was one.
func (tx *Tx) ntlmAuth(blob []byte) bool {
	i := bytes.Index(blob, []byte("NTLMSSP\x00"))
	if i < 0 {
		return false
	}
	m := blob[i:]
	le := binary.LittleEndian
	if len(m) < 64 || le.Uint32(m[8:]) != 3 {
		return false
	}
	field := func(at int) []byte {
		n, off := int(le.Uint16(m[at:])), int(le.Uint32(m[at+4:]))
		if off+n > len(m) {
			return nil
		}
		return m[off : off+n]
	}
	flags := le.Uint32(m[60:])
	unicode := flags&1 != 0
	text := func(b []byte) []byte {
		at := len(tx.text)
		if unicode {
			tx.text = utf16(tx.text, b)
		} else {
			tx.text = append(tx.text, b...)
		}
		return tx.text[at:len(tx.text):len(tx.text)]
	}
	n := &tx.NTLMSSP
	*n = NTLMSSP{}
	n.Domain = text(field(28))
	n.User = text(field(36))
	n.Host = text(field(44))
	if flags&0x02000000 != 0 && len(m) >= 72 {
		n.HasVersion = true
		n.Major, n.Minor, n.Build, n.Revision = m[64], m[65], le.Uint16(m[66:]), m[71]
	}
	return true
}
