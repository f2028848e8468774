package dcerpc

import "github.com/nightjar-ids/nightjar/decoders/internal/txlist"

// Limits that bound a flow's memory.
const (
	// maxPDU is the most of one direction buffered while a PDU is incomplete (Suricata's
	// DCERPC parser gives the flow up at 1 MiB too).
	maxPDU = 1 << 20
	// maxStub bounds a transaction's stub data per direction: fragments past it are counted,
	// not kept.
	maxStub = 1 << 20
	// maxTxs bounds the transactions a flow keeps: past it the oldest is completed, so the
	// sensor logs and releases it.
	maxTxs = 256
	// maxIfaces bounds the interfaces a flow's binds named.
	maxIfaces = 256
)

// Interface is an interface a bind or alter-context offered, with the answer to it.
type Interface struct {
	ContextItem
	CallID uint32 // of the bind that offered it
	index  uint16 // position in that bind, which its result has in the answer
	Result uint16
	Reason uint16
	Acked  bool // the answer was seen
	// FirstFrag: the bind carried the first-fragment flag; Current: the last bind-ack (or
	// alter-context response) answered it, so requests may use it (Suricata matches
	// dce_iface against that answer's accepted interfaces only).
	FirstFrag, Current bool
}

// Tx is one of Suricata's DCERPC transactions: a bind or alter-context with its answer, or a
// request with its response, matched by call id.
type Tx struct {
	ID           uint64
	CallID       uint32
	CtxID, Opnum uint16
	FirstRequest bool // the request's first fragment was seen
	LittleEndian bool // the integer representation of the PDU that created it
	MinorVersion uint8
	Cmd          [2]uint8  // request and response PDU types ([0] to server)
	Frags        [2]uint16 // fragments seen per direction
	Stub         [2][]byte // stub data per direction
	Done         [2]bool   // the direction's part is complete
	Lost         [2]bool   // the direction's part was lost to a gap
	// Logged is the sensor's mark, reset with the transaction.
	Logged bool
}

// Stats count what the parser met.
type Stats struct {
	PDUs   uint64
	Errors uint64 // malformed PDUs or framing: the flow's parsing stopped
	Gaps   uint64
}

// State is the DCERPC-over-TCP state of one flow: in-order bytes of each direction in,
// transactions out. It is not safe for concurrent use.
type State struct {
	txs    []*Tx
	free   []*Tx
	Ifaces []Interface
	nextID uint64
	buf    [2][]byte
	// gap: the direction lost bytes and waits for a header to resync on; ssnGap: it ever did,
	// which completes the transactions the gap cut short.
	gap, ssnGap [2]bool
	// need is the direction whose PDU is incomplete: Suricata's state keeps one partial PDU,
	// and gives the flow up when the other direction speaks meanwhile.
	need    int
	prevDir int
	failed  bool
	Stats   Stats
}

// New returns an empty state.
func New() *State { return &State{} }

// Reset readies the state for another flow, keeping its buffers.
func (s *State) Reset() {
	for _, tx := range s.txs {
		s.free = append(s.free, tx)
	}
	clear(s.txs)
	s.txs = s.txs[:0]
	s.Ifaces = s.Ifaces[:0]
	s.buf[0], s.buf[1] = s.buf[0][:0], s.buf[1][:0]
	*s = State{txs: s.txs, free: s.free, Ifaces: s.Ifaces, buf: s.buf}
}

// Failed reports that parsing stopped on malformed input.
func (s *State) Failed() bool { return s.failed }

// Txs are the live transactions, oldest first.
func (s *State) Txs() []*Tx { return s.txs }

// Feed parses in-order bytes of one direction.
func (s *State) Feed(toServer bool, b []byte) {
	if s.failed || len(b) == 0 {
		return
	}
	d := dir(toServer)
	if s.gap[d] {
		i := syncPoint(b)
		if i < 0 {
			return
		}
		b = b[i:]
		s.gap[d] = false
	}
	if s.prevDir == d {
		s.need = d
	}
	if s.need != d {
		s.fail()
		return
	}
	data := b
	if len(s.buf[d]) > 0 {
		if len(s.buf[d])+len(b) > maxPDU {
			s.fail()
			return
		}
		s.buf[d] = append(s.buf[d], b...)
		data = s.buf[d]
	}
	for len(data) > 0 {
		h, err := ParseHeader(data)
		if err == ErrShort || err == nil && len(data) < int(h.FragLen) {
			break
		}
		if err != nil {
			s.fail()
			return
		}
		pdu := data[:h.FragLen]
		data = data[h.FragLen:]
		if err := s.pdu(d, &h, pdu); err != nil {
			s.fail()
			return
		}
		s.need = 1 - d
	}
	s.keep(d, data)
	s.afterGap(d)
	s.prevDir = d
}

