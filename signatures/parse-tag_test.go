package signatures

import (
	"strings"
	"testing"
)

func TestParseTag(t *testing.T) {
	r := mustRule(t, `alert dns any any -> any any (msg:"m"; content:"x"; tag:host,100,packets,src; tag:session; tag:host; tag:session,30,seconds; tag:host,1000,bytes,dst; sid:1;)`)
	want := []Tag{
		{Host: true, Src: true, Count: 100, Metric: TagPackets},
		{Count: 256, Metric: TagPackets},
		{Host: true, Count: 256, Metric: TagPackets}, // host with no direction: the destination
		{Count: 30, Metric: TagSeconds},
		{Host: true, Count: 1000, Metric: TagBytes},
	}
	if len(r.Tags) != len(want) {
		t.Fatalf("tags %+v, want %+v", r.Tags, want)
	}
	for i := range want {
		if r.Tags[i] != want[i] {
			t.Errorf("tag %d = %+v, want %+v", i, r.Tags[i], want[i])
		}
	}
	for _, bad := range []string{"flow", "session,10,seconds,src", "host,0,packets", "host,10,frames", "host,10", "host,10,packets,up", "session,1,packets,src,x"} {
		_, errs := LoadReader(strings.NewReader(`alert tcp any any -> any any (msg:"m"; tag:`+bad+`; sid:3;)`+"\n"), "f.rules", nil, Options{})
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), "tag") {
			t.Errorf("tag:%s: errors %v, want one naming tag", bad, errs)
		}
	}
}
