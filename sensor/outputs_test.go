package sensor

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/nightjar-ids/nightjar/export"
)

// writeAnomalyPcap writes a capture of n Ethernet frames whose IPv4 header claims more bytes
// than the frame holds, so each decodes with a decoder event.
func writeAnomalyPcap(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "trunc.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pw := pcapgo.NewWriter(f)
	if err := pw.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	frame := []byte{
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00, // Ethernet, IPv4
		0x45, 0, 0, 200, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, // total length 200
		0x30, 0x39, 0, 53, 0, 8, 0, 0,
	}
	for i := 0; i < n; i++ {
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(1700000000+int64(i), 0), CaptureLength: len(frame), Length: len(frame)}
		if err := pw.WritePacket(ci, frame); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// readArrowDir reads every record of every finished file in dir.
func readArrowDir(t *testing.T, dir string, schema *arrow.Schema) []arrow.RecordBatch {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*"+export.IPCFileExt))
	var recs []arrow.RecordBatch
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		rdr, err := ipc.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		if !rdr.Schema().Equal(schema) {
			t.Errorf("%s: schema %s", name, rdr.Schema())
		}
		for rdr.Next() {
			rec := rdr.RecordBatch()
			rec.Retain()
			recs = append(recs, rec)
		}
		rdr.Release()
		f.Close()
	}
	t.Cleanup(func() {
		for _, r := range recs {
			r.Release()
		}
	})
	return recs
}

// Anomalies reach Arrow exactly as EVE gets them, and the end-of-run stats snapshot is one row of
// the stats schema with the run's counters.
func TestReadWritesAnomalyAndStatsArrow(t *testing.T) {
	const n = 5
	sum, out := runRead(t, []string{writeAnomalyPcap(t, n)}, 1)
	var eveAnomalies int
	for _, ev := range readEVE(t, filepath.Join(out, "eve.json")) {
		if ev["event_type"] == "anomaly" {
			eveAnomalies++
		}
	}
	if eveAnomalies < n {
		t.Fatalf("eve.json has %d anomalies for %d truncated packets", eveAnomalies, n)
	}
	rows := 0
	for _, rec := range readArrowDir(t, filepath.Join(out, "anomalies"), export.AnomalySchema) {
		rows += int(rec.NumRows())
		ev := rec.Column(12).(*array.Struct).Field(1).(*array.String)
		for i := 0; i < ev.Len(); i++ {
			if !strings.HasPrefix(ev.Value(i), "decoder.") {
				t.Errorf("anomaly.event = %q", ev.Value(i))
			}
		}
	}
	if rows != eveAnomalies {
		t.Errorf("anomalies/*.arrows hold %d rows, eve.json %d anomaly events", rows, eveAnomalies)
	}
	stats := readArrowDir(t, filepath.Join(out, "stats"), export.StatsSchema)
	if len(stats) != 1 || stats[0].NumRows() != 1 {
		t.Fatalf("stats files hold %d records, want one row", len(stats))
	}
	m := stats[0].Column(2).(*array.Map)
	keys, vals := m.Keys().(*array.String), m.Items().(*array.Int64)
	found := false
	for i := 0; i < keys.Len(); i++ {
		if keys.Value(i) == "decoder.pkts" {
			found = true
			if uint64(vals.Value(i)) != sum.Packets {
				t.Errorf("stats decoder.pkts = %d, run read %d", vals.Value(i), sum.Packets)
			}
		}
	}
	if !found {
		t.Error("stats row has no decoder.pkts")
	}
}

// EVE to a unix stream socket: the lines arrive, and the stats carry the socket's counters.
func TestReadEVEToUnixSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "eve.sock")
	lis, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	lines := make(chan string, 100)
	go func() {
		c, err := lis.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		sc := bufio.NewScanner(c)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	runRead(t, []string{writeAnomalyPcap(t, 3)}, 1,
		"outputs.eve-log.filetype=unix_stream", "outputs.eve-log.filename="+sock)
	var stats string
	for l := range lines {
		if strings.Contains(l, `"event_type":"stats"`) {
			stats = l
		}
	}
	if !strings.Contains(stats, `"eve_log":{"socket":{"sent":`) {
		t.Errorf("stats line lacks the socket counters: %s", stats)
	}
}

func TestParseRotateInterval(t *testing.T) {
	for in, want := range map[string]time.Duration{"": 0, "0": 0, "day": 24 * time.Hour, "hour": time.Hour,
		"minute": time.Minute, "30s": 30 * time.Second, "5m": 5 * time.Minute, "2h": 2 * time.Hour, "1d": 24 * time.Hour, "90": 90 * time.Second} {
		if got, err := parseRotateInterval(in); err != nil || got != want {
			t.Errorf("parseRotateInterval(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"soon", "-5", "m"} {
		if _, err := parseRotateInterval(bad); err == nil {
			t.Errorf("parseRotateInterval(%q) accepted", bad)
		}
	}
}

func TestArrowCheckEvery(t *testing.T) {
	if got := arrowCheckEvery(time.Second); got != 250*time.Millisecond {
		t.Errorf("check every %v for a 1 s age", got)
	}
	if got := arrowCheckEvery(time.Minute); got != liveTick {
		t.Errorf("check every %v for a 1 min age, want the tick", got)
	}
	if got := arrowCheckEvery(time.Millisecond); got != 10*time.Millisecond {
		t.Errorf("check every %v for a 1 ms age", got)
	}
}
