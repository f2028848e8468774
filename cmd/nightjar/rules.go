package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/nightjar-ids/nightjar/sensor"
	"github.com/nightjar-ids/nightjar/signatures"
)

const rulesUsage = `usage: nightjar rules check   [-c CONFIG] [--set k=v] FILE…
       nightjar rules list    [-c CONFIG] [--set k=v] FILE…
       nightjar rules explain [-c CONFIG] [--set k=v] SID FILE…

check    load and compile the rules as the sensor would; print each rule that is not loaded
         (FILE:LINE sid N: reason) and "loaded N of M rules"; exit 1 when any failed
list     one line per loaded rule: sid, action, protocol, msg
explain  the parsed form of one rule: where it is, its header, every option, its fast pattern
`

// cmdRules runs `nightjar rules …`. The configuration (-c, --set) matters because rules resolve
// $HOME_NET and the other variables from it, exactly as `nightjar read` does.
func cmdRules(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, rulesUsage)
		return 2
	}
	sub, args := args[0], args[1:]
	var configFile string
	var sets []string
	p := newArgParser()
	p.value(func(v string) error { configFile = v; return nil }, "-c")
	p.value(func(v string) error { sets = append(sets, v); return nil }, "--set")
	if err := p.parse(args); err != nil {
		fmt.Fprintf(os.Stderr, "nightjar rules: %v\n", err)
		return 2
	}
	for _, ig := range p.ignored {
		fmt.Fprintf(os.Stderr, "nightjar rules: unknown flag %s\n", ig)
		return 2
	}
	files := p.positional
	var sid uint32
	switch sub {
	case "check", "list":
	case "explain":
		if len(files) == 0 {
			fmt.Fprint(os.Stderr, rulesUsage)
			return 2
		}
		n, err := strconv.ParseUint(files[0], 10, 32)
		if err != nil {
			fmt.Fprintf(os.Stderr, "nightjar rules explain: want a sid, got %q\n", files[0])
			return 2
		}
		sid, files = uint32(n), files[1:]
	case "help", "-h", "--help":
		fmt.Print(rulesUsage)
		return 0
	default:
		fmt.Fprintf(os.Stderr, "nightjar rules: unknown subcommand %q\n%s", sub, rulesUsage)
		return 2
	}
	if len(files) == 0 {
		fmt.Fprintf(os.Stderr, "nightjar rules %s: no rule files given\n", sub)
		return 2
	}
	cfg, warnings, err := sensor.LoadConfig(configFile, sets)
	if err != nil {
		fmt.Fprintf(os.Stderr, "nightjar rules: %v\n", err)
		return 1
	}
	for _, w := range warnings {
		fmt.Fprintf(os.Stderr, "nightjar rules: warning: %s\n", w)
	}
	cr, err := sensor.CompileRules(&cfg, files)
	if err != nil {
		fmt.Fprintf(os.Stderr, "nightjar rules: %v\n", err)
		return 1
	}
	switch sub {
	case "check":
		return rulesCheck(os.Stdout, cr)
	case "list":
		return rulesList(os.Stdout, cr)
	default:
		return rulesExplain(os.Stdout, cr, sid)
	}
}

// rulesCheck prints the problems and the count; 1 when any rule was not loaded.
func rulesCheck(w io.Writer, cr *sensor.CompiledRules) int {
	for _, p := range cr.Problems {
		fmt.Fprintln(w, p)
	}
	// Rules whose requires keyword this engine does not meet are not loaded, and not failures.
	for _, e := range cr.Set.Skipped {
		fmt.Fprintln(w, e.Error())
	}
	fmt.Fprintf(w, "loaded %d of %d rules", cr.Engine.Stats().Rules, cr.Set.Total)
	if n := len(cr.Set.Skipped); n > 0 {
		fmt.Fprintf(w, " (%d skipped by requires)", n)
	}
	fmt.Fprintln(w)
	if len(cr.Problems) > 0 {
		return 1
	}
	return 0
}

