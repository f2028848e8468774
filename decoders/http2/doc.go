// Package http2 parses HTTP/2 (RFC 9113) over TCP the way Suricata 7's http2 parser does: the
// client connection preface, then frames in both directions from reassembled stream data
// delivered in chunks of any size. Transactions are Suricata's: one per stream (its request and
// response frames, headers decoded with HPACK across HEADERS, PUSH_PROMISE and CONTINUATION,
// bodies from DATA), and one "global" transaction per frame on stream 0 (SETTINGS, PING,
// GOAWAY, WINDOW_UPDATE), which is how Suricata logs and inspects connection-level frames.
// Malformed input becomes Suricata's http2 app-layer events (http2.invalid_frame_length …),
// never a panic. Memory is bounded: header lists, stored bodies, buffered control frames and
// live transactions each have a cap (Config). One Parser per flow, reused with Reset.
package http2
