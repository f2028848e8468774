package signatures

import (
	"bufio"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Datasets are Suricata's named sets of values that the dataset and datarep keywords test the
// current sticky buffer against (isset, isnotset), add it to (set) or remove it from (unset),
// or read a reputation number from (datarep). A set is declared by the config's datasets
// section or by the first rule that names it with a type, optionally loaded from a list file,
// and, when it has a save or state file, written back at shutdown. Sets live in a Datasets
// registry the sensor keeps for its whole life: every worker shares them, and a rule reload
// finds the same sets by name (as Suricata's process-global sets).

// DatasetType is what a set holds.
type DatasetType uint8

// Dataset types. DatasetIP holds IPv4 and IPv6 addresses alike (Suricata's "ip", stored as
// 16 bytes, an IPv4 address in the first 4 with the rest zero).
const (
	DatasetUnset DatasetType = iota
	DatasetString
	DatasetMD5
	DatasetSHA256
	DatasetIPv4
	DatasetIP
)

var datasetTypeNames = [...]string{"", "string", "md5", "sha256", "ipv4", "ip"}

func (t DatasetType) String() string {
	if int(t) < len(datasetTypeNames) {
		return datasetTypeNames[t]
	}
	return "unknown"
}

// ParseDatasetType reads a type name as Suricata's rules and config write it ("ipv6" is an
// alias of "ip").
func ParseDatasetType(s string) (DatasetType, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "string":
		return DatasetString, nil
	case "md5":
		return DatasetMD5, nil
	case "sha256":
		return DatasetSHA256, nil
	case "ipv4":
		return DatasetIPv4, nil
	case "ip", "ipv6":
		return DatasetIP, nil
	}
	return DatasetUnset, fmt.Errorf("bad dataset type %q (want string, md5, sha256, ipv4 or ip)", s)
}

// Defaults of a set's bounds, Suricata's (its hash table's defaults).
const (
	DefaultDatasetMemcap   = 16 << 20
	DefaultDatasetHashsize = 4096
	// datasetEntryOverhead is what one entry costs besides its bytes in the memcap's count
	// (the map slot, the key's header and the reputation), close to Suricata's per-entry cost.
	datasetEntryOverhead = 64
	// datasetHashRow is the cost of one row of the hash table the hashsize asks for, counted
	// once when the set is made, as Suricata preallocates its rows.
	datasetHashRow = 16
	// maxDatasetLine bounds one line of a list file.
	maxDatasetLine = 1 << 20
	// maxDatasetName is Suricata's longest set name.
	maxDatasetName = 63
)

// DatasetSpec declares a set: from a rule's dataset/datarep options or a config entry. Load
// and Save are resolved paths; State is expressed as Load == Save.
type DatasetSpec struct {
	Name     string
	Type     DatasetType // DatasetUnset: refer to a set declared before
	Load     string      // list file read when the set is made ("" none)
	Save     string      // file written at shutdown ("" none)
	Memcap   uint64      // 0: the registry's default
	Hashsize uint32      // 0: the registry's default
}

// Dataset is one named set. Safe for concurrent use: lookups take a read lock and allocate
// nothing; adds and removes take the write lock.
type Dataset struct {
	name       string
	typ        DatasetType
	load, save string
	memcap     uint64
	hashsize   uint32
	fromConfig bool
	// stale marks a set made from a rule's load file alone, while a reload runs: a rule of
	// the new rule set that names it makes it afresh from the file, as Suricata does.
	stale bool

	mu sync.RWMutex
	// m maps the entry's key (the string's bytes, the raw digest, the 4- or 16-byte address)
	// to its reputation (0 when the list gave none).
	m   map[string]uint16
	mem uint64 // bytes counted against memcap

	refused atomic.Uint64 // adds refused by the memcap
}

// Name returns the set's name.
func (d *Dataset) Name() string { return d.name }

