package export

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/nightjar-ids/nightjar/internal/benchcpu"
)

// rowValues flattens one row into dotted paths → Go values; a null struct or column is one nil
// entry with no children.
func rowValues(rec arrow.RecordBatch, row int) map[string]any {
	out := make(map[string]any)
	for i, f := range rec.Schema().Fields() {
		flattenCell(out, f.Name, rec.Column(i), row)
	}
	return out
}

func flattenCell(out map[string]any, name string, arr arrow.Array, row int) {
	if arr.IsNull(row) {
		out[name] = nil
		return
	}
	switch a := arr.(type) {
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		for j, f := range st.Fields() {
			flattenCell(out, name+"."+f.Name, a.Field(j), row)
		}
	case *array.Map:
		// A map of string keys to string lists (alert.metadata) becomes map[string][]string.
		start, end := a.ValueOffsets(row)
		keys := a.Keys().(*array.String)
		if ints, ok := a.Items().(*array.Int64); ok { // stats.counters
			m := map[string]int64{}
			for k := start; k < end; k++ {
				m[keys.Value(int(k))] = ints.Value(int(k))
			}
			out[name] = m
			return
		}
		items := a.Items().(*array.List)
		m := map[string][]string{}
		for k := start; k < end; k++ {
			m[keys.Value(int(k))] = stringList(items, int(k))
		}
		out[name] = m
	case *array.List:
		if _, ok := a.ListValues().(*array.String); ok {
			out[name] = stringList(a, row)
			return
		}
		start, end := a.ValueOffsets(row)
		vals := a.ListValues().(*array.Uint16)
		var v []uint16
		for k := start; k < end; k++ {
			v = append(v, vals.Value(int(k)))
		}
		out[name] = v
	case *array.Timestamp:
		out[name] = int64(a.Value(row))
	case *array.String:
		out[name] = a.Value(row)
	case *array.Int64:
		out[name] = a.Value(row)
	case *array.Int32:
		out[name] = a.Value(row)
	case *array.Uint16:
		out[name] = a.Value(row)
	case *array.Uint8:
		out[name] = a.Value(row)
	case *array.Boolean:
		out[name] = a.Value(row)
	default:
		out[name] = fmt.Sprintf("unhandled %T", arr)
	}
}

func stringList(l *array.List, row int) []string {
	start, end := l.ValueOffsets(row)
	vals := l.ListValues().(*array.String)
	v := []string{}
	for k := start; k < end; k++ {
		v = append(v, vals.Value(int(k)))
	}
	return v
}

// Expected rows for the three samples, written out by hand from the schema's rules.
func expectedRows() []map[string]any {
	us := func(t time.Time) int64 { return t.UnixMicro() }
	tcp := map[string]any{
		"timestamp": us(t1.Add(time.Minute)), "flow_id": int64(1234567890123), "vlan": []uint16{100, 200},
		"src_ip": "192.168.1.10", "src_port": uint16(49152), "dest_ip": "10.0.0.1", "dest_port": uint16(80),
		"proto": "TCP", "icmp_type": nil, "icmp_code": nil, "response_icmp_type": nil, "response_icmp_code": nil,
		"community_id": "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "app_proto": "http",
		"flow.pkts_toserver": int64(6), "flow.pkts_toclient": int64(4), "flow.bytes_toserver": int64(600),
		"flow.bytes_toclient": int64(4000), "flow.start": us(t0), "flow.end": us(t1), "flow.age": int64(3),
		"flow.state": "closed", "flow.reason": "timeout", "flow.alerted": true, "flow.bypass": nil, "flow.bypassed": nil, "flow.action": nil,
		"tcp.tcp_flags": uint8(0x1b), "tcp.tcp_flags_ts": uint8(0x1b), "tcp.tcp_flags_tc": uint8(0x1a),
		"tcp.syn": true, "tcp.fin": true, "tcp.rst": false, "tcp.psh": true, "tcp.ack": true, "tcp.urg": false,
		"tcp.ecn": false, "tcp.cwr": false, "tcp.state": "closed",
		"zeek.conn_state": "SF", "zeek.history": "ShADadFf", "zeek.missed_bytes": int64(7),
	}
	icmp := map[string]any{
		"timestamp": us(t1), "flow_id": int64(42), "vlan": nil,
		"src_ip": "2001:0db8:0000:0000:0000:0000:0000:0001", "src_port": nil,
		"dest_ip": "fe80:0000:0000:0000:020c:29ff:fef3:cf38", "dest_port": nil,
		"proto": "IPv6-ICMP", "icmp_type": uint8(128), "icmp_code": uint8(0), "response_icmp_type": uint8(129),
		"response_icmp_code": uint8(0), "community_id": nil, "app_proto": nil,
		"flow.pkts_toserver": int64(1), "flow.pkts_toclient": int64(1), "flow.bytes_toserver": int64(104),
		"flow.bytes_toclient": int64(104), "flow.start": us(t0), "flow.end": us(t0.Add(time.Millisecond)),
		"flow.age": int64(0), "flow.state": "established", "flow.reason": "shutdown", "flow.alerted": false,
		"flow.bypass": nil, "flow.bypassed": nil, "flow.action": "pass", "tcp": nil, "zeek": nil,
	}
	other := map[string]any{
		"timestamp": us(t1), "flow_id": int64(7), "vlan": nil,
		"src_ip": "10.1.0.1", "src_port": nil, "dest_ip": "10.1.0.2", "dest_port": nil, "proto": "253",
		"icmp_type": nil, "icmp_code": nil, "response_icmp_type": nil, "response_icmp_code": nil,
		"community_id": nil, "app_proto": "fail\"ed\n\x01\xff",
		"flow.pkts_toserver": int64(10), "flow.pkts_toclient": int64(0), "flow.bytes_toserver": int64(1000),
		"flow.bytes_toclient": int64(0), "flow.start": us(t0), "flow.end": us(t1), "flow.age": int64(4),
		"flow.state": "bypassed", "flow.reason": nil, "flow.alerted": false, "flow.bypass": "capture",
		"flow.bypassed.pkts_toserver": int64(8), "flow.bypassed.pkts_toclient": int64(0),
		"flow.bypassed.bytes_toserver": int64(800), "flow.bypassed.bytes_toclient": int64(0), "flow.action": nil,
		"tcp": nil, "zeek": nil,
	}
	return []map[string]any{tcp, icmp, other}
}

