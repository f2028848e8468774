package ftp

import (
	"bytes"
	"net/netip"
)

// Endpoint is a data-connection endpoint a PORT or EPRT command or a 227 or 229 reply names.
// Addr is invalid where the text gives none (EPSV replies carry the port only).
type Endpoint struct {
	Addr netip.Addr
	Port uint16
}

// ParsePort reads a PORT argument, "h1,h2,h3,h4,p1,p2" (RFC 959): each number 0–255, the port
// p1·256+p2 not zero. Spaces around the numbers are tolerated, as servers do.
func ParsePort(arg []byte) (Endpoint, bool) {
	var v [6]int
	i := 0
	for k := range v {
		i = skipSpaces(arg, i)
		n, j, ok := number(arg, i, 255)
		if !ok {
			return Endpoint{}, false
		}
		v[k] = n
		i = skipSpaces(arg, j)
		if k < 5 {
			if i >= len(arg) || arg[i] != ',' {
				return Endpoint{}, false
			}
			i++
		}
	}
	if skipSpaces(arg, i) != len(arg) {
		return Endpoint{}, false
	}
	return hostPort(v)
}

// ParseEPRT reads an EPRT argument, "<d>af<d>addr<d>port<d>" (RFC 2428), where <d> is any
// printable delimiter, af 1 (IPv4) or 2 (IPv6).
func ParseEPRT(arg []byte) (Endpoint, bool) {
	if len(arg) < 7 || arg[0] < 33 || arg[0] > 126 {
		return Endpoint{}, false
	}
	d := []byte{arg[0]}
	af, rest, ok1 := bytes.Cut(arg[1:], d)
	addr, rest, ok2 := bytes.Cut(rest, d)
	portText, rest, ok3 := bytes.Cut(rest, d)
	if !ok1 || !ok2 || !ok3 || len(bytes.TrimRight(rest, " ")) != 0 {
		return Endpoint{}, false
	}
	port, j, ok := number(portText, 0, 65535)
	if !ok || j != len(portText) || port == 0 {
		return Endpoint{}, false
	}
	var a netip.Addr
	switch string(af) {
	case "1":
		var q [4]byte
		i := 0
		for k := range q {
			n, e, ok := number(addr, i, 255)
			if !ok || (k < 3 && (e >= len(addr) || addr[e] != '.')) || (k == 3 && e != len(addr)) {
				return Endpoint{}, false
			}
			q[k] = byte(n)
			i = e + 1
		}
		a = netip.AddrFrom4(q)
	case "2":
		var err error
		if a, err = netip.ParseAddr(string(addr)); err != nil || !a.Is6() {
			return Endpoint{}, false
		}
	default:
		return Endpoint{}, false
	}
	return Endpoint{Addr: a, Port: uint16(port)}, true
}

// ParsePASVReply reads a 227 reply line, "227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)": the
// six numbers follow the first '(' (or, for servers that omit it, the first digit after the
// code), as Suricata's parser reads them.
func ParsePASVReply(line []byte) (Endpoint, bool) {
	if len(line) < 4 || string(line[:3]) != "227" {
		return Endpoint{}, false
	}
	text := line[4:]
	i := bytes.IndexByte(text, '(')
	if i < 0 {
		for i = 0; i < len(text) && !isDigit(text[i]); i++ {
		}
	} else {
		i++
	}
	text = text[i:]
	end := 0
	for end < len(text) && (isDigit(text[end]) || text[end] == ',' || text[end] == ' ') {
		end++
	}
	return ParsePort(text[:end])
}

// ParseEPSVReply reads a 229 reply line, "229 Entering Extended Passive Mode (|||port|)": the
// port sits between the fourth and fifth delimiter, the delimiter being the character after
// the '('.
func ParseEPSVReply(line []byte) (uint16, bool) {
	if len(line) < 4 || string(line[:3]) != "229" {
		return 0, false
	}
	i := bytes.IndexByte(line, '(')
	if i < 0 || i+5 > len(line) {
		return 0, false
	}
	d := line[i+1]
	if d != line[i+2] || d != line[i+3] {
		return 0, false
	}
	port, j, ok := number(line, i+4, 65535)
	if !ok || j >= len(line) || line[j] != d || port == 0 {
		return 0, false
	}
	return uint16(port), true
}

func hostPort(v [6]int) (Endpoint, bool) {
	port := v[4]<<8 | v[5]
	if port == 0 {
		return Endpoint{}, false
	}
	return Endpoint{Addr: netip.AddrFrom4([4]byte{byte(v[0]), byte(v[1]), byte(v[2]), byte(v[3])}),
		Port: uint16(port)}, true
}

// number reads decimal digits at b[i:] up to limit: the value and where it ended.
func number(b []byte, i, limit int) (int, int, bool) {
	n, j := 0, i
	for j < len(b) && isDigit(b[j]) {
		n = n*10 + int(b[j]-'0')
		if n > limit {
			return 0, j, false
		}
		j++
	}
	return n, j, j > i
}

func skipSpaces(b []byte, i int) int {
	for i < len(b) && b[i] == ' ' {
		i++
	}
	return i
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
