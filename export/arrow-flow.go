package export

import (
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// FlowSchemaVersion is the version written into FlowSchema's metadata. Bump it when a field is
// removed, renamed or changes type; adding a nullable field at the end does not need a bump.
const FlowSchemaVersion = "1"

// FlowSchema is the Arrow schema of flow records (docs/arrow-schemas.md lists it field by field).
// Names follow EVE; nested structs mirror EVE's nested objects (flow, tcp).
//
// Addresses are strings in EVE's text form rather than 16-byte binaries: DuckDB, Spark, Trino and
// ClickHouse all compare, group and join strings directly and can cast them to their own IP types,
// whereas a binary column needs a UDF in every engine; strings also join textually against eve.json
// and Zeek logs. The cost, about 20 bytes more per IPv6 address before compression, mostly
// disappears under Parquet's dictionary encoding, since a sensor sees few distinct addresses
// compared with flows.
var FlowSchema = arrow.NewSchema(slices.Concat([]arrow.Field{
	{Name: "timestamp", Type: timestampUTC},
	{Name: "flow_id", Type: arrow.PrimitiveTypes.Int64},
}, tupleFields(false), []arrow.Field{
	{Name: "response_icmp_type", Type: arrow.PrimitiveTypes.Uint8, Nullable: true},
	{Name: "response_icmp_code", Type: arrow.PrimitiveTypes.Uint8, Nullable: true},
	{Name: "community_id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "app_proto", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "flow", Type: arrow.StructOf(
		arrow.Field{Name: "pkts_toserver", Type: arrow.PrimitiveTypes.Int64},
		arrow.Field{Name: "pkts_toclient", Type: arrow.PrimitiveTypes.Int64},
		arrow.Field{Name: "bytes_toserver", Type: arrow.PrimitiveTypes.Int64},
		arrow.Field{Name: "bytes_toclient", Type: arrow.PrimitiveTypes.Int64},
		arrow.Field{Name: "start", Type: timestampUTC},
		arrow.Field{Name: "end", Type: timestampUTC},
		arrow.Field{Name: "age", Type: arrow.PrimitiveTypes.Int64},
		arrow.Field{Name: "state", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "reason", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "alerted", Type: arrow.FixedWidthTypes.Boolean},
		arrow.Field{Name: "bypass", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "bypassed", Type: arrow.StructOf(
			arrow.Field{Name: "pkts_toserver", Type: arrow.PrimitiveTypes.Int64},
			arrow.Field{Name: "pkts_toclient", Type: arrow.PrimitiveTypes.Int64},
			arrow.Field{Name: "bytes_toserver", Type: arrow.PrimitiveTypes.Int64},
			arrow.Field{Name: "bytes_toclient", Type: arrow.PrimitiveTypes.Int64},
		), Nullable: true},
		arrow.Field{Name: "action", Type: arrow.BinaryTypes.String, Nullable: true},
	)},
	{Name: "tcp", Type: arrow.StructOf(
		arrow.Field{Name: "tcp_flags", Type: arrow.PrimitiveTypes.Uint8},
		arrow.Field{Name: "tcp_flags_ts", Type: arrow.PrimitiveTypes.Uint8},
		arrow.Field{Name: "tcp_flags_tc", Type: arrow.PrimitiveTypes.Uint8},
		arrow.Field{Name: "syn", Type: arrow.FixedWidthTypes.Boolean},
		arrow.Field{Name: "fin", Type: arrow.FixedWidthTypes.Boolean},
		arrow.Field{Name: "rst", Type: arrow.FixedWidthTypes.Boolean},
		arrow.Field{Name: "psh", Type: arrow.FixedWidthTypes.Boolean},
		arrow.Field{Name: "ack", Type: arrow.FixedWidthTypes.Boolean},
		arrow.Field{Name: "urg", Type: arrow.FixedWidthTypes.Boolean},
		arrow.Field{Name: "ecn", Type: arrow.FixedWidthTypes.Boolean},
		arrow.Field{Name: "cwr", Type: arrow.FixedWidthTypes.Boolean},
		arrow.Field{Name: "state", Type: arrow.BinaryTypes.String, Nullable: true},
	), Nullable: true},
	{Name: "zeek", Type: arrow.StructOf(
		arrow.Field{Name: "conn_state", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "history", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "missed_bytes", Type: arrow.PrimitiveTypes.Int64},
	), Nullable: true},
}), schemaMeta(FlowSchemaVersion, "flow"))

