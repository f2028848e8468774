// Package export holds the event model (alerts, flow records, anomalies, stats) and writes it out:
// EVE JSON lines, Apache Arrow IPC stream files and Arrow Flight.
//
// EVE (eve-*.go): append-style encoders that format one event into a caller's buffer without
// allocating, an EVEBuffer per worker that collects lines, and the shared EVEWriter that takes
// whole buffers and rotates eve.json by size or age, or sends the lines to a unix socket without
// ever blocking (eve-socket.go). Arrow (arrow-*.go): one schema per event type (flow, alert,
// anomaly, stats), a per-worker batcher that fills reused builders and cuts a record by size or
// age, and an IPCFileSink per worker that writes rolling *.arrows files, visible only once
// complete. Flight (flight-*.go, spool.go): a
// FlightSink shared by all workers sends batches to a collector (package export/collector) over
// DoPut, never blocking a worker; what the collector has not acknowledged waits in memory or in
// a bounded on-disk Spool (docs/flight.md). docs/eve.md and docs/arrow-schemas.md list
// every field.
package export
