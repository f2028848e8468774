package collector

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/nightjar-ids/nightjar/export"
)

// Options configures a Collector.
type Options struct {
	// Lake is the root directory of the Parquet lake (created if missing).
	Lake string
	// ID names this collector's files and commit log. It must differ between collectors writing
	// one lake at the same time; default: host name, process id and random bits.
	ID string
	// Token, when set, is the bearer token every call must carry.
	Token string
	// TLS, when set, makes the server accept TLS connections only.
	TLS *tls.Config
	// NoSync skips fsync of files and commit log (tests, benchmarks); a power loss may then lose
	// acknowledged batches.
	NoSync bool
	// CompactEvery is the time between compaction passes. Default 1 minute; negative: never.
	CompactEvery time.Duration
	// CompactMinFiles is how many small files a partition needs before it is compacted. Default 16.
	CompactMinFiles int
	// CompactTargetBytes is the size below which a file counts as small. Default 128 MiB.
	CompactTargetBytes int64
	// Writers bounds how many batches of one DoPut stream are written at once. Default: the
	// number of CPUs.
	Writers int
	// RecentBatches and RecentRows bound what DoGet replays per event type. Defaults 64 and 1024.
	RecentBatches, RecentRows int
	// Log receives errors and state; default slog.Default().
	Log *slog.Logger
	// Now replaces time.Now (tests).
	Now func() time.Time
}

// Stats counts what a collector did since it started.
type Stats struct {
	Batches, Rows uint64 // stored
	Duplicates    uint64 // received again and skipped
	Files         uint64 // Parquet files written (compaction excluded)
	Bytes         uint64 // their size
	Compacted     uint64 // files merged away by compaction
	Refused       uint64 // calls refused for authentication
}

// Collector is the Flight server in front of a lake.
type Collector struct {
	flight.BaseFlightServer
	o      Options
	lake   *lake
	recent *recent
	log    *slog.Logger
	srv    *grpc.Server

	batches, rows, dups, files, bytes, compacted, refused atomic.Uint64

	stopCompact chan struct{}
	wg          sync.WaitGroup
	closeOnce   sync.Once
}

// New opens the lake (finishing any compaction a killed collector left, and loading the
// de-duplication state from every commit log) and builds the server; Serve starts it.
func New(o Options) (*Collector, error) {
	if o.Lake == "" {
		return nil, errors.New("collector: no lake directory")
	}
	if o.ID == "" {
		var b [4]byte
		_, _ = rand.Read(b[:])
		host, _ := os.Hostname()
		o.ID = fmt.Sprintf("%s-%d-%s", escapeName(host), os.Getpid(), hex.EncodeToString(b[:]))
	}
	o.ID = escapeName(o.ID)
	if o.CompactEvery == 0 {
		o.CompactEvery = time.Minute
	}
	if o.CompactMinFiles <= 1 {
		o.CompactMinFiles = 16
	}
	if o.CompactTargetBytes <= 0 {
		o.CompactTargetBytes = 128 << 20
	}
	if o.Writers <= 0 {
		o.Writers = runtime.GOMAXPROCS(0)
	}
	if o.RecentBatches == 0 {
		o.RecentBatches = 64
	}
	if o.RecentRows <= 0 {
		o.RecentRows = 1024
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	l, err := openLake(o.Lake, o.ID, o.NoSync, o.Now)
	if err != nil {
		return nil, fmt.Errorf("collector: %w", err)
	}
	c := &Collector{o: o, lake: l, recent: newRecent(o.RecentBatches, o.RecentRows), log: o.Log, stopCompact: make(chan struct{})}
	opts := []grpc.ServerOption{
		grpc.ChainStreamInterceptor(c.authStream),
		grpc.ChainUnaryInterceptor(c.authUnary),
		grpc.MaxRecvMsgSize(512 << 20),
	}
	if o.TLS != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(o.TLS)))
	}
	c.srv = grpc.NewServer(opts...)
	flight.RegisterFlightServiceServer(c.srv, c)
	return c, nil
}

