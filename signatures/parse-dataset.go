package signatures

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// DatasetCmd is what a dataset or datarep keyword does with the buffer.
type DatasetCmd uint8

// Dataset commands. DatasetRep is the datarep keyword.
const (
	DatasetIsSet    DatasetCmd = iota // matches when the buffer is in the set
	DatasetIsNotSet                   // matches when it is not
	DatasetSet                        // adds it; matches when it was not there yet
	DatasetUnsetCmd                   // removes it; matches when it was there
	DatasetRep                        // datarep: matches when its reputation compares true
)

var datasetCmds = map[string]DatasetCmd{"isset": DatasetIsSet, "isnotset": DatasetIsNotSet,
	"set": DatasetSet, "unset": DatasetUnsetCmd}

// DatasetMatch is a dataset or datarep keyword: a test of the whole current buffer (after its
// transforms) against a shared set. It neither moves nor reads the content cursor.
type DatasetMatch struct {
	Set *Dataset
	Cmd DatasetCmd
	// RepOp and Rep are datarep's comparison: '>' '<' '=' 'g' (>=) 'l' (<=) '!' (!=).
	RepOp byte
	Rep   uint16
}

// Match runs the keyword on buf. An empty buffer matches no command, as in Suricata. isset,
// isnotset and datarep allocate nothing.
func (m *DatasetMatch) Match(buf []byte) bool {
	if len(buf) == 0 {
		return false
	}
	switch m.Cmd {
	case DatasetIsSet:
		return m.Set.Contains(buf)
	case DatasetIsNotSet:
		return !m.Set.Contains(buf)
	case DatasetSet:
		added, _ := m.Set.Add(buf)
		return added
	case DatasetUnsetCmd:
		return m.Set.Remove(buf)
	case DatasetRep:
		rep, found := m.Set.Lookup(buf)
		if !found {
			return false
		}
		switch m.RepOp {
		case '>':
			return rep > m.Rep
		case '<':
			return rep < m.Rep
		case '=':
			return rep == m.Rep
		case 'g':
			return rep >= m.Rep
		case 'l':
			return rep <= m.Rep
		case '!':
			return rep != m.Rep
		}
	}
	return false
}

// datasetArgs are the parts of a dataset or datarep value: the leading positional words, then
// "key value" options.
type datasetArgs struct {
	pos  []string
	opts map[string]string
	seen []string // option keys in order
}

// splitDatasetArgs splits "cmd, name, key value, …" as Suricata does: on commas, each part's
// leading blanks dropped, the key up to the first space and the value after it. The first
// nPos parts are positional and take no value.
func splitDatasetArgs(val string, nPos int) (*datasetArgs, error) {
	a := &datasetArgs{opts: map[string]string{}}
	for _, part := range strings.Split(val, ",") {
		part = strings.TrimLeft(part, " \t")
		if part == "" {
			continue
		}
		key, v, _ := strings.Cut(part, " ")
		v = strings.TrimSpace(v)
		if len(a.pos) < nPos {
			if v != "" {
				return nil, fmt.Errorf("unexpected %q after %q", v, key)
			}
			a.pos = append(a.pos, key)
			continue
		}
		if v == "" {
			return nil, fmt.Errorf("option %q has no value", key)
		}
		if _, dup := a.opts[key]; dup {
			return nil, fmt.Errorf("'%s' can only appear once", key)
		}
		a.opts[key] = v
		a.seen = append(a.seen, key)
	}
	return a, nil
}

// datasetSizeOpts reads the memcap and hashsize options (bad values fall back to the
// defaults with Suricata; here they refuse the rule, which is clearer).
func datasetSizeOpts(a *datasetArgs, spec *DatasetSpec) error {
	if v, ok := a.opts["memcap"]; ok {
		n, err := parseDatasetSize(v)
		if err != nil {
			return fmt.Errorf("memcap: %w", err)
		}
		spec.Memcap = n
	}
	if v, ok := a.opts["hashsize"]; ok {
		n, err := parseDatasetSize(v)
		if err != nil || n > 1<<32-1 {
			return fmt.Errorf("bad hashsize %q", v)
		}
		spec.Hashsize = uint32(n)
	}
	return nil
}

