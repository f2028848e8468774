package bench

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"path/filepath"
)

// WriteJSON writes the report as indented JSON.
func (r *LiveReport) WriteJSON(w io.Writer) error { return writeIndentedJSON(w, r) }

// WriteMarkdown writes a table of every step and the best rate per worker count.
func (r *LiveReport) WriteMarkdown(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "## Live replay: %s, %.0fs per rate\n\n", filepath.Base(r.File), r.Duration)
	fmt.Fprintf(&b, "Host %s; %d sender thread(s).\n\n", r.Host.Describe(), max(r.Senders, 1))
	b.WriteString("| workers | asked pkt/s | achieved pkt/s | Gb/s | sent | kernel packets | kernel drops | decoded | lost | sensor cpu s |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, sw := range r.Sweeps {
		for _, s := range sw.Steps {
			fmt.Fprintf(&b, "| %d | %.0f | %.0f | %.2f | %d | %d | %d | %d | %d | %.2f |\n",
				sw.Workers, s.Asked, s.Achieved, s.AchievedGbps, s.Sent, s.KernelPackets, s.KernelDrops, s.Decoded, s.Lost(), s.SensorCPU)
		}
	}
	b.WriteString("\n| workers | highest zero-drop pkt/s | stopped because |\n|---:|---:|---|\n")
	for _, sw := range r.Sweeps {
		fmt.Fprintf(&b, "| %d | %.0f | %s |\n", sw.Workers, sw.BestZeroDrop, sw.Limit)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "\n%s\n", n)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// Charts returns the SVG chart by file name: lost packets against achieved rate, one line
// per worker count.
func (r *LiveReport) Charts() map[string][]byte {
	var series []xySeries
	for _, sw := range r.Sweeps {
		s := xySeries{label: fmt.Sprintf("%d worker(s)", sw.Workers)}
		for _, st := range sw.Steps {
			s.pts = append(s.pts, [2]float64{st.Achieved, float64(st.Lost())})
		}
		series = append(series, s)
	}
	return map[string][]byte{"live-drops.svg": xyChart("Live replay: loss vs achieved rate", "achieved rate (pkt/s)", "packets lost", series)}
}

type xySeries struct {
	label string
	pts   [][2]float64
}

// xyChart draws series over a numeric x axis from zero, with a legend; it shares the frame,
// y axis and number format of the bench charts.
func xyChart(title, xLabel, yLabel string, series []xySeries) []byte {
	var b bytes.Buffer
	svgStart(&b, title)
	xTop, yTop := 0.0, 0.0
	for _, s := range series {
		for _, p := range s.pts {
			xTop, yTop = max(xTop, p[0]), max(yTop, p[1])
		}
	}
	xTop = niceMax(xTop * 1.05)
	scaleY := yAxis(&b, niceMax(yTop*1.05), yLabel)
	scaleX := func(v float64) float64 { return plotL + v/xTop*(plotR-plotL) }
	for i := 0; i <= 5; i++ {
		v := xTop * float64(i) / 5
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", scaleX(v), plotB+18, fmtNum(v))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">%s</text>`+"\n", (plotL+plotR)/2, plotB+44, html.EscapeString(xLabel))
	colors := []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"}
	for i, s := range series {
		c := colors[i%len(colors)]
		var path bytes.Buffer
		for j, p := range s.pts {
			cmd := "L"
			if j == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&path, "%s%.1f %.1f ", cmd, scaleX(p[0]), scaleY(p[1]))
		}
		if path.Len() > 0 {
			fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", bytes.TrimSpace(path.Bytes()), c)
		}
		for _, p := range s.pts {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="4" fill="%s"/>`+"\n", scaleX(p[0]), scaleY(p[1]), c)
		}
		ly := plotT + 8 + 16*i
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/>`+"\n", plotL+10, ly-10, c)
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", plotL+28, ly, html.EscapeString(s.label))
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}
