package bench

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime/pprof"
	"strings"
)

// The per-stage CPU breakdown of one whole run, from Go's sampling CPU profiler: each sample's
// stack is walked from the innermost frame out, and the sample is charged to the first frame
// that belongs to a stage: by its package, and inside package sensor by its file, whose name
// carries the stage (applayer*.go, detect*.go, outputs.go). Work the runtime does for a stage
// (allocation, copying) is charged to that stage; what no stage frame sits above (the garbage
// collector's own workers, the scheduler) is "runtime".

// stageOrder is the order stages appear in reports; the pipeline's order first.
var stageOrder = []string{"read", "decode", "flow", "stream", "app-layer", "detect", "outputs", "sensor glue", "runtime"}

const modulePath = "github.com/nightjar-ids/nightjar/"

// packageStages maps the module's packages (paths below modulePath) to stages.
var packageStages = map[string]string{
	"sensor/capture": "read",
	"decoders":       "decode",
	"sensor/flow":    "flow",
	"sensor/stream":  "stream",
	"decoders/http":  "app-layer",
	"decoders/dns":   "app-layer",
	"decoders/tls":   "app-layer",
	"decoders/ssh":   "app-layer",
	"signatures":     "detect",
	"export":         "outputs",
}

// stageOf names the stage of a function (its full name, as the profile has it) defined in
// file; "" when it belongs to none (the runtime, the standard library, other modules).
func stageOf(name, file string) string {
	if strings.HasPrefix(name, "github.com/apache/arrow-go/") {
		return "outputs"
	}
	rest, ok := strings.CutPrefix(name, modulePath)
	if !ok {
		return ""
	}
	// The module's package paths hold no dot, so the first dot ends the package path.
	dot := strings.IndexByte(rest, '.')
	if dot < 0 {
		return ""
	}
	pkg := rest[:dot]
	if st, ok := packageStages[pkg]; ok {
		return st
	}
	if pkg != "sensor" {
		return ""
	}
	base := file[strings.LastIndex(file, "/")+1:]
	switch {
	case strings.HasPrefix(base, "detect"):
		return "detect"
	case strings.HasPrefix(base, "applayer"):
		return "app-layer"
	case strings.HasPrefix(base, "outputs"):
		return "outputs"
	}
	return "sensor glue"
}

// profileRun runs fn under the CPU profiler and returns the CPU nanoseconds sampled per stage.
func profileRun(fn func() error) (map[string]int64, error) {
	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	err := fn()
	pprof.StopCPUProfile()
	if err != nil {
		return nil, err
	}
	p, err := parseProfile(&buf)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return p.stageCPU(), nil
}

// cpuProfile is the part of a pprof profile the attribution reads.
type cpuProfile struct {
	strings   []string
	funcs     map[uint64][2]int64 // function id → string indexes of its name and file
	locFuncs  map[uint64][]uint64 // location id → function ids, innermost (inlined) first
	samples   []profSample
	valueType []int64 // string index of each sample value's type
}

type profSample struct {
	locs   []uint64 // innermost first
	values []int64
}

// str is string i of the table; "" for an index out of range.
func (p *cpuProfile) str(i int64) string {
	if i < 0 || i >= int64(len(p.strings)) {
		return ""
	}
	return p.strings[i]
}

// stageCPU charges each sample's CPU nanoseconds to its innermost stage.
func (p *cpuProfile) stageCPU() map[string]int64 {
	col := -1
	for i, t := range p.valueType {
		if p.str(t) == "cpu" {
			col = i
		}
	}
	out := map[string]int64{}
	for _, s := range p.samples {
		if col < 0 || col >= len(s.values) {
			continue
		}
		stage := "runtime"
	walk:
		for _, l := range s.locs {
			for _, fn := range p.locFuncs[l] {
				if st := stageOf(p.str(p.funcs[fn][0]), p.str(p.funcs[fn][1])); st != "" {
					stage = st
					break walk
				}
			}
		}
		out[stage] += s.values[col]
	}
	return out
}

// parseProfile decodes the gzipped protocol buffer runtime/pprof writes (profile.proto); only
// the fields the attribution needs are kept.
func parseProfile(r io.Reader) (*cpuProfile, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	p := &cpuProfile{funcs: map[uint64][2]int64{}, locFuncs: map[uint64][]uint64{}}
	err = protoFields(raw, func(field int, wire int, v uint64, b []byte) error {
		switch field {
		case 1: // sample_type: ValueType{type = 1}
			t := int64(-1)
			err := protoFields(b, func(f, _ int, v uint64, _ []byte) error {
				if f == 1 {
					t = int64(v)
				}
				return nil
			})
			p.valueType = append(p.valueType, t)
			return err
		case 2: // sample: location_id = 1, value = 2 (packed or not)
			var s profSample
			err := protoFields(b, func(f, w int, v uint64, pb []byte) error {
				switch f {
				case 1:
					return protoRepeated(w, v, pb, func(x uint64) { s.locs = append(s.locs, x) })
				case 2:
					return protoRepeated(w, v, pb, func(x uint64) { s.values = append(s.values, int64(x)) })
				}
				return nil
			})
			p.samples = append(p.samples, s)
			return err
		case 4: // location: id = 1, line = 4 (Line{function_id = 1})
			var id uint64
			var fns []uint64
			err := protoFields(b, func(f, _ int, v uint64, lb []byte) error {
				switch f {
				case 1:
					id = v
				case 4:
					return protoFields(lb, func(f, _ int, v uint64, _ []byte) error {
						if f == 1 {
							fns = append(fns, v)
						}
						return nil
					})
				}
				return nil
			})
			p.locFuncs[id] = fns
			return err
		case 5: // function: id = 1, name = 2, filename = 4
			var id uint64
			var nf [2]int64
			err := protoFields(b, func(f, _ int, v uint64, _ []byte) error {
				switch f {
				case 1:
					id = v
				case 2:
					nf[0] = int64(v)
				case 4:
					nf[1] = int64(v)
				}
				return nil
			})
			p.funcs[id] = nf
			return err
		case 6: // string_table
			p.strings = append(p.strings, string(b))
		}
		return nil
	})
	return p, err
}

var errProto = errors.New("malformed protocol buffer")

// protoFields calls fn for each field of a message: varints with v, length-delimited fields
// with b; fixed-width fields are skipped.
func protoFields(b []byte, fn func(field, wire int, v uint64, b []byte) error) error {
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return errProto
		}
		b = b[n:]
		field, wire := int(key>>3), int(key&7)
		var v uint64
		var val []byte
		switch wire {
		case 0:
			v, n = binary.Uvarint(b)
			if n <= 0 {
				return errProto
			}
			b = b[n:]
		case 1:
			if len(b) < 8 {
				return errProto
			}
			b = b[8:]
			continue
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return errProto
			}
			val, b = b[n:n+int(l)], b[n+int(l):]
		case 5:
			if len(b) < 4 {
				return errProto
			}
			b = b[4:]
			continue
		default:
			return errProto
		}
		if err := fn(field, wire, v, val); err != nil {
			return err
		}
	}
	return nil
}

// protoRepeated reads a repeated varint field written either packed or one value a field.
func protoRepeated(wire int, v uint64, packed []byte, add func(uint64)) error {
	if wire == 0 {
		add(v)
		return nil
	}
	for len(packed) > 0 {
		x, n := binary.Uvarint(packed)
		if n <= 0 {
			return errProto
		}
		add(x)
		packed = packed[n:]
	}
	return nil
}
