package export

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/ipc"
)

// FlightSinkOptions configures a FlightSink.
type FlightSinkOptions struct {
	FlightClientOptions
	// Sensor names this sensor in every batch (required).
	Sensor string
	// SpoolDir holds batches the endpoint has not taken; "" means no spool: what does not fit in
	// the queue is dropped (and counted).
	SpoolDir string
	// SpoolMaxBytes bounds the spool. Default 1 GiB.
	SpoolMaxBytes int64
	// QueueBatches bounds the in-memory queue between writers and the sender. Default 64.
	QueueBatches int
	// InFlightBytes bounds the batches sent but not yet acknowledged. Default 64 MiB.
	InFlightBytes int64
	// MinBackoff and MaxBackoff bound the wait between reconnection attempts, which doubles
	// from one to the other with ±20% jitter. Defaults 100 ms and 5 s.
	MinBackoff, MaxBackoff time.Duration
	// Log receives connection state changes; default slog.Default().
	Log *slog.Logger
}

// Defaults for FlightSinkOptions.
const (
	DefaultFlightQueueBatches  = 64
	DefaultFlightInFlightBytes = 64 << 20
	DefaultFlightMinBackoff    = 100 * time.Millisecond
	DefaultFlightMaxBackoff    = 5 * time.Second
	maxInFlightBatches         = 1024 // also the ack channel's capacity, so acks never block
)

// FlightSinkStats says what a FlightSink did. Counters are totals since it was made.
type FlightSinkStats struct {
	Batches, Rows           uint64 // handed to Write
	SentBatches             uint64 // sends, resends included
	AckedBatches, AckedRows uint64
	Duplicates              uint64 // acknowledged as already stored (a resend after a failure)
	Spooled                 DropCount
	// PendingBatches and PendingRows are on disk in the spool now; after Close, what stays for a
	// restarted sensor to send.
	PendingBatches, PendingRows uint64
	Dropped                     map[string]DropCount // by event type
	Reconnects                  uint64
	LastError                   string
}

// DroppedRows is the number of rows dropped, all event types together.
func (st FlightSinkStats) DroppedRows() uint64 {
	var n uint64
	for _, d := range st.Dropped {
		n += d.Rows
	}
	return n
}

// FlightSink sends record batches to a Flight endpoint (a Nightjar collector) with DoPut, one
// stream per event type. Write never waits for the network: it puts the batch on a bounded queue
// that one sender goroutine drains, and when the queue is full, or batches already wait in the
// spool, the batch goes to the spool instead, so order is kept. The sender keeps at most
// InFlightBytes unacknowledged; on any error it drops the connection, waits (exponential backoff
// with jitter) and resends every unacknowledged batch, which the collector de-duplicates by
// (sensor, stream, seq). A batch leaves memory or the spool only once acknowledged.
//
// Batches may have any schema whose metadata names the event type (MetaEventType).
type FlightSink struct {
	o      FlightSinkOptions
	runID  string
	client flight.Client
	log    *slog.Logger
	ctx    context.Context // cancelled when Close gives up waiting: unblocks a stuck Send
	cancel context.CancelFunc

	mu      sync.Mutex
	queue   []*sinkItem
	spool   *Spool
	seqs    map[string]uint64
	ord     uint64
	closed  bool
	stats   FlightSinkStats
	memDrop map[string]DropCount // dropped with no spool to go to

	wake     chan struct{}
	draining chan struct{}
	stop     chan struct{}
	done     chan struct{}
}

// sinkItem is one batch on its way.
type sinkItem struct {
	meta    BatchMeta
	ord     uint64
	rec     arrow.RecordBatch // nil while only on disk
	rows    int64
	size    int64
	spooled *spoolEntry // the spool file holding it, if any
}

