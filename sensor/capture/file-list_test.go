package capture

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestExpandInputs(t *testing.T) {
	dir := t.TempDir()
	pcap := []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0}
	pcapng := []byte{0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "sub"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "b.pcap"), pcap, 0o644))
	must(os.WriteFile(filepath.Join(dir, "sub", "a.pcapng"), pcapng, 0o644))
	must(os.WriteFile(filepath.Join(dir, "README"), []byte("not a capture"), 0o644))
	single := filepath.Join(dir, "README")

	files, skipped, err := ExpandInputs([]string{dir, single})
	must(err)
	want := []string{filepath.Join(dir, "b.pcap"), filepath.Join(dir, "sub", "a.pcapng"), single}
	if !reflect.DeepEqual(files, want) {
		t.Errorf("files = %v, want %v", files, want)
	}
	if !reflect.DeepEqual(skipped, []string{filepath.Join(dir, "README")}) {
		t.Errorf("skipped = %v", skipped)
	}
	if _, _, err := ExpandInputs([]string{filepath.Join(dir, "missing")}); err == nil {
		t.Errorf("missing input gave no error")
	}
}