// rulesList prints every rule the engine loaded, in file order.
func rulesList(w io.Writer, cr *sensor.CompiledRules) int {
	failed := failedRules(cr)
	for _, r := range cr.Set.Rules {
		if failed[ruleAt{r.File, r.Line}] {
			continue
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\n", r.SID, r.Action, ruleProto(r), r.Msg)
	}
	return 0
}

// ruleAt names a rule by where it is: sids may repeat across files.
type ruleAt struct {
	file string
	line int
}

// failedRules are the parsed rules the engine refused, found by the FILE:LINE their problem
// line starts with.
func failedRules(cr *sensor.CompiledRules) map[ruleAt]bool {
	out := map[ruleAt]bool{}
	for _, r := range cr.Set.Rules {
		prefix := r.File + ":" + strconv.Itoa(r.Line) + " "
		for _, p := range cr.Problems {
			if strings.HasPrefix(p, prefix) {
				out[ruleAt{r.File, r.Line}] = true
			}
		}
	}
	return out
}

// rulesExplain prints every rule with the sid (a sid may be in several files).
func rulesExplain(w io.Writer, cr *sensor.CompiledRules, sid uint32) int {
	failed := failedRules(cr)
	found := false
	for _, r := range cr.Set.Rules {
		if r.SID != sid {
			continue
		}
		found = true
		fmt.Fprintf(w, "%s:%d  sid %d gid %d rev %d\n", r.File, r.Line, r.SID, r.GID, r.Rev)
		fmt.Fprintf(w, "  rule:      %s\n", r.Raw)
		fmt.Fprintf(w, "  msg:       %s\n", r.Msg)
		fmt.Fprintf(w, "  action:    %s   proto: %s", r.Action, ruleProto(r))
		if r.Bidirectional {
			fmt.Fprint(w, "   bidirectional")
		}
		fmt.Fprintln(w)
		class := "(none)"
		if r.Class != nil {
			class = r.Class.Name + " (" + r.Class.Description + ")"
		}
		fmt.Fprintf(w, "  classtype: %s   priority: %d\n", class, r.Priority)
		fmt.Fprintf(w, "  options:\n")
		for _, o := range r.Options {
			if o.Value == "" {
				fmt.Fprintf(w, "    %s\n", o.Name)
			} else {
				fmt.Fprintf(w, "    %s: %s\n", o.Name, o.Value)
			}
		}
		fmt.Fprintf(w, "  fast pattern: %s\n", fastPatternText(r))
		if failed[ruleAt{r.File, r.Line}] {
			fmt.Fprintf(w, "  NOT LOADED by the engine (see `nightjar rules check`)\n")
		}
	}
	for _, p := range cr.Problems {
		if strings.Contains(p, " sid "+strconv.FormatUint(uint64(sid), 10)+":") {
			found = true
			fmt.Fprintf(w, "not loaded: %s\n", p)
		}
	}
	if !found {
		fmt.Fprintf(os.Stderr, "nightjar rules explain: no rule with sid %d\n", sid)
		return 1
	}
	return 0
}

// fastPatternText shows the content the rule marks fast_pattern, or the longest content of its
// payload list, which is the engine's usual pick for a rule without one.
func fastPatternText(r *signatures.Rule) string {
	var best *signatures.Content
	for _, b := range append([]*signatures.Buffer{r.Payload}, r.Buffers...) {
		if b == nil {
			continue
		}
		for i := range b.Matchers {
			c := b.Matchers[i].Content
			if c == nil || b.Matchers[i].Negated {
				continue
			}
			if c.FastPattern {
				return strconv.Quote(string(c.FastPatternBytes())) + " (fast_pattern, in " + b.Name + ")"
			}
			if best == nil || len(c.Pattern) > len(best.Pattern) {
				best = c
			}
		}
	}
	if best == nil {
		return "(none: the rule is checked on every packet of its group)"
	}
	return strconv.Quote(string(best.Pattern)) + " (no fast_pattern keyword: the longest content, the engine's usual pick)"
}

var ruleProtoNames = [...]string{"ip", "tcp", "udp", "icmp", "icmpv4", "icmpv6", "sctp"}

func ruleProto(r *signatures.Rule) string {
	name := "ip"
	if int(r.Proto) < len(ruleProtoNames) {
		name = ruleProtoNames[r.Proto]
	}
	if r.AppProto != "" {
		return name + "/" + r.AppProto
	}
	return name
}
