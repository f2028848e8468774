// Package bench is Nightjar's benchmark lab. It generates deterministic synthetic traffic
// (pcap of any size, streamed with flat memory: HTTP/1.1, DNS, TLS 1.2/1.3, SSH, bulk TCP and UDP,
// plus attack transactions that trigger named ET Open rules, listed in FILE.expected.json),
// runs the sensor pipeline over captures with repeats, worker and rule-set sweeps and a
// per-stage cost breakdown derived by difference, compares Nightjar with another command on
// the same input, replays a capture through a veth pair between two private network
// namespaces at rising rates to find the highest rate `nightjar run` takes without loss
// (live-*.go), and reports results as JSON, Markdown and hand-written SVG charts.
package bench
