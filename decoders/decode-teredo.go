package decoders

// decodeTeredo decodes Teredo (RFC 4380): IPv6 in UDP, optionally behind an authentication and
// an origin indication header. Nothing in Teredo marks a datagram as Teredo, so, like Suricata,
// it accepts only what looks like a real IPv6 packet: version 6, a non-zero hop limit, a payload
// length that accounts for exactly the bytes present, no hop-by-hop header without room for one,
// and an inner decode that raised no invalid-packet event. Otherwise p is restored and the
// datagram stays plain UDP.
func (d *Decoder) decodeTeredo(p *Packet, b []byte) bool {
	start := 0
	if len(b) >= 4 && b[0] == 0 && b[1] == 1 {
		// Authentication: id-len, au-len, client id, authenticator, nonce (8), confirmation (1).
		start = 4 + int(b[2]) + int(b[3]) + 9
	}
	if len(b) >= start+2 && b[start] == 0 && b[start+1] == 0 {
		start += 8 // origin indication: port and address of the client's NAT mapping
	}
	if len(b) < start+40 {
		return false
	}
	ip := b[start:]
	plen := int(be16(ip[4:]))
	switch {
	case ip[0]>>4 != 6, ip[7] == 0, ip[6] == 0 && plen < 8, 40+plen != len(ip):
		return false
	}
	saved := *p
	if !d.enterTunnel(p, TunnelTeredo, ip) {
		*p = saved
		return false
	}
	d.decodeIPv6(p, ip)
	bad := p.EventsLost > saved.EventsLost
	for _, e := range p.Events[saved.EventCount:p.EventCount] {
		bad = bad || e.Invalid()
	}
	if bad {
		*p = saved
		return false
	}
	return true
}
