package sensor

import (
	"os"
	"path/filepath"

	"github.com/nightjar-ids/nightjar/signatures"
)

// DetectConfig holds the detection engine's settings (Suricata's detect section; Nightjar reads
// only its own keys there).
type DetectConfig struct {
	// CacheDir keeps compiled Hyperscan databases between runs, so an unchanged rule set starts
	// in milliseconds. Empty disables the cache.
	CacheDir string `yaml:"cache-dir"`
}

// FastOutput configures fast.log, Suricata's one-line alert log.
type FastOutput struct {
	Enabled  bool   `yaml:"enabled"`
	Filename string `yaml:"filename"`
}

// defaultCacheDir is nightjar's folder under the user's cache directory ($XDG_CACHE_HOME or
// ~/.cache), or /var/cache/nightjar for a service account without a home; "" (no cache) when
// neither can be named.
func defaultCacheDir() string {
	if d, err := os.UserCacheDir(); err == nil && d != "" {
		return filepath.Join(d, "nightjar")
	}
	if os.Geteuid() == 0 {
		return "/var/cache/nightjar"
	}
	return ""
}

// configRuleFiles is the rule-files list resolved against default-rule-path, as Suricata does:
// absolute names stay as they are.
func configRuleFiles(cfg *Config) []string {
	out := make([]string, 0, len(cfg.RuleFiles))
	for _, f := range cfg.RuleFiles {
		if f == "" {
			continue
		}
		if !filepath.IsAbs(f) && cfg.DefaultRulePath != "" {
			f = filepath.Join(cfg.DefaultRulePath, f)
		}
		out = append(out, f)
	}
	return out
}

// RuleVars is what rules see as $NAME: Suricata's defaults overlaid with the configured address
// and port groups.
func RuleVars(cfg *Config) signatures.Vars {
	v := signatures.DefaultVars()
	for k, val := range cfg.Vars.AddressGroups {
		v[k] = val
	}
	for k, val := range cfg.Vars.PortGroups {
		v[k] = val
	}
	return v
}
