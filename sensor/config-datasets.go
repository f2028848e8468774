package sensor

import (
	"fmt"
	"log/slog"
	"sort"
	"sync"

	"github.com/nightjar-ids/nightjar/signatures"
)

// DatasetsConfig is suricata.yaml's datasets section: defaults for every set, what rules may
// write, and sets declared by name.
//
//	datasets:
//	  defaults: {memcap: 100mb, hashsize: 2048}
//	  rules: {allow-write: true, allow-absolute-filenames: false}
//	  ua-seen: {type: string, state: ua-seen.lst}
//	  dns-bl: {type: sha256, load: dns-bl.lst, memcap: 10mb, hashsize: 1024}
type DatasetsConfig struct {
	// Enabled is accepted for Suricata configs; datasets are always available.
	Enabled *bool `yaml:"enabled"`
	// Defaults bound each set that names no memcap or hashsize (0: 16 MiB and 4096).
	Defaults struct {
		Memcap   ByteSize `yaml:"memcap"`
		Hashsize ByteSize `yaml:"hashsize"`
	} `yaml:"defaults"`
	// Rules says what rules may do with files: AllowWrite (default true) lets a rule name a
	// save or state file; AllowAbsolute (default false) lets it be an absolute path or climb
	// out of data-dir.
	Rules struct {
		AllowWrite    *bool `yaml:"allow-write"`
		AllowAbsolute bool  `yaml:"allow-absolute-filenames"`
	} `yaml:"rules"`
	// SaveDirectory is accepted for Suricata configs; save and state files go to data-dir.
	SaveDirectory string `yaml:"save-directory"`
	// Limits is accepted for Suricata configs and not applied (each set has its own memcap).
	Limits map[string]any `yaml:"limits"`
	// Sets are the sets declared by name: every other key of the section.
	Sets map[string]DatasetDecl `yaml:",inline"`
}

// DatasetDecl is one set of the datasets section. State is a file loaded at start and written
// at shutdown; Load is only read. Relative paths are taken in data-dir (a load file not there
// is taken as given).
type DatasetDecl struct {
	Type     string   `yaml:"type"`
	Load     string   `yaml:"load"`
	State    string   `yaml:"state"`
	Memcap   ByteSize `yaml:"memcap"`
	Hashsize ByteSize `yaml:"hashsize"`
	// Format and the *_key settings are Suricata 8's JSON datasets, refused here.
	Format        string `yaml:"format"`
	ContextKey    string `yaml:"context_key"`
	ValueKey      string `yaml:"value_key"`
	EnrichmentKey string `yaml:"enrichment_key"`
}

// DefaultDataDir is where rules' dataset save and state files go when data-dir is not set
// (Suricata's is /var/lib/suricata/data).
const DefaultDataDir = "/var/lib/nightjar/data"

// datasetsHolder carries the dataset registry with the configuration. A Config and its copies
// share it, so the first rule load makes it and every reload finds the same sets.
type datasetsHolder struct {
	mu       sync.Mutex
	reg      *signatures.Datasets
	problems []string // the config's sets that could not be made
}

// datasets returns the configuration's dataset registry, making it (with the config's sets)
// on first use, and the problems met making the config's sets. A Config not made by
// DefaultConfig or LoadConfig gets a fresh registry on each call.
func (c *Config) datasets() (*signatures.Datasets, []string) {
	h := c.datasetState
	if h == nil {
		h = &datasetsHolder{}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.reg == nil {
		h.reg, h.problems = newDatasetRegistry(c)
	}
	return h.reg, h.problems
}

// newDatasetRegistry makes the registry the configuration describes and declares its sets.
func newDatasetRegistry(c *Config) (*signatures.Datasets, []string) {
	dc := &c.Datasets
	dataDir := c.DataDir
	if dataDir == "" {
		dataDir = DefaultDataDir
	}
	reg := signatures.NewDatasets(signatures.DatasetsConfig{
		DataDir:       dataDir,
		RulePath:      c.DefaultRulePath,
		Memcap:        uint64(max(dc.Defaults.Memcap, 0)),
		Hashsize:      uint32(min(max(dc.Defaults.Hashsize, 0), 1<<32-1)),
		DenyWrite:     dc.Rules.AllowWrite != nil && !*dc.Rules.AllowWrite,
		AllowAbsolute: dc.Rules.AllowAbsolute,
	})
	names := make([]string, 0, len(dc.Sets))
	for n := range dc.Sets {
		names = append(names, n)
	}
	sort.Strings(names)
	var problems []string
	for _, name := range names {
		d := dc.Sets[name]
		if d.Type == "" {
			continue // Suricata skips an entry without a type
		}
		if d.Format != "" || d.ContextKey != "" || d.ValueKey != "" || d.EnrichmentKey != "" {
			problems = append(problems, fmt.Sprintf("datasets.%s: JSON datasets (format, *_key) not supported yet", name))
			continue
		}
		t, err := signatures.ParseDatasetType(d.Type)
		if err != nil {
			problems = append(problems, fmt.Sprintf("datasets.%s: %v", name, err))
			continue
		}
		spec := signatures.DatasetSpec{Name: name, Type: t, Load: d.Load,
			Memcap: uint64(max(d.Memcap, 0)), Hashsize: uint32(min(max(d.Hashsize, 0), 1<<32-1))}
		if _, err := reg.Declare(spec, d.State); err != nil {
			problems = append(problems, fmt.Sprintf("datasets.%s: %v", name, err))
		}
	}
	return reg, problems
}

// saveDatasets writes the sets that have a save or state file, at shutdown.
func saveDatasets(det *detection, log *slog.Logger) {
	if det == nil || det.datasets == nil {
		return
	}
	if err := det.datasets.Save(); err != nil {
		log.Warn("datasets not saved", "err", err)
	}
}
