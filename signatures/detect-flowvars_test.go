package signatures

import (
	"slices"
	"testing"
)

// TestFlowVarsAndAdoption: FlowVars lists a flow's set flowbits and flowints by name; a matcher
// of a reloaded rule set adopts them by name (ids differ between the two engines), drops the
// ones its rules no longer name, and an isset rule of the new rules sees the old flow's bit.
func TestFlowVarsAndAdoption(t *testing.T) {
	h := newHarness(t, `
alert tcp any any -> any any (msg:"login"; content:"login"; flowbits:set,zz.auth; flowbits:set,gone; flowint:tries,+,2; flowbits:noalert; sid:1;)
`, EngineOptions{})
	p := tcpTo(80, "login")
	h.expect(p)
	bits, names, vals := h.m.FlowVars(p.slot, p.gen, nil, nil, nil)
	if !slices.Equal(bits, []string{"zz.auth", "gone"}) || !slices.Equal(names, []string{"tries"}) || !slices.Equal(vals, []uint32{2}) {
		t.Fatalf("FlowVars: bits %v, ints %v=%v", bits, names, vals)
	}
	if bits, _, _ := h.m.FlowVars(p.slot, p.gen+1, nil, nil, nil); len(bits) != 0 {
		t.Errorf("another generation on the slot sees %v", bits)
	}

	// The reloaded rules name the bit second, and no longer name "gone".
	h2 := newHarness(t, `
alert tcp any any -> any any (msg:"other"; content:"other"; flowbits:set,aa.other; sid:2;)
alert tcp any any -> any any (msg:"secret after login"; content:"secret"; flowbits:isset,zz.auth; flowint:tries,>,1; sid:3;)
`, EngineOptions{})
	h2.m.AdoptFlows(h.m)
	bits, names, vals = h2.m.FlowVars(p.slot, p.gen, nil, nil, nil)
	if !slices.Equal(bits, []string{"zz.auth"}) || !slices.Equal(names, []string{"tries"}) || !slices.Equal(vals, []uint32{2}) {
		t.Errorf("adopted: bits %v, ints %v=%v", bits, names, vals)
	}
	q := p
	q.payload = "secret"
	h2.expect(q, 3)
}
