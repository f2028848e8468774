package bench

import "encoding/binary"

const (
	sshKexInit   = 20
	sshNewKeys   = 21
	sshECDHInit  = 30
	sshECDHReply = 31
)

var sshNameLists = []string{
	"curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,diffie-hellman-group16-sha512,ext-info-c",
	"ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256",
	"chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com",
	"chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com",
	"umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256",
	"umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256",
	"none,zlib@openssh.com",
	"none,zlib@openssh.com",
	"",
	"",
}

// SSH script: banners, KEXINITs, ECDH, NEWKEYS, then encrypted packets: keystrokes and their
// echoes for an interactive session, or large writes for a file copy.
func (g *generator) sshMessage(c *conv) bool {
	b := c.buf
	switch c.step {
	case 0:
		b = append(b, "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n"...)
		c.msg = message{side: sideClient}
	case 1:
		b = append(b, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u2\r\n"...)
		c.msg = message{side: sideServer}
	case 2, 3:
		b = g.sshPacket(b, func(p []byte) []byte {
			p = append(p, sshKexInit)
			p = g.appendRandom(p, 16) // cookie
			for _, l := range sshNameLists {
				p = binary.BigEndian.AppendUint32(p, uint32(len(l)))
				p = append(p, l...)
			}
			return append(p, 0, 0, 0, 0, 0)
		})
		c.msg = message{side: c.step - 2}
	case 4:
		b = g.sshPacket(b, func(p []byte) []byte {
			p = append(p, sshECDHInit, 0, 0, 0, 32)
			return g.appendRandom(p, 32)
		})
		c.msg = message{side: sideClient}
	case 5:
		b = g.sshPacket(b, func(p []byte) []byte {
			p = append(p, sshECDHReply, 0, 0, 0, 51, 0, 0, 0, 11)
			p = append(p, "ssh-ed25519"...)
			p = append(p, 0, 0, 0, 32)
			p = g.appendRandom(p, 32)
			p = append(p, 0, 0, 0, 32)
			p = g.appendRandom(p, 32)
			p = append(p, 0, 0, 0, 83, 0, 0, 0, 11)
			p = append(p, "ssh-ed25519"...)
			p = append(p, 0, 0, 0, 64)
			return g.appendRandom(p, 64)
		})
		b = g.sshPacket(b, func(p []byte) []byte { return append(p, sshNewKeys) })
		c.msg = message{side: sideServer}
	case 6:
		b = g.sshPacket(b, func(p []byte) []byte { return append(p, sshNewKeys) })
		c.msg = message{side: sideClient}
	default:
		if c.txs <= 0 || (g.draining && c.step > 7) {
			return false
		}
		c.txs--
		// Encrypted packets: a 4-byte length (in clear for chacha20-poly1305's sake it is
		// encrypted too; either way it looks random) and ciphertext plus a 16-byte tag.
		n, side := 36, sideClient
		if c.step%2 == 1 {
			side, n = sideServer, 36+g.rng.IntN(300)
		}
		if !c.small && side == sideServer {
			n = min(32<<10, g.bodyCap)
		}
		c.msg = message{side: side, body: n, binary: true}
	}
	c.buf = b
	return true
}

// sshPacket appends one unencrypted binary packet: length, padding length, payload, padding to
// a multiple of 8 with at least 4 bytes of it.
func (g *generator) sshPacket(b []byte, payload func([]byte) []byte) []byte {
	start := len(b)
	b = append(b, 0, 0, 0, 0, 0)
	b = payload(b)
	n := len(b) - start - 5
	pad := 8 - (5+n)%8
	if pad < 4 {
		pad += 8
	}
	b = g.appendRandom(b, pad)
	binary.BigEndian.PutUint32(b[start:], uint32(1+n+pad))
	b[start+4] = byte(pad)
	return b
}
