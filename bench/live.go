package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// LiveOptions says what `nightjar bench live` measures.
type LiveOptions struct {
	File      string        // capture replayed, looped for Duration at each rate
	Sensor    string        // the nightjar binary run as `nightjar run` in the receiver namespace
	Workers   []int         // one sweep per count
	Rates     []float64     // rising rates in frames a second
	Duration  time.Duration // replay time per step
	Senders   int           // sender threads (each its own socket and share of the flows); 0: one
	RuleFiles []string
	Sets      []string  // extra --set key=value for the sensor
	Progress  io.Writer // a line per step; nil: quiet
}

// LiveReport is what a live sweep found.
type LiveReport struct {
	Created  string      `json:"created"`
	Host     HostInfo    `json:"host"`
	File     string      `json:"file"`
	Duration float64     `json:"duration_s"`
	Senders  int         `json:"senders"`
	Sweeps   []LiveSweep `json:"sweeps"`
	Notes    []string    `json:"notes,omitempty"`
}

// LiveSweep is one worker count's steps, up to and including the first with loss.
type LiveSweep struct {
	Workers      int        `json:"workers"`
	Steps        []LiveStep `json:"steps"`
	BestZeroDrop float64    `json:"best_zero_drop_pps"` // highest achieved rate without loss; 0: none
	Limit        string     `json:"limit"`              // why the sweep stopped
}

// LiveStep is one rate of a sweep.
type LiveStep struct {
	Asked         float64 `json:"asked_pps"`
	Achieved      float64 `json:"achieved_pps"`
	AchievedGbps  float64 `json:"achieved_gbps"` // link-layer bits sent a second
	Sent          uint64  `json:"sent"`
	KernelPackets uint64  `json:"kernel_packets"`
	KernelDrops   uint64  `json:"kernel_drops"`
	Decoded       uint64  `json:"decoded"`
	SensorCPU     float64 `json:"sensor_cpu_s"`
}

// Lost is what the sender wrote and the sensor did not decode, kernel drops included.
func (s LiveStep) Lost() uint64 {
	if s.Decoded >= s.Sent {
		return s.KernelDrops
	}
	return max(s.Sent-s.Decoded, s.KernelDrops)
}

// RateSteps lists rising rates: start, start·factor, … up to and including max.
func RateSteps(start, factor, maxRate float64) ([]float64, error) {
	if start <= 0 || maxRate < start {
		return nil, fmt.Errorf("want 0 < start <= max, got start %g, max %g", start, maxRate)
	}
	if factor <= 1 {
		return nil, fmt.Errorf("want a factor above 1, got %g", factor)
	}
	var rates []float64
	for r := start; r <= maxRate*(1+1e-9); r *= factor {
		rates = append(rates, r)
	}
	return rates, nil
}