// NewFlightSink makes the sink, resumes its spool, and starts the sender.
func NewFlightSink(o FlightSinkOptions) (*FlightSink, error) {
	if o.Sensor == "" {
		return nil, errors.New("flight sink: no sensor name")
	}
	if o.QueueBatches <= 0 {
		o.QueueBatches = DefaultFlightQueueBatches
	}
	if o.InFlightBytes <= 0 {
		o.InFlightBytes = DefaultFlightInFlightBytes
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = DefaultFlightMinBackoff
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(DefaultFlightMaxBackoff, o.MinBackoff)
	}
	s := &FlightSink{
		o: o, log: o.Log, seqs: map[string]uint64{}, memDrop: map[string]DropCount{},
		wake: make(chan struct{}, 1), draining: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{}),
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	var id [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, fmt.Errorf("flight sink: run id: %w", err)
	}
	s.runID = hex.EncodeToString(id[:])
	if o.SpoolDir != "" {
		sp, err := OpenSpool(o.SpoolDir, o.SpoolMaxBytes)
		if err != nil {
			return nil, fmt.Errorf("flight sink: %w", err)
		}
		s.spool = sp
		s.ord = sp.MaxOrder()
		if sp.Len() > 0 {
			s.log.Info("flight: resuming spool", "dir", sp.Dir(), "batches", sp.Len(), "rows", sp.Rows())
		}
	}
	client, err := DialFlight(o.FlightClientOptions)
	if err != nil {
		return nil, err
	}
	s.client = client
	s.ctx, s.cancel = context.WithCancel(context.Background())
	go s.run()
	return s, nil
}

// Write hands rec to the sink; it never blocks on the network. The caller keeps ownership of rec
// (the sink retains it while it needs it). Safe for concurrent use.
func (s *FlightSink) Write(rec arrow.RecordBatch) error {
	if rec == nil || rec.NumRows() == 0 {
		return nil
	}
	et := SchemaEventType(rec.Schema())
	if !ValidEventType(et) {
		return fmt.Errorf("flight sink: schema metadata %s = %q: not an event type", MetaEventType, et)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("flight sink: closed")
	}
	seq := s.seqs[et]
	s.seqs[et] = seq + 1
	s.ord++
	it := &sinkItem{meta: BatchMeta{EventType: et, Sensor: s.o.Sensor, Stream: et + "-" + s.runID, Seq: seq}, ord: s.ord, rows: rec.NumRows()}
	s.stats.Batches++
	s.stats.Rows += uint64(it.rows)
	if len(s.queue) < s.o.QueueBatches && (s.spool == nil || !s.spool.pending()) {
		rec.Retain()
		it.rec, it.size = rec, recordBytes(rec)
		s.queue = append(s.queue, it)
		select {
		case s.wake <- struct{}{}:
		default:
		}
		return nil
	}
	s.spillLocked(it, rec)
	return nil
}

