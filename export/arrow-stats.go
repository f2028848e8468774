package export

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// StatsSchemaVersion is the version written into StatsSchema's metadata; the rules of
// FlowSchemaVersion apply.
const StatsSchemaVersion = "1"

// StatsSchema is the Arrow schema of counter snapshots: one row per snapshot, the counters as a
// map from Suricata's dotted name to its value. A map rather than one column per counter keeps the
// schema fixed while counters come and go between versions and capture methods; rather than one
// row per counter, it keeps a snapshot one row, as EVE keeps it one event (docs/arrow-schemas.md
// weighs the layouts).
var StatsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "timestamp", Type: timestampUTC},
	{Name: "uptime", Type: arrow.PrimitiveTypes.Int64},
	{Name: "counters", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64)},
}, schemaMeta(StatsSchemaVersion, "stats"))

// StatsBatcher turns counter snapshots into Arrow record batches. The sensor has one, fed by
// whoever writes the EVE stats event; snapshots are seconds apart, so it is not on a hot path,
// but it reuses its builders all the same. Not safe for concurrent use.
type StatsBatcher struct {
	batchCore

	timestamp *array.TimestampBuilder
	uptime    *array.Int64Builder
	counters  *array.MapBuilder
	name      *array.StringBuilder
	value     *array.Int64Builder
}

// NewStatsBatcher makes a stats batcher. Release it when done.
func NewStatsBatcher(opts BatchOptions) *StatsBatcher {
	b := &StatsBatcher{batchCore: newBatchCore(StatsSchema, opts)}
	b.timestamp = b.rb.Field(0).(*array.TimestampBuilder)
	b.uptime = b.rb.Field(1).(*array.Int64Builder)
	b.counters = b.rb.Field(2).(*array.MapBuilder)
	b.name = b.counters.KeyBuilder().(*array.StringBuilder)
	b.value = b.counters.ItemBuilder().(*array.Int64Builder)
	return b
}

// Append adds s as one row and reports whether the batch has reached MaxRows. A counter with an
// empty name is skipped, as EVE skips it; "uptime" stays a counter here since it cannot clash
// with a column. Names are expected to be unique within a snapshot, as the sensor builds them.
func (b *StatsBatcher) Append(s *Stats) (full bool) {
	b.startRow()
	b.timestamp.UnsafeAppend(toMicros(s.Timestamp))
	b.uptime.UnsafeAppend(s.Uptime)
	b.counters.Append(true)
	for i := range s.Counters {
		c := &s.Counters[i]
		if c.Name == "" {
			continue
		}
		b.name.Append(c.Name)
		b.value.Append(clampInt64(c.Value))
	}
	return b.endRow()
}