// ParseRate reads a rate in frames a second: "20000", "20k", "1.5m".
func ParseRate(s string) (float64, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	mult := 1.0
	switch {
	case strings.HasSuffix(s, "k"):
		mult, s = 1e3, s[:len(s)-1]
	case strings.HasSuffix(s, "m"):
		mult, s = 1e6, s[:len(s)-1]
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 || v*mult > 1e9 {
		return 0, fmt.Errorf("want a rate such as 50000 or 50k, got %q", s)
	}
	return v * mult, nil
}

// ParseRates reads a comma list of rising rates.
func ParseRates(s string) ([]float64, error) {
	var rates []float64
	for _, f := range strings.Split(s, ",") {
		r, err := ParseRate(f)
		if err != nil {
			return nil, err
		}
		if len(rates) > 0 && r <= rates[len(rates)-1] {
			return nil, fmt.Errorf("rates must rise, got %q", s)
		}
		rates = append(rates, r)
	}
	return rates, nil
}

// sweepDone says whether a sweep stops after step s asked at its rate, and why. A sender that
// could not reach 90% of the asked rate means higher rates measure the sender, not the sensor.
func sweepDone(s LiveStep) (bool, string) {
	if s.Lost() > 0 {
		return true, fmt.Sprintf("loss at %s pkt/s asked", fmtNum(s.Asked))
	}
	if s.Achieved < 0.9*s.Asked {
		return true, fmt.Sprintf("sender reached only %s of %s pkt/s asked: the sender, not the sensor, was the limit", fmtNum(s.Achieved), fmtNum(s.Asked))
	}
	return false, ""
}

// sweep runs one worker count over the rates with measure and fills in the best rate.
func sweep(ctx context.Context, workers int, rates []float64, measure func(workers int, rate float64) (LiveStep, error)) (LiveSweep, error) {
	sw := LiveSweep{Workers: workers, Limit: "every rate asked was dropless"}
	for _, rate := range rates {
		err := ctx.Err()
		var st LiveStep
		if err == nil {
			st, err = measure(workers, rate)
		}
		if err != nil {
			sw.Limit = "stopped by an error"
			if ctx.Err() != nil {
				sw.Limit, err = "interrupted", errors.New("interrupted")
			}
			return sw, err
		}
		sw.Steps = append(sw.Steps, st)
		if st.Lost() == 0 {
			sw.BestZeroDrop = max(sw.BestZeroDrop, st.Achieved)
		}
		if done, why := sweepDone(st); done {
			sw.Limit = why
			break
		}
	}
	return sw, nil
}

// Live replays opts.File through a fresh lab at rising rates for each worker count and
// finds the highest rate without loss. The lab is removed before it returns.
func Live(ctx context.Context, opts LiveOptions) (*LiveReport, error) {
	if opts.File == "" || opts.Sensor == "" || len(opts.Workers) == 0 || len(opts.Rates) == 0 {
		return nil, errors.New("bench live: needs a file, a sensor binary, worker counts and rates")
	}
	if opts.Duration <= 0 {
		opts.Duration = 3 * time.Second
	}
	if _, err := os.Stat(opts.File); err != nil {
		return nil, fmt.Errorf("bench live: %w", err)
	}
	lab, tmp, done, err := newLabWithDir()
	if err != nil {
		return nil, fmt.Errorf("bench live: %w", err)
	}
	defer done()
	rep := &LiveReport{Created: time.Now().UTC().Format(time.RFC3339), Host: hostInfo(), File: opts.File, Duration: opts.Duration.Seconds(), Senders: max(opts.Senders, 1)}
	n := 0
	measure := func(workers int, rate float64) (LiveStep, error) {
		n++
		out := filepath.Join(tmp, strconv.Itoa(n))
		if err := os.Mkdir(out, 0o755); err != nil {
			return LiveStep{}, err
		}
		st, err := liveStep(ctx, lab, opts, out, workers, rate)
		if err == nil && opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "workers=%d asked %s pkt/s: sent %d (%s pkt/s), kernel packets %d, drops %d, decoded %d, sensor cpu %.2fs\n",
				workers, fmtNum(rate), st.Sent, fmtNum(st.Achieved), st.KernelPackets, st.KernelDrops, st.Decoded, st.SensorCPU)
		}
		return st, err
	}
	for _, w := range opts.Workers {
		sw, err := sweep(ctx, w, opts.Rates, measure)
		rep.Sweeps = append(rep.Sweeps, sw)
		if err != nil {
			return rep, fmt.Errorf("bench live: workers=%d: %w", w, err)
		}
	}
	return rep, nil
}

// liveStep runs one sensor, replays at rate for the duration, stops the sensor with SIGTERM
// and reads its last stats event.
func liveStep(ctx context.Context, lab *Lab, opts LiveOptions, out string, workers int, rate float64) (LiveStep, error) {
	st := LiveStep{Asked: rate}
	s, err := startLiveSensor(lab, opts.Sensor, sensorArgs(lab, out, workers, 1, opts.Sets, opts.RuleFiles))
	if err != nil {
		return st, err
	}
	defer s.kill()
	r, err := lab.Replay(ctx, opts.File, ReplayOptions{PPS: int(rate), Duration: opts.Duration, Senders: opts.Senders})
	if err != nil {
		return st, err
	}
	st.Sent, st.Achieved, st.AchievedGbps = r.Sent, r.Rate(), r.Gbps()
	time.Sleep(300 * time.Millisecond) // let the last frames cross the veth
	ps, err := s.stop()
	if err != nil {
		return st, err
	}
	if err := ctx.Err(); err != nil {
		return st, err // an interrupted step measured less than the duration: not a result
	}
	st.SensorCPU = (ps.UserTime() + ps.SystemTime()).Seconds()
	ss, err := lastStats(filepath.Join(out, "eve.json"))
	st.KernelPackets, st.KernelDrops, st.Decoded = ss.KernelPackets, ss.KernelDrops, ss.Decoded
	return st, err
}

