package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	if err := writeIndentedJSON(w, r); err != nil {
		return fmt.Errorf("bench report: %w", err)
	}
	return nil
}

func writeIndentedJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// WriteMarkdown writes the report as Markdown tables, ready to paste into bench/RESULTS.md.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### nightjar bench run, %s\n\n", r.Created)
	fmt.Fprintf(&b, "Host %s. Input: %d file(s), %s, %d packets.\n\n",
		r.Host.Describe(), len(r.Input.Files), humanSize(r.Input.FileBytes), r.Input.Packets)
	if len(r.Rules) > 0 {
		b.WriteString("| rule set | loaded | failed | load time |\n|---|---|---|---|\n")
		for _, l := range r.Rules {
			req := "all"
			if l.Requested >= 0 {
				req = fmt.Sprintf("first %d", l.Requested)
			}
			fmt.Fprintf(&b, "| %s | %d | %d | %.3f s |\n", req, l.Loaded, l.Failed, l.Seconds)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Medians of %d runs, [min–max] below them.\n\n", max(firstRepeats(r.Series), 1))
	b.WriteString("| series | workers | pkt/s | Gb/s | wall ns/pkt | cpu ns/pkt | allocs/pkt | peak RSS | flows | alerts |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.Series {
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %.3f | %.0f MiB | %d | %d |\n",
			s.Name, s.Workers, statCell(s.PPS, "%.0f"), statCell(s.Gbps, "%.3f"), statCell(s.NsPerPkt, "%.0f"),
			statCell(s.CPUNsPerPkt, "%.0f"), s.AllocsPerPkt.Median, s.PeakRSSMiB, s.Flows, s.Alerts)
	}
	if len(r.Stages) > 0 {
		b.WriteString("\nPer-stage cost (derived by difference between runs, not measured inside the pipeline):\n\n")
		b.WriteString("| stage | cpu ns/pkt | wall ns/pkt | how |\n|---|---|---|---|\n")
		for _, s := range r.Stages {
			fmt.Fprintf(&b, "| %s | %.0f | %.0f | %s |\n", s.Name, s.CPUNsPerPkt, s.NsPerPkt, s.Derivation)
		}
	}
	if len(r.Profile) > 0 {
		fmt.Fprintf(&b, "\nPer-stage CPU, sampled inside %d profiled run(s) of the whole pipeline (%d samples):\n\n", r.ProfileRuns, r.ProfileSamples)
		b.WriteString("| stage | cpu ns/pkt | share |\n|---|---|---|\n")
		for _, s := range r.Profile {
			fmt.Fprintf(&b, "| %s | %.0f | %.1f %% |\n", s.Name, s.CPUNsPerPkt, 100*s.Share)
		}
	}
	if len(r.Notes) > 0 {
		b.WriteString("\nNotes:\n\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func firstRepeats(s []Series) int {
	if len(s) == 0 {
		return 0
	}
	return s[0].Repeats
}

func statCell(s Stat, format string) string {
	return fmt.Sprintf(format+" ["+format+"–"+format+"]", s.Median, s.Min, s.Max)
}

func humanSize(b int64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	}
	return fmt.Sprintf("%d B", b)
}

// Chart files WriteFiles writes.
const (
	ChartWorkers = "throughput-workers.svg"
	ChartRules   = "throughput-rules.svg"
	ChartStages  = "stages.svg"
)

// WriteFiles writes bench.json, bench.md and the SVG charts the report has data for into
// dir, and returns the paths written.
func (r *Report) WriteFiles(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("bench report: %w", err)
	}
	var paths []string
	write := func(name string, fn func(io.Writer) error) error {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			return fmt.Errorf("bench report: %w", err)
		}
		err = fn(f)
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("bench report: %w", cerr)
		}
		paths = append(paths, p)
		return err
	}
	if err := write("bench.json", r.WriteJSON); err != nil {
		return paths, err
	}
	if err := write("bench.md", r.WriteMarkdown); err != nil {
		return paths, err
	}
	for name, svg := range r.Charts() {
		if err := write(name, func(w io.Writer) error { _, err := w.Write(svg); return err }); err != nil {
			return paths, err
		}
	}
	return paths, nil
}

// Charts renders the charts the report has data for, by file name.
func (r *Report) Charts() map[string][]byte {
	out := map[string][]byte{}
	var workers, rules []chartPoint
	for _, s := range r.Series {
		p := chartPoint{y: s.PPS.Median / 1e6, lo: s.PPS.Min / 1e6, hi: s.PPS.Max / 1e6}
		switch s.Kind {
		case kindWorkers:
			p.label = fmt.Sprint(s.Workers)
			workers = append(workers, p)
		case kindRules:
			p.label = fmt.Sprint(s.Rules)
			rules = append(rules, p)
		}
	}
	if len(workers) > 0 {
		out[ChartWorkers] = lineChart("Throughput against workers", "workers", "Mpkt/s (median, min–max)", workers)
	}
	if len(rules) > 0 {
		out[ChartRules] = lineChart("Throughput against rule-set size", "rules loaded", "Mpkt/s (median, min–max)", rules)
	}
	title, bars := "CPU time per packet by stage (sampled profile)", []chartBar(nil)
	for _, s := range r.Profile {
		bars = append(bars, chartBar{label: s.Name, value: s.CPUNsPerPkt})
	}
	if len(bars) == 0 {
		title = "CPU time per packet by stage (derived by difference)"
		for _, s := range r.Stages {
			bars = append(bars, chartBar{label: s.Name, value: s.CPUNsPerPkt})
		}
	}
	if len(bars) > 0 {
		out[ChartStages] = barChart(title, "cpu ns per packet", bars)
	}
	return out
}
