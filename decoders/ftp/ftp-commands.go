package ftp

// Command is a request command Suricata's FTP parser knows. A line whose verb is not among them
// opens no transaction (Suricata's FTP_COMMAND_UNKNOWN), so a reply to it goes to the oldest
// open transaction or a reply-only one.
type Command uint8

// Commands, in Suricata's table order after the unknown one.
const (
	CmdUnknown Command = iota
	CmdPORT
	CmdEPRT
	CmdAUTHTLS
	CmdPASV
	CmdRETR
	CmdEPSV
	CmdSTOR
	CmdABOR
	CmdACCT
	CmdALLO
	CmdAPPE
	CmdCDUP
	CmdCHMOD
	CmdCWD
	CmdDELE
	CmdHELP
	CmdIDLE
	CmdLIST
	CmdMAIL
	CmdMDTM
	CmdMKD
	CmdMLFL
	CmdMODE
	CmdMRCP
	CmdMRSQ
	CmdMSAM
	CmdMSND
	CmdMSOM
	CmdNLST
	CmdNOOP
	CmdPASS
	CmdPWD
	CmdQUIT
	CmdREIN
	CmdREST
	CmdRMD
	CmdRNFR
	CmdRNTO
	CmdSITE
	CmdSIZE
	CmdSMNT
	CmdSTAT
	CmdSTOU
	CmdSTRU
	CmdSYST
	CmdTYPE
	CmdUMASK
	CmdUSER
	numCommands
)

// commandNames are the names EVE ftp.command and the ftp.command buffer carry.
var commandNames = [numCommands]string{"", "PORT", "EPRT", "AUTH TLS", "PASV", "RETR", "EPSV",
	"STOR", "ABOR", "ACCT", "ALLO", "APPE", "CDUP", "CHMOD", "CWD", "DELE", "HELP", "IDLE", "LIST",
	"MAIL", "MDTM", "MKD", "MLFL", "MODE", "MRCP", "MRSQ", "MSAM", "MSND", "MSOM", "NLST", "NOOP",
	"PASS", "PWD", "QUIT", "REIN", "REST", "RMD", "RNFR", "RNTO", "SITE", "SIZE", "SMNT", "STAT",
	"STOU", "STRU", "SYST", "TYPE", "UMASK", "USER"}

// String is the command's name ("" for CmdUnknown).
func (c Command) String() string {
	if c < numCommands {
		return commandNames[c]
	}
	return ""
}

// CommandByName resolves a name case-insensitively (CmdUnknown when none matches).
func CommandByName(name []byte) Command {
	if len(name) < 3 || len(name) > 8 {
		return CmdUnknown
	}
	var up [8]byte
	for i, c := range name {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		up[i] = c
	}
	key := up[:len(name)]
	for c := CmdPORT; c < numCommands; c++ {
		if commandNames[c] == string(key) {
			return c
		}
	}
	return CmdUnknown
}

// splitCommand finds a line's command and where its argument starts. The verb is the first
// word; "AUTH TLS" is the one two-word command (the negotiation the flow's TLS upgrade hangs on).
// Suricata finds commands with a multi-pattern search anywhere in the line; matching the verb
// only is stricter and keeps "USER stor" a USER command.
func splitCommand(line []byte) (Command, int) {
	n := 0
	for n < len(line) && line[n] != ' ' {
		n++
	}
	c := CommandByName(line[:n])
	if c == CmdUnknown && n == 4 && len(line) >= 8 && CommandByName(line[:8]) == CmdAUTHTLS &&
		(len(line) == 8 || line[8] == ' ') {
		return CmdAUTHTLS, min(len(line), 9)
	}
	if c == CmdUnknown {
		return CmdUnknown, 0
	}
	if n < len(line) {
		n++ // the space before the argument
	}
	return c, n
}

// transfer reports whether c opens a data connection, and whether it needs a file name.
func (c Command) transfer() (data, needsName bool) {
	switch c {
	case CmdRETR, CmdSTOR, CmdAPPE:
		return true, true
	case CmdSTOU, CmdLIST, CmdNLST:
		return true, false
	}
	return false, false
}

// upload reports whether a transfer command sends data from the client to the server.
func (c Command) upload() bool { return c == CmdSTOR || c == CmdAPPE || c == CmdSTOU }
