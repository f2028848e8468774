package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// SoakOptions says what `nightjar bench soak` runs: one sensor, one steady replay rate for a
// long time, rule reloads on a clock, the sensor's memory sampled all along.
type SoakOptions struct {
	File        string        // capture replayed in a loop
	Sensor      string        // the nightjar binary run as `nightjar run`
	Workers     int           // sensor workers; 0: one
	Rate        float64       // frames a second
	Duration    time.Duration // replay time; 0: ten minutes
	ReloadEvery time.Duration // SIGHUP period; 0: no reloads
	Sample      time.Duration // RSS sampling period; 0: one second
	RuleFiles   []string      // rules the sensor loads (and reloads)
	Sets        []string      // extra --set key=value for the sensor
	Senders     int
	Progress    io.Writer // a line every ten samples; nil: quiet
}

// SoakReport is what a soak measured.
type SoakReport struct {
	Created     string      `json:"created"`
	Host        HostInfo    `json:"host"`
	File        string      `json:"file"`
	Workers     int         `json:"workers"`
	Rate        float64     `json:"asked_pps"`
	Duration    float64     `json:"duration_s"`
	ReloadEvery float64     `json:"reload_every_s"`
	Step        LiveStep    `json:"totals"`
	Signalled   int         `json:"reloads_signalled"`
	Reloads     uint64      `json:"engine_reloads"` // the sensor's own count
	Failures    uint64      `json:"engine_reload_failures"`
	RSS         []RSSSample `json:"rss"`
	Growth      RSSGrowth   `json:"rss_growth"`
	Notes       []string    `json:"notes,omitempty"`
}

// RSSSample is the sensor's resident memory at a moment of the soak.
type RSSSample struct {
	At     float64 `json:"t_s"`
	RSSMiB float64 `json:"rss_mib"`
}

// RSSGrowth compares the memory of the soak's first and last tenths, after the first minute
// (start-up: rule compile, tables filling): flat memory has a growth near zero.
type RSSGrowth struct {
	EarlyMiB float64 `json:"early_mib"` // median of the first tenth after warm-up
	LateMiB  float64 `json:"late_mib"`  // median of the last tenth
	PeakMiB  float64 `json:"peak_mib"`
}

// Soak runs the sensor in a fresh lab for the duration at one rate, reloading its rules every
// ReloadEvery and sampling its RSS; the lab is removed before it returns.
func Soak(ctx context.Context, o SoakOptions) (*SoakReport, error) {
	if o.File == "" || o.Sensor == "" || o.Rate <= 0 {
		return nil, errors.New("bench soak: needs a file, a sensor binary and a rate")
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Minute
	}
	if o.Sample <= 0 {
		o.Sample = time.Second
	}
	o.Workers = max(o.Workers, 1)
	lab, out, cleanup, err := newLabWithDir()
	if err != nil {
		return nil, fmt.Errorf("bench soak: %w", err)
	}
	defer cleanup()

	rep := &SoakReport{Created: time.Now().UTC().Format(time.RFC3339), Host: hostInfo(), File: o.File,
		Workers: o.Workers, Rate: o.Rate, Duration: o.Duration.Seconds(), ReloadEvery: o.ReloadEvery.Seconds()}
	s, err := startLiveSensor(lab, o.Sensor, sensorArgs(lab, out, o.Workers, 10, o.Sets, o.RuleFiles))
	if err != nil {
		return nil, fmt.Errorf("bench soak: %w", err)
	}
	defer s.kill()

	type replayed struct {
		r   ReplayResult
		err error
	}
	done := make(chan replayed, 1)
	go func() {
		r, err := lab.Replay(ctx, o.File, ReplayOptions{PPS: int(o.Rate), Duration: o.Duration, Senders: o.Senders})
		done <- replayed{r, err}
	}()
	start := time.Now()
	sample := time.NewTicker(o.Sample)
	defer sample.Stop()
	var reload <-chan time.Time
	if o.ReloadEvery > 0 {
		t := time.NewTicker(o.ReloadEvery)
		defer t.Stop()
		reload = t.C
	}
	var res replayed
wait:
	for {
		select {
		case res = <-done:
			break wait
		case <-sample.C:
			if mib, err := processRSSMiB(s.cmd.Process.Pid); err == nil {
				rep.RSS = append(rep.RSS, RSSSample{At: time.Since(start).Seconds(), RSSMiB: mib})
				if o.Progress != nil && len(rep.RSS)%10 == 0 {
					fmt.Fprintf(o.Progress, "bench soak: %s of %s, rss %.0f MiB, %d reloads signalled\n",
						time.Since(start).Round(time.Second), o.Duration, mib, rep.Signalled)
				}
			}
		case <-reload:
			if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
				return rep, fmt.Errorf("bench soak: reload: %w", err)
			}
			rep.Signalled++
		}
	}
	if res.err != nil {
		return rep, fmt.Errorf("bench soak: %w", res.err)
	}
	rep.Step = LiveStep{Asked: o.Rate, Sent: res.r.Sent, Achieved: res.r.Rate(), AchievedGbps: res.r.Gbps()}
	time.Sleep(300 * time.Millisecond) // let the last frames cross the veth
	ps, err := s.stop()
	if err != nil {
		return rep, fmt.Errorf("bench soak: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return rep, fmt.Errorf("bench soak: interrupted: %w", err)
	}
	rep.Step.SensorCPU = (ps.UserTime() + ps.SystemTime()).Seconds()
	ss, err := lastStats(filepath.Join(out, "eve.json"))
	if err != nil {
		return rep, fmt.Errorf("bench soak: %w", err)
	}
	rep.Step.KernelPackets, rep.Step.KernelDrops, rep.Step.Decoded = ss.KernelPackets, ss.KernelDrops, ss.Decoded
	rep.Reloads, rep.Failures = ss.Reloads, ss.ReloadFailures
	rep.Growth = rssGrowth(rep.RSS)
	if uint64(rep.Signalled) != rep.Reloads+rep.Failures {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d reloads signalled, the sensor counted %d done and %d failed: a signal that arrives while a reload compiles is folded into it", rep.Signalled, rep.Reloads, rep.Failures))
	}
	return rep, nil
}

