package flow

import "github.com/nightjar-ids/nightjar/decoders"

// TCPState is Suricata's TCP session state (EVE tcp.state). Its states are named from the
// server's side: a FIN from the client moves the session to close_wait, one from the server to
// fin_wait1. The order matters: port reuse compares against it.
type TCPState uint8

const (
	TCPNone TCPState = iota
	TCPSynSent
	TCPSynRecv
	TCPEstablished
	TCPFinWait1
	TCPFinWait2
	TCPTimeWait
	TCPLastAck
	TCPCloseWait
	TCPClosing
	TCPClosed
)

var tcpStateNames = [...]string{"none", "syn_sent", "syn_recv", "established", "fin_wait1",
	"fin_wait2", "time_wait", "last_ack", "close_wait", "closing", "closed"}

func (s TCPState) String() string {
	if int(s) < len(tcpStateNames) {
		return tcpStateNames[s]
	}
	return "unknown"
}

// flowState is the flow state a session state implies (Suricata's StreamTcpPacketSetState).
func (s TCPState) flowState() State {
	switch s {
	case TCPEstablished, TCPFinWait1, TCPFinWait2, TCPClosing, TCPCloseWait:
		return StateEstablished
	case TCPLastAck, TCPTimeWait, TCPClosed:
		return StateClosed
	}
	return StateNew
}

// Endpoint indices inside tcpSession.
const (
	sideClient = 0
	sideServer = 1
)

// tcpSession is the part of Suricata's stream tracker the flow record needs: no reassembly,
// no window checks, just the handshake and teardown and the flags seen.
type tcpSession struct {
	active  bool // a session exists; without midstream pickup it starts only with a SYN
	state   TCPState
	flags   uint8    // every flag seen since the session started (tcp_flags)
	dflags  [2]uint8 // per direction: client (tcp_flags_ts), server (tcp_flags_tc)
	isn     [2]uint32
	finSeen [2]bool
	finNext [2]uint32 // sequence number just past each side's FIN: what acknowledges it
	// twCloser is the side whose acknowledgement of the last FIN ends time_wait.
	twCloser uint8
	// pickup says how a midstream session started: from a SYN/ACK (its sender was made the
	// server at once) or from some other packet, whose sender may turn out to be the server.
	pickup uint8
}

// How a session started.
const (
	pickupSYN    = iota // a SYN: the handshake was seen
	pickupSYNACK        // midstream, from a SYN/ACK
	pickupOther         // midstream, from a packet without SYN
)

// seqGEQ compares TCP sequence numbers modulo 2^32.
func seqGEQ(a, b uint32) bool { return int32(a-b) >= 0 }