// sensorArgs is the `nightjar run` command line of a lab's sensor: capturing on the receiver
// end, writing into out, stats every statsEvery seconds.
func sensorArgs(lab *Lab, out string, workers, statsEvery int, sets, rules []string) []string {
	args := []string{"run", "-i", lab.ReceiverIf, "-l", out, "--workers", strconv.Itoa(workers),
		"--set", "stats.interval=" + strconv.Itoa(statsEvery)}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	for _, r := range rules {
		args = append(args, "-S", r)
	}
	return args
}

type liveSensor struct {
	cmd    *exec.Cmd
	stderr bytes.Buffer // written by the reader goroutine until done
	done   chan error
}

// startLiveSensor starts `nightjar run` in the receiver namespace and waits until it
// captures. ip netns exec execs the sensor in place, so signals reach it directly.
func startLiveSensor(lab *Lab, bin string, args []string) (*liveSensor, error) {
	s := &liveSensor{cmd: lab.ReceiverCommand(bin, args...), done: make(chan error, 1)}
	// Its own process group: a terminal's Ctrl-C reaches only us, and we stop the sensor in
	// order, with SIGTERM, after the replay.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	errPipe, err := s.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start sensor: %w", err)
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
			// Exit status first, so that a closed ready with a filled done means "exited".
			s.done <- s.cmd.Wait()
			close(ready)
			return
		}
		s.done <- s.cmd.Wait()
	}()
	select {
	case <-ready:
		select {
		case err := <-s.done:
			return nil, fmt.Errorf("sensor exited before capturing: %v: %s", err, strings.TrimSpace(s.stderr.String()))
		default:
		}
		return s, nil
	case <-time.After(30 * time.Second):
		s.kill()
		return nil, errors.New("sensor did not start capturing within 30s")
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (s *liveSensor) stop() (*os.ProcessState, error) {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return nil, fmt.Errorf("stop sensor: %w", err)
	}
	select {
	case err := <-s.done:
		if err != nil {
			return nil, fmt.Errorf("sensor exit: %w: %s", err, s.stderr.String())
		}
		return s.cmd.ProcessState, nil
	case <-time.After(30 * time.Second):
		return nil, errors.New("sensor did not exit within 30s of SIGTERM")
	}
}

// kill ends a sensor that is still running (an error or an interrupt part way).
func (s *liveSensor) kill() {
	if s.cmd.ProcessState == nil {
		_ = s.cmd.Process.Kill()
	}
}

// sensorStats are the counters of a sensor's last stats event, which it writes as it shuts down.
type sensorStats struct {
	KernelPackets, KernelDrops, Decoded uint64
	Reloads, ReloadFailures             uint64
}

// lastStats reads the counters of eve.json's last stats event.
func lastStats(path string) (sensorStats, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return sensorStats{}, fmt.Errorf("sensor output: %w", err)
	}
	var last []byte
	for _, line := range bytes.Split(raw, []byte("\n")) {
		if bytes.Contains(line, []byte(`"event_type":"stats"`)) {
			last = line
		}
	}
	if last == nil {
		return sensorStats{}, fmt.Errorf("%s: no stats event", path)
	}
	var ev struct {
		Stats struct {
			Capture struct {
				KernelPackets uint64 `json:"kernel_packets"`
				KernelDrops   uint64 `json:"kernel_drops"`
			} `json:"capture"`
			Decoder struct {
				Pkts uint64 `json:"pkts"`
			} `json:"decoder"`
			Detect struct {
				Reloads  uint64 `json:"engine_reloads"`
				Failures uint64 `json:"engine_reload_failures"`
			} `json:"detect"`
		} `json:"stats"`
	}
	if err := json.Unmarshal(last, &ev); err != nil {
		return sensorStats{}, fmt.Errorf("%s: stats event: %w", path, err)
	}
	st := ev.Stats
	return sensorStats{KernelPackets: st.Capture.KernelPackets, KernelDrops: st.Capture.KernelDrops, Decoded: st.Decoder.Pkts,
		Reloads: st.Detect.Reloads, ReloadFailures: st.Detect.Failures}, nil
}
