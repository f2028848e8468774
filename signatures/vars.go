package signatures

import "strings"

// Vars holds the address-group and port-group variables rules refer to as $NAME, keyed by
// NAME (a leading '$' in a key is ignored). The sensor's configuration fills it; DefaultVars
// gives Suricata's shipped values.
type Vars map[string]string

// DefaultAddressGroups returns Suricata's default address groups (vars.address-groups).
func DefaultAddressGroups() map[string]string {
	return map[string]string{
		"HOME_NET":       "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]",
		"EXTERNAL_NET":   "!$HOME_NET",
		"HTTP_SERVERS":   "$HOME_NET",
		"SMTP_SERVERS":   "$HOME_NET",
		"SQL_SERVERS":    "$HOME_NET",
		"DNS_SERVERS":    "$HOME_NET",
		"TELNET_SERVERS": "$HOME_NET",
		"AIM_SERVERS":    "$EXTERNAL_NET",
		"DC_SERVERS":     "$HOME_NET",
		"DNP3_SERVER":    "$HOME_NET",
		"DNP3_CLIENT":    "$HOME_NET",
		"MODBUS_CLIENT":  "$HOME_NET",
		"MODBUS_SERVER":  "$HOME_NET",
		"ENIP_CLIENT":    "$HOME_NET",
		"ENIP_SERVER":    "$HOME_NET",
	}
}

// DefaultPortGroups returns Suricata's default port groups (vars.port-groups).
func DefaultPortGroups() map[string]string {
	return map[string]string{
		"HTTP_PORTS":      "80",
		"SHELLCODE_PORTS": "!80",
		"ORACLE_PORTS":    "1521",
		"SSH_PORTS":       "22",
		"DNP3_PORTS":      "20000",
		"MODBUS_PORTS":    "502",
		"FILE_DATA_PORTS": "[$HTTP_PORTS,110,143]",
		"FTP_PORTS":       "21",
		"GENEVE_PORTS":    "6081",
		"VXLAN_PORTS":     "4789",
		"TEREDO_PORTS":    "3544",
	}
}

// DefaultVars returns Suricata's default address and port groups in one set.
func DefaultVars() Vars {
	v := Vars(DefaultAddressGroups())
	for k, val := range DefaultPortGroups() {
		v[k] = val
	}
	return v
}

func (v Vars) lookup(name string) (string, bool) {
	if s, ok := v[name]; ok {
		return s, true
	}
	s, ok := v["$"+name]
	if !ok {
		return "", false
	}
	return strings.TrimSpace(s), true
}
