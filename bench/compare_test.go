package bench

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nightjar-ids/nightjar/sensor/capture"
)

// TestCompareStartup runs `bench compare` against a command that records what it was given:
// a folder input reaches it as the folder, the start-up runs give it a folder holding one
// capture of the input's first frame, and the report carries both series and their ratios. (TestFirstFrameCapture checks the
// start-up capture's content.)
func TestCompareStartup(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	if err := os.Mkdir(in, 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join("..", "testdata", "demo", "http-methods.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(in, "a.pcap"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	seen := filepath.Join(dir, "seen")
	c, err := Compare(context.Background(), CompareOptions{
		Run:     RunOptions{Files: []string{in}, Repeat: 2, Workers: []int{1}},
		Command: []string{"/bin/sh", "-c", `echo "$1" >> "$2"; ls "$1" >> "$2"`, "sh", "{pcap}", seen},
		Startup: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(seen)
	lines := strings.Split(strings.TrimSpace(string(got)), "\n")
	// Two runs on the input folder, then two on the start-up folder.
	if len(lines) != 8 || lines[0] != in || lines[1] != "a.pcap" || lines[5] != "first.pcap" {
		t.Fatalf("the command saw:\n%s", got)
	}
	if c.NightjarStartup == nil || c.OtherStartup == nil || c.NightjarStartup.Packets != 1 || c.Nightjar.Packets != 655 {
		t.Fatalf("start-up series %+v / %+v; nightjar read %d packets", c.NightjarStartup, c.OtherStartup, c.Nightjar.Packets)
	}
	var md bytes.Buffer
	if err := c.WriteMarkdown(&md); err != nil || !strings.Contains(md.String(), "processing ratio other/nightjar") {
		t.Errorf("markdown lacks the processing ratio: %v\n%s", err, md.String())
	}
}

func TestFirstFrameCapture(t *testing.T) {
	file := filepath.Join("..", "testdata", "demo", "http-methods.pcap")
	first, arg, err := firstFrameCapture(file, file, t.TempDir())
	if err != nil || arg != first {
		t.Fatalf("first %q arg %q err %v", first, arg, err)
	}
	a, _ := capture.Open(file)
	b, _ := capture.Open(first)
	defer a.Close()
	defer b.Close()
	var fa, fb capture.Frame
	if a.Next(&fa) != nil || b.Next(&fb) != nil || !bytes.Equal(fa.Data, fb.Data) || fa.LinkType != fb.LinkType || fa.Time/1000 != fb.Time/1000 {
		t.Fatal("the start-up capture's frame is not the input's first")
	}
	if b.Next(&fb) == nil {
		t.Error("the start-up capture holds more than one frame")
	}
}
