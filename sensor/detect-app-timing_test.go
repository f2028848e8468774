package sensor

import (
	"strings"
	"testing"
)

// TestDetectTxOnItsDirectionsPacket: as in Suricata, a transaction's rules of one direction
// run on a packet going that way. In IDS mode a request is parsed when the server acknowledges
// it, so the request's rule alerts on the client's next packet, not on the server's ACK; the
// response's rule alerts on the server's next packet after the client acknowledged the
// response; what still waits when the session ends is inspected then.
func TestDetectTxOnItsDirectionsPacket(t *testing.T) {
	c := newDACapture(t)
	v := c.conv(40000, 80)
	v.handshake()
	v.send(true, "GET /timing HTTP/1.1\r\nHost: example\r\n\r\n")   // data, then the server's ACK
	next := v.tcp(true, false, true, false, false, nil)             // the client's next packet
	v.send(false, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") // data, then the client's ACK
	srvNext := v.tcp(false, false, true, false, false, nil)         // the server's next packet
	// A second request whose response's inspection is still waiting when the session ends.
	v.send(true, "GET /last HTTP/1.1\r\nHost: example\r\n\r\n")
	lastReq := v.tcp(true, false, true, false, false, nil)
	v.send(false, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
	v.close()
	closing := len(c.frames) // the close's last packet (the client's ACK)

	run := runAppRules(t, c.write(), []string{
		`alert http any any -> any any (msg:"req"; flow:established,to_server; http.uri; content:"/timing"; sid:1;)`,
		`alert http any any -> any any (msg:"resp"; flow:established,to_client; http.stat_code; content:"200"; sid:2;)`,
		`alert http any any -> any any (msg:"last req"; flow:established,to_server; http.uri; content:"/last"; sid:3;)`,
		`alert http any any -> any any (msg:"last resp"; flow:established,to_client; http.stat_code; content:"404"; sid:4;)`,
	}, 1)
	want := map[int]int{1: next, 2: srvNext, 3: lastReq}
	got := map[int]int{}
	for _, a := range run.alerts {
		sid := daSID(a)
		pc, _ := daNum(a, "pcap_cnt")
		if _, dup := got[sid]; dup {
			t.Errorf("sid %d alerted twice", sid)
		}
		got[sid] = pc
	}
	for sid, pc := range want {
		if got[sid] != pc {
			t.Errorf("sid %d alerted on packet %d, want %d (the next packet going its direction)", sid, got[sid], pc)
		}
	}
	// The 404 is acknowledged by the client's FIN/ACK; the server's next packet is its own
	// FIN/ACK, which comes before the session's last packet.
	if pc, ok := got[4]; !ok || pc == 0 || pc > closing {
		t.Errorf("sid 4 alerted on packet %d (ok %v), want one of the closing packets (up to %d)", pc, ok, closing)
	}
}

// TestDetectDNSOverTCPOnItsDirectionsPacket: a DNS query over TCP, delivered when the server
// acknowledges it, is inspected on the client's next packet, like a transaction; one still
// waiting when the session ends is inspected then.
func TestDetectDNSOverTCPOnItsDirectionsPacket(t *testing.T) {
	query := func(id byte, name string) string {
		b := []byte{0, id, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0}
		for _, l := range strings.Split(name, ".") {
			b = append(b, byte(len(l)))
			b = append(b, l...)
		}
		b = append(b, 0, 0, 1, 0, 1)
		return string(append([]byte{0, byte(len(b))}, b...))
	}
	c := newDACapture(t)
	v := c.conv(40000, 53)
	v.handshake()
	v.send(true, query(1, "first.example")) // data, then the server's ACK
	next := v.tcp(true, false, true, false, false, nil)
	v.send(true, query(2, "last.example"))
	v.close()
	run := runAppRules(t, c.write(), []string{
		`alert dns any any -> any any (msg:"first"; dns.query; content:"first"; sid:1;)`,
		`alert dns any any -> any any (msg:"last"; dns.query; content:"last"; sid:2;)`,
	}, 1)
	got := map[int]int{}
	for _, a := range run.alerts {
		pc, _ := daNum(a, "pcap_cnt")
		got[daSID(a)] = pc
	}
	if got[1] != next {
		t.Errorf("sid 1 alerted on packet %d, want %d (the client's next packet)", got[1], next)
	}
	if _, ok := got[2]; !ok {
		t.Error("the last query, still waiting at the session's end, was never inspected")
	}
}
