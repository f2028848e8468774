package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/nightjar-ids/nightjar/sensor"
)

// TestFlightCollectorKilledMidRun is the export's end-to-end check: a sensor reads captures and
// sends flows and alerts over Flight to a real collector (the built binary, on loopback); the
// collector is killed with SIGKILL part-way and started again on the same lake. Afterwards the
// lake, read with DuckDB, must hold exactly the flows and alerts eve.json holds: none lost, none
// twice.
func TestFlightCollectorKilledMidRun(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	inputs := flightInputs(t)
	dir := t.TempDir()
	lake, out := filepath.Join(dir, "lake"), filepath.Join(dir, "out")
	addr := freeLoopback(t)

	var collectorLog syncBuffer
	start := func() *exec.Cmd {
		cmd := exec.Command(nightjarBin, "collect", "--listen", addr, "--lake", lake, "--token", "t0ken", "--compact-every", "300ms")
		cmd.Stderr = &collectorLog
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitListening(t, addr)
		return cmd
	}
	c1 := start()

	rules := filepath.Join(dir, "test.rules")
	os.WriteFile(rules, []byte("alert tcp any any -> any any (msg:\"TCP SYN\"; flags:S; sid:1000001; rev:1;)\n"+
		"alert udp any any -> any 53 (msg:\"DNS query\"; sid:1000002; rev:1;)\n"), 0o644)
	cfg := sensor.DefaultConfig()
	cfg.SensorName = "itest"
	cfg.Outputs.Arrow.BatchRows = 16 // many small batches, so the kill falls mid-stream
	cfg.Outputs.Flight = sensor.FlightOutput{Enabled: true, Address: addr, Token: "t0ken", SpoolDir: "flight-spool",
		SpoolMax: 1 << 30, QueueBatches: 4, InFlight: 256 << 10, DrainTimeout: 60}

	// The sink reports connection loss through slog.Default.
	var sensorLog syncBuffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&sensorLog, nil)))
	defer slog.SetDefault(prev)

	done := make(chan error, 1)
	go func() {
		_, err := sensor.ReadFiles(context.Background(), &cfg, sensor.ReadOptions{Files: inputs, OutDir: out, Workers: 2, RuleFiles: []string{rules}})
		done <- err
	}()
	// Kill once some batches are committed, while the rest are on their way.
	deadline := time.Now().Add(30 * time.Second)
	for commitLines(lake) < 8 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if err := c1.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	c1.Wait()
	killedAt := commitLines(lake)
	time.Sleep(300 * time.Millisecond)
	c2 := start()
	if err := <-done; err != nil {
		t.Fatalf("read: %v", err)
	}
	c2.Process.Signal(syscall.SIGTERM)
	c2.Wait()
	t.Logf("commits when killed: %d, at the end: %d", killedAt, commitLines(lake))
	if !strings.Contains(sensorLog.String(), "endpoint unavailable") {
		t.Errorf("the sensor never noticed the collector go away; sensor log:\n%s", sensorLog.String())
	}
	if strings.Contains(sensorLog.String(), "stay spooled") || strings.Contains(sensorLog.String(), "dropped") {
		t.Errorf("sensor left batches behind:\n%s", sensorLog.String())
	}

	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	eve := eveKeys(t, filepath.Join(out, "eve.json"))
	checks := map[string]string{
		"flow":  `SELECT concat_ws('|', flow_id, flow.pkts_toserver, flow.pkts_toclient, flow.bytes_toserver, flow.bytes_toclient) FROM read_parquet(?, hive_partitioning = true) WHERE sensor = 'itest'`,
		"alert": `SELECT concat_ws('|', coalesce(flow_id, 0), alert.signature_id, pcap_cnt) FROM read_parquet(?, hive_partitioning = true) WHERE sensor = 'itest'`,
	}
	for et, q := range checks {
		want := eve[et]
		if len(want) == 0 {
			t.Errorf("eve.json has no %s events: the test input proves nothing", et)
			continue
		}
		got := lakeKeys(t, db, q, filepath.Join(lake, "event_type="+et, "**", "*.parquet"))
		missing, extra := diffMultiset(want, got)
		t.Logf("%s: eve.json %d, lake %d", et, len(want), len(got))
		if len(missing) > 0 || len(extra) > 0 {
			t.Errorf("%s: %d in eve.json but not in the lake (e.g. %v), %d in the lake not in eve.json or twice (e.g. %v)",
				et, len(missing), first(missing, 3), len(extra), first(extra, 3))
		}
	}
	var parquetBytes int64
	filepath.Walk(filepath.Join(lake, "event_type=flow"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && strings.HasSuffix(p, ".parquet") {
			parquetBytes += fi.Size()
		}
		return nil
	})
	t.Logf("Parquet bytes per flow record (real captures, 16-row batches, after compaction): %.1f", float64(parquetBytes)/float64(len(eve["flow"])))
}