// Type returns what the set holds.
func (d *Dataset) Type() DatasetType { return d.typ }

// Len returns the number of entries.
func (d *Dataset) Len() int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return len(d.m)
}

// MemUse returns the bytes counted against the set's memcap.
func (d *Dataset) MemUse() uint64 {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.mem
}

// Refused returns how many adds the memcap refused.
func (d *Dataset) Refused() uint64 { return d.refused.Load() }

func newDataset(spec DatasetSpec) *Dataset {
	return &Dataset{name: spec.Name, typ: spec.Type, load: spec.Load, save: spec.Save,
		memcap: spec.Memcap, hashsize: spec.Hashsize, m: map[string]uint16{},
		mem: uint64(spec.Hashsize) * datasetHashRow}
}

// keyOf turns a buffer into the set's key form, in scratch where it must be rebuilt (an IPv4
// address in an ip set). ok is false when the buffer cannot be a value of the set's type (a
// digest of the wrong length), which Suricata treats as a lookup error.
func (d *Dataset) keyOf(b []byte, scratch *[16]byte) ([]byte, bool) {
	switch d.typ {
	case DatasetString:
		return b, true
	case DatasetMD5:
		return b, len(b) == 16
	case DatasetSHA256:
		return b, len(b) == 32
	case DatasetIPv4:
		return b, len(b) == 4
	case DatasetIP:
		switch len(b) {
		case 16:
			return b, true
		case 4:
			*scratch = [16]byte{}
			copy(scratch[:], b)
			return scratch[:], true
		}
	}
	return nil, false
}

// Lookup reports whether b is in the set, and its reputation. An empty buffer is never in a
// set. The call allocates nothing.
func (d *Dataset) Lookup(b []byte) (rep uint16, found bool) {
	var scratch [16]byte
	k, ok := d.keyOf(b, &scratch)
	if !ok || len(k) == 0 {
		return 0, false
	}
	d.mu.RLock()
	rep, found = d.m[string(k)]
	d.mu.RUnlock()
	return rep, found
}

// Contains reports whether b is in the set.
func (d *Dataset) Contains(b []byte) bool {
	_, found := d.Lookup(b)
	return found
}

// errDatasetMemcap is an add the memcap refused.
var errDatasetMemcap = errors.New("dataset memcap reached")

// Add puts b in the set with reputation 0 and reports whether it was new. It fails when b is
// not a value of the set's type or the memcap refuses it (counted in Refused).
func (d *Dataset) Add(b []byte) (bool, error) { return d.add(b, 0, false) }

