package bench

import (
	"bytes"
	"fmt"
	"html"
	"math"
)

// Hand-written SVG: fixed size, system fonts, no scripts, so every renderer (browsers,
// rsvg-convert, GitHub's Markdown view) draws the same picture.

const (
	svgW, svgH   = 720, 420
	plotL, plotR = 80, 690
	plotT, plotB = 50, 350
)

type chartPoint struct {
	label     string
	y, lo, hi float64
}

type chartBar struct {
	label string
	value float64
}

func svgStart(b *bytes.Buffer, title string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">`+"\n", svgW, svgH, svgW, svgH)
	fmt.Fprintf(b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", svgW, svgH)
	fmt.Fprintf(b, `<text x="%d" y="28" text-anchor="middle" font-size="16" font-weight="bold">%s</text>`+"\n", svgW/2, html.EscapeString(title))
}

// niceMax rounds v up to 1, 2 or 5 times a power of ten, for the axis top.
func niceMax(v float64) float64 {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// yAxis draws the grid and labels of a 0…top value axis and returns the scale.
func yAxis(b *bytes.Buffer, top float64, label string) func(float64) float64 {
	scale := func(v float64) float64 { return plotB - (v/top)*(plotB-plotT) }
	for i := 0; i <= 5; i++ {
		v := top * float64(i) / 5
		y := scale(v)
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#dddddd"/>`+"\n", plotL, y, plotR, y)
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", plotL-6, y+4, fmtNum(v))
	}
	fmt.Fprintf(b, `<text x="18" y="%d" text-anchor="middle" transform="rotate(-90 18 %d)">%s</text>`+"\n", (plotT+plotB)/2, (plotT+plotB)/2, html.EscapeString(label))
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333333"/>`+"\n", plotL, plotB, plotR, plotB)
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333333"/>`+"\n", plotL, plotT, plotL, plotB)
	return scale
}

func fmtNum(v float64) string {
	switch {
	case v == 0:
		return "0"
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.3g", v)
}

// lineChart plots points at evenly spaced categories (worker counts, rule counts), with the
// median as a line and min–max as whiskers.
func lineChart(title, xLabel, yLabel string, pts []chartPoint) []byte {
	var b bytes.Buffer
	svgStart(&b, title)
	top := 0.0
	for _, p := range pts {
		top = max(top, p.hi, p.y)
	}
	scale := yAxis(&b, niceMax(top*1.05), yLabel)
	step := float64(plotR-plotL) / float64(len(pts))
	x := func(i int) float64 { return plotL + step*(float64(i)+0.5) }
	var path bytes.Buffer
	for i, p := range pts {
		cmd := "L"
		if i == 0 {
			cmd = "M"
		}
		fmt.Fprintf(&path, "%s%.1f %.1f ", cmd, x(i), scale(p.y))
	}
	fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="#1f77b4" stroke-width="2"/>`+"\n", bytes.TrimSpace(path.Bytes()))
	for i, p := range pts {
		xi := x(i)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#1f77b4"/>`+"\n", xi, scale(p.lo), xi, scale(p.hi))
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#1f77b4"/>`+"\n", xi-5, scale(p.lo), xi+5, scale(p.lo))
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#1f77b4"/>`+"\n", xi-5, scale(p.hi), xi+5, scale(p.hi))
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="4" fill="#1f77b4"/>`+"\n", xi, scale(p.y))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#1f77b4">%s</text>`+"\n", xi, scale(p.hi)-8, fmtNum(p.y))
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", xi, plotB+18, html.EscapeString(p.label))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">%s</text>`+"\n", (plotL+plotR)/2, plotB+44, html.EscapeString(xLabel))
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// barChart draws one vertical bar per stage, its value above it; negative values (noise in
// a derived stage) are drawn as zero-height bars and labelled with their value.
func barChart(title, yLabel string, bars []chartBar) []byte {
	var b bytes.Buffer
	svgStart(&b, title)
	top := 0.0
	for _, bar := range bars {
		top = max(top, bar.value)
	}
	scale := yAxis(&b, niceMax(top*1.05), yLabel)
	colors := []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"}
	step := float64(plotR-plotL) / float64(len(bars))
	for i, bar := range bars {
		v := max(bar.value, 0)
		x := plotL + step*float64(i) + step*0.15
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`+"\n", x, scale(v), step*0.7, plotB-scale(v), colors[i%len(colors)])
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x+step*0.35, scale(v)-6, fmtNum(bar.value))
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" font-size="11">%s</text>`+"\n", x+step*0.35, plotB+18, html.EscapeString(bar.label))
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}
