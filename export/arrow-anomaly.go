package export

import (
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// AnomalySchemaVersion is the version written into AnomalySchema's metadata; the rules of
// FlowSchemaVersion apply.
const AnomalySchemaVersion = "1"

// AnomalySchema is the Arrow schema of anomalies (decoder, stream and app-layer events;
// docs/arrow-schemas.md lists it). The tuple is whatever the packet yielded before decoding
// stopped, so every tuple field is nullable, as EVE omits them.
var AnomalySchema = arrow.NewSchema(slices.Concat([]arrow.Field{
	{Name: "timestamp", Type: timestampUTC},
	{Name: "flow_id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "pcap_cnt", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
}, tupleFields(true), []arrow.Field{
	{Name: "community_id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "anomaly", Type: arrow.StructOf(
		arrow.Field{Name: "type", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "event", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "layer", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "app_proto", Type: arrow.BinaryTypes.String, Nullable: true},
	)},
}), schemaMeta(AnomalySchemaVersion, "anomaly"))

// schemaMeta is the metadata every Nightjar schema carries.
func schemaMeta(version, eventType string) *arrow.Metadata {
	md := arrow.NewMetadata([]string{MetaSchemaVersion, MetaEventType}, []string{version, eventType})
	return &md
}

// AnomalyBatcher turns anomalies into Arrow record batches, one per worker, as FlowBatcher does
// for flow records. Not safe for concurrent use.
type AnomalyBatcher struct {
	batchCore

	timestamp       *array.TimestampBuilder
	flowID, pcapCnt *array.Int64Builder
	tuple           tupleColumns
	communityID     *array.StringBuilder
	anomaly         *array.StructBuilder
	typ, event      *array.StringBuilder
	layer, appProto *array.StringBuilder
}

// NewAnomalyBatcher makes a worker's anomaly batcher. Release it when the worker stops.
func NewAnomalyBatcher(opts BatchOptions) *AnomalyBatcher {
	b := &AnomalyBatcher{batchCore: newBatchCore(AnomalySchema, opts)}
	col := b.rb.Field
	b.timestamp = col(0).(*array.TimestampBuilder)
	b.flowID = col(1).(*array.Int64Builder)
	b.pcapCnt = col(2).(*array.Int64Builder)
	b.tuple = newTupleColumns(b.rb, 3)
	b.communityID = col(11).(*array.StringBuilder)
	b.anomaly = col(12).(*array.StructBuilder)
	b.typ = b.anomaly.FieldBuilder(0).(*array.StringBuilder)
	b.event = b.anomaly.FieldBuilder(1).(*array.StringBuilder)
	b.layer = b.anomaly.FieldBuilder(2).(*array.StringBuilder)
	b.appProto = b.anomaly.FieldBuilder(3).(*array.StringBuilder)
	return b
}

// Append adds a as one row and reports whether the batch has reached MaxRows (the caller then
// flushes). What EVE omits is null here.
func (b *AnomalyBatcher) Append(a *Anomaly) (full bool) {
	b.startRow()
	b.timestamp.UnsafeAppend(toMicros(a.Timestamp))
	appendOptInt64(b.flowID, a.FlowID, a.FlowID != 0)
	appendOptInt64(b.pcapCnt, a.PcapCnt, a.PcapCnt != 0)
	b.tuple.append(&b.batchCore, &a.Tuple)
	if a.CommunityID.IsZero() {
		b.communityID.AppendNull()
	} else {
		b.communityID.BinaryBuilder.Append(a.CommunityID.Bytes())
	}
	b.anomaly.Append(true)
	appendOptString(b.typ, a.Type)
	appendOptString(b.event, a.Event)
	appendOptString(b.layer, a.Layer)
	appendOptString(b.appProto, a.AppProto)
	return b.endRow()
}