func (d *Dataset) add(b []byte, rep uint16, setRep bool) (bool, error) {
	var scratch [16]byte
	k, ok := d.keyOf(b, &scratch)
	if !ok {
		return false, fmt.Errorf("a %d-byte value is not a %s", len(b), d.typ)
	}
	if len(k) == 0 {
		return false, errors.New("empty value")
	}
	if !setRep {
		// The common case on the hot path, a value seen before, under the shared lock.
		d.mu.RLock()
		_, there := d.m[string(k)]
		d.mu.RUnlock()
		if there {
			return false, nil
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if old, there := d.m[string(k)]; there {
		if setRep && old != rep {
			d.m[string(k)] = rep
		}
		return false, nil
	}
	cost := uint64(len(k)) + datasetEntryOverhead
	if d.memcap > 0 && d.mem+cost > d.memcap {
		d.refused.Add(1)
		return false, errDatasetMemcap
	}
	d.m[string(k)] = rep
	d.mem += cost
	return true, nil
}

// Remove takes b out of the set and reports whether it was there.
func (d *Dataset) Remove(b []byte) bool {
	var scratch [16]byte
	k, ok := d.keyOf(b, &scratch)
	if !ok || len(k) == 0 {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, there := d.m[string(k)]; !there {
		return false
	}
	delete(d.m, string(k))
	d.mem -= uint64(len(k)) + datasetEntryOverhead
	return true
}

// ParseDatasetValue reads one value as a list file writes it: base64 for a string, hex for a
// digest, an address for ipv4 and ip. It returns the set's key bytes.
func ParseDatasetValue(t DatasetType, s string) ([]byte, error) {
	switch t {
	case DatasetString:
		b, err := base64.StdEncoding.Strict().DecodeString(s)
		if err != nil {
			// Suricata's strict decoder also takes a last block without its padding.
			if b2, err2 := base64.RawStdEncoding.Strict().DecodeString(s); err2 == nil {
				return b2, nil
			}
			return nil, fmt.Errorf("bad base64 encoding %q", s)
		}
		return b, nil
	case DatasetMD5, DatasetSHA256:
		n := 16
		if t == DatasetSHA256 {
			n = 32
		}
		if len(s) != 2*n {
			return nil, fmt.Errorf("bad %s %q: want %d hex digits", t, s, 2*n)
		}
		b, err := hex.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("bad %s %q: not hex", t, s)
		}
		return b, nil
	case DatasetIPv4:
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is4() {
			return nil, fmt.Errorf("bad ipv4 address %q", s)
		}
		v := a.As4()
		return v[:], nil
	case DatasetIP:
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("bad ip address %q", s)
		}
		var k [16]byte
		if a.Is4() || a.Is4In6() {
			// Suricata's form: the IPv4 address first, the rest zero.
			v := a.Unmap().As4()
			copy(k[:], v[:])
		} else {
			k = a.As16()
		}
		return k[:], nil
	}
	return nil, fmt.Errorf("dataset type %s has no list format", t)
}

// formatDatasetValue writes one key as a list file holds it.
func formatDatasetValue(t DatasetType, k string) string {
	switch t {
	case DatasetString:
		return base64.StdEncoding.EncodeToString([]byte(k))
	case DatasetMD5, DatasetSHA256:
		return hex.EncodeToString([]byte(k))
	case DatasetIPv4:
		if len(k) == 4 {
			return netip.AddrFrom4([4]byte([]byte(k))).String()
		}
	case DatasetIP:
		if len(k) == 16 {
			b := []byte(k)
			if strings.Trim(k[4:], "\x00") == "" {
				return netip.AddrFrom4([4]byte(b[:4])).String()
			}
			return netip.AddrFrom16([16]byte(b)).String()
		}
	}
	return ""
}

// parseRep reads a reputation: a decimal 0–65535.
func parseRep(s string) (uint16, error) {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 16)
	if err != nil {
		return 0, fmt.Errorf("invalid datarep value %q (want 0-65535)", strings.TrimSpace(s))
	}
	return uint16(v), nil
}

// ReadDatasetList adds every line of a list file to d: one value per line in the type's
// format, optionally followed by ",<reputation>"; blank lines are skipped. name labels errors
// (name:line). Entries the memcap refuses make the read fail, as Suricata refuses a set too
// large for its memcap.
func ReadDatasetList(d *Dataset, r io.Reader, name string) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxDatasetLine)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		val, repText, hasRep := strings.Cut(line, ",")
		val = strings.TrimSpace(val)
		k, err := ParseDatasetValue(d.typ, val)
		if err != nil {
			return fmt.Errorf("%s:%d: dataset %s: %w", name, n, d.name, err)
		}
		var rep uint16
		if hasRep {
			if rep, err = parseRep(repText); err != nil {
				return fmt.Errorf("%s:%d: dataset %s: bad rep: %w", name, n, d.name, err)
			}
		}
		if _, err := d.add(k, rep, hasRep); err != nil {
			if errors.Is(err, errDatasetMemcap) {
				return fmt.Errorf("%s:%d: dataset %s: dataset too large for set memcap (%d bytes)", name, n, d.name, d.memcap)
			}
			return fmt.Errorf("%s:%d: dataset %s: %w", name, n, d.name, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s:%d: dataset %s: %w", name, n+1, d.name, err)
	}
	return nil
}