// FlowBatcher turns flow records into Arrow record batches. Each worker owns one: its builders are
// reused from batch to batch, and Append allocates nothing in the steady state (the builders'
// buffers are reserved once per batch). Not safe for concurrent use.
type FlowBatcher struct {
	batchCore

	timestamp                 *array.TimestampBuilder
	flowID                    *array.Int64Builder
	tuple                     tupleColumns
	respICMPType, respICMPCod *array.Uint8Builder
	communityID, appProto     *array.StringBuilder

	flow                   *array.StructBuilder
	pktsTS, pktsTC         *array.Int64Builder
	bytesTS, bytesTC       *array.Int64Builder
	start, end             *array.TimestampBuilder
	age                    *array.Int64Builder
	state, reason          *array.StringBuilder
	alerted                *array.BooleanBuilder
	bypass                 *array.StringBuilder
	bypassed               *array.StructBuilder
	bypPktsTS, bypPktsTC   *array.Int64Builder
	bypBytesTS, bypBytesTC *array.Int64Builder
	action                 *array.StringBuilder
	tcp                    *array.StructBuilder
	tcpFlags, tcpTS, tcpTC *array.Uint8Builder
	tcpBits                [len(tcpFlagNames)]*array.BooleanBuilder
	tcpState               *array.StringBuilder
	zeek                   *array.StructBuilder
	connState, history     *array.StringBuilder
	missedBytes            *array.Int64Builder
}

// NewFlowBatcher makes a worker's flow batcher. Release it when the worker stops.
func NewFlowBatcher(opts BatchOptions) *FlowBatcher {
	b := &FlowBatcher{batchCore: newBatchCore(FlowSchema, opts)}
	col := b.rb.Field
	b.timestamp = col(0).(*array.TimestampBuilder)
	b.flowID = col(1).(*array.Int64Builder)
	b.tuple = newTupleColumns(b.rb, 2)
	b.respICMPType = col(10).(*array.Uint8Builder)
	b.respICMPCod = col(11).(*array.Uint8Builder)
	b.communityID = col(12).(*array.StringBuilder)
	b.appProto = col(13).(*array.StringBuilder)

	b.flow = col(14).(*array.StructBuilder)
	fb := b.flow.FieldBuilder
	b.pktsTS = fb(0).(*array.Int64Builder)
	b.pktsTC = fb(1).(*array.Int64Builder)
	b.bytesTS = fb(2).(*array.Int64Builder)
	b.bytesTC = fb(3).(*array.Int64Builder)
	b.start = fb(4).(*array.TimestampBuilder)
	b.end = fb(5).(*array.TimestampBuilder)
	b.age = fb(6).(*array.Int64Builder)
	b.state = fb(7).(*array.StringBuilder)
	b.reason = fb(8).(*array.StringBuilder)
	b.alerted = fb(9).(*array.BooleanBuilder)
	b.bypass = fb(10).(*array.StringBuilder)
	b.bypassed = fb(11).(*array.StructBuilder)
	b.bypPktsTS = b.bypassed.FieldBuilder(0).(*array.Int64Builder)
	b.bypPktsTC = b.bypassed.FieldBuilder(1).(*array.Int64Builder)
	b.bypBytesTS = b.bypassed.FieldBuilder(2).(*array.Int64Builder)
	b.bypBytesTC = b.bypassed.FieldBuilder(3).(*array.Int64Builder)
	b.action = fb(12).(*array.StringBuilder)

	b.tcp = col(15).(*array.StructBuilder)
	b.tcpFlags = b.tcp.FieldBuilder(0).(*array.Uint8Builder)
	b.tcpTS = b.tcp.FieldBuilder(1).(*array.Uint8Builder)
	b.tcpTC = b.tcp.FieldBuilder(2).(*array.Uint8Builder)
	for i := range b.tcpBits {
		b.tcpBits[i] = b.tcp.FieldBuilder(3 + i).(*array.BooleanBuilder)
	}
	b.tcpState = b.tcp.FieldBuilder(3 + len(b.tcpBits)).(*array.StringBuilder)

	b.zeek = col(16).(*array.StructBuilder)
	b.connState = b.zeek.FieldBuilder(0).(*array.StringBuilder)
	b.history = b.zeek.FieldBuilder(1).(*array.StringBuilder)
	b.missedBytes = b.zeek.FieldBuilder(2).(*array.Int64Builder)
	return b
}

