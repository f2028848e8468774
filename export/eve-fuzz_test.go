package export

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzEVEStrings feeds arbitrary text into every string an event carries and into stats counter
// names: the output must always be one valid JSON line, whatever the input.
func FuzzEVEStrings(f *testing.F) {
	f.Add("http", "decoder.pkts|flow.tcp|flow")
	f.Add("\x00\"\\\xff", "a..b|.|..|x.|x.y|uptime")
	f.Fuzz(func(t *testing.T, s, names string) {
		r := sampleTCPFlow()
		r.AppProto, r.State, r.Reason, r.TCPState, r.ConnState, r.History, r.Bypass = s, s, s, s, s, s, s
		r.CommunityID = MakeCommunityID(s)
		a := sampleAnomaly()
		a.Type, a.Event, a.Layer, a.AppProto = s, s, s, s
		st := &Stats{Uptime: 1}
		for i, n := range strings.Split(names, "|") {
			st.Counters = append(st.Counters, Counter{Name: n, Value: uint64(i)})
		}
		d := sampleDHCPRequest()
		d.ClientMAC = []byte(s)
		for i := range d.Options {
			d.Options[i].Data, d.Options[i].Name, d.Options[i].Names = []byte(s), s, []string{s, s}
		}
		// Address fields of any length, and a field value the writer does not know.
		d.Options = append(d.Options, DHCPOption{Field: DHCPRouters, Data: []byte(s)},
			DHCPOption{Field: DHCPSubnetMask, Data: []byte(s)}, DHCPOption{Field: DHCPField(len(s)), Data: []byte(s)})
		f := NewEVEFormat(EVEOptions{Host: s})
		basic := *d
		basic.Extended = false
		for _, line := range [][]byte{f.AppendFlow(nil, r), f.AppendAnomaly(nil, a), f.AppendStats(nil, st),
			f.AppendDHCP(nil, d), f.AppendDHCP(nil, &basic)} {
			if strings.Count(string(line), "\n") != 1 || line[len(line)-1] != '\n' || !json.Valid(line) {
				t.Fatalf("not one valid JSON line: %q", line)
			}
			var m map[string]any
			if err := json.Unmarshal(line, &m); err != nil {
				t.Fatal(err)
			}
		}
	})
}
