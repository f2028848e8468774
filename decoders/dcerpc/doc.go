// Package dcerpc is the sensor's DCE/RPC support. Probe is the protocol-detection test
// Suricata applies to a TCP direction's first bytes: a connection-oriented DCE/RPC 5.0 header
// with a valid data representation. Parsing the PDUs (binds, requests, stub data) is not done
// yet: a detected flow's bytes reach the rules as stream payload.
package dcerpc
