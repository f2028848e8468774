package bench

import "encoding/binary"

const (
	sideClient = 0
	sideServer = 1
)

// TCP phases of a conversation.
const (
	phaseSYN = iota
	phaseSYNACK
	phaseACK
	phaseData
	phaseFIN1
	phaseFIN2
	phaseLastACK
	phaseDone
)

// message is one application-level write by one side: hdr bytes followed by body filler bytes.
type message struct {
	side   int
	hdr    []byte // aliases conv.buf
	body   int
	binary bool // body from the binary filler rather than the text one
}

func (m *message) size() int { return len(m.hdr) + m.body }

// conv is one conversation in flight: its addresses, TCP state and application script.
// Convs are recycled, so starting a flow allocates nothing once the pool is warm.
type conv struct {
	kind   Kind
	attack int // index into attacks, or -1
	srv    int // server index: names the server (serverName)
	addr   [2][4]byte
	port   [2]uint16
	tcp    bool
	phase  int
	seq    [2]uint32
	ipid   [2]uint16
	ttl    [2]uint8
	tsval  [2]uint32
	unack  [2]int // data segments a side has sent that the peer has not yet acknowledged
	closer int

	msg    message
	msgOff int
	hasMsg bool

	step  int // application script position
	txs   int // transactions (or packets) the script still has to do
	rem   int // bytes left of the current multi-message response
	small bool
	fill  int    // offset into the fillers, so flows do not all carry the same bytes
	buf   []byte // message header storage, reused
	aux   []byte // second scratch buffer (e.g. a DNS question to echo)
}

// stepTCP writes the conversation's next packet; it reports whether the conversation is over.
func (g *generator) stepTCP(c *conv) (bool, error) {
	switch c.phase {
	case phaseSYN:
		c.phase = phaseSYNACK
		return false, g.tcpPacket(c, sideClient, tcpSYN, nil, 0)
	case phaseSYNACK:
		c.phase = phaseACK
		return false, g.tcpPacket(c, sideServer, tcpSYN|tcpACK, nil, 0)
	case phaseACK:
		c.phase = phaseData
		return false, g.tcpPacket(c, sideClient, tcpACK, nil, 0)
	case phaseData:
		// Delayed ACK: a receiver acknowledges every second full segment, and the tail of a
		// message the peer will not answer at once.
		for s := 0; s < 2; s++ {
			if c.unack[s] >= 2 {
				c.unack[s] = 0
				return false, g.tcpPacket(c, 1-s, tcpACK, nil, 0)
			}
		}
		if !c.hasMsg {
			if !g.nextMessage(c) {
				for s := 0; s < 2; s++ {
					if c.unack[s] > 0 {
						c.unack[s] = 0
						return false, g.tcpPacket(c, 1-s, tcpACK, nil, 0)
					}
				}
				c.phase = phaseFIN1
				return g.stepTCP(c)
			}
			c.hasMsg, c.msgOff = true, 0
			// The peer's reply carries the ACK of what it received; only a same-side burst
			// leaves data waiting for a delayed ACK.
			c.unack[1-c.msg.side] = 0
		}
		m := &c.msg
		n := min(tcpMSS, m.size()-c.msgOff)
		flags := uint8(tcpACK)
		last := c.msgOff+n == m.size()
		if last {
			flags |= tcpPSH
		}
		err := g.tcpPacket(c, m.side, flags, m, n)
		c.msgOff += n
		c.unack[m.side]++
		if last {
			c.hasMsg = false
		}
		return false, err
	case phaseFIN1:
		c.phase = phaseFIN2
		return false, g.tcpPacket(c, c.closer, tcpFIN|tcpACK, nil, 0)
	case phaseFIN2:
		c.phase = phaseLastACK
		return false, g.tcpPacket(c, 1-c.closer, tcpFIN|tcpACK, nil, 0)
	case phaseLastACK:
		c.phase = phaseDone
		return true, g.tcpPacket(c, c.closer, tcpACK, nil, 0)
	}
	return true, nil
}

// stepUDP writes the conversation's next datagram: one message each.
func (g *generator) stepUDP(c *conv) (bool, error) {
	if !g.nextMessage(c) {
		return true, nil
	}
	return false, g.udpPacket(c, &c.msg)
}