// processRSSMiB reads VmRSS of a process.
func processRSSMiB(pid int) (float64, error) {
	v := procField(filepath.Join("/proc", strconv.Itoa(pid), "status"), "VmRSS")
	kb, err := strconv.ParseFloat(strings.TrimSuffix(v, " kB"), 64)
	if err != nil {
		return 0, fmt.Errorf("VmRSS of %d: %q", pid, v)
	}
	return kb / 1024, nil
}

// rssGrowth summarises the samples: the median of the first tenth after the first minute (or
// after the first tenth, for a soak shorter than ten minutes) against the median of the last.
func rssGrowth(s []RSSSample) RSSGrowth {
	var g RSSGrowth
	if len(s) == 0 {
		return g
	}
	for _, x := range s {
		g.PeakMiB = max(g.PeakMiB, x.RSSMiB)
	}
	end := s[len(s)-1].At
	warm := min(60, end/10)
	var steady []float64
	for _, x := range s {
		if x.At >= warm {
			steady = append(steady, x.RSSMiB)
		}
	}
	if len(steady) == 0 {
		return g
	}
	tenth := max(len(steady)/10, 1)
	g.EarlyMiB = newStat(steady[:tenth]).Median
	g.LateMiB = newStat(steady[len(steady)-tenth:]).Median
	return g
}

// WriteJSON writes the report as indented JSON.
func (r *SoakReport) WriteJSON(w io.Writer) error { return writeIndentedJSON(w, r) }

// WriteMarkdown writes the soak's totals and memory summary.
func (r *SoakReport) WriteMarkdown(w io.Writer) error {
	var b bytes.Buffer
	st := r.Step
	fmt.Fprintf(&b, "## Soak: %s at %s pkt/s for %s, %d worker(s), reload every %s\n\n", filepath.Base(r.File),
		fmtNum(r.Rate), time.Duration(r.Duration*float64(time.Second)), r.Workers, time.Duration(r.ReloadEvery*float64(time.Second)))
	fmt.Fprintf(&b, "Host %s.\n\n", r.Host.Describe())
	b.WriteString("| achieved pkt/s | Gb/s | sent | kernel packets | kernel drops | decoded | lost | sensor cpu s | reloads signalled | done | failed |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	fmt.Fprintf(&b, "| %.0f | %.2f | %d | %d | %d | %d | %d | %.1f | %d | %d | %d |\n\n", st.Achieved, st.AchievedGbps, st.Sent,
		st.KernelPackets, st.KernelDrops, st.Decoded, st.Lost(), st.SensorCPU, r.Signalled, r.Reloads, r.Failures)
	fmt.Fprintf(&b, "Sensor RSS: %.1f MiB early (median of the first tenth after warm-up), %.1f MiB late (last tenth), peak %.1f MiB; %d samples.\n",
		r.Growth.EarlyMiB, r.Growth.LateMiB, r.Growth.PeakMiB, len(r.RSS))
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "\n%s\n", n)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// Charts returns the RSS-over-time chart.
func (r *SoakReport) Charts() map[string][]byte {
	s := xySeries{label: "sensor RSS"}
	for _, x := range r.RSS {
		s.pts = append(s.pts, [2]float64{x.At, x.RSSMiB})
	}
	return map[string][]byte{"soak-rss.svg": xyChart("Soak: sensor memory over time, reloads every "+
		strconv.FormatFloat(r.ReloadEvery, 'f', -1, 64)+" s", "seconds", "RSS (MiB)", []xySeries{s})}
}
