package export

import (
	"net/netip"
	"testing"
)

func sampleAnomaly() *Anomaly {
	return &Anomaly{
		Tuple: Tuple{
			SrcIP:    netip.MustParseAddr("10.0.0.1"),
			DestIP:   netip.MustParseAddr("10.0.0.2"),
			SrcPort:  1234,
			DestPort: 53,
			Proto:    17,
		},
		Timestamp: t0.UnixNano(),
		PcapCnt:   17,
		Type:      "decode",
		Event:     "decoder.ipv4.trunc_pkt",
	}
}

func TestAppendAnomalyJSON(t *testing.T) {
	a := sampleAnomaly()
	m := decodeLine(t, AppendAnomalyJSON(nil, a))
	expect(t, m, map[string]any{
		"timestamp":     "2009-11-24T21:27:09.534255+0000",
		"event_type":    "anomaly",
		"pcap_cnt":      17,
		"flow_id":       nil,
		"src_ip":        "10.0.0.1",
		"src_port":      1234,
		"dest_port":     53,
		"proto":         "UDP",
		"anomaly.type":  "decode",
		"anomaly.event": "decoder.ipv4.trunc_pkt",
		"anomaly.layer": nil,
	})

	// A packet that failed before its IP header: no addressing at all.
	m = decodeLine(t, AppendAnomalyJSON(nil, &Anomaly{Timestamp: t0.UnixNano(), PcapCnt: 3, Type: "packet", Event: "decoder.ethernet.pkt_too_small"}))
	expect(t, m, map[string]any{
		"src_ip": nil, "dest_ip": nil, "proto": nil, "src_port": nil,
		"anomaly.type": "packet", "anomaly.event": "decoder.ethernet.pkt_too_small", "pcap_cnt": 3,
	})

	// App-layer anomaly on a flow.
	a = sampleAnomaly()
	a.FlowID, a.PcapCnt, a.Type, a.Event, a.Layer, a.AppProto = 99, 0, "applayer", "APPLAYER_DETECT_PROTOCOL_ONLY_ONE_DIRECTION", "proto_detect", "dns"
	a.CommunityID = MakeCommunityID("1:abc=")
	m = decodeLine(t, AppendAnomalyJSON(nil, a))
	expect(t, m, map[string]any{
		"flow_id": 99, "pcap_cnt": nil, "community_id": "1:abc=",
		"anomaly.layer": "proto_detect", "anomaly.app_proto": "dns", "anomaly.type": "applayer",
	})
}

// TestAppendAnomalyAppLayer: an app-layer anomaly of a transaction carries pkt_src and tx_id,
// as Suricata 8 writes them.
func TestAppendAnomalyAppLayer(t *testing.T) {
	a := sampleAnomaly()
	a.Type, a.Layer, a.AppProto, a.Event = "applayer", "proto_parser", "dns", "invalid_opcode"
	a.PktSrc, a.TxID, a.HasTxID = "wire/pcap", 1, true
	m := decodeLine(t, AppendAnomalyJSON(nil, a))
	expect(t, m, map[string]any{"pkt_src": "wire/pcap", "tx_id": 1, "anomaly.app_proto": "dns",
		"anomaly.event": "invalid_opcode", "anomaly.layer": "proto_parser"})
	m = decodeLine(t, AppendAnomalyJSON(nil, sampleAnomaly()))
	expect(t, m, map[string]any{"pkt_src": nil, "tx_id": nil})
}
