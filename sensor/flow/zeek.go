package flow

import "github.com/nightjar-ids/nightjar/decoders"

// Zeek's view of a connection: per-endpoint TCP states as Zeek's TCP analyzer keeps them, the
// history letters, and from both the conn.log conn_state. Endpoint 0 is the originator (the
// flow's client), 1 the responder.

// Zeek's TCP endpoint states; for UDP only inactive/active is used.
const (
	zInactive uint8 = iota
	zSynSent
	zSynAckSent
	zPartial
	zEstablished
	zClosed
	zReset
	zActive = zEstablished // UDP: the endpoint sent something
)

// History letter kinds recorded once per direction (bit index in zeekConn.seen; the
// responder's bits sit 8 higher).
const (
	hSyn = iota
	hAck
	hData
	hFin
	hRst
	hMulti
	hFinRst
)

// historyMax is how many history letters a flow keeps; the rest are dropped.
const historyMax = 16

// scaled counts an event whose letter Zeek repeats at 1, 10, 100 … occurrences.
type scaled struct {
	n, next uint32
}

func (c *scaled) hit() bool {
	c.n++
	if c.next == 0 {
		c.next = 1
	}
	if c.n != c.next {
		return false
	}
	if c.next <= ^uint32(0)/10 {
		c.next *= 10
	} else {
		c.next = ^uint32(0)
	}
	return true
}

type zeekEndpoint struct {
	state, prev          uint8
	started              bool
	lastSeq              uint32 // one past the highest sequence number sent
	lastSYN, lastFIN     uint32
	lastRST              uint32
	size                 uint64 // payload bytes sent
	rxmit, zeroWin, csum scaled
}

func (e *zeekEndpoint) set(s uint8) {
	e.prev = e.state
	e.state = s
}

type zeekConn struct {
	ep      [2]zeekEndpoint
	seen    uint16
	histLen uint8
	hist    [historyMax]byte
}

func (z *zeekConn) add(c byte, orig bool) {
	if !orig && c >= 'A' && c <= 'Z' {
		c += 'a' - 'A'
	}
	if int(z.histLen) < historyMax {
		z.hist[z.histLen] = c
		z.histLen++
	}
}

// once adds c the first time its kind is seen in this direction and reports whether it had
// been seen before.
func (z *zeekConn) once(kind uint, c byte, orig bool) bool {
	bit := uint16(1) << kind
	if !orig {
		bit <<= 8
	}
	if z.seen&bit != 0 {
		return true
	}
	z.seen |= bit
	z.add(c, orig)
	return false
}

func (z *zeekConn) scaled(c *scaled, code byte, orig bool) {
	if c.hit() {
		z.add(code, orig)
	}
}

// flip exchanges originator and responder (Zeek's FlipRoles) and notes it with '^'.
func (z *zeekConn) flip() {
	z.ep[0], z.ep[1] = z.ep[1], z.ep[0]
	z.seen = z.seen<<8 | z.seen>>8
	z.add('^', true)
}

// udp records a UDP packet.
func (z *zeekConn) udp(p *decoders.Packet, orig bool) {
	e := &z.ep[side(orig)]
	if p.BadL4Checksum {
		z.scaled(&e.csum, 'C', orig)
		return
	}
	e.state = zActive
	e.size += uint64(len(p.Payload))
	z.once(hData, 'D', orig)
}

func side(orig bool) int {
	if orig {
		return 0
	}
	return 1
}

// tooLargeSeqDelta is Zeek's bound on a plausible sequence jump for SYN and RST packets.
const tooLargeSeqDelta = 1 << 20

// tcp records a TCP packet: history, retransmissions, zero windows and the endpoint states.
func (z *zeekConn) tcp(p *decoders.Packet, orig bool) {
	i := side(orig)
	e, peer := &z.ep[i], &z.ep[1-i]
	if p.BadL4Checksum {
		// Zeek drops a packet with a bad checksum after noting it.
		z.scaled(&e.csum, 'C', orig)
		return
	}
	fl := p.TCPFlags
	syn, fin, rst := fl&decoders.TCPSyn != 0, fl&decoders.TCPFin != 0, fl&decoders.TCPRst != 0
	ack := fl&decoders.TCPAck != 0
	plen := len(p.Payload)
	seg := plen
	if syn {
		seg++
	}
	if fin {
		seg++
	}
	if rst {
		seg -= plen
	}
	end := p.Seq + uint32(seg)
	if !e.started {
		e.started = true
		if syn {
			e.lastSeq = end
		} else {
			e.lastSeq = p.Seq
		}
	}
	z.history(p, e, orig, syn, fin, rst, ack, plen)
	if p.Window == 0 && !syn && !fin && !rst {
		z.scaled(&e.zeroWin, 'W', orig)
	}
	delta := int32(end - e.lastSeq)
	switch {
	case (syn || rst) && (delta > tooLargeSeqDelta || delta < -tooLargeSeqDelta):
	case e.state == zReset:
	case delta > 0:
		e.lastSeq = end
	case plen > 0:
		z.scaled(&e.rxmit, 'T', orig)
	}
	if !rst {
		e.size += uint64(plen)
	}
	z.stateMachine(e, peer, orig, syn, fin, rst, ack, plen)
}

