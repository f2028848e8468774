package bench

import (
	"encoding/binary"
	"strconv"
	"time"
)

// Well-known ports of the generated services.
var bulkTCPPorts = []uint16{5201, 873, 9100}

const (
	portHTTP = 80
	portTLS  = 443
	portSSH  = 22
	portDNS  = 53
	portRTP  = 5004
)

// setupConv gives a new benign conversation its hosts, ports and script parameters.
func (g *generator) setupConv(c *conv) {
	g.client(c)
	c.srv = g.server(c)
	c.tcp = true
	switch c.kind {
	case KindHTTP:
		c.port[sideServer] = portHTTP
		c.txs = 1 + g.rng.IntN(6) // keep-alive: several requests per connection
	case KindTLS12, KindTLS13:
		c.port[sideServer] = portTLS
		c.txs = 1 + g.rng.IntN(5)
	case KindSSH:
		c.port[sideServer] = portSSH
		c.small = g.rng.IntN(3) > 0 // interactive session; else a file copy
		c.txs = 10 + g.rng.IntN(100)
	case KindBulkTCP:
		c.port[sideServer] = bulkTCPPorts[g.rng.IntN(len(bulkTCPPorts))]
		c.rem = min(256<<10+g.rng.IntN(8<<20), g.bodyCap)
		c.small = g.rng.IntN(2) == 0 // download; else upload
	case KindDNS:
		c.tcp = false
		c.addr[sideServer] = [4]byte{10, 0, 0, 53 + byte(g.rng.IntN(2))}
		c.port[sideServer] = portDNS
		c.aux = g.appendServerName(c.aux[:0], g.rng.IntN(g.opt.Servers))
		c.rem = 1 // A
		if g.rng.IntN(10) < 3 {
			c.rem = 28 // AAAA
		}
	case KindBulkUDP:
		c.tcp = false
		c.port[sideServer] = portRTP
		c.txs = 50 + g.rng.IntN(1000)
		c.rem = 160 // G.711 voice, 20 ms frames
		if g.rng.IntN(3) == 0 {
			c.rem = 900 + g.rng.IntN(300) // video
		}
		c.txs = min(c.txs, max(g.bodyCap/c.rem, 4))
	}
}

// nextMessage loads the conversation's next application message into c.msg, or reports that
// the script is over. When the file has reached its size, scripts end at the next boundary.
func (g *generator) nextMessage(c *conv) bool {
	c.msg = message{}
	c.buf = c.buf[:0]
	var ok bool
	switch c.kind {
	case KindHTTP:
		ok = g.httpMessage(c)
	case KindDNS:
		ok = g.dnsMessage(c)
	case KindTLS12, KindTLS13:
		ok = g.tlsMessage(c)
	case KindSSH:
		ok = g.sshMessage(c)
	case KindBulkTCP:
		ok = g.bulkTCPMessage(c)
	case KindBulkUDP:
		ok = g.rtpMessage(c)
	}
	c.msg.hdr = c.buf
	if ok {
		c.step++
	}
	return ok
}

// ---- HTTP/1.1 ----

func (g *generator) httpMessage(c *conv) bool {
	if c.step/2 >= c.txs || (c.step%2 == 0 && c.step > 0 && g.draining) {
		return false
	}
	if c.step%2 == 0 {
		if c.attack >= 0 {
			a := &attacks[c.attack]
			c.rem = 0
			g.httpRequest(c, "GET", a.uri, a.ua, 0)
			return true
		}
		c.rem = g.rng.IntN(len(pathKinds))
		pk := &pathKinds[c.rem]
		path := append(g.scratch[:0], pk.prefix...)
		if pk.numbered {
			path = strconv.AppendUint(path, uint64(g.rng.Uint32()), 10)
		}
		g.scratch = append(path, pk.suffix...)
		method, body := "GET", 0
		if g.rng.IntN(10) == 0 {
			method, body = "POST", 40+g.rng.IntN(4000)
		}
		ua := userAgents[splitmix64(uint64(c.addr[0][2])<<8|uint64(c.addr[0][3]))%uint64(len(userAgents))]
		g.httpRequest(c, method, string(g.scratch), ua, body)
		return true
	}
	g.httpResponse(c)
	return true
}

func (g *generator) httpRequest(c *conv, method, path, ua string, body int) {
	b := c.buf
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	if c.attack >= 0 {
		b = append(b, ipString(c.addr[sideServer])...)
	} else {
		b = g.appendServerName(b, c.srv)
	}
	b = append(b, "\r\nUser-Agent: "...)
	b = append(b, ua...)
	b = append(b, "\r\nAccept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: "...)
	b = append(b, acceptLangs[c.srv%len(acceptLangs)]...)
	b = append(b, "\r\nAccept-Encoding: gzip, deflate, br\r\n"...)
	if c.step > 0 {
		b = append(b, "Cookie: session="...)
		b = strconv.AppendUint(b, uint64(c.fill)*2654435761, 16)
		b = append(b, "\r\n"...)
	}
	if body > 0 {
		b = append(b, "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: "...)
		b = strconv.AppendInt(b, int64(body), 10)
		b = append(b, "\r\n"...)
	}
	b = append(b, "Connection: keep-alive\r\n\r\n"...)
	c.buf = b
	c.msg = message{side: sideClient, body: body}
}

