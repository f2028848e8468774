package dns

// State is DNS over TCP for one flow: it cuts each direction into messages by their 2-byte
// length prefix, across Feed calls, and hands every message to OnMessage. Reused across flows
// with Reset.
type State struct {
	Parser
	// OnMessage receives each parsed message (and its parse error, if any). The Message is
	// valid only during the call.
	OnMessage func(toServer bool, m *Message, err error)

	ts, tc tcpDir
	raw    []byte // the message OnMessage is being given, as it came (without the length prefix)
}

// Raw is the wire form of the message being handed to OnMessage; valid only during that call.
// It lets a caller keep the message for later (Parser.ParseMessage reads it again).
func (s *State) Raw() []byte { return s.raw }

type tcpDir struct {
	lenBuf [2]byte
	lenN   int
	need   int    // body bytes of the current message, once the prefix is read
	buf    []byte // a message split across Feed calls
	resync bool   // after a gap: wait for a Feed that starts with a plausible message
	msgs   uint64
}

// Reset clears the flow state, keeping buffers.
func (s *State) Reset() {
	s.ts = tcpDir{buf: s.ts.buf[:0]}
	s.tc = tcpDir{buf: s.tc.buf[:0]}
}

func (s *State) dir(toServer bool) *tcpDir {
	if toServer {
		return &s.ts
	}
	return &s.tc
}

// Messages counts the messages framed in one direction.
func (s *State) Messages(toServer bool) uint64 { return s.dir(toServer).msgs }

// Feed takes the next in-order bytes of one direction.
func (s *State) Feed(toServer bool, data []byte) {
	d := s.dir(toServer)
	if d.resync {
		// Bytes were lost: framing is unknown until a Feed starts with what looks like a
		// whole length-prefixed message header; anything else is dropped.
		if Probe(toServer, data) != Match {
			return
		}
		d.resync = false
	}
	for len(data) > 0 {
		if d.lenN < 2 {
			n := copy(d.lenBuf[d.lenN:], data)
			d.lenN += n
			data = data[n:]
			if d.lenN < 2 {
				return
			}
			d.need = int(be16(d.lenBuf[:]))
			d.buf = d.buf[:0]
			if d.need == 0 {
				d.lenN = 0
				continue
			}
		}
		if len(d.buf) == 0 && len(data) >= d.need {
			s.deliver(toServer, d, data[:d.need])
			data = data[d.need:]
			continue
		}
		n := min(d.need-len(d.buf), len(data))
		d.buf = append(d.buf, data[:n]...)
		data = data[n:]
		if len(d.buf) == d.need {
			s.deliver(toServer, d, d.buf)
		}
	}
}

func (s *State) deliver(toServer bool, d *tcpDir, msg []byte) {
	d.lenN = 0
	d.msgs++
	m, err := s.ParseMessage(toServer, msg)
	if s.OnMessage != nil {
		s.raw = msg
		s.OnMessage(toServer, m, err)
		s.raw = nil
	}
	d.buf = d.buf[:0]
}

// Gap tells the state n bytes of one direction were lost. The partial message is dropped and
// framing resumes at the next Feed that starts like a message (Probe).
func (s *State) Gap(toServer bool, n int) {
	if n <= 0 {
		return
	}
	d := s.dir(toServer)
	d.lenN, d.need, d.buf = 0, 0, d.buf[:0]
	d.resync = true
	s.counts[EventStreamGap]++
}
