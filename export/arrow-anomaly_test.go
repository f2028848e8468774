package export

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// sampleAnomalies covers a UDP packet, an ICMPv6 packet with VLAN tags and a flow, a packet that
// failed below IP (no tuple) and an app-layer anomaly.
func sampleAnomalies() []*Anomaly {
	icmp := &Anomaly{
		Tuple: Tuple{
			FlowID: 99, SrcIP: netip.MustParseAddr("2001:db8::1"), DestIP: netip.MustParseAddr("2001:db8::2"),
			Proto: 58, ICMPType: 128, ICMPCode: 0, VLAN: [3]uint16{10, 20}, VLANCount: 2,
			CommunityID: MakeCommunityID("1:abc="),
		},
		Timestamp: t0.UnixNano() + 1500, PcapCnt: 3, Type: "decode", Event: "decoder.icmpv6.unknown_type",
	}
	noIP := &Anomaly{Timestamp: t0.UnixNano(), PcapCnt: 4, Type: "packet", Event: "decoder.ethernet.pkt_too_small"}
	app := &Anomaly{
		Tuple: Tuple{
			FlowID: 7, SrcIP: netip.MustParseAddr("192.168.1.2"), DestIP: netip.MustParseAddr("10.1.1.1"),
			SrcPort: 40000, DestPort: 80, Proto: 6,
		},
		Timestamp: t0.UnixNano(), Type: "applayer", Event: "APPLAYER_DETECT_PROTOCOL_ONLY_ONE_DIRECTION",
		Layer: "proto_detect", AppProto: "http",
	}
	return []*Anomaly{sampleAnomaly(), icmp, noIP, app}
}

func TestAnomalyArrowRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := NewAnomalyBatcher(BatchOptions{Allocator: mem})
	in := sampleAnomalies()
	for _, a := range in {
		if b.Append(a) {
			t.Fatal("batch reported full after a few rows")
		}
	}
	rows := writeAndRead(t, "anomaly", AnomalySchema, b.Flush)
	b.Release()
	if len(rows) != len(in) {
		t.Fatalf("read %d rows, want %d", len(rows), len(in))
	}
	for i, a := range in {
		label := fmt.Sprintf("row %d", i)
		got := rows[i]
		want := map[string]any{
			"timestamp":     a.Timestamp / 1000,
			"anomaly.type":  a.Type,
			"anomaly.event": a.Event,
		}
		if a.PcapCnt != 0 {
			want["pcap_cnt"] = int64(a.PcapCnt)
		}
		if a.FlowID != 0 {
			want["flow_id"] = int64(a.FlowID)
		}
		if a.SrcIP.IsValid() {
			want["src_ip"] = string(defaultEVE.appendAddr(nil, a.SrcIP))
			want["dest_ip"] = string(defaultEVE.appendAddr(nil, a.DestIP))
			want["proto"] = string(appendProtoName(nil, a.Proto))
		}
		if a.Layer != "" {
			want["anomaly.layer"] = a.Layer
			want["anomaly.app_proto"] = a.AppProto
		}
		for k, v := range want {
			if fmt.Sprint(got[k]) != fmt.Sprint(v) {
				t.Errorf("%s: %s = %v, want %v", label, k, got[k], v)
			}
		}
		if a.SrcIP.IsValid() != (got["proto"] != nil) {
			t.Errorf("%s: proto %v for a packet with addresses=%v", label, got["proto"], a.SrcIP.IsValid())
		}
	}
	if v := rows[1]["vlan"]; fmt.Sprint(v) != "[10 20]" {
		t.Errorf("vlan = %v", v)
	}
	if v := rows[1]["icmp_type"]; v != uint8(128) {
		t.Errorf("icmp_type = %v", v)
	}
	if v := rows[1]["community_id"]; v != "1:abc=" {
		t.Errorf("community_id = %v", v)
	}
}

// Arrow nulls exactly what EVE omits.
func TestAnomalyArrowMatchesEVEPresence(t *testing.T) {
	b := NewAnomalyBatcher(BatchOptions{})
	defer b.Release()
	in := sampleAnomalies()
	for _, a := range in {
		b.Append(a)
	}
	rec := b.Flush()
	defer rec.Release()
	checkEVEPresence(t, rec, func(i int) []byte { return AppendAnomalyJSON(nil, in[i]) }, nil)
}

func TestAnomalyBatcherAppendAllocs(t *testing.T) {
	b := NewAnomalyBatcher(BatchOptions{MaxRows: 4096})
	defer b.Release()
	in := sampleAnomalies()
	checkAppendAllocs(t, func(i int) { b.Append(in[i%len(in)]) }, b.Flush)
}
