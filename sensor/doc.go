// Package sensor is the pipeline: configuration, capture sources, workers pinned to CPUs, the
// flow table (sensor/flow), and the run and shutdown of a sensor over files or live interfaces.
package sensor