// flightInputs is the demo captures plus, when ../shared is there, a slice of the real corpus.
func flightInputs(t *testing.T) []string {
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	inputs, _ := filepath.Glob(filepath.Join(root, "testdata", "demo", "*.pcap"))
	idx := filepath.Join(root, "..", "shared", "pcaps", "index.tsv")
	f, err := os.Open(idx)
	if err != nil {
		t.Logf("no %s: demo captures only", idx)
		return inputs
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 0; sc.Scan() && n < 120; {
		col := strings.Split(sc.Text(), "\t")
		if len(col) < 17 || col[5] != "ether" || col[16] != "ok" || !strings.HasPrefix(col[0], "zeek+") {
			continue
		}
		inputs = append(inputs, filepath.Join(root, "..", "shared", "pcaps", col[0]))
		n++
	}
	return inputs
}

func freeLoopback(t *testing.T) string {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	return lis.Addr().String()
}

func waitListening(t *testing.T, addr string) {
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
	}
	t.Fatalf("collector did not listen on %s", addr)
}

// commitLines counts committed batches in the lake's commit logs.
func commitLines(lake string) int {
	logs, _ := filepath.Glob(filepath.Join(lake, "_nightjar", "commits", "*.log"))
	n := 0
	for _, l := range logs {
		b, _ := os.ReadFile(l)
		n += bytes.Count(b, []byte(";\n"))
	}
	return n
}

// eveKeys reads eve.json into the same keys the DuckDB queries build, per event type.
func eveKeys(t *testing.T, path string) map[string][]string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var ev struct {
			EventType string          `json:"event_type"`
			FlowID    json.Number     `json:"flow_id"`
			PcapCnt   json.Number     `json:"pcap_cnt"`
			Flow      json.RawMessage `json:"flow"`
			Alert     struct {
				SID json.Number `json:"signature_id"`
			} `json:"alert"`
		}
		if et := eventTypeOf(sc.Bytes()); et != "flow" && et != "alert" {
			continue
		}
		d := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		d.UseNumber()
		if err := d.Decode(&ev); err != nil {
			t.Fatalf("eve.json: %v", err)
		}
		switch ev.EventType {
		case "flow":
			var f map[string]any
			d := json.NewDecoder(bytes.NewReader(ev.Flow))
			d.UseNumber()
			if err := d.Decode(&f); err != nil {
				t.Fatalf("eve.json flow: %v", err)
			}
			out["flow"] = append(out["flow"], fmt.Sprintf("%s|%v|%v|%v|%v", ev.FlowID, f["pkts_toserver"],
				f["pkts_toclient"], f["bytes_toserver"], f["bytes_toclient"]))
		case "alert":
			id := string(ev.FlowID)
			if id == "" {
				id = "0"
			}
			out["alert"] = append(out["alert"], id+"|"+string(ev.Alert.SID)+"|"+string(ev.PcapCnt))
		}
	}
	return out
}

func lakeKeys(t *testing.T, db *sql.DB, query, glob string) []string {
	if m, _ := filepath.Glob(filepath.Dir(filepath.Dir(glob))); len(m) == 0 {
		return nil
	}
	rows, err := db.Query(query, glob)
	if err != nil {
		t.Fatalf("duckdb: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// diffMultiset returns what want has more of than got, and what got has more of than want.
func diffMultiset(want, got []string) (missing, extra []string) {
	n := map[string]int{}
	for _, s := range want {
		n[s]++
	}
	for _, s := range got {
		n[s]--
	}
	for s, c := range n {
		for ; c > 0; c-- {
			missing = append(missing, s)
		}
		for ; c < 0; c++ {
			extra = append(extra, s)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	return missing, extra
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }

// syncBuffer is a bytes.Buffer safe for a logger and the test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func eventTypeOf(line []byte) string {
	var ev struct {
		EventType string `json:"event_type"`
	}
	json.Unmarshal(line, &ev)
	return ev.EventType
}
