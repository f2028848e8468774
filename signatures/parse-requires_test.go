package signatures

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"
)

func TestVersionSatisfies(t *testing.T) {
	for _, tc := range []struct {
		v, expr string
		want    bool
	}{
		{"8.0.0", ">= 7", true},
		{"8.0.0", ">= 7 < 8", false},
		{"8.0.0", ">= 7.0.3 < 8 | >= 8.0.1", false},
		{"8.0.1", ">= 7.0.3 < 8 | >= 8.0.1", true},
		{"7.0.5", ">= 7.0.3 < 8 | >= 8.0.1", true},
		{"8.0.0", ">= 8.0.0", true},
		{"8.0.0", "< 8", false},
		{"8.1.0", "< 8", false},
		{"8.0.0", "> 7.9", true},
		{"8.0.0", "= 8", true},
		{"8.0.0", "<= 7.99", false},
	} {
		got, err := versionSatisfies(tc.v, tc.expr)
		if err != nil || got != tc.want {
			t.Errorf("versionSatisfies(%s, %q) = %v, %v; want %v", tc.v, tc.expr, got, err, tc.want)
		}
	}
	for _, bad := range []string{">= ", ">= x", "~ 8", ">= 1.2.3.4"} {
		if _, err := versionSatisfies("8.0.0", bad); err == nil {
			t.Errorf("versionSatisfies(%q): no error", bad)
		}
	}
}

// TestRequiresSkipsRules: a rule whose requirements are not met is skipped before it is
// parsed (its other options may be syntax this engine does not know), and counted apart from
// failures; met requirements load the rule as usual.
func TestRequiresSkipsRules(t *testing.T) {
	rs, errs := LoadReader(strings.NewReader(`
alert tcp any any -> any any (msg:"met"; content:"a"; requires: version >= 7, feature ja4, keyword http.uri; sid:1;)
alert vxlan any any -> any any (requires: version >= 10; sid:2;)
alert tcp any any -> any any (content:"b"; requires: feature lua; sid:3;)
alert tcp any any -> any any (content:"c"; requires: keyword no.such_keyword; sid:4;)
alert tcp any any -> any any (content:"d"; requires: foo bar; sid:5;)
alert tcp any any -> any any (content:"e"; bogus_keyword; sid:6;)
`), "r.rules", DefaultVars(), Options{})
	if len(rs.Rules) != 1 || rs.Rules[0].SID != 1 {
		t.Fatalf("loaded %d rules, want sid 1 alone", len(rs.Rules))
	}
	var skipped []uint32
	for _, e := range rs.Skipped {
		skipped = append(skipped, e.SID)
	}
	if got, want := skipped, []uint32{2, 3, 4, 5}; !sidsEqual(got, want) {
		t.Errorf("skipped %v, want %v", got, want)
	}
	if len(errs) != 1 || errs[0].SID != 6 {
		t.Errorf("failures %v, want sid 6 alone", errs)
	}
	if rs.Total != 6 {
		t.Errorf("Total %d, want 6", rs.Total)
	}
}

// TestCoreKeywords keeps coreKeywords in step with the keywords the builder's switches name.
func TestCoreKeywords(t *testing.T) {
	fset := token.NewFileSet()
	named := map[string]bool{}
	for file, fn := range map[string]string{"parse-rule.go": "option", "parse-app-keywords.go": "appKeyword"} {
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Name.Name != fn {
				continue
			}
			// The function's own switch on the keyword's name: its case labels.
			for _, st := range fd.Body.List {
				sw, ok := st.(*ast.SwitchStmt)
				if !ok {
					continue
				}
				for _, c := range sw.Body.List {
					for _, e := range c.(*ast.CaseClause).List {
						if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
							s, _ := strconv.Unquote(lit.Value)
							named[s] = true
						}
					}
				}
			}
		}
	}
	if len(named) < 50 {
		t.Fatalf("found only %d keywords in the builder's switches", len(named))
	}
	for k := range named {
		if !coreKeywords[k] {
			t.Errorf("keyword %q is handled by the builder but missing from coreKeywords", k)
		}
	}
	for k := range coreKeywords {
		if !named[k] {
			t.Errorf("coreKeywords lists %q, which the builder does not handle by name", k)
		}
	}
}

