package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nightjar-ids/nightjar/bench"
)

// The live tests build a private two-namespace lab: a veth pair with one end in a sender
// namespace and the other in a receiver namespace, where `nightjar run` captures. The test
// writes a capture file's frames into the sender end with an AF_PACKET socket, at a bounded
// rate, and compares what the sensor saw with what `nightjar read` makes of the same file.
// Nothing leaves the two namespaces.

// liveLab is the bench package's lab (the same one `nightjar bench live` uses) with
// test-friendly helpers.
type liveLab struct{ *bench.Lab }

// newLiveLab makes the namespaces, or skips the test saying why it cannot.
func newLiveLab(t *testing.T) *liveLab {
	t.Helper()
	lab, err := bench.NewLab()
	if errors.Is(err, bench.ErrNoLab) {
		t.Skipf("live capture test: %v; skipped", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lab.Close)
	return &liveLab{lab}
}

func (l *liveLab) must(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
}

// sensor is a `nightjar run` in the receiver namespace.
type liveSensor struct {
	cmd    *exec.Cmd
	out    string
	stdout bytes.Buffer
	stderr bytes.Buffer
	done   chan error
}

// startSensor starts `nightjar run` on the receiver end and waits until it captures.
func (l *liveLab) startSensor(t *testing.T, out string, args ...string) *liveSensor {
	t.Helper()
	bin := nightjarBin
	if b := os.Getenv("NIGHTJAR_LIVE_BIN"); b != "" {
		bin = b // e.g. a -race build of the sensor
	}
	full := append([]string{"netns", "exec", l.ReceiverNS, bin, "run", "-i", l.ReceiverIf, "-l", out}, args...)
	s := &liveSensor{cmd: exec.Command("ip", full...), out: out, done: make(chan error, 1)}
	s.cmd.Stdout = &s.stdout
	errPipe, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(errPipe)
		signalled := false
		for sc.Scan() {
			s.stderr.Write(sc.Bytes())
			s.stderr.WriteByte('\n')
			if !signalled && strings.Contains(sc.Text(), "msg=capturing") {
				close(ready)
				signalled = true
			}
		}
		if !signalled {
			close(ready)
		}
		s.done <- s.cmd.Wait()
	}()
	t.Cleanup(func() { _ = s.cmd.Process.Kill() })
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatalf("sensor did not start capturing within 30s; stderr:\n%s", s.stderr.String())
	}
	return s
}

// stop sends SIGTERM and waits for a clean exit.
func (s *liveSensor) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("sensor exit: %v\nstdout:\n%s\nstderr:\n%s", err, s.stdout.String(), s.stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("sensor did not exit within 30s of SIGTERM; stderr:\n%s", s.stderr.String())
	}
}

// replay writes every frame of file loops times into the sender end of the veth pair at
// about pps frames a second and returns how many frames went out.
func (l *liveLab) replay(t *testing.T, file string, pps int, loops int) uint64 {
	t.Helper()
	r, err := l.Replay(context.Background(), file, bench.ReplayOptions{PPS: pps, Loops: loops})
	if err != nil {
		t.Fatal(err)
	}
	return r.Sent
}

// eveEvents reads eve.json's events of one type.
func eveEvents(t *testing.T, path, eventType string) []map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var evs []map[string]any
	for _, line := range bytes.Split(bytes.TrimSpace(raw), []byte("\n")) {
		var ev map[string]any
		if err := json.Unmarshal(line, &ev); err != nil {
			t.Fatalf("bad EVE line %q: %v", line, err)
		}
		if ev["event_type"] == eventType {
			evs = append(evs, ev)
		}
	}
	return evs
}

// statCounter reads a dotted counter from a stats event.
func statCounter(ev map[string]any, name string) (float64, bool) {
	var cur any = ev["stats"]
	for _, part := range strings.Split(name, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return 0, false
		}
		cur = m[part]
	}
	v, ok := cur.(float64)
	return v, ok
}

// flowKeys renders flow events without their timing fields (and flow_id, which is derived from
// the start time), one canonical JSON string each, sorted.
func flowKeys(t *testing.T, path string) []string {
	t.Helper()
	var keys []string
	for _, ev := range eveEvents(t, path, "flow") {
		keys = append(keys, canonicalFlow(t, ev))
	}
	sort.Strings(keys)
	return keys
}

