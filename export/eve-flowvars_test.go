package export

import (
	"encoding/json"
	"strings"
	"testing"
)

func sampleVars() *FlowVars {
	return &FlowVars{Flowbits: []string{"ET.Evil", `q"uote`}, TrafficID: []string{"curl"}, TrafficLabel: []string{"cli"},
		IntNames: []string{"count"}, IntValues: []uint32{7}}
}

// TestFlowVarsJSON: the traffic object and metadata{flowbits, flowints} come right after
// pkt_src as Suricata writes them, each only with content; the flow record merges them with
// its own metadata.
func TestFlowVarsJSON(t *testing.T) {
	h := sampleAppHeader(0, false)
	h.PktSrc = "wire/pcap"
	h.Vars = sampleVars()
	line := defaultEVE.AppendSSH(nil, &SSHEvent{AppHeader: h})
	if !strings.Contains(string(line), `"pkt_src":"wire/pcap","traffic":{"id":["curl"],"label":["cli"]},"metadata":{"flowbits":["ET.Evil","q\"uote"],"flowints":{"count":7}},`) {
		t.Errorf("app event: %s", line)
	}
	h.Vars = &FlowVars{TrafficID: []string{"x"}}
	if line := string(defaultEVE.AppendSSH(nil, &SSHEvent{AppHeader: h})); strings.Contains(line, "metadata") || !strings.Contains(line, `"traffic":{"id":["x"]}`) {
		t.Errorf("traffic only: %s", line)
	}
	h.Vars = &FlowVars{}
	if line := string(defaultEVE.AppendSSH(nil, &SSHEvent{AppHeader: h})); strings.Contains(line, "metadata") || strings.Contains(line, "traffic") {
		t.Errorf("empty vars written: %s", line)
	}

	r := &FlowRecord{ConnState: "SF", History: "ShADadFf", MissedBytes: 3, Vars: sampleVars()}
	var m struct {
		Traffic  map[string][]string
		Metadata struct {
			Flowbits []string
			Flowvars []map[string]string
			Flowints map[string]uint64
		}
	}
	if err := json.Unmarshal(defaultEVE.AppendFlow(nil, r), &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Traffic["id"]) != 1 || len(m.Metadata.Flowbits) != 2 || len(m.Metadata.Flowvars) != 2 ||
		m.Metadata.Flowints["count"] != 7 || m.Metadata.Flowints["missed_bytes"] != 3 {
		t.Errorf("flow record: %+v", m)
	}
	// Without the flow table's Zeek fields (a flow record from elsewhere) only the detection
	// variables are written.
	r.ConnState, r.History = "", ""
	var m2 struct {
		Metadata struct {
			Flowvars []map[string]string
			Flowints map[string]uint64
		}
	}
	if err := json.Unmarshal(defaultEVE.AppendFlow(nil, r), &m2); err != nil || m2.Metadata.Flowints["count"] != 7 ||
		len(m2.Metadata.Flowints) != 1 || len(m2.Metadata.Flowvars) != 0 {
		t.Errorf("flow record without Zeek fields: %v %+v", err, m2)
	}
}

func TestFlowVarsDoNotAllocate(t *testing.T) {
	a := &Alert{PktSrc: "wire/pcap", Vars: sampleVars(), Signature: "x"}
	buf := make([]byte, 0, 4096)
	if n := testing.AllocsPerRun(100, func() { buf = defaultEVE.AppendAlert(buf[:0], a) }); n != 0 {
		t.Errorf("alert with flow vars: %.0f allocations", n)
	}
}
