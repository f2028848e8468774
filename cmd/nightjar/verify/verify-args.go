package verify

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// srcdirMark stands in for ${SRCDIR}, the Suricata source tree run.py runs from. Nightjar
// has none, so any argument still carrying the mark after translation makes the test
// unrunnable here.
const srcdirMark = "@@SRCDIR@@"

var reTemplateID = regexp.MustCompile(`^[_a-zA-Z][_a-zA-Z0-9]*`)

// templateSubst is Python's string.Template.substitute, which run.py applies to args
// and commands: $$ is a dollar, $name and ${name} are looked up, anything else is an error.
func templateSubst(s string, env map[string]string) (string, error) {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '$')
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		s = s[i+1:]
		var name string
		switch {
		case strings.HasPrefix(s, "$"):
			b.WriteByte('$')
			s = s[1:]
			continue
		case strings.HasPrefix(s, "{"):
			end := strings.IndexByte(s, '}')
			if end < 0 || !reTemplateID.MatchString(s[1:end]) || reTemplateID.FindString(s[1:end]) != s[1:end] {
				return "", errors.New("invalid placeholder in string")
			}
			name, s = s[1:end], s[end+1:]
		default:
			name = reTemplateID.FindString(s)
			if name == "" {
				return "", errors.New("invalid placeholder in string")
			}
			s = s[len(name):]
		}
		v, ok := env[name]
		if !ok {
			return "", fmt.Errorf("unknown variable $%s", name)
		}
		b.WriteString(v)
	}
}

// shellSplit splits a command line into words like /bin/sh would for a simple command:
// quotes, backslash escapes and line continuations. Anything that needs a real shell
// (pipes, lists, redirections, substitutions, globbing of $) is refused.
func shellSplit(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
				continue
			}
			if i+1 < len(s) {
				cur.WriteByte(s[i+1])
				i++
				inWord = true
			}
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, errors.New("unterminated single quote")
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				switch {
				case s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`\n", s[i+1]) >= 0:
					if s[i+1] != '\n' {
						cur.WriteByte(s[i+1])
					}
					i++
				case s[i] == '$' || s[i] == '`':
					return nil, fmt.Errorf("shell expansion %q in quotes", s[i])
				default:
					cur.WriteByte(s[i])
				}
			}
			if i >= len(s) {
				return nil, errors.New("unterminated double quote")
			}
			inWord = true
		case c == ' ' || c == '\t':
			flush()
		case c == '\n':
			// A command line ends here; what follows must be blank.
			if strings.TrimSpace(s[i:]) != "" {
				return nil, errors.New("more than one command")
			}
			flush()
			return words, nil
		case strings.IndexByte("|&;<>()`$*?[", c) >= 0 || (!inWord && (c == '#' || c == '~')):
			return nil, fmt.Errorf("shell construct %q", c)
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	flush()
	return words, nil
}

var reShellAssign = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)

// shellBuiltins need no program on PATH.
var shellBuiltins = map[string]bool{
	"test": true, "[": true, "echo": true, "printf": true, "cd": true, "true": true, "false": true,
	"exit": true, "export": true, "read": true, "set": true, ":": true, "!": true, "if": true,
	"then": true, "else": true, "elif": true, "fi": true, "for": true, "while": true, "until": true,
	"do": true, "done": true, "case": true, "esac": true, "in": true, "{": true, "}": true, "[[": true,
	"return": true, "local": true, "eval": true, "exec": true, "command": true, "type": true, "pwd": true,
}

// shellPrograms lists the programs a shell line runs: the first word of every simple
// command, with quoted text skipped so that grep "a|b" is one command.
func shellPrograms(s string) []string {
	seen := map[string]bool{}
	var out []string
	atStart := true
	var word strings.Builder
	endWord := func() {
		if word.Len() == 0 {
			return
		}
		w := word.String()
		word.Reset()
		if !atStart {
			return
		}
		if reShellAssign.MatchString(w) || w == "!" || w == "then" || w == "do" || w == "else" || w == "if" || w == "while" || w == "{" {
			return // the command word comes next
		}
		atStart = false
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			if s[i+1] != '\n' {
				word.WriteByte(s[i+1])
			}
			i++
		case c == '\'' || c == '"':
			end := strings.IndexByte(s[i+1:], c)
			if end < 0 {
				return out
			}
			word.WriteString(s[i+1 : i+1+end])
			i += end + 1
		case c == '#' && word.Len() == 0:
			// A comment runs to the end of the line.
			end := strings.IndexByte(s[i:], '\n')
			if end < 0 {
				endWord()
				return out
			}
			i += end - 1
		case c == ' ' || c == '\t':
			endWord()
		case c == '|' || c == ';' || c == '&' || c == '\n' || c == '(' || c == ')' || c == '`':
			endWord()
			atStart = true
		case c == '$' && i+1 < len(s) && s[i+1] == '(':
			endWord()
		default:
			word.WriteByte(c)
		}
	}
	endWord()
	return out
}