// TestDuplicateSIDs: as in Suricata, a later rule with the same gid:sid and a higher rev
// replaces the earlier one in its place; the same or a lower rev is refused as a duplicate.
func TestDuplicateSIDs(t *testing.T) {
	rs, errs := LoadReader(strings.NewReader(`
alert tcp any any -> any any (msg:"first"; content:"a"; sid:1; rev:1;)
alert tcp any any -> any any (msg:"other"; content:"b"; sid:2; rev:1;)
alert tcp any any -> any any (msg:"newer"; content:"c"; sid:1; rev:2;)
alert tcp any any -> any any (msg:"older"; content:"d"; sid:1; rev:1;)
alert tcp any any -> any any (msg:"other gid"; content:"e"; gid:3; sid:1; rev:1;)
`), "d.rules", DefaultVars(), Options{})
	var msgs []string
	for _, r := range rs.Rules {
		msgs = append(msgs, r.Msg)
	}
	if got, want := strings.Join(msgs, ","), "newer,other,other gid"; got != want {
		t.Errorf("rules %s, want %s", got, want)
	}
	if len(errs) != 1 || errs[0].Line != 5 || !strings.Contains(errs[0].Reason, "duplicate") {
		t.Errorf("errors %v, want the rev 1 duplicate on line 5", errs)
	}
}

// TestSpaceBeforeSemicolon: Suricata takes white space between a quoted value and its
// semicolon; so does the loader (gonids alone does not).
func TestSpaceBeforeSemicolon(t *testing.T) {
	rs, errs := LoadReader(strings.NewReader(`alert http any any -> any any (msg:"spaced" ; file.data; content: "identity works" ; sid:1;)`+"\n"),
		"s.rules", DefaultVars(), Options{})
	if len(errs) != 0 || len(rs.Rules) != 1 {
		t.Fatalf("errors %v, %d rules", errs, len(rs.Rules))
	}
	r := rs.Rules[0]
	if r.Msg != "spaced" || len(r.Buffers) != 1 || len(r.Buffers[0].Matchers) != 1 ||
		string(r.Buffers[0].Matchers[0].Content.Pattern) != "identity works" {
		t.Errorf("msg %q, buffers %+v", r.Msg, r.Buffers)
	}
}

// TestVLANID: vlan.id compares the packet's VLAN ids, outer first, at a layer, the last, all of
// them or any one; a packet without VLAN tags never matches.
func TestVLANID(t *testing.T) {
	rs, errs := LoadReader(strings.NewReader(`
alert ip any any -> any any (vlan.id:200,0; sid:1;)
alert ip any any -> any any (vlan.id:300; sid:2;)
alert ip any any -> any any (vlan.id:400,-1; sid:3;)
alert ip any any -> any any (vlan.id:!200,1; sid:4;)
alert ip any any -> any any (vlan.id:>100,all; sid:5;)
alert ip any any -> any any (vlan.id:100-600,2; sid:6;)
alert ip any any -> any any (vlan.id:200,3; sid:7;)
alert ip any any -> any any (vlan.id:5000; sid:8;)
`), "v.rules", DefaultVars(), Options{})
	if len(rs.Rules) != 6 || len(errs) != 2 {
		t.Fatalf("%d rules, errors %v; want 6 and two refused (layer 3, id past 4095)", len(rs.Rules), errs)
	}
	for _, tc := range []struct {
		ids  []uint16
		want [6]bool
	}{
		{[]uint16{200, 300, 400}, [6]bool{true, true, true, true, true, true}},
		{[]uint16{200, 200}, [6]bool{true, false, false, false, true, false}},
		{[]uint16{50, 300}, [6]bool{false, true, false, true, false, false}},
		{nil, [6]bool{}},
	} {
		for i, r := range rs.Rules {
			if got := r.VLANIDs[0].match(tc.ids); got != tc.want[i] {
				t.Errorf("sid %d on %v: %v, want %v", r.SID, tc.ids, got, tc.want[i])
			}
		}
	}
}
