package dhcp

// Option codes (RFC 2132) of the options the sensor reads.
const (
	OptPad            = 0
	OptSubnetMask     = 1
	OptRouters        = 3
	OptDNSServers     = 6
	OptHostname       = 12
	OptDomainName     = 15
	OptARPTimeout     = 35
	OptNTPServers     = 42
	OptRequestedIP    = 50
	OptLeaseTime      = 51
	OptOverload       = 52
	OptMessageType    = 53
	OptServerID       = 54
	OptParamRequest   = 55
	OptRenewalTime    = 58
	OptRebindingTime  = 59
	OptVendorClass    = 60
	OptClientID       = 61
	OptTFTPServerName = 66
	OptTFTPServerIP   = 150 // PXE's TFTP server address (RFC 5859)
	OptEnd            = 255
)

// Values of option 52: which header fields carry options.
const (
	overloadFile  = 1
	overloadSName = 2
)

// parseOptions walks the options field, then the fields option 52 lends to options, in the
// order RFC 2131 (section 4.1) fixes: file before sname. Only option 52 in the options field
// counts: one inside an overloaded field cannot lend further fields.
func (m *Message) parseOptions(opts []byte) error {
	if err := m.walk(opts, "options", true); err != nil {
		return err
	}
	if m.Overload&overloadFile != 0 {
		if err := m.walk(m.File, "file", false); err != nil {
			return err
		}
	}
	if m.Overload&overloadSName != 0 {
		return m.walk(m.SName, "sname", false)
	}
	return nil
}

// walk appends the options of one field up to its end option or its last byte. Pad is a lone
// byte; every other option is code, length, value.
func (m *Message) walk(b []byte, field string, main bool) error {
	for i := 0; i < len(b); {
		code := b[i]
		switch code {
		case OptPad:
			i++
			continue
		case OptEnd:
			return nil
		}
		if i+1 >= len(b) || i+2+int(b[i+1]) > len(b) {
			return m.optionError(field, i, code, ErrTruncated)
		}
		if len(m.Options) == MaxOptions {
			return m.optionError(field, i, code, ErrTooManyOptions)
		}
		n := int(b[i+1])
		data := b[i+2 : i+2+n : i+2+n]
		m.Options = append(m.Options, Option{Code: code, Data: data})
		if main && code == OptOverload && n == 1 && m.Overload == 0 {
			m.Overload = data[0] & (overloadFile | overloadSName)
		}
		i += 2 + n
	}
	return nil
}

func (m *Message) optionError(field string, off int, code uint8, err error) error {
	m.optErr = OptionError{Field: field, Offset: off, Code: code, Err: err}
	return &m.optErr
}

// DHCP message types: option 53's values (RFC 2132, section 9.6).
const (
	TypeDiscover = 1
	TypeOffer    = 2
	TypeRequest  = 3
	TypeDecline  = 4
	TypeAck      = 5
	TypeNak      = 6
	TypeRelease  = 7
	TypeInform   = 8
)

// messageTypeNames are the message types as EVE's dhcp.dhcp_type names them.
var messageTypeNames = [...]string{TypeDiscover: "discover", TypeOffer: "offer", TypeRequest: "request",
	TypeDecline: "decline", TypeAck: "ack", TypeNak: "nak", TypeRelease: "release", TypeInform: "inform"}

// MessageTypeName is the EVE name of an option 53 value; values past DHCPINFORM (the lease
// query and later extensions) are "unknown", as Suricata names them.
func MessageTypeName(t uint8) string {
	if int(t) < len(messageTypeNames) && messageTypeNames[t] != "" {
		return messageTypeNames[t]
	}
	return "unknown"
}

// ParamName is the EVE name (dhcp.params) of a code in a parameter request list; "" for the
// codes Suricata leaves out of the list.
func ParamName(code uint8) string {
	switch code {
	case OptSubnetMask:
		return "subnet_mask"
	case OptRouters:
		return "router"
	case OptDNSServers:
		return "dns_server"
	case OptDomainName:
		return "domain"
	case OptARPTimeout:
		return "arp_timeout"
	case OptNTPServers:
		return "ntp_server"
	case OptTFTPServerName:
		return "tftp_server_name"
	case OptTFTPServerIP:
		return "tftp_server_ip"
	}
	return ""
}
