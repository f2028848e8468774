package dhcp

// Probe reports whether a UDP payload on port 67 or 68 is taken for DHCP. Like Suricata's
// probing parser it asks only for the whole BOOTP header: on these ports a 240-byte datagram
// is DHCP (or BOOTP) in practice, and checking op or cookie would name fewer flows dhcp than
// Suricata does, which rules matching on the protocol would notice. The caller checks ports.
func Probe(b []byte) bool {
	return len(b) >= HeaderLen
}
