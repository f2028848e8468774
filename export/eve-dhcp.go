package export

import "net/netip"

// AppendDHCP appends e as one EVE "dhcp" line, newline included, with the fields Suricata's
// dhcp logger writes in its basic or extended mode. It does not allocate beyond growing dst.
func (f *EVEFormat) AppendDHCP(dst []byte, e *DHCPEvent) []byte {
	dst = f.appendAppHeader(dst, &e.AppHeader, "dhcp")
	dst = appendKey(dst, "dhcp")
	dst = append(dst, '{')
	switch e.Op {
	case 1:
		dst = appendStringField(dst, "type", "request")
	case 2:
		dst = appendStringField(dst, "type", "reply")
	default:
		dst = appendStringField(dst, "type", "<unknown>")
	}
	dst = appendUintField(dst, "id", uint64(e.ID))
	dst = appendColonHexField(dst, "client_mac", e.ClientMAC)
	dst = f.appendIPv4Field(dst, "assigned_ip", e.AssignedIP)
	if e.Extended {
		dst = f.appendIPv4Field(dst, "client_ip", e.ClientIP)
		if e.Op == 2 {
			dst = f.appendIPv4Field(dst, "relay_ip", e.RelayIP)
			dst = f.appendIPv4Field(dst, "next_server_ip", e.NextServer)
		}
	}
	for i := range e.Options {
		o := &e.Options[i]
		if dhcpExtendedOnly[o.Field] && !e.Extended {
			continue
		}
		dst = f.appendDHCPOption(dst, o)
	}
	dst = closeObject(dst)
	return endLine(dst)
}

// dhcpExtendedOnly are the option fields the basic mode leaves out. Renewal time, client id
// and hostname are written in both modes, as Suricata does. Sized for every DHCPField value so
// that an unknown one cannot index past it.
var dhcpExtendedOnly = [256]bool{DHCPLeaseTime: true, DHCPRebindingTime: true, DHCPSubnetMask: true,
	DHCPRequestedIP: true, DHCPParams: true, DHCPDNSServers: true, DHCPRouters: true, DHCPVendorClass: true}

func (f *EVEFormat) appendDHCPOption(dst []byte, o *DHCPOption) []byte {
	switch o.Field {
	case DHCPClientID:
		return appendColonHexField(dst, "client_id", o.Data)
	case DHCPHostname:
		return appendNameField(dst, "hostname", o.Data)
	case DHCPType:
		return appendStringField(dst, "dhcp_type", o.Name)
	case DHCPLeaseTime:
		return appendUintField(dst, "lease_time", uint64(o.Value))
	case DHCPRenewalTime:
		return appendUintField(dst, "renewal_time", uint64(o.Value))
	case DHCPRebindingTime:
		return appendUintField(dst, "rebinding_time", uint64(o.Value))
	case DHCPSubnetMask:
		return f.appendOptionAddr(dst, "subnet_mask", o.Data)
	case DHCPRequestedIP:
		return f.appendOptionAddr(dst, "requested_ip", o.Data)
	case DHCPParams:
		dst = appendKey(dst, "params")
		dst = append(dst, '[')
		for _, n := range o.Names {
			dst = appendJSONString(dst, n)
			dst = append(dst, ',')
		}
		return closeArray(dst)
	case DHCPDNSServers:
		return f.appendIPv4List(dst, "dns_servers", o.Data)
	case DHCPRouters:
		return f.appendIPv4List(dst, "routers", o.Data)
	case DHCPVendorClass:
		return appendNameField(dst, "vendor_class_identifier", o.Data)
	}
	return dst
}

func (f *EVEFormat) appendIPv4Field(dst []byte, key string, a [4]byte) []byte {
	dst = appendKey(dst, key)
	dst = append(dst, '"')
	dst = f.appendAddr(dst, netip.AddrFrom4(a))
	return append(dst, '"', ',')
}

// appendOptionAddr writes an option's address as Suricata does: dotted quad for four bytes,
// IPv6 for sixteen, and an empty string for any other length, so that a malformed option still
// shows in the event.
func (f *EVEFormat) appendOptionAddr(dst []byte, key string, b []byte) []byte {
	dst = appendKey(dst, key)
	dst = append(dst, '"')
	switch len(b) {
	case 4:
		dst = f.appendAddr(dst, netip.AddrFrom4([4]byte(b)))
	case 16:
		dst = f.appendAddr(dst, netip.AddrFrom16([16]byte(b)))
	}
	return append(dst, '"', ',')
}

// appendIPv4List writes the whole 4-byte addresses in b as an array of strings.
func (f *EVEFormat) appendIPv4List(dst []byte, key string, b []byte) []byte {
	dst = appendKey(dst, key)
	dst = append(dst, '[')
	for ; len(b) >= 4; b = b[4:] {
		dst = append(dst, '"')
		dst = f.appendAddr(dst, netip.AddrFrom4([4]byte(b)))
		dst = append(dst, '"', ',')
	}
	return closeArray(dst)
}