// canonicalFlow renders one flow event without its timing fields, as canonical JSON.
func canonicalFlow(t *testing.T, ev map[string]any) string {
	t.Helper()
	delete(ev, "timestamp")
	delete(ev, "flow_id")
	delete(ev, "pcap_cnt")
	if fl, ok := ev["flow"].(map[string]any); ok {
		delete(fl, "start")
		delete(fl, "end")
		delete(fl, "age")
	}
	b, err := json.Marshal(ev) // map keys come out sorted
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// longTimeouts keeps every flow open to the end, in the capture file's time and in the live
// run's alike, so that neither ends a flow by timeout where the other would not.
var longTimeouts = func() []string {
	var sets []string
	for _, proto := range []string{"default", "tcp", "udp", "icmp"} {
		for _, state := range []string{"new", "established", "closed"} {
			sets = append(sets, "--set", fmt.Sprintf("flow-timeouts.%s.%s=2000000000", proto, state))
		}
	}
	return sets
}()

func TestRunLiveMatchesRead(t *testing.T) {
	cases := []struct {
		file    string
		workers string
	}{
		{"../../testdata/demo/http-methods.pcap", "1"},
		{"../../testdata/demo/http-methods.pcap", "2"},
		// VLAN, QinQ, MPLS, tunnels: the receiving kernel takes the outer VLAN tag off and the
		// ring reader must put it back for the flow records to match.
		{"../../testdata/demo/arkime_synthetic.pcap", "1"},
		{"../../testdata/demo/arkime_synthetic.pcap", "2"},
	}
	lab := newLiveLab(t)
	for _, c := range cases {
		t.Run(filepath.Base(c.file)+"/workers="+c.workers, func(t *testing.T) {
			liveOut, readOut := t.TempDir(), t.TempDir()
			args := append([]string{"--workers", c.workers, "--set", "stats.interval=1"}, longTimeouts...)
			s := lab.startSensor(t, liveOut, args...)
			sent := lab.replay(t, c.file, 20000, 1)
			time.Sleep(300 * time.Millisecond) // let the last frames cross the veth
			s.stop(t)

			stats := eveEvents(t, filepath.Join(liveOut, "eve.json"), "stats")
			if len(stats) == 0 {
				t.Fatalf("no stats events; stdout:\n%s", s.stdout.String())
			}
			last := stats[len(stats)-1]
			kp, _ := statCounter(last, "capture.kernel_packets")
			kd, _ := statCounter(last, "capture.kernel_drops")
			dp, _ := statCounter(last, "decoder.pkts")
			if uint64(kp) != sent || uint64(dp) != sent || kd != 0 {
				t.Errorf("sent %d frames; kernel packets %v, kernel drops %v, decoded %v\nsummary:\n%s", sent, kp, kd, dp, s.stdout.String())
			}

			code, _, stderr := nightjar(t, append([]string{"read", "-r", c.file, "-l", readOut, "--workers", "1"}, longTimeouts...)...)
			if code != 0 {
				t.Fatalf("read: exit %d: %s", code, stderr)
			}
			live, read := flowKeys(t, filepath.Join(liveOut, "eve.json")), flowKeys(t, filepath.Join(readOut, "eve.json"))
			if len(read) == 0 {
				t.Fatal("read made no flow records")
			}
			if d := diffSorted(read, live); d != "" {
				t.Errorf("flow records differ (read %d, live %d):\n%s", len(read), len(live), d)
			}
			t.Logf("sent %d frames, kernel packets %v, drops %v, %d flow records match; sensor summary:\n%s", sent, kp, kd, len(live), s.stdout.String())
		})
	}
}

// diffSorted lists what only a or only b holds (up to a few lines each).
func diffSorted(a, b []string) string {
	var onlyA, onlyB []string
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i] < b[j]:
			onlyA = append(onlyA, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			onlyB = append(onlyB, b[j])
			j++
		default:
			i++
			j++
		}
	}
	if len(onlyA) == 0 && len(onlyB) == 0 {
		return ""
	}
	var sb strings.Builder
	for _, s := range onlyA[:min(len(onlyA), 5)] {
		sb.WriteString("  read only: " + s + "\n")
	}
	for _, s := range onlyB[:min(len(onlyB), 5)] {
		sb.WriteString("  live only: " + s + "\n")
	}
	fmt.Fprintf(&sb, "  (%d only in read, %d only in live)", len(onlyA), len(onlyB))
	return sb.String()
}