// keep holds what remains of a direction (an incomplete PDU) for the next Feed.
func (s *State) keep(d int, rest []byte) {
	if len(rest) == 0 {
		s.buf[d] = s.buf[d][:0]
		return
	}
	if len(rest) > maxPDU {
		s.fail()
		return
	}
	s.need = d
	if len(s.buf[d]) > 0 {
		// rest is the tail of the buffer itself: move it down.
		n := copy(s.buf[d], rest)
		s.buf[d] = s.buf[d][:n]
		return
	}
	s.buf[d] = append(s.buf[d], rest...)
}

// Gap tells the state n bytes of a direction were never seen: a partial PDU is dropped and
// the direction resyncs on the next header; the transactions it cut short complete as lost.
func (s *State) Gap(toServer bool, n int) {
	d := dir(toServer)
	s.Stats.Gaps++
	s.buf[d] = s.buf[d][:0]
	s.gap[d], s.ssnGap[d] = true, true
}

// Finish completes every transaction: the flow is over.
func (s *State) Finish() {
	for _, tx := range s.txs {
		tx.Done = [2]bool{true, true}
	}
}

func (s *State) fail() {
	s.failed = true
	s.Stats.Errors++
	s.buf[0], s.buf[1] = s.buf[0][:0], s.buf[1][:0]
}

// afterGap completes, after a gap in direction d, what the gap may have cut short: to server,
// the requests; to client, whole transactions (Suricata's post-gap housekeeping).
func (s *State) afterGap(d int) {
	if !s.ssnGap[d] {
		return
	}
	for _, tx := range s.txs {
		if !tx.Done[0] {
			tx.Lost[0] = true
		}
		tx.Done[0] = true
		if d == 1 {
			if !tx.Done[1] {
				tx.Lost[1] = true
			}
			tx.Done[1] = true
		}
	}
}

// pdu handles one whole PDU of direction d.
func (s *State) pdu(d int, h *Header, pdu []byte) error {
	s.Stats.PDUs++
	switch h.Type {
	case TypeBind, TypeAlterContext:
		if err := s.bind(h, pdu); err != nil {
			return err
		}
		tx := s.newTx(h)
		tx.Cmd[0] = h.Type
		tx.Done[0] = true
		tx.Frags[0] = 1
	case TypeBindAck, TypeAlterContextResp:
		if err := s.bindAck(h, pdu); err != nil {
			return err
		}
		tx := s.txByCallID(h.CallID, 1, h.Type)
		if tx == nil {
			tx = s.newTx(h)
		}
		tx.Cmd[1] = h.Type
		tx.Done[1] = true
		tx.Frags[1] = 1
	case TypeRequest:
		r, err := ParseRequest(h, pdu)
		if err != nil {
			return err
		}
		tx := s.txByCallID(h.CallID, 0, h.Type)
		if tx == nil {
			tx = s.newTx(h)
		}
		tx.Cmd[0] = h.Type
		tx.CtxID, tx.Opnum = r.CtxID, r.Opnum
		if h.Flags&FlagFirstFrag != 0 {
			tx.FirstRequest = true
		}
		tx.addStub(0, h, r.Stub)
	case TypeResponse:
		if _, err := ResponseStub(pdu); err != nil {
			return err
		}
		// Suricata's TCP parser counts a response's stub from the end of the header: the
		// allocation hint, context id and cancel count are in it (its smb logger does not).
		stub := pdu[headerLen:]
		tx := s.txByCallID(h.CallID, 1, h.Type)
		if tx == nil {
			tx = s.newTx(h)
		}
		tx.Cmd[1] = h.Type
		tx.addStub(1, h, stub)
	default:
		// Suricata's connection-oriented parser knows no other PDU: it gives the flow up.
		return ErrUnknownType
	}
	return nil
}

// addStub adds a request or response fragment's stub: a transaction's part is done with its
// last fragment.
func (tx *Tx) addStub(d int, h *Header, stub []byte) {
	if room := maxStub - len(tx.Stub[d]); room > 0 {
		tx.Stub[d] = append(tx.Stub[d], stub[:min(len(stub), room)]...)
	}
	tx.Frags[d]++
	if Completes(h.Flags, tx.Frags[d] == 1) {
		tx.Done[d] = true
	}
}

