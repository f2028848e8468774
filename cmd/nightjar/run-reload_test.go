package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nightjar-ids/nightjar/bench"
)

// TestRunReloadUnderTraffic reloads the rules again and again, by SIGHUP and by `nightjar ctl
// reload`, while a capture crosses the veth pair, one broken rule set among them, and checks
// that the reloads lost nothing: every frame counted by the kernel and decoded, none dropped,
// flow records and alerts as `nightjar read` makes them from the same file, and the reload
// counters equal to what was asked.
func TestRunReloadUnderTraffic(t *testing.T) {
	lab := newLiveLab(t)
	const file = "../../testdata/demo/http-methods.pcap" // 655 frames
	goodRules, err := os.ReadFile("../../testdata/demo/demo.rules")
	if err != nil {
		t.Fatal(err)
	}
	rules := filepath.Join(t.TempDir(), "demo.rules")
	writeRules := func(b []byte) {
		t.Helper()
		if err := os.WriteFile(rules, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeRules(goodRules)
	// No Hyperscan cache: every reload compiles for real.
	common := append([]string{"-S", rules, "--set", "detect.cache-dir="}, longTimeouts...)

	liveOut := t.TempDir()
	s := lab.startSensor(t, liveOut, append([]string{"--workers", "2", "--set", "stats.interval=1"}, common...)...)
	socket := filepath.Join(liveOut, "nightjar.sock")

	// About 3.3 s of traffic at 200 frames a second; the reloads come every 150 ms within it
	// (and after it, when the machine is slow).
	type replayed struct {
		r   bench.ReplayResult
		err error
	}
	done := make(chan replayed, 1)
	go func() {
		r, err := lab.Replay(context.Background(), file, bench.ReplayOptions{PPS: 200, Loops: 1})
		done <- replayed{r, err}
	}()
	var ok, failed, duringTraffic int
	var sample string // one ctl answer, for the log
	var rep replayed
	replayDone := false
	for i := range 9 {
		time.Sleep(150 * time.Millisecond)
		// On a loaded machine a reload (a process start and a compile) can take longer than
		// planned: reloads after the replay ended still count, only not as under traffic.
		if !replayDone {
			select {
			case rep = <-done:
				replayDone = true
			default:
			}
		}
		switch {
		case i == 1: // a broken set: the answer says why, the old rules stay
			writeRules([]byte("alert tcp any any -> any any (msg:\"broken\"; nosuchkeyword; sid:1;)\n"))
			code, stdout, stderr := nightjar(t, "ctl", "reload", "--socket", socket)
			writeRules(goodRules)
			if code == 0 || !strings.Contains(stdout, "reload failed") || !strings.Contains(stdout, "no rule of 1 loaded") {
				t.Errorf("ctl reload of a broken set: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
			}
			failed++
		case i%2 == 0:
			if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
				t.Fatal(err)
			}
			ok++
		default:
			code, stdout, stderr := nightjar(t, "ctl", "reload", "--socket", socket)
			if code != 0 || !strings.Contains(stdout, "rules reloaded: 7 loaded, 0 failed, of 7") {
				t.Errorf("ctl reload: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
			}
			sample = stdout
			ok++
		}
		if !replayDone {
			duringTraffic++
		}
	}
	if !replayDone {
		rep = <-done
	}
	if duringTraffic < 4 {
		t.Fatalf("only %d of 9 reloads began while the replay ran: slow the replay", duringTraffic)
	}
	if rep.err != nil {
		t.Fatal(rep.err)
	}
	time.Sleep(1500 * time.Millisecond) // the last frames, the last SIGHUP reload and a stats event
	s.stop(t)

	stats := eveEvents(t, filepath.Join(liveOut, "eve.json"), "stats")
	if len(stats) == 0 {
		t.Fatalf("no stats events; stdout:\n%s", s.stdout.String())
	}
	last := stats[len(stats)-1]
	kp, _ := statCounter(last, "capture.kernel_packets")
	kd, _ := statCounter(last, "capture.kernel_drops")
	dp, _ := statCounter(last, "decoder.pkts")
	if uint64(kp) != rep.r.Sent || uint64(dp) != rep.r.Sent || kd != 0 {
		t.Errorf("sent %d frames; kernel packets %v, kernel drops %v, decoded %v", rep.r.Sent, kp, kd, dp)
	}
	reloads, _ := statCounter(last, "detect.engine_reloads")
	failures, _ := statCounter(last, "detect.engine_reload_failures")
	if int(reloads) != ok || int(failures) != failed {
		t.Errorf("stats: %v reloads and %v failures, want %d and %d\nstderr:\n%s", reloads, failures, ok, failed, s.stderr.String())
	}

	readOut := t.TempDir()
	code, _, stderr := nightjar(t, append([]string{"read", "-r", file, "-l", readOut, "--workers", "1"}, common...)...)
	if code != 0 {
		t.Fatalf("read: exit %d: %s", code, stderr)
	}
	live, read := flowKeys(t, filepath.Join(liveOut, "eve.json")), flowKeys(t, filepath.Join(readOut, "eve.json"))
	if d := diffSorted(read, live); d != "" {
		t.Errorf("flow records differ (read %d, live %d):\n%s", len(read), len(live), d)
	}
	liveAlerts, readAlerts := alertKeys(t, filepath.Join(liveOut, "eve.json")), alertKeys(t, filepath.Join(readOut, "eve.json"))
	if len(readAlerts) == 0 {
		t.Fatal("read raised no alert: the rules no longer fire on the capture")
	}
	if d := diffSorted(readAlerts, liveAlerts); d != "" {
		t.Errorf("alerts differ (read %d, live %d):\n%s", len(readAlerts), len(liveAlerts), d)
	}
	t.Logf("sent %d frames over %v with %d reloads (%d failed) during traffic; kernel packets %v, drops %v; %d flows, %d alerts match; a ctl reload said:\n%s",
		rep.r.Sent, rep.r.Elapsed.Round(time.Millisecond), duringTraffic, failed, kp, kd, len(live), len(liveAlerts), sample)
}

// alertKeys renders alerts as sid and packet tuple, sorted. Alerts of rules that depend on a
// flowbit are left out: per-flow detection state starts afresh with a reloaded engine, so a
// flowbit set before a reload is not seen after it (by design, documented in
// sensor/live-reload.go).
func alertKeys(t *testing.T, path string) []string {
	t.Helper()
	var keys []string
	for _, ev := range eveEvents(t, path, "alert") {
		a, _ := ev["alert"].(map[string]any)
		if sid, _ := a["signature_id"].(float64); sid == 9000005 {
			continue
		}
		keys = append(keys, fmt.Sprint(a["signature_id"], " ", ev["src_ip"], ":", ev["src_port"], " > ", ev["dest_ip"], ":", ev["dest_port"]))
	}
	sort.Strings(keys)
	return keys
}