// ID is the collector's id, as it appears in its file names.
func (c *Collector) ID() string { return c.o.ID }

// Serve answers Flight calls on lis until Close; compaction runs alongside.
func (c *Collector) Serve(lis net.Listener) error {
	if c.o.CompactEvery > 0 {
		c.wg.Add(1)
		go c.compactLoop()
	}
	err := c.srv.Serve(lis)
	if errors.Is(err, grpc.ErrServerStopped) {
		return nil
	}
	return err
}

// Close stops taking calls, lets running ones finish for up to grace, then stops.
func (c *Collector) Close(grace time.Duration) error {
	var err error
	c.closeOnce.Do(func() {
		close(c.stopCompact)
		done := make(chan struct{})
		go func() { c.srv.GracefulStop(); close(done) }()
		select {
		case <-done:
		case <-time.After(grace):
			c.srv.Stop() // DoGet followers never end by themselves
			<-done
		}
		c.wg.Wait()
		err = c.lake.close()
	})
	return err
}

// Compact runs one compaction pass now.
func (c *Collector) Compact() error {
	n, err := c.lake.compact(compactOptions{minFiles: c.o.CompactMinFiles, targetBytes: c.o.CompactTargetBytes})
	c.compacted.Add(uint64(n))
	return err
}

func (c *Collector) compactLoop() {
	defer c.wg.Done()
	t := time.NewTicker(c.o.CompactEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stopCompact:
			return
		case <-t.C:
			if err := c.Compact(); err != nil {
				c.log.Warn("collector: compaction", "err", err)
			}
		}
	}
}

// Stats returns the counters.
func (c *Collector) Stats() Stats {
	return Stats{
		Batches: c.batches.Load(), Rows: c.rows.Load(), Duplicates: c.dups.Load(),
		Files: c.files.Load(), Bytes: c.bytes.Load(), Compacted: c.compacted.Load(), Refused: c.refused.Load(),
	}
}

// authorized checks the bearer token in constant time.
func (c *Collector) authorized(ctx context.Context) error {
	if c.o.Token == "" {
		return nil
	}
	md, _ := metadata.FromIncomingContext(ctx)
	want := []byte("Bearer " + c.o.Token)
	for _, v := range md.Get("authorization") {
		if subtle.ConstantTimeCompare([]byte(v), want) == 1 {
			return nil
		}
	}
	c.refused.Add(1)
	return status.Error(codes.Unauthenticated, "collector: missing or wrong bearer token")
}

func (c *Collector) authStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	if err := c.authorized(ss.Context()); err != nil {
		return err
	}
	return h(srv, ss)
}

func (c *Collector) authUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	if err := c.authorized(ctx); err != nil {
		return nil, err
	}
	return h(ctx, req)
}

