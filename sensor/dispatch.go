package sensor

import "github.com/nightjar-ids/nightjar/decoders"

// When one reader feeds several workers (capture files), frames travel to the worker that owns
// their flow in batches: the reader copies each frame once into the batch of its worker and
// hands over whole batches, so the cost of a channel operation is paid per batch, not per packet.
// Batches are recycled through a free list per worker; nothing is allocated in the steady state.

const (
	batchBytes  = 1 << 20 // frame bytes per batch
	batchFrames = 4096
	batchesEach = 4 // batches per worker: one filling, the rest in flight
)

// frameRef locates one frame inside a batch buffer.
type frameRef struct {
	off, n   int32
	wireLen  int32
	linkType decoders.LinkType
	part     framePart
	time     int64
	index    uint64
}

// framePart says what a worker does with a frame. A frame of a UDP encapsulation may belong to
// two workers: its inner packet's (by FlowHash) and its outer datagram's flow's, which the
// reader then hands a copy of the frame (decoders.FlowHashes).
type framePart uint8

const (
	partWhole framePart = iota // the packet, and its outer datagram's flow when it has one
	partInner                  // the packet only: another worker counts the outer datagram
	partOuter                  // the outer datagram's flow only
)

// batch is a run of frames for one worker, plus the reader's clock when it was handed over.
type batch struct {
	buf    []byte
	frames []frameRef
	now    int64 // packet time at the reader when sent; drives flow timeouts in the worker
	tick   bool  // the reader's clock reached a tick: the worker runs its flow timeouts at now
}

func newBatch() *batch {
	return &batch{buf: make([]byte, 0, batchBytes), frames: make([]frameRef, 0, batchFrames)}
}

// fits reports whether a frame of n bytes still goes into b.
func (b *batch) fits(n int) bool {
	return len(b.frames) < cap(b.frames) && len(b.buf)+n <= cap(b.buf)
}

func (b *batch) add(data []byte, wireLen int, lt decoders.LinkType, part framePart, ts int64, index uint64) {
	off := len(b.buf)
	b.buf = append(b.buf, data...)
	b.frames = append(b.frames, frameRef{off: int32(off), n: int32(len(data)), wireLen: int32(wireLen), linkType: lt,
		part: part, time: ts, index: index})
}

func (b *batch) reset() {
	b.buf = b.buf[:0]
	b.frames = b.frames[:0]
	b.tick = false
}

// lane is the reader's connection to one worker.
type lane struct {
	full chan *batch // reader → worker
	free chan *batch // worker → reader
	cur  *batch
}

func newLane() *lane {
	l := &lane{full: make(chan *batch, batchesEach), free: make(chan *batch, batchesEach)}
	for i := 0; i < batchesEach-1; i++ {
		l.free <- newBatch()
	}
	l.cur = newBatch()
	return l
}

// send hands the current batch to the worker and takes an empty one, waiting if the worker
// is behind: a file reader may wait, it loses nothing by doing so.
func (l *lane) send(now int64, tick bool) {
	l.cur.now = now
	l.cur.tick = tick
	l.full <- l.cur
	l.cur = <-l.free
	l.cur.reset()
}
