package signatures

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"strconv"
	"strings"
)

//go:embed classification.config
var defaultClassificationConfig string

//go:embed reference.config
var defaultReferenceConfig string

// Classification is one classtype from classification.config; Priority is the alert severity.
type Classification struct {
	Name, Description string
	Priority          int
}

// Classifications maps classtype names (lower case) to their entries.
type Classifications map[string]*Classification

// References maps reference systems (lower case) to URL prefixes.
type References map[string]string

// DefaultClassifications returns Suricata's standard classification.config.
func DefaultClassifications() Classifications {
	c, err := ParseClassifications(strings.NewReader(defaultClassificationConfig))
	if err != nil {
		panic("signatures: embedded classification.config: " + err.Error())
	}
	return c
}

// DefaultReferences returns Suricata's standard reference.config.
func DefaultReferences() References {
	r, err := ParseReferences(strings.NewReader(defaultReferenceConfig))
	if err != nil {
		panic("signatures: embedded reference.config: " + err.Error())
	}
	return r
}

// ParseClassifications reads "config classification: name,description,priority" lines.
func ParseClassifications(r io.Reader) (Classifications, error) {
	out := Classifications{}
	err := configLines(r, "classification", func(line int, v string) error {
		parts := strings.Split(v, ",")
		if len(parts) != 3 {
			return fmt.Errorf("line %d: want name,description,priority", line)
		}
		prio, err := strconv.Atoi(strings.TrimSpace(parts[2]))
		if err != nil || prio < 0 {
			return fmt.Errorf("line %d: bad priority %q", line, parts[2])
		}
		name := strings.TrimSpace(parts[0])
		out[strings.ToLower(name)] = &Classification{Name: name, Description: strings.TrimSpace(parts[1]), Priority: prio}
		return nil
	})
	return out, err
}

// ParseReferences reads "config reference: system url" lines.
func ParseReferences(r io.Reader) (References, error) {
	out := References{}
	err := configLines(r, "reference", func(line int, v string) error {
		f := strings.Fields(v)
		if len(f) != 2 {
			return fmt.Errorf("line %d: want system url", line)
		}
		out[strings.ToLower(f[0])] = f[1]
		return nil
	})
	return out, err
}

func configLines(r io.Reader, kind string, fn func(line int, v string) error) error {
	sc := bufio.NewScanner(r)
	prefix := "config " + kind + ":"
	for n := 1; sc.Scan(); n++ {
		l := strings.TrimSpace(sc.Text())
		if l == "" || l[0] == '#' {
			continue
		}
		if !strings.HasPrefix(l, prefix) {
			return fmt.Errorf("line %d: not a %q line", n, prefix)
		}
		if err := fn(n, strings.TrimSpace(l[len(prefix):])); err != nil {
			return err
		}
	}
	return sc.Err()
}