// spillLocked puts a batch that cannot wait in memory into the spool, or counts it dropped.
func (s *FlightSink) spillLocked(it *sinkItem, rec arrow.RecordBatch) {
	if s.spool == nil {
		d := s.memDrop[it.meta.EventType]
		d.Batches++
		d.Rows += uint64(it.rows)
		s.memDrop[it.meta.EventType] = d
		return
	}
	ok, err := s.spool.Put(it.ord, it.meta, rec)
	if err != nil {
		// A disk error loses this batch, not the run: count it and say why once per error.
		s.stats.LastError = err.Error()
		s.log.Warn("flight: spool write failed; batch dropped", "err", err)
		d := s.memDrop[it.meta.EventType]
		d.Batches++
		d.Rows += uint64(it.rows)
		s.memDrop[it.meta.EventType] = d
		return
	}
	if ok {
		s.stats.Spooled.Batches++
		s.stats.Spooled.Rows += uint64(it.rows)
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Close stops taking batches and waits until the endpoint has acknowledged every batch or ctx
// ends; then whatever is left goes to the spool (or is counted dropped when there is none). The
// returned stats say what stays pending.
func (s *FlightSink) Close(ctx context.Context) FlightSinkStats {
	s.mu.Lock()
	already := s.closed
	s.closed = true
	s.mu.Unlock()
	if !already {
		close(s.draining)
	}
	select {
	case <-s.done:
	case <-ctx.Done():
		select {
		case <-s.stop:
		default:
			close(s.stop)
		}
		s.cancel()
		<-s.done
	}
	s.cancel()
	if s.client != nil {
		_ = s.client.Close()
	}
	return s.Stats()
}

// Stats returns a snapshot of the counters.
func (s *FlightSink) Stats() FlightSinkStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Dropped = map[string]DropCount{}
	for k, v := range s.memDrop {
		st.Dropped[k] = v
	}
	if s.spool != nil {
		for k, v := range s.spool.Dropped {
			d := st.Dropped[k]
			d.Batches += v.Batches
			d.Rows += v.Rows
			st.Dropped[k] = d
		}
		st.PendingBatches, st.PendingRows = uint64(s.spool.Len()), uint64(s.spool.Rows())
	}
	return st
}

// SpoolDir is where pending batches wait; "" when there is no spool.
func (s *FlightSink) SpoolDir() string {
	if s.spool == nil {
		return ""
	}
	return s.spool.Dir()
}

// putStream is one open DoPut.
type putStream struct {
	stream flight.FlightService_DoPutClient
	w      *flight.Writer
	schema *arrow.Schema
}

// flightConn is the state of one connection attempt: its DoPut streams and where their acks
// and errors arrive.
type flightConn struct {
	ctx     context.Context
	cancel  context.CancelFunc
	streams map[string]*putStream
	acks    chan FlightAck
	errs    chan error
	acked   bool // some ack arrived: the connection works, so the backoff resets
}

// sender is the state of the sender goroutine.
type sender struct {
	s        *FlightSink
	conn     *flightConn
	retry    []*sinkItem // unacknowledged batches of a failed connection, to resend first
	inflight []*sinkItem // sent, unacknowledged, in send order
	inBytes  int64
	backoff  time.Duration
	nextDial time.Time
	down     bool // last attempt failed (for logging state changes once)
}

func (s *FlightSink) run() {
	defer close(s.done)
	snd := &sender{s: s, backoff: s.o.MinBackoff}
	snd.loop()
	snd.spill()
}

func (snd *sender) loop() {
	s := snd.s
	var timer *time.Timer
	for {
		select {
		case <-s.stop:
			return
		default:
		}
		if snd.conn != nil {
			snd.drainAcks()
		}
		if snd.idle() {
			select {
			case <-s.draining:
				snd.closeConn()
				return
			default:
			}
		}
		if snd.conn == nil && time.Now().After(snd.nextDial) && snd.hasWork() {
			snd.conn = snd.newConn()
		}
		if snd.conn != nil {
			snd.sendSome()
		}
		// Wait for something to do.
		var acks <-chan FlightAck
		var errs <-chan error
		var tc <-chan time.Time
		if snd.conn != nil {
			acks, errs = snd.conn.acks, snd.conn.errs
		} else if snd.hasWork() {
			if timer == nil {
				timer = time.NewTimer(time.Until(snd.nextDial))
			} else {
				timer.Reset(time.Until(snd.nextDial))
			}
			tc = timer.C
		}
		draining := s.draining
		if !snd.idle() {
			draining = nil // only wakes the loop to notice it is done
		}
		select {
		case <-s.stop:
			return
		case <-s.wake:
		case a := <-acks:
			snd.ack(a)
		case err := <-errs:
			snd.fail(err)
		case <-tc:
		case <-draining:
		}
	}
}

// hasWork reports whether anything waits to be sent or acknowledged.
func (snd *sender) hasWork() bool { return !snd.idle() }

func (snd *sender) idle() bool {
	if len(snd.retry) > 0 || len(snd.inflight) > 0 {
		return false
	}
	s := snd.s
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue) == 0 && (s.spool == nil || s.spool.Len() == 0)
}