// Append adds r as one row and reports whether the batch has reached MaxRows, in which case the
// caller should Flush and hand the record to its sink. The same rules as the EVE encoder decide
// which fields are present (ports only for TCP/UDP/SCTP, ICMP fields only for ICMP, tcp only for
// TCP), so the two outputs agree.
func (b *FlowBatcher) Append(r *FlowRecord) (full bool) {
	b.startRow() // from here on, fixed-width columns have room for this row: UnsafeAppend
	b.timestamp.UnsafeAppend(toMicros(r.Timestamp))
	b.flowID.UnsafeAppend(clampInt64(r.FlowID))
	b.tuple.append(&b.batchCore, &r.Tuple)
	icmp := isICMP(r.Proto)
	appendOptUint8(b.respICMPType, r.ResponseICMPType, icmp && r.HasResponseICMP)
	appendOptUint8(b.respICMPCod, r.ResponseICMPCode, icmp && r.HasResponseICMP)
	if r.CommunityID.IsZero() {
		b.communityID.AppendNull()
	} else {
		b.communityID.BinaryBuilder.Append(r.CommunityID.Bytes())
	}
	appendOptString(b.appProto, r.AppProto)

	b.flow.Append(true)
	b.pktsTS.UnsafeAppend(clampInt64(r.PktsToServer))
	b.pktsTC.UnsafeAppend(clampInt64(r.PktsToClient))
	b.bytesTS.UnsafeAppend(clampInt64(r.BytesToServer))
	b.bytesTC.UnsafeAppend(clampInt64(r.BytesToClient))
	b.start.UnsafeAppend(toMicros(r.Start))
	b.end.UnsafeAppend(toMicros(r.End))
	b.age.UnsafeAppend(r.Age)
	appendOptString(b.state, r.State)
	appendOptString(b.reason, r.Reason)
	b.alerted.UnsafeAppend(r.Alerted)
	appendOptString(b.bypass, r.Bypass)
	if r.Bypassed {
		b.bypassed.Append(true)
		b.bypPktsTS.UnsafeAppend(clampInt64(r.BypassedPktsToServer))
		b.bypPktsTC.UnsafeAppend(clampInt64(r.BypassedPktsToClient))
		b.bypBytesTS.UnsafeAppend(clampInt64(r.BypassedBytesToServer))
		b.bypBytesTC.UnsafeAppend(clampInt64(r.BypassedBytesToClient))
	} else {
		b.bypassed.AppendNull()
	}
	appendOptString(b.action, r.Action)

	if r.HasTCP || r.Proto == protoTCP {
		b.tcp.Append(true)
		b.tcpFlags.UnsafeAppend(r.TCPFlags)
		b.tcpTS.UnsafeAppend(r.TCPFlagsTS)
		b.tcpTC.UnsafeAppend(r.TCPFlagsTC)
		for i, f := range tcpFlagNames {
			b.tcpBits[i].UnsafeAppend(r.TCPFlags&f.bit != 0)
		}
		appendOptString(b.tcpState, r.TCPState)
	} else {
		b.tcp.AppendNull()
	}

	if r.ConnState != "" || r.History != "" {
		b.zeek.Append(true)
		appendOptString(b.connState, r.ConnState)
		appendOptString(b.history, r.History)
		b.missedBytes.UnsafeAppend(clampInt64(r.MissedBytes))
	} else {
		b.zeek.AppendNull()
	}
	return b.endRow()
}

// appendOptUint8 appends v, or null when !valid, into a column startRow made room in.
func appendOptUint8(b *array.Uint8Builder, v uint8, valid bool) {
	if valid {
		b.UnsafeAppend(v)
	} else {
		b.UnsafeAppendBoolToBitmap(false)
	}
}
