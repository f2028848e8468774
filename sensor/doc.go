// Package sensor is the pipeline: configuration, capture sources, workers pinned to CPUs, the
// flow table (sensor/flow), TCP reassembly (sensor/stream) feeding app-layer detection and the
// parsers of decoders/http, tls, dns and ssh, flow bypass (local, or in the kernel through the
// XDP program of bpf/), and the run and shutdown of a sensor over files or live interfaces.
package sensor
