package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"image/png"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nightjar-ids/nightjar/sensor"
)

func TestStat(t *testing.T) {
	s := newStat([]float64{5, 1, 4, 2, 3})
	if s.Median != 3 || s.Min != 1 || s.Max != 5 || s.Q1 != 2 || s.Q3 != 4 || s.N != 5 {
		t.Errorf("newStat = %+v", s)
	}
	if s := newStat([]float64{1, 2}); s.Median != 1.5 || math.Abs(s.Spread()-1/1.5) > 1e-9 {
		t.Errorf("even count: %+v", s)
	}
	if s := newStat(nil); s.N != 0 {
		t.Errorf("empty: %+v", s)
	}
}

// benchReport runs a small but complete bench: worker and rule-size sweeps and the stages.
func benchReport(t *testing.T) (*Report, *GenStats, string) {
	t.Helper()
	path, st := genFile(t, smallOpts(11, 4<<20))
	rules := filepath.Join(t.TempDir(), "test.rules")
	err := os.WriteFile(rules, []byte(`alert tcp any any -> any 80 (msg:"one"; content:"GET"; sid:1;)
alert udp any any -> any 53 (msg:"two"; content:"|01 00|"; sid:2;)
alert tcp any any -> any 443 (msg:"three"; flow:established; content:"|16 03|"; sid:3;)
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), RunOptions{
		Files: []string{path}, RuleFiles: []string{rules}, Workers: []int{1, 2},
		RuleSizes: []int{1, -1}, Repeat: 2, Stages: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return rep, st, path
}

// TestRunReport checks what a run measures against the generator's own counts and a plain
// sensor.ReadFiles, and the shape of the JSON, Markdown and SVG it writes.
func TestRunReport(t *testing.T) {
	rep, st, path := benchReport(t)
	cfg, _, _ := sensor.LoadConfig("", nil)
	sum, err := sensor.ReadFiles(context.Background(), &cfg, sensor.ReadOptions{Files: []string{path}, OutDir: t.TempDir(), Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	wantSeries := []string{"rules=1", "rules=3", "workers=1 rules=3", "workers=2 rules=3",
		"read only", "outputs off, rules off", "outputs on, rules off", "outputs on, rules on"}
	if len(rep.Series) != len(wantSeries) {
		t.Fatalf("%d series, want %d", len(rep.Series), len(wantSeries))
	}
	for i, s := range rep.Series {
		if s.Name != wantSeries[i] {
			t.Errorf("series %d is %q, want %q", i, s.Name, wantSeries[i])
		}
		if s.Packets != st.Packets || s.Packets != sum.Packets || s.Bytes != sum.Bytes {
			t.Errorf("%s: %d packets %d bytes; generated %d packets, ReadFiles read %d, %d bytes", s.Name, s.Packets, s.Bytes, st.Packets, sum.Packets, sum.Bytes)
		}
		if s.Pipeline && s.Flows != st.Flows {
			t.Errorf("%s: %d flows, generated %d", s.Name, s.Flows, st.Flows)
		}
		if s.Wall.N != 2 || s.Wall.Min > s.Wall.Median || s.Wall.Median > s.Wall.Max || s.PPS.Median <= 0 {
			t.Errorf("%s: bad stats %+v %+v", s.Name, s.Wall, s.PPS)
		}
		if s.PeakRSSMiB <= 0 {
			t.Errorf("%s: no peak RSS", s.Name)
		}
	}
	if len(rep.Rules) != 2 || rep.Rules[0].Loaded != 1 || rep.Rules[1].Loaded != 3 {
		t.Errorf("rule loads %+v, want 1 then 3 rules", rep.Rules)
	}
	if len(rep.Stages) < 3 {
		t.Errorf("stages %+v", rep.Stages)
	}
	// The profiled run (a few samples only on this small input; TestProfileAttribution checks
	// the charging itself): known stages, in pipeline order, shares adding up to the whole.
	share, next := 0.0, 0
	for _, s := range rep.Profile {
		share += s.Share
		i := slices.Index(stageOrder[next:], s.Name)
		if i < 0 || s.CPUNsPerPkt <= 0 {
			t.Errorf("profile stage %+v: unknown, out of order or empty", s)
			break
		}
		next += i + 1
	}
	if len(rep.Profile) == 0 || math.Abs(share-1) > 1e-6 {
		t.Errorf("profile %+v: want stages whose shares add up to 1", rep.Profile)
	}

	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"created", "host", "input", "rule_loads", "series", "stages", "notes"} {
		if _, ok := back[k]; !ok {
			t.Errorf("JSON has no %q", k)
		}
	}
	s0 := back["series"].([]any)[0].(map[string]any)
	for _, k := range []string{"pkts_per_s", "gbit_per_s", "wall_ns_per_pkt", "cpu_ns_per_pkt", "allocs_per_pkt", "peak_rss_mib", "flows", "alerts", "kind"} {
		if _, ok := s0[k]; !ok {
			t.Errorf("JSON series has no %q", k)
		}
	}
	pps := s0["pkts_per_s"].(map[string]any)
	for _, k := range []string{"median", "min", "max", "q1", "q3", "n"} {
		if _, ok := pps[k]; !ok {
			t.Errorf("JSON stat has no %q", k)
		}
	}

	var md bytes.Buffer
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, line := range strings.Split(md.String(), "\n") {
		if strings.HasPrefix(line, "| ") && strings.Count(line, "|") == 11 && !strings.HasPrefix(line, "| series") {
			rows++
		}
	}
	if rows != len(rep.Series) {
		t.Errorf("Markdown has %d series rows, want %d:\n%s", rows, len(rep.Series), md.String())
	}

	dir := t.TempDir()
	paths, err := rep.WriteFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 5 {
		t.Errorf("wrote %v, want JSON, Markdown and three charts", paths)
	}
	for _, name := range []string{ChartWorkers, ChartRules, ChartStages} {
		checkSVG(t, filepath.Join(dir, name))
	}
}

// checkSVG parses the file as XML and requires an <svg> root with drawn content.
func checkSVG(t *testing.T, path string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(raw))
	var root string
	elems := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: not well-formed XML: %v", path, err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local
			}
			elems++
		}
	}
	if root != "svg" || elems < 20 {
		t.Errorf("%s: root %q with %d elements", path, root, elems)
	}
}

// TestChartsPNG renders each chart with rsvg-convert and checks the PNG: right size and
// actually drawn (many distinct colours, not a blank page).
func TestChartsPNG(t *testing.T) {
	conv, err := exec.LookPath("rsvg-convert")
	if err != nil {
		t.Skip("rsvg-convert is absent (apt-get install librsvg2-bin)")
	}
	rep, _, _ := benchReport(t)
	dir := os.Getenv("BENCH_PNG_DIR") // set it to keep the PNGs for a look
	if dir == "" {
		dir = t.TempDir()
	}
	for name, svg := range rep.Charts() {
		in := filepath.Join(dir, name)
		out := strings.TrimSuffix(in, ".svg") + ".png"
		if err := os.WriteFile(in, svg, 0o644); err != nil {
			t.Fatal(err)
		}
		if msg, err := exec.Command(conv, "-o", out, in).CombinedOutput(); err != nil {
			t.Fatalf("rsvg-convert %s: %v: %s", name, err, msg)
		}
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		b := img.Bounds()
		if b.Dx() != svgW || b.Dy() != svgH {
			t.Errorf("%s: %dx%d, want %dx%d", out, b.Dx(), b.Dy(), svgW, svgH)
		}
		colours := map[[4]uint32]bool{}
		for y := b.Min.Y; y < b.Max.Y; y += 3 {
			for x := b.Min.X; x < b.Max.X; x += 3 {
				r, g, bl, a := img.At(x, y).RGBA()
				colours[[4]uint32{r, g, bl, a}] = true
			}
		}
		if len(colours) < 10 {
			t.Errorf("%s: only %d colours: nothing drawn", out, len(colours))
		}
	}
}
