package capture

import (
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// ExpandInputs turns the -r arguments into the capture files to read, in order. A file is taken
// as it is (a bad one is reported when read); a directory, as Suricata's pcap-file mode takes
// it, contributes every capture file below it in lexical path order, and files in it that do not
// start with a pcap or pcapng magic number are skipped and returned in skipped.
func ExpandInputs(args []string) (files, skipped []string, err error) {
	for _, a := range args {
		fi, err := os.Stat(a)
		if err != nil {
			return nil, nil, fmt.Errorf("capture: %w", err)
		}
		if !fi.IsDir() {
			files = append(files, a)
			continue
		}
		var found []string
		walkErr := filepath.WalkDir(a, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() || d.Type()&fs.ModeSymlink != 0 {
				if looksLikeCapture(path) {
					found = append(found, path)
				} else {
					skipped = append(skipped, path)
				}
			}
			return nil
		})
		if walkErr != nil {
			return nil, nil, fmt.Errorf("capture: reading directory %s: %w", a, walkErr)
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	return files, skipped, nil
}

// looksLikeCapture reports whether the file starts with a pcap or pcapng magic number.
func looksLikeCapture(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var m [4]byte
	if _, err := io.ReadFull(f, m[:]); err != nil {
		return false
	}
	switch binary.LittleEndian.Uint32(m[:]) {
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0xa1b2cd34, 0x34cdb2a1, 0x0a0d0d0a:
		return true
	}
	return false
}
