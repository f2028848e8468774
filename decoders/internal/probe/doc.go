// Package probe holds what the protocol packages' detection probes share: matching the
// patterns Suricata registers for a protocol at the start of a direction's bytes.
package probe
