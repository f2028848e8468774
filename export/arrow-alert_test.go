package export

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/nightjar-ids/nightjar/internal/benchcpu"
)

// expectedAlertRows are the three sample alerts as rows, written out by hand from the schema.
func expectedAlertRows() []map[string]any {
	us := func(ns int64) int64 { return ns / 1000 }
	tcp := map[string]any{
		"timestamp": us(t1.UnixNano()), "flow_id": int64(1234567890123), "pcap_cnt": int64(9), "vlan": []uint16{100},
		"src_ip": "10.0.0.1", "src_port": uint16(80), "dest_ip": "192.168.1.10", "dest_port": uint16(49152),
		"proto": "TCP", "icmp_type": nil, "icmp_code": nil, "pkt_src": "wire/pcap", "community_id": "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
		"tx_id": int64(2), "alert.action": "allowed", "alert.gid": int64(1), "alert.signature_id": int64(2018358),
		"alert.rev": int64(10), "alert.signature": "ET HUNTING \"quoted\" msg", "alert.category": "Potentially Bad Traffic",
		"alert.severity": int32(2),
		"alert.metadata": map[string][]string{"created_at": {"2014_04_01"}, "tag": {"b", "a"}},
		"app_proto":      "http", "direction": "to_client",
		"flow.pkts_toserver": int64(4), "flow.pkts_toclient": int64(3), "flow.bytes_toserver": int64(400),
		"flow.bytes_toclient": int64(3000), "flow.start": us(t0.UnixNano()),
		"flow.src_ip": "192.168.1.10", "flow.dest_ip": "10.0.0.1", "flow.src_port": uint16(49152), "flow.dest_port": uint16(80),
	}
	icmp := map[string]any{
		"timestamp": us(t0.UnixNano()), "flow_id": int64(42), "pcap_cnt": int64(1), "vlan": nil,
		"src_ip": "2001:0db8:0000:0000:0000:0000:0000:0001", "src_port": nil,
		"dest_ip": "2001:0db8:0000:0000:0000:0000:0000:0002", "dest_port": nil,
		"proto": "IPv6-ICMP", "icmp_type": uint8(128), "icmp_code": uint8(0), "pkt_src": nil, "community_id": nil, "tx_id": nil,
		"alert.action": "blocked", "alert.gid": int64(1), "alert.signature_id": int64(7), "alert.rev": int64(1),
		"alert.signature": "ping\nnewline", "alert.category": "", "alert.severity": int32(3), "alert.metadata": nil,
		"app_proto": nil, "direction": "to_server",
		"flow.pkts_toserver": int64(1), "flow.pkts_toclient": int64(0), "flow.bytes_toserver": int64(104),
		"flow.bytes_toclient": int64(0), "flow.start": us(t0.UnixNano()),
		"flow.src_ip": "2001:0db8:0000:0000:0000:0000:0000:0001", "flow.dest_ip": "2001:0db8:0000:0000:0000:0000:0000:0002",
		"flow.src_port": nil, "flow.dest_port": nil,
	}
	noFlow := map[string]any{
		"timestamp": us(t0.UnixNano()), "flow_id": nil, "pcap_cnt": int64(3), "vlan": nil,
		"src_ip": "10.1.0.1", "src_port": nil, "dest_ip": "10.1.0.2", "dest_port": nil, "proto": "GRE",
		"icmp_type": nil, "icmp_code": nil, "pkt_src": nil, "community_id": nil, "tx_id": nil,
		"alert.action": "allowed", "alert.gid": int64(1), "alert.signature_id": int64(1), "alert.rev": int64(0),
		"alert.signature": "gre", "alert.category": "", "alert.severity": int32(3), "alert.metadata": nil,
		"app_proto": nil, "direction": nil, "flow": nil,
	}
	return []map[string]any{tcp, icmp, noFlow}
}

func sampleAlerts() []*Alert {
	return []*Alert{sampleTCPAlert(), sampleICMPv6Alert(), sampleNoFlowAlert()}
}

// Round trip: batcher → IPC stream file (Kind "alert") → ipc.NewReader, every field compared.
func TestAlertArrowRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)

	b := NewAlertBatcher(BatchOptions{Allocator: mem})
	for _, a := range sampleAlerts() {
		if b.Append(a) {
			t.Fatal("batch reported full after a few rows")
		}
	}
	rows := writeAndRead(t, "alert", AlertSchema, b.Flush)
	b.Release()
	checkRows(t, rows, expectedAlertRows())
}

// Arrow nulls exactly what EVE omits.
func TestAlertArrowMatchesEVEPresence(t *testing.T) {
	b := NewAlertBatcher(BatchOptions{})
	defer b.Release()
	alerts := sampleAlerts()
	for _, a := range alerts {
		b.Append(a)
	}
	rec := b.Flush()
	defer rec.Release()
	checkEVEPresence(t, rec, func(i int) []byte { return AppendAlertJSON(nil, alerts[i]) }, nil)
}

func TestAlertBatcherAppendAllocs(t *testing.T) {
	b := NewAlertBatcher(BatchOptions{MaxRows: 4096})
	defer b.Release()
	alerts := sampleAlerts()
	checkAppendAllocs(t, func(i int) { b.Append(alerts[i%len(alerts)]) }, b.Flush)
}

func BenchmarkAlertBatcherAppend(b *testing.B) {
	ab := NewAlertBatcher(BatchOptions{})
	defer ab.Release()
	alerts := sampleAlerts()
	b.ReportAllocs()
	cpu := benchcpu.Start(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if ab.Append(alerts[i%3]) {
			ab.Flush().Release()
		}
	}
	cpu.Report(b, "rows")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
