// Package smtp is the sensor's SMTP support. Probe is the protocol-detection test Suricata
// applies to a TCP direction's first bytes.
package smtp