func (g *generator) httpResponse(c *conv) {
	pk := &pathKinds[c.rem]
	status, body := "200 OK", g.bodySize()
	switch r := g.rng.IntN(100); {
	case c.attack >= 0 || r < 3:
		status, body = "404 Not Found", 150+g.rng.IntN(200)
	case r < 8:
		status, body = "304 Not Modified", 0
	}
	b := append(c.buf, "HTTP/1.1 "...)
	b = append(b, status...)
	b = append(b, "\r\nDate: "...)
	b = time.Unix(0, g.now).UTC().AppendFormat(b, "Mon, 02 Jan 2006 15:04:05 GMT")
	b = append(b, "\r\nServer: "...)
	b = append(b, httpServers[c.srv%len(httpServers)]...)
	if body > 0 {
		b = append(b, "\r\nContent-Type: "...)
		if status[0] == '4' {
			b = append(b, "text/html"...)
		} else {
			b = append(b, pk.ctype...)
		}
	}
	b = append(b, "\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(body), 10)
	b = append(b, "\r\nCache-Control: max-age=3600\r\nConnection: keep-alive\r\n\r\n"...)
	c.buf = b
	c.msg = message{side: sideServer, body: body, binary: pk.binary && status[0] == '2'}
}

// bodySize draws a response size: mostly small pages and API replies, some assets, a few
// large downloads.
func (g *generator) bodySize() int {
	var n int
	switch r := g.rng.IntN(100); {
	case r < 67:
		n = 200 + g.rng.IntN(8<<10)
	case r < 97:
		n = 8<<10 + g.rng.IntN(100<<10)
	default:
		n = 100<<10 + g.rng.IntN(2<<20)
	}
	return min(n, g.bodyCap)
}

// ---- DNS ----

func (g *generator) dnsMessage(c *conv) bool {
	if c.step >= 2 {
		return false
	}
	b := c.buf
	id := uint16(c.fill)
	qtype := uint16(c.rem)
	if c.step == 0 {
		b = binary.BigEndian.AppendUint16(b, id)
		b = append(b, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1) // RD; 1 question, 1 additional
		b = appendQuestion(b, c.aux, qtype)
		b = append(b, 0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0) // EDNS0 OPT, 1232-byte UDP
		c.buf = b
		c.msg = message{side: sideClient}
		return true
	}
	answers := 1 + g.rng.IntN(3)
	if c.attack >= 0 {
		answers = 0
	}
	b = binary.BigEndian.AppendUint16(b, id)
	rcode := byte(0x80)
	if c.attack >= 0 {
		rcode = 0x83 // NXDOMAIN
	}
	b = append(b, 0x81, rcode, 0, 1, 0, byte(answers), 0, 0, 0, 1)
	b = appendQuestion(b, c.aux, qtype)
	for i := 0; i < answers; i++ {
		b = append(b, 0xc0, 12) // the name in the question
		b = binary.BigEndian.AppendUint16(b, qtype)
		b = append(b, 0, 1)
		b = binary.BigEndian.AppendUint32(b, uint32(60+g.rng.IntN(3600)))
		if qtype == 28 {
			b = append(b, 0, 16, 0x20, 0x01, 0x0d, 0xb8) // 2001:db8::/32, documentation
			b = binary.BigEndian.AppendUint64(b, g.rng.Uint64())
			b = binary.BigEndian.AppendUint32(b, g.rng.Uint32()|1)
		} else {
			a := hostAddr(198, 18, 0, g.rng.IntN(g.opt.Servers))
			b = append(b, 0, 4)
			b = append(b, a[:]...)
		}
	}
	b = append(b, 0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0)
	c.buf = b
	c.msg = message{side: sideServer}
	return true
}

func appendQuestion(b, name []byte, qtype uint16) []byte {
	for len(name) > 0 {
		i := 0
		for i < len(name) && name[i] != '.' {
			i++
		}
		b = append(b, byte(min(i, 63)))
		b = append(b, name[:min(i, 63)]...)
		if i < len(name) {
			i++
		}
		name = name[i:]
	}
	b = append(b, 0)
	b = binary.BigEndian.AppendUint16(b, qtype)
	return append(b, 0, 1)
}

// ---- bulk TCP and RTP over UDP ----

func (g *generator) bulkTCPMessage(c *conv) bool {
	const chunk = 64 << 10
	if c.step == 0 {
		if c.port[sideServer] == 873 {
			c.buf = append(c.buf, "@RSYNCD: 31.0 sha512 sha256 sha1 md5 md4\n"...)
		} else {
			c.buf = binary.BigEndian.AppendUint64(c.buf, uint64(c.rem))
		}
		c.msg = message{side: sideClient, body: 24, binary: true}
		return true
	}
	if c.rem <= 0 || (g.draining && c.step > 1) {
		return false
	}
	n := min(chunk, c.rem)
	c.rem -= n
	side := sideClient
	if c.small {
		side = sideServer
	}
	c.msg = message{side: side, body: n, binary: true}
	return true
}

func (g *generator) rtpMessage(c *conv) bool {
	if c.step >= c.txs || (g.draining && c.step > 2) {
		return false
	}
	side := sideClient
	if c.step%25 == 1 { // the receiver's reports keep the flow two-way
		side = sideServer
	}
	b := append(c.buf, 0x80, 0) // RTP v2, PCMU
	if c.rem > 160 {
		b[len(b)-1] = 96 // dynamic payload type: video
	}
	b = binary.BigEndian.AppendUint16(b, uint16(c.step+c.fill))
	b = binary.BigEndian.AppendUint32(b, uint32(c.step*160))
	b = binary.BigEndian.AppendUint32(b, uint32(c.fill)*2654435761+uint32(side))
	c.buf = b
	body := c.rem
	if side == sideServer {
		body = 40
	}
	c.msg = message{side: side, body: min(body, udpMaxData-len(b)), binary: true}
	return true
}
