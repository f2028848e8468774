// Package http parses HTTP/1.0 and HTTP/1.1 (and HTTP/0.9) the way Suricata 7 does with
// libhtp's IDS personality: both directions of a TCP stream, in order, pipelined requests
// paired with their responses into transactions (tx_id from 0), chunked and Content-Length
// bodies, gzip/deflate bodies decompressed under a cap, CONNECT and Upgrade tunnels, 100-continue.
// Each transaction exposes what EVE's http event carries and the exact contents of the http.*
// sticky buffers rules inspect; malformed input becomes libhtp/Suricata app-layer events
// (http.request_header_invalid …), counted, never a panic. One Parser per flow, reused with Reset.
package http