// tcpPacket writes one segment from side with n payload bytes of m starting at c.msgOff.
func (g *generator) tcpPacket(c *conv, side int, flags uint8, m *message, n int) error {
	b := g.frame[:]
	optLen := tcpTSOptLen
	if flags&tcpSYN != 0 {
		optLen = tcpSYNOpt
	}
	l4 := ethLen + ipv4Len
	data := l4 + tcpLen + optLen
	if n > 0 {
		g.payload(b[data:data+n], c, m, c.msgOff)
	}
	total := ipv4Len + tcpLen + optLen + n
	src, dst := c.addr[side], c.addr[1-side]
	putEthernet(b, src, dst)
	c.ipid[side]++
	putIPv4(b[ethLen:], protoTCP, src, dst, total, c.ipid[side], c.ttl[side])

	t := b[l4 : l4+tcpLen+optLen]
	binary.BigEndian.PutUint16(t[0:], c.port[side])
	binary.BigEndian.PutUint16(t[2:], c.port[1-side])
	binary.BigEndian.PutUint32(t[4:], c.seq[side])
	ack := uint32(0)
	if flags&tcpACK != 0 {
		ack = c.seq[1-side]
	}
	binary.BigEndian.PutUint32(t[8:], ack)
	t[12] = uint8((tcpLen+optLen)/4) << 4
	t[13] = flags
	win := uint16(502) // 64 KiB with window scale 7
	if flags&tcpSYN != 0 {
		win = 64240
	}
	binary.BigEndian.PutUint16(t[14:], win)
	t[16], t[17], t[18], t[19] = 0, 0, 0, 0
	// Timestamps tick at 1 kHz of packet time, as Linux's do.
	tsval := c.tsval[side] + uint32(g.now/1e6)
	var tsecr uint32
	if flags&tcpACK != 0 {
		tsecr = c.tsval[1-side] + uint32(g.now/1e6)
	}
	o := t[tcpLen:]
	if flags&tcpSYN != 0 {
		copy(o, []byte{2, 4, 0x05, 0xb4, 4, 2, 8, 10})
		binary.BigEndian.PutUint32(o[8:], tsval)
		binary.BigEndian.PutUint32(o[12:], tsecr)
		o[16], o[17], o[18], o[19] = 1, 3, 3, 7
	} else {
		o[0], o[1], o[2], o[3] = 1, 1, 8, 10
		binary.BigEndian.PutUint32(o[4:], tsval)
		binary.BigEndian.PutUint32(o[8:], tsecr)
	}
	seg := b[l4 : data+n]
	binary.BigEndian.PutUint16(t[16:], l4Checksum(src, dst, protoTCP, seg))

	c.seq[side] += uint32(n)
	if flags&(tcpSYN|tcpFIN) != 0 {
		c.seq[side]++
	}
	return g.emit(b[:data+n])
}

func (g *generator) udpPacket(c *conv, m *message) error {
	b := g.frame[:]
	n := min(m.size(), udpMaxData)
	l4 := ethLen + ipv4Len
	g.payload(b[l4+udpLen:l4+udpLen+n], c, m, 0)
	side := m.side
	src, dst := c.addr[side], c.addr[1-side]
	putEthernet(b, src, dst)
	c.ipid[side]++
	putIPv4(b[ethLen:], protoUDP, src, dst, ipv4Len+udpLen+n, c.ipid[side], c.ttl[side])
	u := b[l4 : l4+udpLen+n]
	binary.BigEndian.PutUint16(u[0:], c.port[side])
	binary.BigEndian.PutUint16(u[2:], c.port[1-side])
	binary.BigEndian.PutUint16(u[4:], uint16(udpLen+n))
	u[6], u[7] = 0, 0
	binary.BigEndian.PutUint16(u[6:], l4Checksum(src, dst, protoUDP, u))
	return g.emit(b[:l4+udpLen+n])
}

// payload copies bytes [off, off+len(dst)) of message m into dst: header bytes first, then
// body bytes from a filler.
func (g *generator) payload(dst []byte, c *conv, m *message, off int) {
	if off < len(m.hdr) {
		k := copy(dst, m.hdr[off:])
		dst = dst[k:]
		off = len(m.hdr)
	}
	if len(dst) == 0 {
		return
	}
	fill := g.textFill
	if m.binary {
		fill = g.binFill
	}
	pos := (c.fill + off - len(m.hdr)) % len(fill)
	for len(dst) > 0 {
		k := copy(dst, fill[pos:])
		dst = dst[k:]
		pos = 0
	}
}
