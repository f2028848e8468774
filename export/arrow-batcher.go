package export

import (
	"math"
	"net/netip"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Schema metadata keys every Nightjar Arrow schema carries, so that a reader (the collector, a
// notebook) can tell what a file holds and refuse a version it does not know.
const (
	MetaSchemaVersion = "nightjar.schema.version"
	MetaEventType     = "nightjar.event_type"
)

// Batching defaults.
const (
	DefaultBatchRows   = 65536
	DefaultBatchMaxAge = time.Second
)

// BatchOptions configures a batcher (flows now, alerts later: each event type wraps batchCore).
type BatchOptions struct {
	// MaxRows is the batch size at which Append reports the batch full. Default 65,536.
	MaxRows int
	// MaxAge is how long the first row of a batch may wait before Due reports true. Default 1 s.
	MaxAge time.Duration
	// Allocator for the builders' buffers; default memory.DefaultAllocator.
	Allocator memory.Allocator
	// Format gives the address form (IPv6 full or compressed), shared with EVE so that the two
	// outputs join textually. Default: Suricata's full form.
	Format *EVEFormat
	// Now replaces time.Now (tests).
	Now func() time.Time
}

func (o *BatchOptions) fill() {
	if o.MaxRows <= 0 {
		o.MaxRows = DefaultBatchRows
	}
	if o.MaxAge <= 0 {
		o.MaxAge = DefaultBatchMaxAge
	}
	if o.Allocator == nil {
		o.Allocator = memory.DefaultAllocator
	}
	if o.Format == nil {
		o.Format = defaultEVE
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// batchCore is the part of a batcher that does not depend on the event type: counting rows,
// remembering when the batch started, and cutting the record. A batcher belongs to one worker and
// is not safe for concurrent use.
type batchCore struct {
	opts     BatchOptions
	rb       *array.RecordBuilder
	rows     int
	capRows  int       // rows every fixed-width column has room for: below it, UnsafeAppend is safe
	lastRows int       // size of the previous batch: how much to reserve for the next
	first    time.Time // when the current batch got its first row

	// The variable-length columns, at any depth, and how many data bytes each held in the previous
	// batch, so that the next batch reserves their data buffers once instead of regrowing them.
	binaries []*array.BinaryBuilder
	lastData []int

	scratch [64]byte // an address's or protocol's text, appended without a string conversion
}

func newBatchCore(schema *arrow.Schema, opts BatchOptions) batchCore {
	opts.fill()
	c := batchCore{opts: opts, rb: array.NewRecordBuilder(opts.Allocator, schema)}
	for _, f := range c.rb.Fields() {
		c.binaries = collectBinaries(c.binaries, f)
	}
	c.lastData = make([]int, len(c.binaries))
	c.capRows = min(opts.MaxRows, 1024)
	c.rb.Reserve(c.capRows)
	return c
}

// collectBinaries finds the string and binary builders under b.
func collectBinaries(dst []*array.BinaryBuilder, b array.Builder) []*array.BinaryBuilder {
	switch b := b.(type) {
	case *array.StringBuilder:
		dst = append(dst, b.BinaryBuilder)
	case *array.BinaryBuilder:
		dst = append(dst, b)
	case *array.StructBuilder:
		for i := 0; i < b.NumField(); i++ {
			dst = collectBinaries(dst, b.FieldBuilder(i))
		}
	case *array.ListBuilder:
		dst = collectBinaries(dst, b.ValueBuilder())
	case *array.MapBuilder:
		dst = collectBinaries(dst, b.KeyBuilder())
		dst = collectBinaries(dst, b.ItemBuilder())
	}
	return dst
}

// startRow is called before a row's columns are appended. It reads the clock once per batch, not
// per row, and makes room in every fixed-width column (at any depth: RecordBuilder.Reserve recurses
// into structs) for at least this row, so the batcher may use the builders' UnsafeAppend and skip
// a capacity check per value. List values and string data are not covered and use Append.
func (c *batchCore) startRow() {
	if c.rows == 0 {
		c.first = c.opts.Now()
	}
	if c.rows >= c.capRows {
		more := max(c.rows, 1024)
		c.rb.Reserve(more)
		c.capRows = c.rows + more
	}
}

// endRow counts the row and reports whether the batch is full.
func (c *batchCore) endRow() bool {
	c.rows++
	return c.rows >= c.opts.MaxRows
}

// Len is the number of rows waiting.
func (c *batchCore) Len() int { return c.rows }

// Due reports whether the batch holds rows that have waited MaxAge or longer; workers call it from
// their idle loop so that quiet links still deliver records promptly.
func (c *batchCore) Due(now time.Time) bool {
	return c.rows > 0 && now.Sub(c.first) >= c.opts.MaxAge
}

// Flush cuts the rows appended so far into a record and resets the builders; nil when empty. The
// caller owns the record and must Release it. The builders' buffers move into the record, so the
// next batch reserves afresh: a few allocations per column per batch, none per row.
func (c *batchCore) Flush() arrow.RecordBatch {
	if c.rows == 0 {
		return nil
	}
	for i, b := range c.binaries {
		c.lastData[i] = b.DataLen()
	}
	rec := c.rb.NewRecordBatch()
	c.lastRows, c.rows = c.rows, 0
	c.rb.Reserve(c.lastRows)
	c.capRows = c.lastRows
	for i, b := range c.binaries {
		b.ReserveData(c.lastData[i])
	}
	return rec
}

// Release frees the builders; the batcher is unusable afterwards.
func (c *batchCore) Release() { c.rb.Release() }

// Helpers for the column appenders. Arrow columns use signed 64-bit integers for counters because
// Spark and Trino have no unsigned 64-bit type; real counters never reach 2^63, but clamp rather
// than wrap to a negative number if one ever does.

func clampInt64(v uint64) int64 {
	if v > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(v)
}

// toMicros converts Unix nanoseconds to microseconds, rounding down as EVE's timestamps do.
func toMicros(ns int64) arrow.Timestamp {
	us := ns / 1000
	if ns%1000 < 0 {
		us--
	}
	return arrow.Timestamp(us)
}

// appendAddr appends a's text in the configured form, or null when a is not set.
func (c *batchCore) appendAddr(sb *array.StringBuilder, a netip.Addr) {
	if !a.IsValid() {
		sb.AppendNull()
		return
	}
	sb.BinaryBuilder.Append(c.opts.Format.appendAddr(c.scratch[:0], a))
}

// appendOptString appends s, or null when it is empty.
func appendOptString(b *array.StringBuilder, s string) {
	if s == "" {
		b.AppendNull()
		return
	}
	b.Append(s)
}

// timestampUTC is the type of every time column: microseconds, as EVE, in UTC.
var timestampUTC = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
