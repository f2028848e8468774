package ssh

import (
	"crypto/md5"
	"encoding/hex"
)

// packet consumes binary packet framing: uint32 length, byte padding length, payload.
func (s *State) packet(d *side, data []byte) []byte {
	if d.left == 0 {
		n := copy(d.hdr[d.hdrN:], data)
		d.hdrN += n
		data = data[n:]
		if d.hdrN < len(d.hdr) {
			return data
		}
		d.hdrN = 0
		plen := int(d.hdr[0])<<24 | int(d.hdr[1])<<16 | int(d.hdr[2])<<8 | int(d.hdr[3])
		pad := int(d.hdr[4])
		// packet_length covers padding_length, payload and padding; a message code needs one
		// payload byte, and RFC 4253 wants at least 4 bytes of padding.
		if plen < 2+4 || plen > s.cfg.MaxPacket || pad >= plen-1 {
			d.failed = true
			s.event(EventInvalidRecord)
			return nil
		}
		d.packets++
		d.left = plen - 2 // the message code byte is in hdr[5]
		code := d.hdr[5]
		d.kex = d.kex[:0]
		d.kexOn = false
		switch code {
		case msgNewKeys:
			// Everything after this packet is encrypted. NEWKEYS carries no payload beyond
			// its code, so the rest of the packet must be padding.
			d.newKeys = true
			if d.left != pad {
				s.event(EventInvalidRecord)
			}
		case msgKexInit:
			payload := plen - 1 - pad
			if len(d.HASSH) == 0 && payload <= s.cfg.MaxKexInit {
				d.kexOn = true
				d.kex = append(d.kex, msgKexInit)
			} else if payload > s.cfg.MaxKexInit {
				s.event(EventInvalidRecord)
			}
		}
		if d.left == 0 {
			return data
		}
	}
	n := min(d.left, len(data))
	if d.kexOn {
		d.kex = append(d.kex, data[:n]...)
	}
	d.left -= n
	data = data[n:]
	if d.left == 0 && d.kexOn {
		d.kexOn = false
		pad := int(d.hdr[4])
		if len(d.kex) >= pad {
			s.hassh(d, d.kex[:len(d.kex)-pad])
		}
	}
	return data
}

// hassh builds HASSH from a KEXINIT payload: "kex;enc;mac;comp" with the lists for this
// side's sending direction (client-to-server for the client, server-to-client for the server).
func (s *State) hassh(d *side, p []byte) {
	if len(p) < 17 {
		s.event(EventInvalidRecord)
		return
	}
	p = p[17:] // message code, cookie
	var lists [8][]byte
	for i := range lists {
		if len(p) < 4 {
			s.event(EventInvalidRecord)
			return
		}
		l := int(p[0])<<24 | int(p[1])<<16 | int(p[2])<<8 | int(p[3])
		if l < 0 || 4+l > len(p) {
			s.event(EventInvalidRecord)
			return
		}
		lists[i] = p[4 : 4+l]
		p = p[4+l:]
	}
	// kex, host key, enc c2s, enc s2c, mac c2s, mac s2c, comp c2s, comp s2c
	pick := [4]int{0, 2, 4, 6}
	if d == &s.server {
		pick = [4]int{0, 3, 5, 7}
	}
	str := d.HASSHString[:0]
	for i, k := range pick {
		if i > 0 {
			str = append(str, ';')
		}
		str = append(str, lists[k]...)
	}
	d.HASSHString = str
	sum := md5.Sum(str)
	d.HASSH = hex.AppendEncode(d.HASSH[:0], sum[:])
}