// WriteTo writes the set in list-file form, one value per line, sorted so that the same set
// always writes the same file. Reputations are not written, as in Suricata.
func (d *Dataset) WriteTo(w io.Writer) (int64, error) {
	d.mu.RLock()
	lines := make([]string, 0, len(d.m))
	for k := range d.m {
		lines = append(lines, formatDatasetValue(d.typ, k))
	}
	d.mu.RUnlock()
	slices.Sort(lines)
	bw := bufio.NewWriter(w)
	var n int64
	for _, l := range lines {
		m, err := bw.WriteString(l + "\n")
		n += int64(m)
		if err != nil {
			return n, err
		}
	}
	return n, bw.Flush()
}

// loadFile fills the set from its load file.
func (d *Dataset) loadFile() error {
	if d.load == "" {
		return nil
	}
	f, err := os.Open(d.load)
	if err != nil {
		if d.load == d.save && errors.Is(err, os.ErrNotExist) {
			// A state file that is not there yet: the set starts empty (Suricata creates it).
			return nil
		}
		return fmt.Errorf("dataset %s: %w", d.name, err)
	}
	defer f.Close()
	return ReadDatasetList(d, f, d.load)
}

// saveFile writes the set to its save file, through a temporary file renamed into place so a
// crash never leaves half a list.
func (d *Dataset) saveFile() error {
	tmp, err := os.CreateTemp(filepath.Dir(d.save), "."+filepath.Base(d.save)+".*")
	if err != nil {
		return fmt.Errorf("dataset %s: save: %w", d.name, err)
	}
	_, werr := d.WriteTo(tmp)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("dataset %s: save %s: %w", d.name, d.save, err)
	}
	if err := os.Rename(tmp.Name(), d.save); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("dataset %s: save: %w", d.name, err)
	}
	return nil
}

// DatasetsConfig is the registry's share of the sensor configuration (Suricata's datasets
// section and data-dir).
type DatasetsConfig struct {
	// DataDir is where the save and state files of rules go (Suricata's data-dir); relative
	// config load and state files are looked up there too.
	DataDir string
	// RulePath is the default rule path: a rule's relative load file not found beside its
	// rule file is looked up there.
	RulePath string
	// Memcap and Hashsize are the defaults of a set that names none (0: the built-in ones).
	Memcap   uint64
	Hashsize uint32
	// DenyWrite refuses rules with save or state files (datasets.rules.allow-write: false).
	DenyWrite bool
	// AllowAbsolute lets rules name absolute save and state paths, and ones that climb out
	// of the data directory (datasets.rules.allow-absolute-filenames).
	AllowAbsolute bool
}

// Datasets is the registry of named sets. Safe for concurrent use.
type Datasets struct {
	cfg  DatasetsConfig
	mu   sync.Mutex
	sets map[string]*Dataset // by lower-cased name
}

// NewDatasets returns an empty registry.
func NewDatasets(cfg DatasetsConfig) *Datasets {
	if cfg.Memcap == 0 {
		cfg.Memcap = DefaultDatasetMemcap
	}
	if cfg.Hashsize == 0 {
		cfg.Hashsize = DefaultDatasetHashsize
	}
	return &Datasets{cfg: cfg, sets: map[string]*Dataset{}}
}

// Config returns the registry's configuration.
func (ds *Datasets) Config() DatasetsConfig { return ds.cfg }