func (z *zeekConn) history(p *decoders.Packet, e *zeekEndpoint, orig, syn, fin, rst, ack bool, plen int) {
	multi := (syn && (fin || rst)) || (fin && rst)
	switch {
	case multi && fin && rst:
		z.once(hFinRst, 'I', orig)
	case multi:
		z.once(hMulti, 'Q', orig)
	case syn:
		code := byte('S')
		if ack {
			code = 'H'
		}
		if z.once(hSyn, code, orig) && p.Seq != e.lastSYN {
			z.add(code, orig)
		}
		e.lastSYN = p.Seq
	case fin:
		// A FIN's sequence number sits after the data it carries.
		at := p.Seq + uint32(plen)
		if z.once(hFin, 'F', orig) && at != e.lastFIN {
			z.add('F', orig)
		}
		e.lastFIN = at
	case rst:
		if z.once(hRst, 'R', orig) && p.Seq != e.lastRST {
			z.add('R', orig)
		}
		e.lastRST = p.Seq
	case plen > 0:
		z.once(hData, 'D', orig)
	case ack:
		z.once(hAck, 'A', orig)
	}
}

// stateMachine follows Zeek's TCP_Analyzer::UpdateStateMachine for the states conn_state reads.
func (z *zeekConn) stateMachine(e, peer *zeekEndpoint, orig, syn, fin, rst, ack bool, plen int) {
	switch e.state {
	case zInactive:
		if syn {
			switch {
			case orig && ack:
				e.set(zSynAckSent)
			case orig:
				e.set(zSynSent)
			default:
				if peer.state == zSynSent {
					peer.set(zEstablished)
				}
				e.set(zEstablished)
			}
		}
		if fin {
			e.set(zClosed)
		}
		if rst {
			e.set(zReset)
		}
		if e.state == zInactive {
			switch {
			case !orig && plen == 0 && peer.state == zSynSent:
				// An ACK of the SYN ahead of the SYN/ACK: not a partial connection.
			case ack && peer.state == zEstablished:
				e.set(zEstablished) // the SYN was missed; the handshake's ACK establishes
			default:
				e.set(zPartial)
			}
		}
	case zSynSent, zSynAckSent:
		if fin {
			e.set(zClosed)
		}
		if rst {
			e.set(zReset)
		}
	case zEstablished, zPartial:
		if syn && e.state == zPartial && peer.state == zInactive && !ack {
			e.set(zSynSent)
		}
		if fin && !rst {
			e.set(zClosed)
			if peer.state == zReset && peer.prev == zClosed {
				peer.set(zClosed) // FIN then RST from the peer was a normal close
			}
		}
		if rst {
			e.set(zReset)
		}
	case zClosed:
		if rst && peer.state != zClosed {
			e.set(zReset)
		}
	}
}

// historyString is the history letters; it allocates, so only Fill calls it.
func (z *zeekConn) historyString() string {
	return string(z.hist[:z.histLen])
}

// connState is conn.log's conn_state for a flow of proto.
func (z *zeekConn) connState(proto uint8) string {
	os, rs := z.ep[0].state, z.ep[1].state
	switch proto {
	case protoTCP:
		return z.tcpConnState(os, rs)
	case protoUDP:
		switch {
		case os == zActive && rs == zActive:
			return "SF"
		case os == zActive:
			return "S0"
		case rs == zActive:
			return "SHR"
		}
	}
	return "OTH"
}

func (z *zeekConn) tcpConnState(os, rs uint8) string {
	oInactive := os == zInactive || os == zPartial
	rInactive := rs == zInactive || rs == zPartial
	switch {
	case rs == zReset:
		if os == zSynSent || os == zSynAckSent || (os == zReset && z.ep[0].size == 0 && z.ep[1].size == 0) {
			return "REJ"
		}
		if oInactive {
			return "RSTRH"
		}
		return "RSTR"
	case os == zReset:
		if rInactive {
			if z.synThenReset() {
				return "RSTOS0"
			}
			return "OTH"
		}
		return "RSTO"
	case rs == zClosed && os == zClosed:
		return "SF"
	case os == zClosed:
		if rInactive {
			return "SH"
		}
		return "S2"
	case rs == zClosed:
		if oInactive {
			return "SHR"
		}
		return "S3"
	case os == zSynSent && rs == zInactive:
		return "S0"
	case os == zEstablished && rs == zEstablished:
		return "S1"
	}
	return "OTH"
}

// synThenReset matches Zeek's /\^?S[^HAFGIQ]*R.*/ on the history: the originator sent a SYN and
// then a RST with no handshake, data acknowledgement or FIN of its own in between.
func (z *zeekConn) synThenReset() bool {
	h := z.hist[:z.histLen]
	if len(h) > 0 && h[0] == '^' {
		h = h[1:]
	}
	if len(h) == 0 || h[0] != 'S' {
		return false
	}
	for _, c := range h[1:] {
		switch c {
		case 'R':
			return true
		case 'H', 'A', 'F', 'G', 'I', 'Q':
			return false
		}
	}
	return false
}