// bind records the interfaces a bind or alter-context offers.
func (s *State) bind(h *Header, pdu []byte) error {
	return Bind(h, pdu, func(i int, c ContextItem) {
		if len(s.Ifaces) < maxIfaces {
			s.Ifaces = append(s.Ifaces, Interface{ContextItem: c, CallID: h.CallID, index: uint16(i),
				FirstFrag: h.Flags&FlagFirstFrag != 0})
		}
	})
}

// bindAck records the answers to the interfaces the bind of the same call offered, by
// position.
func (s *State) bindAck(h *Header, pdu []byte) error {
	for j := range s.Ifaces {
		s.Ifaces[j].Current = s.Ifaces[j].CallID == h.CallID
	}
	return BindAck(h, pdu, func(i int, r BindAckResult) {
		for j := range s.Ifaces {
			f := &s.Ifaces[j]
			if f.CallID == h.CallID && int(f.index) == i {
				f.Result, f.Reason, f.Acked = r.Result, r.Reason, true
			}
		}
	})
}

// answer is the PDU type that answers a request type (and the reverse).
func answer(t uint8) uint8 {
	switch t {
	case TypeRequest:
		return TypeResponse
	case TypeResponse:
		return TypeRequest
	case TypeBind:
		return TypeBindAck
	case TypeBindAck:
		return TypeBind
	case TypeAlterContext:
		return TypeAlterContextResp
	case TypeAlterContextResp:
		return TypeAlterContext
	}
	return 0xff
}

// txByCallID finds the transaction a PDU of type t in direction d belongs to: the call id's
// whose other side is (or, new, would be) of the answering type.
func (s *State) txByCallID(callID uint32, d int, t uint8) *Tx {
	want := answer(t)
	for _, tx := range s.txs {
		if tx.CallID == callID && tx.Cmd[1-d] == want && !tx.Done[d] {
			return tx
		}
	}
	return nil
}

// newTx starts a transaction for the PDU h; a new one expects a request and a response
// until its PDUs say otherwise.
func (s *State) newTx(h *Header) *Tx {
	if len(s.txs) >= maxTxs {
		// The oldest is completed so that the sensor logs and releases it.
		s.txs[0].Done = [2]bool{true, true}
	}
	var tx *Tx
	if n := len(s.free); n > 0 {
		tx = s.free[n-1]
		s.free = s.free[:n-1]
		stub := [2][]byte{tx.Stub[0][:0], tx.Stub[1][:0]}
		*tx = Tx{Stub: stub}
	} else {
		tx = &Tx{}
	}
	tx.ID, tx.CallID, tx.LittleEndian, tx.MinorVersion = s.nextID, h.CallID, h.LittleEndian(), h.Minor
	tx.Cmd = [2]uint8{TypeRequest, TypeResponse}
	s.nextID++
	s.txs = append(s.txs, tx)
	return tx
}

// Release drops the transactions the sensor is done with (logged and inspected, or all when
// final), keeping their buffers for reuse.
func (s *State) Release(done func(tx *Tx) bool) {
	s.txs, s.free = txlist.Release(s.txs, s.free, done)
}

// Retained is the memory the state holds for reuse.
func (s *State) Retained() int {
	n := cap(s.buf[0]) + cap(s.buf[1]) + cap(s.Ifaces)*48 + (cap(s.txs)+cap(s.free))*8
	for _, tx := range s.txs {
		n += 128 + cap(tx.Stub[0]) + cap(tx.Stub[1])
	}
	for _, tx := range s.free {
		n += 128 + cap(tx.Stub[0]) + cap(tx.Stub[1])
	}
	return n
}

// syncPoint is where a header may start in b after a gap: the first version bytes 05 00.
func syncPoint(b []byte) int {
	for i := 0; i+1 < len(b); i++ {
		if b[i] == 5 && b[i+1] == 0 {
			return i
		}
	}
	return -1
}

func dir(toServer bool) int {
	if toServer {
		return 0
	}
	return 1
}

// Completes reports whether a request or response fragment with these header flags ends its
// call's direction: the last fragment does, and so does a first PDU that carries neither
// fragment flag (some stacks send unfragmented PDUs so); a later one without flags is a
// middle fragment.
func Completes(flags uint8, first bool) bool {
	return flags&FlagLastFrag != 0 || first && flags&(FlagFirstFrag|FlagLastFrag) == 0
}
