package bench

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/nightjar-ids/nightjar/sensor"
	"github.com/nightjar-ids/nightjar/signatures"
)

// ruleVars gives the rules the config's address and port groups.
func ruleVars(cfg *sensor.Config) signatures.Vars {
	v := signatures.DefaultVars()
	for k, s := range cfg.Vars.AddressGroups {
		v[k] = s
	}
	for k, s := range cfg.Vars.PortGroups {
		v[k] = s
	}
	return v
}

// loadRules loads the files once and times it.
func loadRules(files []string, cfg *sensor.Config) RuleLoad {
	start := time.Now()
	rs, errs := signatures.Load(files, ruleVars(cfg))
	return RuleLoad{Loaded: len(rs.Rules), Failed: len(errs), Seconds: time.Since(start).Seconds()}
}

// firstRules writes the first n active rules of files (in file order, one rule per line as
// ET ships them) to out, for the rule-set-size sweep.
func firstRules(files []string, n int, out string) (string, error) {
	f, err := os.Create(out)
	if err != nil {
		return "", fmt.Errorf("rule subset: %w", err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	left := n
	for _, name := range files {
		if left == 0 {
			break
		}
		in, err := os.Open(name)
		if err != nil {
			return "", fmt.Errorf("rule subset: %w", err)
		}
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for left > 0 && sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || line[0] == '#' {
				continue
			}
			w.WriteString(line)
			w.WriteByte('\n')
			left--
		}
		err = sc.Err()
		in.Close()
		if err != nil {
			return "", fmt.Errorf("rule subset %s: %w", name, err)
		}
	}
	if err := w.Flush(); err != nil {
		return "", fmt.Errorf("rule subset: %w", err)
	}
	return out, nil
}
