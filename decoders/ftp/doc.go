// Package ftp is the sensor's FTP support. Probe is the protocol-detection test Suricata
// applies to a TCP direction's first bytes of an FTP control session.
package ftp