// TestRunOperations covers what an operator does to a running sensor: scrape its metrics,
// rotate eve.json with SIGHUP, read the periodic stats, and run it as an unprivileged user.
func TestRunOperations(t *testing.T) {
	lab := newLiveLab(t)
	lab.must(t, "ip", "-n", lab.ReceiverNS, "link", "set", "lo", "up")
	// The sensor drops to nobody, who must be able to write (and reopen) in the output folder.
	out, err := os.MkdirTemp("", "nightjar-run-ops")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(out) })
	if err := os.Chmod(out, 0o777); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(out, "nightjar.yaml")
	if err := os.WriteFile(cfg, []byte("run-as:\n  user: nobody\nstats:\n  interval: 1\naf-packet:\n  - interface: default\n    block-size: 256kb\n    block-count: 8\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const metricsAddr = "127.0.0.1:19464"
	s := lab.startSensor(t, out, "-c", cfg, "--workers", "2", "--metrics", metricsAddr)

	// Running as nobody with no capability left.
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Uid:\t65534\t65534\t65534\t65534", "CapEff:\t0000000000000000", "CapPrm:\t0000000000000000"} {
		if !strings.Contains(string(status), want) {
			t.Errorf("sensor process status lacks %q:\n%s", want, status)
		}
	}

	time.Sleep(1500 * time.Millisecond) // at least one periodic stats event
	rotated := filepath.Join(out, "eve.json.1")
	if err := os.Rename(filepath.Join(out, "eve.json"), rotated); err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	sent := lab.replay(t, "../../testdata/demo/http-methods.pcap", 20000, 1)
	time.Sleep(1500 * time.Millisecond) // a stats event after the replay, and a metrics refresh

	metrics, err := exec.Command("ip", "netns", "exec", lab.ReceiverNS, "curl", "-sf", "http://"+metricsAddr+"/metrics").Output()
	if err != nil {
		t.Fatalf("scraping metrics: %v", err)
	}
	var kernelPackets float64
	for _, line := range strings.Split(string(metrics), "\n") {
		if strings.HasPrefix(line, "nightjar_capture_kernel_packets_total{") {
			var v float64
			fmt.Sscanf(line[strings.LastIndexByte(line, ' ')+1:], "%g", &v)
			kernelPackets += v
		}
	}
	if uint64(kernelPackets) != sent {
		t.Errorf("metrics: kernel packets %v over the rings, sent %d", kernelPackets, sent)
	}
	for _, want := range []string{"nightjar_decoder_pkts_total", "nightjar_flow_active ", "nightjar_detect_engine_reload_failures_total 0", "nightjar_capture_kernel_drops_total{interface=", "process_cpu_seconds_total"} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	s.stop(t)

	if n := len(eveEvents(t, rotated, "stats")); n == 0 {
		t.Error("no periodic stats event before the rotation")
	}
	if n := len(eveEvents(t, rotated, "flow")); n != 0 {
		t.Errorf("%d flow events went to the rotated file after SIGHUP", n)
	}
	fresh := filepath.Join(out, "eve.json")
	if n := len(eveEvents(t, fresh, "flow")); n != 49 {
		t.Errorf("reopened eve.json has %d flow events, want the 49 of http-methods.pcap", n)
	}
	if fi, err := os.Stat(fresh); err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid != 65534 {
			t.Errorf("reopened eve.json belongs to uid %d, want nobody", st.Uid)
		}
	}
}

// TestRunWithoutCapNetRaw: a sensor that may not open packet sockets says what it needs.
func TestRunWithoutCapNetRaw(t *testing.T) {
	lab := newLiveLab(t)
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("needs setpriv (util-linux) to drop CAP_NET_RAW; skipped")
	}
	// Without net_raw in the bounding set, even root's exec of nightjar lacks the capability.
	cmd := exec.Command("ip", "netns", "exec", lab.ReceiverNS, "setpriv", "--bounding-set", "-net_raw",
		nightjarBin, "run", "-i", lab.ReceiverIf, "-l", t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitUnusable {
		t.Fatalf("exit %v, want %d; stderr: %s", err, exitUnusable, stderr.String())
	}
	if !strings.Contains(stderr.String(), "CAP_NET_RAW") || !strings.Contains(stderr.String(), lab.ReceiverIf) {
		t.Errorf("stderr does not say that CAP_NET_RAW is missing on which interface: %q", stderr.String())
	}
}

// TestRunReplayRate finds, for 1 and 2 workers, the highest replay rate over the veth pair at
// which the sensor drops nothing, as `nightjar bench live` does. It is a measurement, not a
// check: run it on purpose with NIGHTJAR_LIVE_BENCH=1 (and as root) and read the log.
func TestRunReplayRate(t *testing.T) {
	if os.Getenv("NIGHTJAR_LIVE_BENCH") == "" {
		t.Skip("replay-rate measurement: set NIGHTJAR_LIVE_BENCH=1 to run it")
	}
	newLiveLab(t) // skips where no lab can be made
	workers := []int{1, 2}
	if w := os.Getenv("NIGHTJAR_LIVE_BENCH_WORKERS"); w != "" {
		workers = nil
		if err := intList(&workers, false)(w); err != nil {
			t.Fatal(err)
		}
	}
	var progress bytes.Buffer
	rep, err := bench.Live(context.Background(), bench.LiveOptions{
		File:     "../../testdata/demo/http-methods.pcap", // 655 frames, 223 KiB
		Sensor:   nightjarBin,
		Workers:  workers,
		Rates:    []float64{25000, 50000, 100000, 200000, 400000},
		Duration: 3 * time.Second,
		Progress: &progress,
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	var md bytes.Buffer
	rep.WriteMarkdown(&md)
	t.Logf("%s\n%s", progress.String(), md.String())
}