// Declare makes a set from the config's datasets section. Relative load and state paths are
// taken in the data directory (a load file not there is taken as given), as Suricata does.
func (ds *Datasets) Declare(spec DatasetSpec, state string) (*Dataset, error) {
	if spec.Type == DatasetUnset {
		return nil, fmt.Errorf("dataset %s: no type", spec.Name)
	}
	inData := func(p string) string {
		if p == "" || filepath.IsAbs(p) || ds.cfg.DataDir == "" {
			return p
		}
		return filepath.Join(ds.cfg.DataDir, p)
	}
	if state != "" {
		spec.Load, spec.Save = inData(state), inData(state)
	} else if spec.Load != "" {
		if p := inData(spec.Load); fileExists(p) {
			spec.Load = p
		}
	}
	d, err := ds.get(spec)
	if err != nil {
		return nil, err
	}
	d.fromConfig = true
	return d, nil
}

// Lookup returns the set called name, or nil.
func (ds *Datasets) Lookup(name string) *Dataset {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	d := ds.sets[strings.ToLower(name)]
	if d == nil || d.stale {
		return nil
	}
	return d
}

// All returns every set, sorted by name.
func (ds *Datasets) All() []*Dataset {
	ds.mu.Lock()
	out := make([]*Dataset, 0, len(ds.sets))
	for _, d := range ds.sets {
		if !d.stale {
			out = append(out, d)
		}
	}
	ds.mu.Unlock()
	slices.SortFunc(out, func(a, b *Dataset) int { return strings.Compare(a.name, b.name) })
	return out
}

// get returns the set spec names, making it (and loading its file) if it does not exist. A
// spec that disagrees with the existing set's type, load or save file is an error; one that
// names neither file refers to the set whatever its files.
func (ds *Datasets) get(spec DatasetSpec) (*Dataset, error) {
	if spec.Name == "" {
		return nil, errors.New("dataset has no name")
	}
	if len(spec.Name) > maxDatasetName {
		return nil, fmt.Errorf("dataset name %q longer than %d characters", spec.Name, maxDatasetName)
	}
	key := strings.ToLower(spec.Name)
	ds.mu.Lock()
	defer ds.mu.Unlock()
	if d := ds.sets[key]; d != nil && !d.stale {
		if spec.Type != DatasetUnset && spec.Type != d.typ {
			return nil, fmt.Errorf("dataset %s already exists and is of type %s", d.name, d.typ)
		}
		if spec.Load != "" || spec.Save != "" {
			if spec.Save != d.save {
				return nil, fmt.Errorf("dataset %s save mismatch: %q != %q", d.name, d.save, spec.Save)
			}
			if spec.Load != d.load {
				return nil, fmt.Errorf("dataset %s load mismatch: %q != %q", d.name, d.load, spec.Load)
			}
		}
		return d, nil
	}
	if spec.Type == DatasetUnset {
		return nil, fmt.Errorf("dataset %s not defined (give its type)", spec.Name)
	}
	if spec.Memcap == 0 {
		spec.Memcap = ds.cfg.Memcap
	}
	if spec.Hashsize == 0 {
		spec.Hashsize = ds.cfg.Hashsize
	}
	d := newDataset(spec)
	if d.mem > d.memcap {
		return nil, fmt.Errorf("dataset %s: hashsize %d does not fit memcap %d", spec.Name, spec.Hashsize, spec.Memcap)
	}
	if err := d.loadFile(); err != nil {
		return nil, err
	}
	ds.sets[key] = d // replaces a stale set of the same name
	return d, nil
}

// beginReload marks the sets made from a rule's load file alone: the new rules make them
// afresh from their files. Sets with a save or state file and the config's sets carry on.
func (ds *Datasets) beginReload() {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	for _, d := range ds.sets {
		if !d.fromConfig && d.load != "" && d.save == "" {
			d.stale = true
		}
	}
}

// endReload forgets the marked sets no rule of the new set named.
func (ds *Datasets) endReload() {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	for k, d := range ds.sets {
		if d.stale {
			delete(ds.sets, k)
		}
	}
}

// Save writes every set that has a save (or state) file. It tries them all and returns
// every failure.
func (ds *Datasets) Save() error {
	var errs []error
	for _, d := range ds.All() {
		if d.save == "" {
			continue
		}
		if err := d.saveFile(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
