// Package export holds the event model (alerts, flow records, anomalies, stats) and writes it out:
// EVE JSON lines and Apache Arrow IPC stream files, later Arrow Flight.
//
// EVE (eve-*.go): append-style encoders that format one event into a caller's buffer without
// allocating, an EVEBuffer per worker that collects lines, and the shared EVEWriter that takes
// whole buffers. Arrow (arrow-*.go): one schema per event type, a per-worker batcher that fills
// reused builders and cuts a record by size or age, and an IPCFileSink per worker that writes
// rolling *.arrows files, visible only once complete. docs/eve.md and docs/arrow-schemas.md list
// every field.
package export