// packet runs one TCP packet through the session. toServer is the packet's direction as the
// flow sees it now; swap reports that the session, as it starts, decided the other side is the
// client (a SYN from the flow's server side, or a SYN/ACK picked up midstream). The session is
// recorded in the new orientation already; the caller swaps the rest of the flow. async is
// stream.async-oneside (see Config.AsyncOneside).
func (s *tcpSession) packet(p *decoders.Packet, toServer, midstream, async bool) (swap bool) {
	fl := p.TCPFlags
	if !s.active {
		switch {
		case fl&decoders.TCPRst != 0, fl&decoders.TCPFin != 0:
			return false // Suricata: RST or FIN without a session starts nothing
		case fl&(decoders.TCPSyn|decoders.TCPAck) == decoders.TCPSyn|decoders.TCPAck:
			if !midstream {
				return false
			}
			swap = toServer // the SYN/ACK sender is the server
			s.pickup = pickupSYNACK
			s.state = TCPSynRecv
			s.isn[sideServer] = p.Seq
		case fl&decoders.TCPSyn != 0:
			swap = !toServer // the SYN sender is the client
			s.state = TCPSynSent
			s.isn[sideClient] = p.Seq
		case fl&decoders.TCPAck != 0:
			if !midstream {
				return false
			}
			s.pickup = pickupOther
			s.state = TCPEstablished
		default:
			return false
		}
		s.active = true
		if swap {
			toServer = !toServer
		}
		s.record(fl, toServer)
		return swap
	}
	s.record(fl, toServer)
	from, to := uint8(sideClient), uint8(sideServer)
	if !toServer {
		from, to = sideServer, sideClient
	}
	if fl&decoders.TCPRst != 0 {
		s.state = TCPClosed
		return false
	}
	if fl&decoders.TCPFin != 0 && !s.finSeen[from] {
		s.finSeen[from] = true
		s.finNext[from] = p.Seq + uint32(len(p.Payload)) + 1
	}
	acksPeerFin := fl&decoders.TCPAck != 0 && s.finSeen[to] && seqGEQ(p.Ack, s.finNext[to])
	switch s.state {
	case TCPSynSent:
		switch {
		case !toServer && fl&decoders.TCPSyn != 0:
			// SYN/ACK, or a bare SYN in a simultaneous open.
			s.state = TCPSynRecv
			s.isn[sideServer] = p.Seq
		case toServer && fl&decoders.TCPSyn != 0:
			s.isn[sideClient] = p.Seq
		case async && toServer && fl&decoders.TCPAck != 0 && p.Seq == s.isn[sideClient]+1:
			// Only the client's side is visible: its ACK after the SYN stands for the
			// handshake, as Suricata's asynchronous stream handling takes it.
			s.state = TCPEstablished
		}
	case TCPSynRecv:
		if toServer && fl&decoders.TCPAck != 0 && fl&decoders.TCPSyn == 0 {
			s.state = TCPEstablished
			if fl&decoders.TCPFin != 0 {
				s.state = TCPCloseWait
			}
		}
	case TCPEstablished:
		if fl&decoders.TCPFin != 0 {
			if toServer {
				s.state = TCPCloseWait
			} else {
				s.state = TCPFinWait1
			}
		}
	case TCPFinWait1: // the server closed first; the client answers
		if !toServer {
			break
		}
		switch {
		case fl&decoders.TCPFin != 0 && acksPeerFin:
			s.enterTimeWait(sideServer)
		case fl&decoders.TCPFin != 0:
			s.state = TCPClosing
		case acksPeerFin:
			s.state = TCPFinWait2
		}
	case TCPFinWait2:
		if toServer && fl&decoders.TCPFin != 0 {
			s.enterTimeWait(sideServer)
		}
	case TCPClosing: // both sent FIN; the first acknowledgement of the other's FIN
		if acksPeerFin {
			s.enterTimeWait(to)
		}
	case TCPCloseWait: // the client closed first; the server's FIN follows
		if !toServer && fl&decoders.TCPFin != 0 {
			s.state = TCPLastAck
		}
	case TCPLastAck:
		if toServer && acksPeerFin {
			s.state = TCPClosed
		}
	case TCPTimeWait:
		if from == s.twCloser && acksPeerFin {
			s.state = TCPClosed
		}
	}
	return false
}

// swapSides exchanges the two ends' records when the flow is reversed after the session
// started. The state stays: Suricata's FlowSwap swaps the session's streams, not its state.
func (s *tcpSession) swapSides() {
	s.dflags[0], s.dflags[1] = s.dflags[1], s.dflags[0]
	s.isn[0], s.isn[1] = s.isn[1], s.isn[0]
	s.finSeen[0], s.finSeen[1] = s.finSeen[1], s.finSeen[0]
	s.finNext[0], s.finNext[1] = s.finNext[1], s.finNext[0]
	s.twCloser = 1 - s.twCloser
}

func (s *tcpSession) enterTimeWait(closer uint8) {
	s.state = TCPTimeWait
	s.twCloser = closer
}

func (s *tcpSession) record(fl uint8, toServer bool) {
	s.flags |= fl
	if toServer {
		s.dflags[sideClient] |= fl
	} else {
		s.dflags[sideServer] |= fl
	}
}

// reuse reports a TCP port reuse: a new SYN on a session that is closing or closed, which
// Suricata answers by ending the old flow and starting a fresh one (TcpSessionPacketSsnReuse).
// A retransmitted SYN of the same session (same ISN from the client) is not a reuse. Suricata
// checks states from last_ack on; time_wait is included here because a SYN there opens a new
// connection just the same.
func (s *tcpSession) reuse(p *decoders.Packet, toServer bool) bool {
	if !s.active || s.state < TCPTimeWait {
		return false
	}
	if p.TCPFlags&(decoders.TCPSyn|decoders.TCPAck|decoders.TCPRst|decoders.TCPFin) != decoders.TCPSyn {
		return false
	}
	return !toServer || p.Seq != s.isn[sideClient]
}