func (snd *sender) newConn() *flightConn {
	ctx, cancel := context.WithCancel(snd.s.ctx)
	return &flightConn{
		ctx: ctx, cancel: cancel, streams: map[string]*putStream{},
		acks: make(chan FlightAck, maxInFlightBatches), errs: make(chan error, 1),
	}
}

// sendSome sends batches while the window has room.
func (snd *sender) sendSome() {
	s := snd.s
	for snd.conn != nil && snd.inBytes < s.o.InFlightBytes && len(snd.inflight) < maxInFlightBatches {
		it := snd.next()
		if it == nil {
			return
		}
		if err := snd.send(it); err != nil {
			snd.inflight = append(snd.inflight, it) // so fail() puts it back in order
			snd.fail(snd.why(err))
			return
		}
		snd.inflight = append(snd.inflight, it)
		snd.inBytes += it.size
		s.mu.Lock()
		s.stats.SentBatches++
		s.mu.Unlock()
		// Let acks in between sends so the window keeps moving.
		snd.drainAcks()
	}
}

// next takes the oldest batch to send: resends first, then the queue, then the spool.
func (snd *sender) next() *sinkItem {
	if len(snd.retry) > 0 {
		it := snd.retry[0]
		snd.retry = snd.retry[1:]
		return it
	}
	s := snd.s
	for {
		s.mu.Lock()
		if len(s.queue) > 0 {
			it := s.queue[0]
			s.queue[0] = nil
			s.queue = s.queue[1:]
			s.mu.Unlock()
			return it
		}
		var e *spoolEntry
		if s.spool != nil {
			e = s.spool.take()
		}
		s.mu.Unlock()
		if e == nil {
			return nil
		}
		// Taken entries are never evicted, so the file can be read without the lock.
		rec, err := s.spool.load(e)
		if err != nil {
			s.log.Warn("flight: unreadable spool file dropped", "err", err)
			s.mu.Lock()
			s.spool.remove(e)
			s.spool.countDrop(e.meta.EventType, e.rows)
			s.mu.Unlock()
			continue
		}
		return &sinkItem{meta: e.meta, ord: e.ord, rec: rec, rows: e.rows, size: recordBytes(rec), spooled: e}
	}
}

// send writes one batch on its event type's DoPut, opening the stream if needed.
func (snd *sender) send(it *sinkItem) error {
	c := snd.conn
	ps := c.streams[it.meta.EventType]
	if ps != nil && !ps.schema.Equal(it.rec.Schema()) {
		// A spooled batch of an older schema version: it needs a DoPut of its own.
		_ = ps.stream.CloseSend()
		delete(c.streams, it.meta.EventType)
		ps = nil
	}
	if ps == nil {
		stream, err := snd.s.client.DoPut(c.ctx)
		if err != nil {
			return fmt.Errorf("flight: DoPut: %w", err)
		}
		w := flight.NewRecordWriter(stream, ipc.WithSchema(it.rec.Schema()))
		w.SetFlightDescriptor(&flight.FlightDescriptor{Type: flight.DescriptorPATH, Path: []string{FlightPathPrefix, it.meta.EventType}})
		ps = &putStream{stream: stream, w: w, schema: it.rec.Schema()}
		c.streams[it.meta.EventType] = ps
		go recvAcks(c, stream)
	}
	md, err := json.Marshal(&it.meta)
	if err != nil {
		return err
	}
	if err := ps.w.WriteWithAppMetadata(it.rec, md); err != nil {
		return fmt.Errorf("flight: send: %w", err)
	}
	return nil
}

// why replaces the io.EOF a gRPC send returns when the server ended the stream by the status
// the server gave (Unauthenticated, …), which only the receiving side sees.
func (snd *sender) why(err error) error {
	if !errors.Is(err, io.EOF) || snd.conn == nil {
		return err
	}
	select {
	case e := <-snd.conn.errs:
		return e
	case <-time.After(time.Second):
		return err
	}
}

