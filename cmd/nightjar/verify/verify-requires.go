package verify

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
)

// DefaultFeatures is what `suricata --build-info` lists for Suricata 8 as Debian builds it
// (the Features line plus every "X support: yes" line, which run.py also counts), limited
// to names that matter. Lua, JA3/JA4, libmagic, libnet, lz4 and GeoIP2 are in; debug-only
// builds (QA_SIMULATION, DEBUG, ASAN, UNITTESTS, FUZZ) are out.
var DefaultFeatures = []string{
	"PCAP_SET_BUFF", "AF_PACKET", "HAVE_PACKET_FANOUT", "LIBCAP_NG", "LIBNET1.1",
	"HAVE_HTP_URI_NORMALIZE_HOOK", "PCRE_JIT", "HAVE_NSS", "HTTP2_DECOMPRESSION", "HAVE_LUA",
	"HAVE_JA3", "HAVE_JA4", "HAVE_LIBJANSSON", "TLS", "TLS_C11", "MAGIC", "RUST", "POPCNT64",
	"NFQ", "AF_XDP", "eBPF", "XDP", "NFQueue", "NFLOG", "Libmagic", "libjansson", "hiredis",
	"GeoIP2", "JA3", "JA4", "Hyperscan", "Libnet", "liblz4", "Landlock", "Systemd", "Rust",
}

// skipReason says why a test or check does not apply. Category groups reasons for reports.
type skipReason struct {
	Category string
	Text     string
}

func skipf(category, format string, args ...any) *skipReason {
	return &skipReason{Category: category, Text: fmt.Sprintf(format, args...)}
}

// suriVersion is a parsed version. Missing parts are 0, except when parsed for an
// equality test, where a missing part matches anything (requires version: 7 covers 7.x.y).
type suriVersion struct {
	major, minor, patch int
	noMinor, noPatch    bool
}

var reVersion = regexp.MustCompile(`(?:Suricata version |^)(\d+)\.?(\d+)?\.?(\d+)?`)

func parseVersion(v any, forEqual bool) (suriVersion, error) {
	s := strings.TrimSpace(pyStr(v))
	m := reVersion.FindStringSubmatch(s)
	if m == nil {
		return suriVersion{}, fmt.Errorf("bad version %q", s)
	}
	var out suriVersion
	out.major, _ = strconv.Atoi(m[1])
	if m[2] != "" {
		out.minor, _ = strconv.Atoi(m[2])
	} else {
		out.noMinor = forEqual
	}
	if m[3] != "" {
		out.patch, _ = strconv.Atoi(m[3])
	} else {
		out.noPatch = forEqual
	}
	return out, nil
}

// cmp orders versions lexicographically. run.py's is_lt has a quirk (it ignores a larger
// minor when comparing patches); it cannot show with an x.0.0 engine version, and
// lexicographic order is what test authors mean.
func (a suriVersion) cmp(b suriVersion) int {
	for _, d := range [...]int{a.major - b.major, a.minor - b.minor, a.patch - b.patch} {
		if d != 0 {
			if d < 0 {
				return -1
			}
			return 1
		}
	}
	return 0
}

func (a suriVersion) matches(b suriVersion) bool {
	if a.major != b.major {
		return false
	}
	if !a.noMinor && !b.noMinor && a.minor != b.minor {
		return false
	}
	if !a.noPatch && !b.noPatch && a.patch != b.patch {
		return false
	}
	return true
}

// engine is the Suricata the suite is judged against, plus the host facts run.py reads.
type engine struct {
	version  suriVersion
	features map[string]bool
	uid      int
	goos     string
	arch     string // platform.machine() spelling: x86_64, aarch64
}

func newEngine(version string, features []string) (*engine, error) {
	if version == "" {
		version = "8.0.0"
	}
	v, err := parseVersion(version, false)
	if err != nil {
		return nil, fmt.Errorf("engine version: %w", err)
	}
	if features == nil {
		features = DefaultFeatures
	}
	e := &engine{version: v, features: map[string]bool{}, uid: os.Getuid(), goos: runtime.GOOS, arch: runtime.GOARCH}
	for _, f := range features {
		e.features[f] = true
	}
	switch e.arch {
	case "amd64":
		e.arch = "x86_64"
	case "arm64":
		e.arch = "aarch64"
	}
	return e, nil
}

