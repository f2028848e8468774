package sensor

import (
	"path/filepath"
	"testing"
)

// TestHTTPConnectTunnel: after an accepted CONNECT the flow's bytes are detected again, as
// Suricata changes a flow's protocol: TLS inside the tunnel makes the flow tls with
// app_proto_orig http, plain HTTP inside starts a new HTTP state (tx_id from 0). Stray line
// ends after the CONNECT's messages are not the tunnel's first bytes.
func TestHTTPConnectTunnel(t *testing.T) {
	clientHello := "\x16\x03\x01\x00\x31\x01\x00\x00\x2d\x03\x03" + string(make([]byte, 32)) + "\x00\x00\x02\x00\x2f\x01\x00"
	for _, tc := range []struct {
		name, inner     string
		proto           string
		innerHTTPEvents int
	}{
		{"tls", clientHello, "tls", 0},
		{"http", "GET /inner HTTP/1.1\r\nHost: inner\r\n\r\n", "http", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newDACapture(t)
			v := c.conv(40000, 8080)
			v.handshake()
			v.send(true, "CONNECT inner:443 HTTP/1.1\r\nHost: inner:443\r\n\r\n\n")
			v.send(false, "HTTP/1.1 200 Connection established\r\n\r\n")
			v.send(true, tc.inner)
			if tc.proto == "http" {
				v.send(false, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			}
			v.close()
			_, out := runReadOpts(t, ReadOptions{Files: []string{c.write()}, Workers: 1})
			var flows, connects, inner []map[string]any
			for _, ev := range readEVE(t, filepath.Join(out, "eve.json")) {
				switch ev["event_type"] {
				case "flow":
					flows = append(flows, ev)
				case "http":
					h := ev["http"].(map[string]any)
					if h["http_method"] == "CONNECT" {
						connects = append(connects, ev)
					} else {
						inner = append(inner, ev)
					}
				}
			}
			if len(flows) != 1 || len(connects) != 1 {
				t.Fatalf("%d flows, %d CONNECT events; want 1 and 1", len(flows), len(connects))
			}
			f := flows[0]
			if f["app_proto"] != tc.proto {
				t.Errorf("app_proto %v, want %s", f["app_proto"], tc.proto)
			}
			wantOrig := any("http")
			if tc.proto == "http" {
				wantOrig = nil // the same protocol again: Suricata writes no app_proto_orig
			}
			if f["app_proto_orig"] != wantOrig {
				t.Errorf("app_proto_orig %v, want %v", f["app_proto_orig"], wantOrig)
			}
			if len(inner) != tc.innerHTTPEvents {
				t.Fatalf("%d inner http events, want %d", len(inner), tc.innerHTTPEvents)
			}
			if len(inner) == 1 && inner[0]["tx_id"] != float64(0) {
				t.Errorf("inner request tx_id %v, want 0 (a new HTTP state)", inner[0]["tx_id"])
			}
		})
	}
}
