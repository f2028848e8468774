// Package smb is the sensor's SMB support. Probe is the protocol-detection test Suricata
// applies to a TCP direction's first bytes: a NetBIOS session message carrying an SMB1, SMB2
// or SMB3-transform header, on any port, or on the SMB port a NetBIOS session set-up followed
// by one. Parsing SMB itself (sessions, trees, files, DCERPC over named pipes) is not done yet:
// a detected flow's bytes reach the rules as stream payload.
package smb