// missingPrograms returns the programs a shell line needs that are not installed.
func missingPrograms(s string) []string {
	var missing []string
	for _, p := range shellPrograms(s) {
		if shellBuiltins[p] || strings.ContainsAny(p, "$=") {
			continue
		}
		if _, err := exec.LookPath(p); err != nil {
			missing = append(missing, p)
		}
	}
	return missing
}

// invocation is how one test runs the sensor.
type invocation struct {
	args []string
	dir  string   // working directory run.py gives Suricata: the test folder
	env  []string // KEY=value pairs added to the process environment
	skip *skipReason
}

// testEnv is run.py's build_env on top of this process's environment, plus the test's
// own env block. SRCDIR is left out: there is no Suricata source tree.
func testEnv(spec *testSpec, testDir, outDir string) []string {
	extra := []string{"TZ=UTC", "TEST_DIR=" + testDir, "OUTPUT_DIR=" + outDir}
	if _, ok := os.LookupEnv("ASAN_OPTIONS"); !ok {
		extra = append(extra, "ASAN_OPTIONS=detect_leaks=1")
	}
	for _, kv := range spec.env {
		extra = append(extra, kv[0]+"="+kv[1])
	}
	return extra
}

// templateEnv is the map run.py's string.Template sees.
func templateEnv(extra []string) map[string]string {
	m := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	for _, kv := range extra {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	m["SRCDIR"] = srcdirMark
	return m
}

// buildInvocation turns a test into `nightjar read` arguments. A returned error is a
// broken test (run.py reports those as failures); inv.skip says the test cannot run here.
func buildInvocation(spec *testSpec, eng *engine, testDir, outDir string) (*invocation, error) {
	inv := &invocation{dir: testDir, env: testEnv(spec, testDir, outDir)}
	tenv := templateEnv(inv.env)
	if spec.hasCommand {
		return inv, translateCommand(inv, spec.command, tenv, outDir)
	}

	pcap, err := findPcap(spec, testDir)
	if err != nil {
		return nil, err
	}
	if pcap == "" {
		if spec.pcapKey {
			inv.skip = skipf("pcap missing", "pcap %s is not in this copy of the suite", spec.pcap)
		} else if spec.pcapOff {
			inv.skip = skipf("no pcap", "no pcap: engine-only test (rule loading or analysis mode)")
		} else {
			inv.skip = skipf("no pcap", "No pcap file found")
		}
		return inv, nil
	}
	inv.args = append(inv.args, "-r", pcap)
	rules, err := ruleArgs(spec, eng, testDir)
	if err != nil {
		return nil, err
	}
	inv.args = append(inv.args, rules...)
	inv.args = append(inv.args, "-l", outDir)
	if _, err := os.Stat(filepath.Join(testDir, "suricata.yaml")); err == nil {
		inv.args = append(inv.args, "-c", filepath.Join(testDir, "suricata.yaml"))
	}
	inv.args = append(inv.args, "--init-errors-fatal")
	if strings.Contains(filepath.Base(testDir), "ips") {
		inv.args = append(inv.args, "--simulate-ips")
	}
	for _, a := range spec.args {
		v, err := templateSubst(a, tenv)
		if err != nil {
			return nil, fmt.Errorf("args %q: %w", a, err)
		}
		if strings.Contains(v, srcdirMark) {
			inv.skip = skipf("srcdir", "args use the Suricata source tree: %s", a)
			return inv, nil
		}
		inv.args = append(inv.args, v)
	}
	return inv, nil
}

// findPcap returns the absolute capture path, "" when there is none to read.
func findPcap(spec *testSpec, testDir string) (string, error) {
	if spec.pcapKey {
		p, err := filepath.Abs(resolveIn(testDir, spec.pcap))
		if err != nil {
			return "", fmt.Errorf("pcap %s: %w", spec.pcap, err)
		}
		if _, err := os.Stat(p); err != nil {
			return "", nil
		}
		return p, nil
	}
	var found []string
	for _, pat := range []string{"*.pcap", "*.pcapng"} {
		m, err := filepath.Glob(filepath.Join(testDir, pat))
		if err != nil {
			return "", err
		}
		found = append(found, m...)
	}
	switch len(found) {
	case 0:
		return "", nil
	case 1:
		return filepath.Abs(found[0])
	}
	return "", errors.New("more than 1 pcap file found")
}

// ruleArgs picks the rule files the way run.py does: none, one test rule file (a file
// named minX.Y.rules only from version X.Y), firewall.rules alone, or firewall.rules with
// td.rules. A "rules:" key naming a file elsewhere is honoured when the folder has none.
func ruleArgs(spec *testSpec, eng *engine, testDir string) ([]string, error) {
	rules, err := filepath.Glob(filepath.Join(testDir, "*.rules"))
	if err != nil {
		return nil, err
	}
	sort.Strings(rules)
	switch len(rules) {
	case 0:
		if spec.rules != "" {
			p, err := filepath.Abs(resolveIn(testDir, spec.rules))
			if err != nil {
				return nil, err
			}
			return []string{"-S", p}, nil
		}
		return nil, nil
	case 1:
		base := filepath.Base(rules[0])
		if strings.HasSuffix(base, "firewall.rules") {
			return []string{"--firewall-rules-exclusive", rules[0]}, nil
		}
		if strings.HasPrefix(base, "min") && len(base) > len("min.rules") {
			ok, err := eng.versionOK("min-version", strings.TrimSuffix(strings.TrimPrefix(base, "min"), ".rules"))
			if err == nil && !ok {
				return nil, nil
			}
		}
		return []string{"-S", rules[0]}, nil
	case 2:
		if strings.HasSuffix(rules[0], "firewall.rules") && strings.HasSuffix(rules[1], "td.rules") {
			return []string{"--firewall-rules-exclusive", rules[0], "-S", rules[1]}, nil
		}
		return nil, fmt.Errorf("two rule files must be firewall.rules and td.rules, got %s and %s", filepath.Base(rules[0]), filepath.Base(rules[1]))
	}
	return nil, errors.New("more than 1 rule file found")
}

// translateCommand turns a test's "command:" into `nightjar read` arguments when it is a
// single Suricata invocation; pipelines, other programs and unit-test or config-test
// modes without a capture are skipped. Options that only point Suricata at files of its
// own source tree (its suricata.yaml, classification and reference files) are dropped.
func translateCommand(inv *invocation, command string, tenv map[string]string, outDir string) error {
	line, err := templateSubst(command, tenv)
	if err != nil {
		return fmt.Errorf("command: %w", err)
	}
	words, err := shellSplit(strings.TrimSpace(line))
	if err != nil {
		inv.skip = skipf("command", "command needs a shell: %v", err)
		return nil
	}
	for len(words) > 0 && reShellAssign.MatchString(words[0]) {
		inv.env = append(inv.env, words[0])
		words = words[1:]
	}
	if len(words) == 0 || !strings.HasSuffix(words[0], "/src/suricata") {
		prog := ""
		if len(words) > 0 {
			prog = words[0]
		}
		inv.skip = skipf("command", "command runs %s, not suricata", strings.ReplaceAll(prog, srcdirMark, "${SRCDIR}"))
		return nil
	}
	var args []string
	hasPcap, hasLog := false, false
	for i := 1; i < len(words); i++ {
		w := words[i]
		if (w == "-c" || w == "--set") && i+1 < len(words) && strings.Contains(words[i+1], srcdirMark) {
			if w == "-c" || strings.HasPrefix(words[i+1], "classification-file=") || strings.HasPrefix(words[i+1], "reference-config-file=") {
				i++
				continue
			}
		}
		if strings.Contains(w, srcdirMark) {
			inv.skip = skipf("srcdir", "command uses the Suricata source tree: %s", strings.ReplaceAll(w, srcdirMark, "${SRCDIR}"))
			return nil
		}
		switch {
		case w == "-r" || strings.HasPrefix(w, "--pcap"):
			hasPcap = true
		case w == "-l":
			hasLog = true
		}
		args = append(args, w)
	}
	if !hasPcap {
		inv.skip = skipf("no pcap", "no pcap: engine-only command (rule loading, config test or unit tests)")
		return nil
	}
	if !hasLog {
		args = append(args, "-l", outDir)
	}
	inv.args = args
	return nil
}
