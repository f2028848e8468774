package sensor

import "testing"

// TestAppProtoPerDirection: a client speaking HTTP to an SSH server. The flow is parsed as
// HTTP, but each direction keeps the protocol recognised on it, which app-layer-protocol's
// direction modes compare (Suricata's alproto_ts and alproto_tc).
func TestAppProtoPerDirection(t *testing.T) {
	c := newDACapture(t)
	v := c.conv(40000, 22)
	v.handshake()
	v.send(true, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	v.send(false, "SSH-2.0-OpenSSH_9.0\r\n")
	v.close()
	r := runAppRules(t, c.write(), []string{
		`alert tcp any any -> any any (flow:to_client; app-layer-protocol:http,to_server; app-layer-protocol:ssh,to_client; sid:1;)`,
		`alert tcp any any -> any any (flow:to_client; app-layer-protocol:http; sid:2;)`,
		`alert tcp any any -> any any (flow:to_client; app-layer-protocol:ssh; sid:3;)`,
		`alert tcp any any -> any any (flow:to_server; app-layer-protocol:ssh,either; app-layer-protocol:http,final; sid:4;)`,
		`alert tcp any any -> any any (app-layer-protocol:ssh,to_server; sid:5;)`,
	}, 1)
	// Rules testing nothing but the protocol are checked once per direction, on the first
	// packet going that way after detection concluded on it.
	for sid, want := range map[int]int{1: 1, 2: 0, 3: 1, 4: 1, 5: 0} {
		if got := len(r.alertsOf(sid, 40000)); got != want {
			t.Errorf("sid %d alerted %d times, want %d:\n%s", sid, got, want, daDump(r.alerts))
		}
	}
}