// DoPut stores a sensor's batches and acknowledges each once it is durable.
func (c *Collector) DoPut(stream flight.FlightService_DoPutServer) error {
	rdr, err := flight.NewRecordReader(stream)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return status.Errorf(codes.InvalidArgument, "collector: DoPut: %v", err)
	}
	defer rdr.Release()
	eventType := export.SchemaEventType(rdr.Schema())
	if !export.ValidEventType(eventType) {
		return status.Errorf(codes.InvalidArgument, "collector: schema metadata %s = %q: not an event type", export.MetaEventType, eventType)
	}
	// Batches are written in parallel (Parquet encoding is the collector's main cost) and
	// acknowledged as each becomes durable, in whatever order that is: the sink matches acks by key.
	var (
		wg       sync.WaitGroup
		sendMu   sync.Mutex
		errMu    sync.Mutex
		firstErr error
		slots    = make(chan struct{}, c.o.Writers)
	)
	setErr := func(err error) {
		errMu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		errMu.Unlock()
	}
	getErr := func() error {
		errMu.Lock()
		defer errMu.Unlock()
		return firstErr
	}
	for getErr() == nil && rdr.Next() {
		rec := rdr.RecordBatch()
		meta, err := export.ParseBatchMeta(rdr.LatestAppMetadata())
		if err != nil {
			setErr(status.Errorf(codes.InvalidArgument, "collector: %v", err))
			break
		}
		if meta.EventType != eventType {
			setErr(status.Errorf(codes.InvalidArgument, "collector: batch of %q on a %q stream", meta.EventType, eventType))
			break
		}
		rec.Retain() // the reader releases it at the next Next
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { rec.Release(); <-slots; wg.Done() }()
			if err := c.storeAndAck(stream, &sendMu, eventType, meta, rec); err != nil {
				setErr(err)
			}
		}()
	}
	wg.Wait()
	if err := getErr(); err != nil {
		return err
	}
	if err := rdr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// storeAndAck stores one batch and acknowledges it.
func (c *Collector) storeAndAck(stream flight.FlightService_DoPutServer, sendMu *sync.Mutex, eventType string, meta export.BatchMeta, rec arrow.RecordBatch) error {
	dup, files, n, err := c.lake.store(meta, rec)
	if err != nil {
		c.log.Error("collector: store", "sensor", meta.Sensor, "stream", meta.Stream, "seq", meta.Seq, "err", err)
		return status.Errorf(codes.Internal, "collector: %v", err)
	}
	if dup {
		c.dups.Add(1)
	} else {
		c.batches.Add(1)
		c.rows.Add(uint64(rec.NumRows()))
		c.files.Add(uint64(files))
		c.bytes.Add(uint64(n))
		c.recent.add(eventType, meta.Sensor, rec)
	}
	ack, _ := json.Marshal(export.FlightAck{BatchMeta: meta, Dup: dup})
	sendMu.Lock()
	defer sendMu.Unlock()
	return stream.Send(&flight.PutResult{AppMetadata: ack})
}

// DoGet streams the recent batches of one event type and, when the ticket asks to follow, the
// live ones after them, until the client goes away.
func (c *Collector) DoGet(t *flight.Ticket, stream flight.FlightService_DoGetServer) error {
	var tk export.TailTicket
	if err := json.Unmarshal(t.GetTicket(), &tk); err != nil || !export.ValidEventType(tk.EventType) {
		return status.Errorf(codes.InvalidArgument, "collector: DoGet ticket %q: want {\"event_type\":…}", t.GetTicket())
	}
	entries, sub := c.recent.snapshot(tk.EventType, tk.Follow)
	if sub != nil {
		defer c.recent.unsubscribe(sub)
	}
	var w *flight.Writer
	var schema *arrow.Schema
	defer func() {
		if w != nil {
			w.Close()
		}
	}()
	send := func(e recentEntry) error {
		r, err := ipc.NewReader(bytes.NewReader(e.data))
		if err != nil {
			return nil // cannot happen for entries we wrote; skip rather than end the stream
		}
		defer r.Release()
		if w == nil {
			schema = r.Schema()
			w = flight.NewRecordWriter(stream, ipc.WithSchema(schema))
		}
		md, _ := json.Marshal(export.TailMeta{Sensor: e.sensor})
		for r.Next() {
			rec := r.RecordBatch()
			if !rec.Schema().Equal(schema) {
				continue // another schema version: a tail stream has one schema
			}
			if err := w.WriteWithAppMetadata(rec, md); err != nil {
				return err
			}
		}
		return nil
	}
	for _, e := range entries {
		if err := send(e); err != nil {
			return err
		}
	}
	if sub == nil {
		return nil
	}
	for {
		select {
		case <-stream.Context().Done():
			return nil
		case e := <-sub.ch:
			if err := send(e); err != nil {
				return err
			}
		}
	}
}
