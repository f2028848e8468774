package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRunFanoutEBPF steers with the eBPF program of bpf/ (--fanout ebpf) over two workers: if a
// flow's packets were split between the workers, each would log half a flow and the records
// would not match those of `nightjar read`. Both captures carry VLAN, QinQ, MPLS and tunnels
// (arkime_synthetic) or many TCP sessions (http-methods).
func TestRunFanoutEBPF(t *testing.T) {
	lab := newLiveLab(t)
	for _, file := range []string{"../../testdata/demo/http-methods.pcap", "../../testdata/demo/arkime_synthetic.pcap"} {
		t.Run(filepath.Base(file), func(t *testing.T) {
			liveOut, readOut := t.TempDir(), t.TempDir()
			args := append([]string{"--workers", "2", "--fanout", "ebpf", "--set", "stats.interval=1"}, longTimeouts...)
			s := lab.startSensor(t, liveOut, args...)
			select {
			case <-s.done:
				if strings.Contains(s.stderr.String(), "fanout ebpf:") {
					t.Skipf("this kernel cannot steer with eBPF; skipped: %s", s.stderr.String())
				}
				t.Fatalf("sensor exited at start; stderr:\n%s", s.stderr.String())
			case <-time.After(200 * time.Millisecond):
			}
			sent := lab.replay(t, file, 20000, 1)
			time.Sleep(300 * time.Millisecond)
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
				t.Errorf("sent %d frames; kernel packets %v, kernel drops %v, decoded %v", sent, kp, kd, dp)
			}
			// Both workers must have had a share, or the test proves nothing about steering.
			for _, w := range []string{"worker 0: ", "worker 1: "} {
				if strings.Contains(s.stdout.String(), w+"0 packets") || !strings.Contains(s.stdout.String(), w) {
					t.Errorf("%sno packets: the program does not spread flows\n%s", w, s.stdout.String())
				}
			}

			code, _, stderr := nightjar(t, append([]string{"read", "-r", file, "-l", readOut, "--workers", "1"}, longTimeouts...)...)
			if code != 0 {
				t.Fatalf("read: exit %d: %s", code, stderr)
			}
			live, read := flowKeys(t, filepath.Join(liveOut, "eve.json")), flowKeys(t, filepath.Join(readOut, "eve.json"))
			if len(read) == 0 {
				t.Fatal("read made no flow records")
			}
			if d := diffSorted(read, live); d != "" {
				t.Errorf("flow records differ (read %d, live %d): a flow was split between workers?\n%s", len(read), len(live), d)
			}
			t.Logf("sent %d frames, kernel packets %v, drops %v, %d flow records match; sensor summary:\n%s", sent, kp, kd, len(live), s.stdout.String())
		})
	}
}