func compareRow(t *testing.T, label string, got, want map[string]any) {
	t.Helper()
	keys := make(map[string]bool)
	for k := range got {
		keys[k] = true
	}
	for k := range want {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		g, gok := got[k]
		w, wok := want[k]
		switch {
		case !gok:
			t.Errorf("%s: %s missing from the record (want %#v)", label, k, w)
		case !wok:
			t.Errorf("%s: unexpected column %s = %#v", label, k, g)
		case !reflect.DeepEqual(g, w):
			t.Errorf("%s: %s = %#v, want %#v", label, k, g, w)
		}
	}
}

// Round trip: batcher → IPC stream file → ipc.NewReader, every field compared.
func TestFlowArrowRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)

	b := NewFlowBatcher(BatchOptions{Allocator: mem})
	recs := []*FlowRecord{sampleTCPFlow(), sampleICMPv6Flow(), sampleOtherFlow()}
	for _, r := range recs {
		if b.Append(r) {
			t.Fatal("batch reported full after a few rows")
		}
	}
	rows := writeAndRead(t, "flow", FlowSchema, b.Flush)
	if b.Flush() != nil {
		t.Error("second Flush of an empty batch returned a record")
	}
	b.Release()
	checkRows(t, rows, expectedRows())
}

// The Arrow and EVE outputs must agree on what is present: for every sample, each EVE field that
// has an Arrow column of the same path is null in Arrow exactly when absent in EVE.
func TestFlowArrowMatchesEVEPresence(t *testing.T) {
	b := NewFlowBatcher(BatchOptions{})
	defer b.Release()
	recs := []*FlowRecord{sampleTCPFlow(), sampleICMPv6Flow(), sampleOtherFlow()}
	for _, r := range recs {
		b.Append(r)
	}
	rec := b.Flush()
	defer rec.Release()
	// EVE fills a missing reason with "unknown", writes only the flags that were seen, and keeps
	// Zeek's fields under metadata.
	skip := func(path string, v any) bool {
		return path == "flow.reason" || strings.HasPrefix(path, "zeek") || strings.HasPrefix(path, "tcp.") && v == false
	}
	checkEVEPresence(t, rec, func(i int) []byte { return AppendFlowJSON(nil, recs[i]) }, skip)
}

func TestFlowBatcherFullAndDue(t *testing.T) {
	now := time.Unix(1000, 0)
	b := NewFlowBatcher(BatchOptions{MaxRows: 3, MaxAge: 100 * time.Millisecond, Now: func() time.Time { return now }})
	defer b.Release()
	if b.Due(now.Add(time.Hour)) {
		t.Error("empty batch is due")
	}
	r := sampleTCPFlow()
	if b.Append(r) || b.Append(r) {
		t.Error("full before MaxRows")
	}
	if b.Due(now.Add(99 * time.Millisecond)) {
		t.Error("due before MaxAge")
	}
	if !b.Due(now.Add(100 * time.Millisecond)) {
		t.Error("not due at MaxAge")
	}
	if !b.Append(r) {
		t.Error("not full at MaxRows")
	}
	rec := b.Flush()
	if rec.NumRows() != 3 || b.Len() != 0 {
		t.Errorf("flushed %d rows, %d left", rec.NumRows(), b.Len())
	}
	rec.Release()
	// The age of a new batch counts from its own first row.
	now = now.Add(time.Hour)
	b.Append(r)
	if b.Due(now.Add(50 * time.Millisecond)) {
		t.Error("new batch inherited the old batch's age")
	}
}

// In the steady state (after one batch sized the buffers) Append does not allocate per row.
func TestFlowBatcherAppendAllocs(t *testing.T) {
	b := NewFlowBatcher(BatchOptions{MaxRows: 4096})
	defer b.Release()
	recs := []*FlowRecord{sampleTCPFlow(), sampleICMPv6Flow(), sampleOtherFlow()}
	checkAppendAllocs(t, func(i int) { b.Append(recs[i%len(recs)]) }, b.Flush)
}

func BenchmarkFlowBatcherAppend(b *testing.B) {
	fb := NewFlowBatcher(BatchOptions{})
	defer fb.Release()
	recs := []*FlowRecord{sampleTCPFlow(), sampleICMPv6Flow(), sampleOtherFlow()}
	b.ReportAllocs()
	cpu := benchcpu.Start(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if fb.Append(recs[i%3]) {
			fb.Flush().Release()
		}
	}
	cpu.Report(b, "rows")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