// parseDatasetSize reads Suricata's size notation: 1048576, 64kb, 10mb, 1gb (powers of 1024).
func parseDatasetSize(s string) (uint64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	n, err := strconv.ParseUint(t[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("bad size %q", s)
	}
	var mult uint64
	switch strings.TrimSpace(t[i:]) {
	case "", "b":
		mult = 1
	case "kb", "kib", "k":
		mult = 1 << 10
	case "mb", "mib", "m":
		mult = 1 << 20
	case "gb", "gib", "g":
		mult = 1 << 30
	default:
		return 0, fmt.Errorf("bad size unit in %q", s)
	}
	v := n * mult
	if v/mult != n {
		return 0, fmt.Errorf("size %q too large", s)
	}
	return v, nil
}

// datasetRegistry returns the registry the rules are loaded into, or why there is none.
func (b *ruleBuilder) datasetRegistry(kw string) (*Datasets, error) {
	if b.cur == nil {
		return nil, fmt.Errorf("%s is only supported for sticky buffers", kw)
	}
	if b.opt.Datasets == nil {
		return nil, notSupported("%s: no dataset registry to load the rule into", kw)
	}
	return b.opt.Datasets, nil
}

// dataset parses "dataset:<cmd>,<name>[, type T][, load F][, save F | state F][, memcap N]
// [, hashsize N]" and appends the keyword to the current sticky buffer.
func (b *ruleBuilder) dataset(val string) error {
	reg, err := b.datasetRegistry("dataset")
	if err != nil {
		return err
	}
	a, err := splitDatasetArgs(val, 2)
	if err != nil {
		return err
	}
	if len(a.pos) < 1 {
		return errors.New(`dataset action "" is not supported`)
	}
	cmd, ok := datasetCmds[a.pos[0]]
	if !ok {
		return fmt.Errorf("dataset action %q is not supported", a.pos[0])
	}
	if len(a.pos) < 2 {
		return errors.New("dataset has no name")
	}
	spec := DatasetSpec{Name: a.pos[1]}
	for _, k := range a.seen {
		switch k {
		case "type", "load", "save", "state", "memcap", "hashsize":
		case "format", "context_key", "value_key", "array_key", "enrichment_key", "remove_key":
			return notSupported("dataset option %s (JSON datasets) not supported yet", k)
		default:
			return fmt.Errorf("unknown dataset option %q", k)
		}
	}
	if t, ok := a.opts["type"]; ok {
		if spec.Type, err = ParseDatasetType(t); err != nil {
			return err
		}
	}
	if err := datasetSizeOpts(a, &spec); err != nil {
		return err
	}
	load, save, state := a.opts["load"], a.opts["save"], a.opts["state"]
	if state != "" && (load != "" || save != "") {
		return errors.New("'state' can not be mixed with 'load' and 'save'")
	}
	if state != "" {
		if spec.Save, err = b.datasetSavePath(reg, state); err != nil {
			return err
		}
		spec.Load = spec.Save
	} else {
		if save != "" {
			if spec.Save, err = b.datasetSavePath(reg, save); err != nil {
				return err
			}
		}
		if load != "" {
			spec.Load = b.datasetLoadPath(reg, load)
		}
	}
	set, err := reg.get(spec)
	if err != nil {
		return err
	}
	b.add(Keyword{Kind: MatchDataset, Dataset: &DatasetMatch{Set: set, Cmd: cmd}})
	return nil
}

// datarepOps maps datarep's operators to DatasetMatch.RepOp.
var datarepOps = map[string]byte{">": '>', "<": '<', "==": '=', "=": '=', ">=": 'g', "<=": 'l', "!=": '!'}

// datarep parses "datarep:<name>,<op>,<value>[, type T, load F, memcap N, hashsize N]".
func (b *ruleBuilder) datarep(val string) error {
	reg, err := b.datasetRegistry("datarep")
	if err != nil {
		return err
	}
	a, err := splitDatasetArgs(val, 3)
	if err != nil {
		return err
	}
	if len(a.pos) < 3 {
		return errors.New("datarep: missing values (want name, operator, value)")
	}
	op, ok := datarepOps[a.pos[1]]
	if !ok {
		return fmt.Errorf("datarep operation %q is not supported", a.pos[1])
	}
	rep, err := parseRep(a.pos[2])
	if err != nil {
		return err
	}
	spec := DatasetSpec{Name: a.pos[0]}
	for _, k := range a.seen {
		switch k {
		case "type", "load", "memcap", "hashsize":
		default:
			return fmt.Errorf("unknown datarep option %q", k)
		}
	}
	if t, ok := a.opts["type"]; ok {
		if spec.Type, err = ParseDatasetType(t); err != nil {
			return err
		}
	}
	if err := datasetSizeOpts(a, &spec); err != nil {
		return err
	}
	if load := a.opts["load"]; load != "" {
		if spec.Type == DatasetUnset {
			return errors.New("if load is used type must be set as well")
		}
		spec.Load = b.datasetLoadPath(reg, load)
	}
	set, err := reg.get(spec)
	if err != nil {
		return err
	}
	b.add(Keyword{Kind: MatchDataset, Dataset: &DatasetMatch{Set: set, Cmd: DatasetRep, RepOp: op, Rep: rep}})
	return nil
}

// datasetLoadPath resolves a rule's load file: an absolute path as it is, else beside the rule
// file, else in the default rule path, else as given (relative to the working directory).
func (b *ruleBuilder) datasetLoadPath(reg *Datasets, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	if b.opt.ruleFile != "" {
		if q := filepath.Join(filepath.Dir(b.opt.ruleFile), p); fileExists(q) {
			return q
		}
	}
	if rp := reg.cfg.RulePath; rp != "" {
		if q := filepath.Join(rp, p); fileExists(q) {
			return q
		}
	}
	return p
}

// datasetSavePath resolves a rule's save or state file into the data directory. Rules may
// not write files when the config forbids it, nor name absolute paths or climb out of the
// data directory unless the config allows it.
func (b *ruleBuilder) datasetSavePath(reg *Datasets, p string) (string, error) {
	cfg := reg.cfg
	if cfg.DenyWrite {
		return "", errors.New("rules containing save/state datasets have been disabled")
	}
	if filepath.IsAbs(p) {
		if !cfg.AllowAbsolute {
			return "", fmt.Errorf("Absolute paths not allowed: %s", p)
		}
		return filepath.Clean(p), nil
	}
	if !cfg.AllowAbsolute && slices.Contains(strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' }), "..") {
		return "", fmt.Errorf("Directory traversals not allowed: %s", p)
	}
	if cfg.DataDir == "" {
		return p, nil
	}
	return filepath.Join(cfg.DataDir, p), nil
}

// datasetKeyword dispatches the dataset and datarep keywords.
func (b *ruleBuilder) datasetKeyword(name, val string) error {
	if name == "datarep" {
		return b.datarep(val)
	}
	return b.dataset(val)
}
