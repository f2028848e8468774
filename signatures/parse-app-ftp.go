package signatures

import (
	"fmt"
	"strings"
)

// FTP and ftp-data keywords (Suricata 8's detect-ftp-*.c, detect-ftpbounce.c,
// detect-ftpdata.c and the legacy file keywords on ftp-data): the FTP numeric properties are
// AppNumbers the sensor's FTP transactions report; filename and fileext are file.name with the
// content they imply.

// ftpKeyword parses the keywords of this file; done is false for a keyword it does not know.
func (b *ruleBuilder) ftpKeyword(name, val string) (done bool, err error) {
	v := strings.TrimSpace(val)
	switch name {
	case "ftp.dynamic_port":
		if strings.Contains(v, ",") {
			return true, notSupported("ftp.dynamic_port modifiers %q not supported yet", v)
		}
		u, err := parseUint(v, 65535)
		if err != nil {
			return true, err
		}
		return true, b.ftpNumber(NumFTPDynamicPort, bufBoth, *u)
	case "ftp.mode":
		var mode uint64
		switch strings.ToLower(v) {
		case "active":
			mode = FTPModeActive
		case "passive":
			mode = FTPModePassive
		default:
			return true, fmt.Errorf("%q is not active or passive", v)
		}
		return true, b.ftpNumber(NumFTPMode, bufBoth, UintMatch{Op: '=', A: mode})
	case "ftp.reply_received":
		var yes uint64
		switch strings.ToLower(v) {
		case "yes", "on", "true", "1":
			yes = 1
		case "no", "off", "false", "0":
		default:
			return true, fmt.Errorf("%q is not yes or no", v)
		}
		// Suricata inspects it on the reply side only.
		return true, b.ftpNumber(NumFTPReplyReceived, bufToClient, UintMatch{Op: '=', A: yes})
	case "ftpbounce":
		if v != "" {
			return true, fmt.Errorf("ftpbounce takes no value")
		}
		// Suricata inspects it on the request side of an FTP transaction, whatever the
		// rule's header protocol (tcp in the usual rule).
		return true, b.ftpNumber(NumFTPBounce, bufToServer, UintMatch{Op: '=', A: 1})
	case "ftpdata_command":
		var c uint64
		switch strings.ToLower(v) {
		case "retr":
			c = FTPDataRETR
		case "stor":
			c = FTPDataSTOR
		default:
			return true, fmt.Errorf("%q is not retr or stor", v)
		}
		return true, b.ftpNumber(NumFTPDataCommand, bufBoth, UintMatch{Op: '=', A: c})
	case "filename", "fileext":
		return true, b.fileNameContent(name, v)
	}
	return false, nil
}

func (b *ruleBuilder) ftpNumber(id NumberID, dir uint8, m UintMatch) error {
	b.r.AppNumbers = append(b.r.AppNumbers, AppNumberMatch{ID: id, Dir: dir, Cmp: m})
	return nil
}

// fileNameContent is the legacy filename:"x" (file.name; content:"x") and fileext:"x"
// (file.name; content:".x"; endswith; nocase, as Suricata's extension match ignores case).
func (b *ruleBuilder) fileNameContent(name, v string) error {
	neg := strings.HasPrefix(v, "!")
	v = strings.TrimSpace(strings.TrimPrefix(v, "!"))
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	if v == "" {
		return fmt.Errorf("%s needs a value", name)
	}
	c := &Content{Pattern: []byte(v), Offset: literal(0), Depth: literal(0), Distance: literal(0), Within: literal(0)}
	if name == "fileext" {
		c.Pattern = append([]byte{'.'}, v...)
		c.EndsWith, c.Nocase = true, true
	}
	x := &Buffer{Name: "file.name", ID: BufFileName, own: true}
	x.Matchers = append(x.Matchers, Keyword{Kind: MatchContent, Negated: neg, Content: c})
	b.r.Buffers = append(b.r.Buffers, x)
	return nil
}