// versionOK evaluates min-version (gte), lt-version, gt-version and version (equal).
func (e *engine) versionOK(key string, want any) (bool, error) {
	v, err := parseVersion(want, key == "version")
	if err != nil {
		return false, fmt.Errorf("%s: %w", key, err)
	}
	switch key {
	case "min-version":
		return e.version.cmp(v) >= 0, nil
	case "lt-version":
		return e.version.cmp(v) < 0, nil
	case "gt-version":
		return e.version.cmp(v) > 0, nil
	case "version":
		return e.version.matches(v), nil
	}
	return false, fmt.Errorf("unknown version key %s", key)
}

// stringList accepts a YAML list of scalars or a single scalar.
func stringList(v any) []string {
	switch x := v.(type) {
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			out = append(out, pyStr(e))
		}
		return out
	case nil:
		return nil
	}
	return []string{pyStr(v)}
}

var reLambdaPlatform = regexp.MustCompile(`^\s*sys\.platform\s*(==|!=)\s*["']([^"']*)["']\s*$`)

// evalRequires judges one requires block (test level or check level). It returns nil when
// every requirement holds, a reason when one does not, and a reason in category
// "unevaluable" when one cannot be judged here (run.py would run a Python lambda or a
// script against the Suricata source tree). The "pcap" key is handled by the caller.
func (e *engine) evalRequires(req *ymap) *skipReason {
	if req == nil {
		return nil
	}
	for i, k := range req.keys {
		key := keyString(k)
		val := req.vals[i]
		switch key {
		case "min-version", "lt-version", "gt-version", "version":
			ok, err := e.versionOK(key, val)
			if err != nil {
				return skipf("unevaluable", "requires %v", err)
			}
			if !ok {
				return skipf(key, "requires %s %s (judging as %d.%d.%d)", key, pyStr(val), e.version.major, e.version.minor, e.version.patch)
			}
		case "features":
			for _, f := range stringList(val) {
				if !e.features[f] {
					return skipf("feature "+f, "requires feature %s", f)
				}
			}
		case "env":
			for _, name := range stringList(val) {
				if _, ok := os.LookupEnv(name); !ok {
					return skipf("env", "requires env var %s", name)
				}
			}
		case "files":
			for _, f := range stringList(val) {
				if !filepath.IsAbs(f) {
					return skipf("unevaluable", "requires file %s (relative to a Suricata source tree)", f)
				}
				if _, err := os.Stat(f); err != nil {
					return skipf("files", "requires file %s", f)
				}
			}
		case "script":
			return skipf("unevaluable", "requires script %q (runs against a Suricata source tree)", strings.Join(stringList(val), "; "))
		case "pcap":
		case "lambda":
			expr := pyStr(val)
			m := reLambdaPlatform.FindStringSubmatch(expr)
			if m == nil {
				return skipf("unevaluable", "requires lambda %q", expr)
			}
			// Python's sys.platform is "linux" on Linux and matches GOOS for the others
			// that matter here.
			is := e.goos == m[2]
			if (m[1] == "==") != is {
				return skipf("lambda", "requires %s", expr)
			}
		case "os":
			if !strings.HasPrefix(e.goos, strings.ToLower(pyStr(val))) {
				return skipf("os", "requires os %s", pyStr(val))
			}
		case "arch":
			if !strings.HasPrefix(e.arch, strings.ToLower(pyStr(val))) {
				return skipf("arch", "requires arch %s", pyStr(val))
			}
		default:
			return skipf("unevaluable", "unknown requires key %q", key)
		}
	}
	return nil
}

// evalSkip judges the test's "skip" list (or skip: true).
func (e *engine) evalSkip(v any) *skipReason {
	switch x := v.(type) {
	case nil:
		return nil
	case bool:
		if x {
			return skipf("skip", "skipped by default")
		}
		return nil
	case []any:
		for _, entry := range x {
			m, ok := entry.(*ymap)
			if !ok {
				return skipf("unevaluable", "skip entry is not a mapping")
			}
			msg, hasMsg := m.get("msg")
			if uid, ok := m.get("uid"); ok {
				if n, ok := asNum(uid); ok && !n.isFloat && n.i.IsInt64() && n.i.Int64() == int64(e.uid) {
					if hasMsg {
						return skipf("skip uid", "%s", pyStr(msg))
					}
					return skipf("skip uid", "not for uid %d", e.uid)
				}
			}
			if f, ok := m.get("feature"); ok && e.features[pyStr(f)] {
				if hasMsg {
					return skipf("skip feature", "%s", pyStr(msg))
				}
				return skipf("skip feature", "not for feature %s", pyStr(f))
			}
			if _, ok := m.get("config"); ok {
				return skipf("unevaluable", "skip by config value needs suricata --dump-config")
			}
		}
		return nil
	}
	return skipf("unevaluable", "skip is neither a list nor a bool")
}
