package export

import (
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// AlertSchemaVersion is the version written into AlertSchema's metadata; the rules of
// FlowSchemaVersion apply.
const AlertSchemaVersion = "1"

// AlertSchema is the Arrow schema of alerts (docs/arrow-schemas.md lists it field by field). Names
// follow EVE; alert and flow are structs as EVE nests them, and alert.metadata is a map from key to
// the list of values, the shape of EVE's alert.metadata object.
var AlertSchema = arrow.NewSchema(slices.Concat([]arrow.Field{
	{Name: "timestamp", Type: timestampUTC},
	{Name: "flow_id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "pcap_cnt", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
}, tupleFields(false), []arrow.Field{
	{Name: "pkt_src", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "community_id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "tx_id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "alert", Type: arrow.StructOf(
		arrow.Field{Name: "action", Type: arrow.BinaryTypes.String},
		arrow.Field{Name: "gid", Type: arrow.PrimitiveTypes.Int64},
		arrow.Field{Name: "signature_id", Type: arrow.PrimitiveTypes.Int64},
		arrow.Field{Name: "rev", Type: arrow.PrimitiveTypes.Int64},
		arrow.Field{Name: "signature", Type: arrow.BinaryTypes.String},
		arrow.Field{Name: "category", Type: arrow.BinaryTypes.String},
		arrow.Field{Name: "severity", Type: arrow.PrimitiveTypes.Int32},
		arrow.Field{Name: "metadata", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.ListOf(arrow.BinaryTypes.String)), Nullable: true},
	)},
	{Name: "app_proto", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "direction", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "flow", Type: arrow.StructOf(
		arrow.Field{Name: "pkts_toserver", Type: arrow.PrimitiveTypes.Int64},
		arrow.Field{Name: "pkts_toclient", Type: arrow.PrimitiveTypes.Int64},
		arrow.Field{Name: "bytes_toserver", Type: arrow.PrimitiveTypes.Int64},
		arrow.Field{Name: "bytes_toclient", Type: arrow.PrimitiveTypes.Int64},
		arrow.Field{Name: "start", Type: timestampUTC},
		arrow.Field{Name: "src_ip", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "dest_ip", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "src_port", Type: arrow.PrimitiveTypes.Uint16, Nullable: true},
		arrow.Field{Name: "dest_port", Type: arrow.PrimitiveTypes.Uint16, Nullable: true},
	), Nullable: true},
}), schemaMeta(AlertSchemaVersion, "alert"))

// AlertBatcher turns alerts into Arrow record batches, one per worker, as FlowBatcher does for
// flow records: builders reused from batch to batch, no allocation per row in the steady state.
// Not safe for concurrent use.
type AlertBatcher struct {
	batchCore

	timestamp             *array.TimestampBuilder
	flowID, pcapCnt       *array.Int64Builder
	tuple                 tupleColumns
	pktSrc                *array.StringBuilder
	communityID           *array.StringBuilder
	txID                  *array.Int64Builder
	alert                 *array.StructBuilder
	action                *array.StringBuilder
	gid, sid, rev         *array.Int64Builder
	signature, category   *array.StringBuilder
	severity              *array.Int32Builder
	metadata              *array.MapBuilder
	mdKey                 *array.StringBuilder
	mdValues              *array.ListBuilder
	mdValue               *array.StringBuilder
	appProto, direction   *array.StringBuilder
	flow                  *array.StructBuilder
	pktsTS, pktsTC        *array.Int64Builder
	bytesTS, bytesTC      *array.Int64Builder
	start                 *array.TimestampBuilder
	flowSrcIP, flowDestIP *array.StringBuilder
	flowSrcPort, flowDstP *array.Uint16Builder
}

// NewAlertBatcher makes a worker's alert batcher. Release it when the worker stops.
func NewAlertBatcher(opts BatchOptions) *AlertBatcher {
	b := &AlertBatcher{batchCore: newBatchCore(AlertSchema, opts)}
	col := b.rb.Field
	b.timestamp = col(0).(*array.TimestampBuilder)
	b.flowID = col(1).(*array.Int64Builder)
	b.pcapCnt = col(2).(*array.Int64Builder)
	b.tuple = newTupleColumns(b.rb, 3)
	b.pktSrc = col(11).(*array.StringBuilder)
	b.communityID = col(12).(*array.StringBuilder)
	b.txID = col(13).(*array.Int64Builder)

	b.alert = col(14).(*array.StructBuilder)
	ab := b.alert.FieldBuilder
	b.action = ab(0).(*array.StringBuilder)
	b.gid = ab(1).(*array.Int64Builder)
	b.sid = ab(2).(*array.Int64Builder)
	b.rev = ab(3).(*array.Int64Builder)
	b.signature = ab(4).(*array.StringBuilder)
	b.category = ab(5).(*array.StringBuilder)
	b.severity = ab(6).(*array.Int32Builder)
	b.metadata = ab(7).(*array.MapBuilder)
	b.mdKey = b.metadata.KeyBuilder().(*array.StringBuilder)
	b.mdValues = b.metadata.ItemBuilder().(*array.ListBuilder)
	b.mdValue = b.mdValues.ValueBuilder().(*array.StringBuilder)

	b.appProto = col(15).(*array.StringBuilder)
	b.direction = col(16).(*array.StringBuilder)

	b.flow = col(17).(*array.StructBuilder)
	fb := b.flow.FieldBuilder
	b.pktsTS = fb(0).(*array.Int64Builder)
	b.pktsTC = fb(1).(*array.Int64Builder)
	b.bytesTS = fb(2).(*array.Int64Builder)
	b.bytesTC = fb(3).(*array.Int64Builder)
	b.start = fb(4).(*array.TimestampBuilder)
	b.flowSrcIP = fb(5).(*array.StringBuilder)
	b.flowDestIP = fb(6).(*array.StringBuilder)
	b.flowSrcPort = fb(7).(*array.Uint16Builder)
	b.flowDstP = fb(8).(*array.Uint16Builder)
	return b
}

// Append adds a as one row and reports whether the batch has reached MaxRows (the caller then
// flushes). Presence follows the EVE encoder: what EVE omits is null here.
func (b *AlertBatcher) Append(a *Alert) (full bool) {
	b.startRow()
	b.timestamp.UnsafeAppend(toMicros(a.Timestamp))
	appendOptInt64(b.flowID, a.FlowID, a.FlowID != 0)
	appendOptInt64(b.pcapCnt, a.PcapCnt, a.PcapCnt != 0)
	b.tuple.append(&b.batchCore, &a.Tuple)
	appendOptString(b.pktSrc, a.PktSrc)
	if a.CommunityID.IsZero() {
		b.communityID.AppendNull()
	} else {
		b.communityID.BinaryBuilder.Append(a.CommunityID.Bytes())
	}
	appendOptInt64(b.txID, a.TxID, a.HasTxID)

	b.alert.Append(true)
	action := a.Action
	if action == "" {
		action = "allowed"
	}
	b.action.Append(action)
	b.gid.UnsafeAppend(int64(a.GID))
	b.sid.UnsafeAppend(int64(a.SignatureID))
	b.rev.UnsafeAppend(int64(a.Rev))
	b.signature.Append(a.Signature)
	b.category.Append(a.Category)
	b.severity.UnsafeAppend(int32(a.Severity))
	if len(a.Metadata) > 0 {
		b.metadata.Append(true)
		for i := range a.Metadata {
			b.mdKey.Append(a.Metadata[i].Key)
			b.mdValues.Append(true)
			for _, v := range a.Metadata[i].Values {
				b.mdValue.Append(v)
			}
		}
	} else {
		b.metadata.AppendNull()
	}
	appendOptString(b.appProto, a.AppProto)
	appendOptString(b.direction, a.Direction)

	if a.HasFlow {
		b.flow.Append(true)
		b.pktsTS.UnsafeAppend(clampInt64(a.PktsToServer))
		b.pktsTC.UnsafeAppend(clampInt64(a.PktsToClient))
		b.bytesTS.UnsafeAppend(clampInt64(a.BytesToServer))
		b.bytesTC.UnsafeAppend(clampInt64(a.BytesToClient))
		b.start.UnsafeAppend(toMicros(a.FlowStart))
		addrs := a.FlowSrcIP.IsValid() && a.FlowDestIP.IsValid()
		if addrs {
			b.appendAddr(b.flowSrcIP, a.FlowSrcIP)
			b.appendAddr(b.flowDestIP, a.FlowDestIP)
		} else {
			b.flowSrcIP.AppendNull()
			b.flowDestIP.AppendNull()
		}
		appendOptUint16(b.flowSrcPort, a.FlowSrcPort, addrs && hasPorts(a.Proto))
		appendOptUint16(b.flowDstP, a.FlowDestPort, addrs && hasPorts(a.Proto))
	} else {
		b.flow.AppendNull()
	}
	return b.endRow()
}

// appendOptInt64 appends v (clamped), or null when !valid, into a column startRow made room in.
func appendOptInt64(b *array.Int64Builder, v uint64, valid bool) {
	if valid {
		b.UnsafeAppend(clampInt64(v))
	} else {
		b.UnsafeAppendBoolToBitmap(false)
	}
}

// appendOptUint16 appends v, or null when !valid, into a column startRow made room in.
func appendOptUint16(b *array.Uint16Builder, v uint16, valid bool) {
	if valid {
		b.UnsafeAppend(v)
	} else {
		b.UnsafeAppendBoolToBitmap(false)
	}
}
