package export

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// eveSchema compiles ../shared/reference/eve-schema.json (relative to the repository root), or
// skips the test when the shared test data is not there.
func eveSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	root, err := filepath.Abs("..") // tests run in export/
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, "..", "shared", "reference", "eve-schema.json")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("Suricata's EVE schema not found at %s (../shared is absent): %v", path, err)
	}
	sch, err := jsonschema.NewCompiler().Compile(path)
	if err != nil {
		t.Fatalf("compile %s: %v", path, err)
	}
	return sch
}

func validateLine(sch *jsonschema.Schema, line []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(line))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

func TestEVEAgainstSuricataSchema(t *testing.T) {
	sch := eveSchema(t)
	compressed := NewEVEFormat(EVEOptions{CompressIPv6: true, Host: "sensor-1"})
	lines := map[string][]byte{
		"flow tcp":          AppendFlowJSON(nil, sampleTCPFlow()),
		"flow icmpv6":       AppendFlowJSON(nil, sampleICMPv6Flow()),
		"flow other":        AppendFlowJSON(nil, sampleOtherFlow()),
		"flow with host":    compressed.AppendFlow(nil, sampleTCPFlow()),
		"anomaly":           AppendAnomalyJSON(nil, sampleAnomaly()),
		"anomaly no tuple":  AppendAnomalyJSON(nil, &Anomaly{Timestamp: 1, Type: "packet", Event: "decoder.ethernet.pkt_too_small"}),
		"stats":             AppendStatsJSON(nil, sampleStats()),
		"stats no counters": AppendStatsJSON(nil, &Stats{Uptime: 1}),
		"ftp":               defaultEVE.AppendFTP(nil, sampleFTPRetr()),
		"ftp_data":          defaultEVE.AppendFTPData(nil, &FTPDataEvent{AppHeader: sampleAppHeader(0, false), Filename: []byte("a"), Command: "RETR"}),
		"packet": defaultEVE.AppendPacket(nil, &Packet{Tuple: sampleAnomaly().Tuple, Timestamp: 1, PcapCnt: 3,
			PktSrc: "wire/pcap", Data: []byte{0, 1, 2, 3, 4, 5, 6}, LinkType: 1}),
	}
	for name, line := range lines {
		if err := validateLine(sch, line); err != nil {
			t.Errorf("%s: %s\ndoes not validate: %v", name, line, err)
		}
	}

	// The schema is strict (closed objects), so a field outside it must be refused; otherwise the
	// checks above would prove nothing.
	bad := bytes.Replace(lines["flow tcp"], []byte(`"flow":{`), []byte(`"flow":{"conn_state":"SF",`), 1)
	if err := validateLine(sch, bad); err == nil {
		t.Errorf("schema accepted a flow with an unknown field: %s", bad)
	}
}
