package main

import (
	"fmt"
	"strings"
)

// Nightjar takes Suricata's flag names, and suricata-verify passes Suricata flags Nightjar has no
// use for. argParser reads flags the way Suricata's getopt_long does (-r FILE, -rFILE, --set k=v,
// --set=k=v) and collects the ones it does not know instead of failing on them.

type flagSpec struct {
	takesValue bool
	apply      func(v string) error
}

type argParser struct {
	flags      map[string]flagSpec
	positional []string
	ignored    []string // unknown flags, reported as warnings
}

func newArgParser() *argParser { return &argParser{flags: map[string]flagSpec{}} }

func (p *argParser) value(apply func(string) error, names ...string) {
	for _, n := range names {
		p.flags[n] = flagSpec{takesValue: true, apply: apply}
	}
}

func (p *argParser) boolean(apply func() error, names ...string) {
	for _, n := range names {
		p.flags[n] = flagSpec{apply: func(string) error { return apply() }}
	}
}

// ignoreValue registers Suricata flags that take a value Nightjar does not use.
func (p *argParser) ignoreValue(names ...string) {
	for _, n := range names {
		name := n
		p.flags[n] = flagSpec{takesValue: true, apply: func(v string) error {
			p.ignored = append(p.ignored, name+" "+v)
			return nil
		}}
	}
}

func (p *argParser) parse(args []string) error {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			p.positional = append(p.positional, args[i+1:]...)
			return nil
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			p.positional = append(p.positional, a)
			continue
		}
		name, val, hasVal := a, "", false
		if strings.HasPrefix(a, "--") {
			if k, v, ok := strings.Cut(a, "="); ok {
				name, val, hasVal = k, v, true
			}
		} else if len(a) > 2 {
			if _, known := p.flags[a]; !known {
				// -rFILE style: a one-letter flag with its value attached.
				name, val, hasVal = a[:2], a[2:], true
			}
		}
		spec, ok := p.flags[name]
		if !ok {
			p.ignored = append(p.ignored, a)
			continue
		}
		if spec.takesValue && !hasVal {
			if i+1 >= len(args) {
				return fmt.Errorf("flag %s needs a value", name)
			}
			i++
			val = args[i]
		}
		if err := spec.apply(val); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}
