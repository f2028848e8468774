package signatures

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// LoadError is one rule (or file) that was not loaded, and why. Line is the first line of the
// rule; SID is 0 when the rule's sid could not be read; Line is 0 for a file-level error.
type LoadError struct {
	File   string
	Line   int
	SID    uint32
	Reason string
}

func (e LoadError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Reason)
	}
	return fmt.Sprintf("%s:%d sid %d: %s", e.File, e.Line, e.SID, e.Reason)
}

// RuleSet is the outcome of loading rule files: the loaded rules in file order.
type RuleSet struct {
	Rules []*Rule
	Total int // rules seen, loaded or not (disabled, commented rules are not counted)
	// Skipped are the rules whose requires keyword this engine does not meet: not loaded, and
	// not failures either (Suricata's rules_skipped).
	Skipped []LoadError

	maxVars int // most byte variables of any rule: sizes MatchState
	maxCaps int // most pcre captures of any rule: sizes MatchState
	// bySID is the index in Rules of each gid:sid, for Suricata's duplicate handling.
	bySID map[[2]uint32]int
}

// add appends rule, or handles a gid:sid loaded before as Suricata does: a higher rev replaces
// the earlier rule (in its place), anything else is refused as a duplicate.
func (rs *RuleSet) add(rule *Rule) error {
	if rs.bySID == nil {
		rs.bySID = map[[2]uint32]int{}
	}
	k := [2]uint32{rule.GID, rule.SID}
	if i, ok := rs.bySID[k]; ok {
		old := rs.Rules[i]
		if rule.Rev <= old.Rev {
			return fmt.Errorf("duplicate signature: %d:%d rev %d already loaded from %s:%d", rule.GID, rule.SID, old.Rev, old.File, old.Line)
		}
		rs.Rules[i] = rule
		return nil
	}
	rs.bySID[k] = len(rs.Rules)
	rs.Rules = append(rs.Rules, rule)
	return nil
}

// Options tune Load beyond the variables; the zero value uses Suricata's standard
// classification.config and reference.config.
type Options struct {
	Classifications Classifications
	References      References
	// CacheDir, when set, keeps what gonids parsed of each large rule file, keyed by the
	// file's bytes, so that loading the same file again skips gonids (see parse-cache.go).
	CacheDir string
	// Datasets is the registry the dataset and datarep keywords find and declare their sets
	// in. A sensor passes the same one to every load, so that sets outlive a reload (a set
	// loaded from a rule's list file alone is read afresh); nil gives each load one of its
	// own with default settings.
	Datasets *Datasets

	cache    headerCache
	ruleFile string // the file being loaded: a dataset's relative load file is looked up beside it
}

// Load reads Suricata rule files. A rule that cannot be loaded is reported in the returned
// errors and skipped; it never stops the others. A file that cannot be read is one LoadError
// with Line 0.
func Load(files []string, vars Vars) (*RuleSet, []LoadError) {
	return LoadWith(files, vars, Options{})
}

// LoadWith is Load with explicit classification and reference tables.
func LoadWith(files []string, vars Vars, opt Options) (*RuleSet, []LoadError) {
	if opt.Classifications == nil {
		opt.Classifications = DefaultClassifications()
	}
	if opt.References == nil {
		opt.References = DefaultReferences()
	}
	if vars == nil {
		vars = DefaultVars()
	}
	if opt.Datasets == nil {
		opt.Datasets = NewDatasets(DatasetsConfig{})
	}
	opt.Datasets.beginReload()
	defer opt.Datasets.endReload()
	rs := &RuleSet{}
	var errs []LoadError
	type loaded struct {
		data []byte
		fd   *fileDigests
	}
	var done []loaded
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			errs = append(errs, LoadError{File: f, Reason: fmt.Sprintf("cannot read rule file: %v", err)})
			continue
		}
		fd := loadFileDigests(opt.CacheDir, data)
		var relief func()
		if fd.cached == nil && len(data) >= gonidsGCReliefBytes {
			relief = gonidsGCRelief()
		}
		errs = loadReader(rs, errs, bytes.NewReader(data), f, vars, &opt, fd)
		if relief != nil {
			relief()
		}
		done = append(done, loaded{data, fd})
	}
	// Only a large rule set is worth caching: a few rules parse in milliseconds, and caching
	// every small test set would only fill the directory.
	if rs.Total >= parseCacheMinRules {
		for _, l := range done {
			l.fd.store(opt.CacheDir, l.data)
		}
	}
	return rs, errs
}

// LoadReader loads rules from r, naming them after file in errors.
func LoadReader(r io.Reader, file string, vars Vars, opt Options) (*RuleSet, []LoadError) {
	if opt.Classifications == nil {
		opt.Classifications = DefaultClassifications()
	}
	if opt.References == nil {
		opt.References = DefaultReferences()
	}
	if vars == nil {
		vars = DefaultVars()
	}
	if opt.Datasets == nil {
		opt.Datasets = NewDatasets(DatasetsConfig{})
	}
	rs := &RuleSet{}
	errs := loadReader(rs, nil, r, file, vars, &opt, nil)
	return rs, errs
}

func loadReader(rs *RuleSet, errs []LoadError, r io.Reader, file string, vars Vars, opt *Options, fd *fileDigests) []LoadError {
	if opt.cache.addrs == nil {
		opt.cache = headerCache{addrs: map[string]AddrSet{}, ports: map[string]PortSet{}}
	}
	opt.ruleFile = file
	err := scanRules(r, func(line int, text string) {
		rs.Total++
		rule, sid, err := parseRule(text, vars, opt, fd)
		var skipped SkippedError
		if errors.As(err, &skipped) {
			rs.Skipped = append(rs.Skipped, LoadError{File: file, Line: line, SID: sid, Reason: err.Error()})
			return
		}
		if err != nil {
			errs = append(errs, LoadError{File: file, Line: line, SID: sid, Reason: err.Error()})
			return
		}
		rule.File, rule.Line = file, line
		if err := rs.add(rule); err != nil {
			errs = append(errs, LoadError{File: file, Line: line, SID: sid, Reason: err.Error()})
			return
		}
		rs.maxVars = max(rs.maxVars, len(rule.ByteVars))
		rs.maxCaps = max(rs.maxCaps, rule.maxCaps)
	})
	if err != nil {
		errs = append(errs, LoadError{File: file, Reason: fmt.Sprintf("reading rules: %v", err)})
	}
	return errs
}

// maxRuleLen bounds one rule (continuation lines included) so a corrupt file cannot make the
// loader buffer without limit.
const maxRuleLen = 1 << 20

// scanRules calls fn for each rule in r with the line it starts on. Lines ending in a
// backslash continue on the next line; blank lines and '#' comments (including disabled
// rules) are skipped.
func scanRules(r io.Reader, fn func(line int, text string)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxRuleLen)
	var b strings.Builder
	start, n := 0, 0
	for sc.Scan() {
		n++
		l := strings.TrimRight(sc.Text(), " \t\r")
		if b.Len() == 0 {
			t := strings.TrimLeft(l, " \t")
			if t == "" || t[0] == '#' {
				continue
			}
			start = n
			l = t
		}
		if strings.HasSuffix(l, `\`) {
			b.WriteString(l[:len(l)-1])
			if b.Len() > maxRuleLen {
				return fmt.Errorf("line %d: rule longer than %d bytes", start, maxRuleLen)
			}
			continue
		}
		b.WriteString(l)
		fn(start, b.String())
		b.Reset()
	}
	if b.Len() > 0 {
		fn(start, b.String())
	}
	return sc.Err()
}