// recvAcks forwards one DoPut's acks until the stream ends.
func recvAcks(c *flightConn, stream flight.FlightService_DoPutClient) {
	for {
		res, err := stream.Recv()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return
			}
			select {
			case c.errs <- fmt.Errorf("flight: %w", err):
			default:
			}
			return
		}
		var a FlightAck
		if json.Unmarshal(res.GetAppMetadata(), &a) != nil {
			continue
		}
		select {
		case c.acks <- a:
		case <-c.ctx.Done():
			return
		}
	}
}

func (snd *sender) drainAcks() {
	for snd.conn != nil {
		select {
		case a := <-snd.conn.acks:
			snd.ack(a)
		default:
			return
		}
	}
}

// ack retires the batch a collector acknowledged.
func (snd *sender) ack(a FlightAck) {
	s := snd.s
	var it *sinkItem
	for i, x := range snd.inflight {
		if x.meta == a.BatchMeta {
			it = x
			snd.inflight = append(snd.inflight[:i], snd.inflight[i+1:]...)
			snd.inBytes -= x.size
			break
		}
	}
	if it == nil {
		for i, x := range snd.retry {
			if x.meta == a.BatchMeta {
				it = x
				snd.retry = append(snd.retry[:i], snd.retry[i+1:]...)
				break
			}
		}
	}
	if it == nil {
		return
	}
	if snd.conn != nil && !snd.conn.acked {
		snd.conn.acked = true
		snd.backoff = s.o.MinBackoff
		if snd.down {
			snd.down = false
			s.log.Info("flight: connected", "addr", s.o.Addr)
		}
	}
	it.rec.Release()
	it.rec = nil
	s.mu.Lock()
	s.stats.AckedBatches++
	s.stats.AckedRows += uint64(it.rows)
	if a.Dup {
		s.stats.Duplicates++
	}
	if it.spooled != nil {
		s.spool.remove(it.spooled)
	}
	s.mu.Unlock()
}

// fail drops the connection; every unacknowledged batch is resent after the backoff.
func (snd *sender) fail(err error) {
	s := snd.s
	if snd.conn != nil {
		snd.drainAcks() // acks that made it need no resend
	}
	snd.closeConn()
	snd.retry = append(snd.inflight, snd.retry...)
	snd.inflight = nil
	snd.inBytes = 0
	jitter := 0.8 + 0.4*mrand.Float64()
	snd.nextDial = time.Now().Add(time.Duration(float64(snd.backoff) * jitter))
	snd.backoff = min(snd.backoff*2, s.o.MaxBackoff)
	s.mu.Lock()
	s.stats.Reconnects++
	s.stats.LastError = err.Error()
	s.mu.Unlock()
	if !snd.down {
		snd.down = true
		s.log.Warn("flight: endpoint unavailable; spooling and retrying", "addr", s.o.Addr, "err", err)
	}
}

func (snd *sender) closeConn() {
	c := snd.conn
	if c == nil {
		return
	}
	for _, ps := range c.streams {
		_ = ps.stream.CloseSend()
		_ = ps.w.Close()
	}
	c.cancel()
	snd.conn = nil
}

// spill moves every batch still in memory to the spool, once the sender has given up.
func (snd *sender) spill() {
	s := snd.s
	snd.closeConn()
	items := append(snd.retry, snd.inflight...)
	snd.retry, snd.inflight = nil, nil
	s.mu.Lock()
	defer s.mu.Unlock()
	items = append(items, s.queue...)
	s.queue = nil
	for _, it := range items {
		if it.spooled != nil {
			s.spool.untake(it.spooled) // still on disk
		} else {
			s.spillLocked(it, it.rec)
		}
		if it.rec != nil {
			it.rec.Release()
			it.rec = nil
		}
	}
}
