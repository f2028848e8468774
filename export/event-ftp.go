package export

// FTPEvent is one FTP control-channel transaction (EVE event_type "ftp"), as Suricata 8's ftp
// logger writes it. Byte fields alias the parser's transaction and are valid only until the
// event is encoded.
type FTPEvent struct {
	AppHeader
	// Command is "" for a transaction no command opened (the banner): command,
	// command_data and command_truncated are then left out.
	Command          string
	CommandData      []byte
	CommandTruncated bool
	Replies          []FTPReply
	DynamicPort      uint16 // 0: not written
	Mode             string // "active", "passive", or "" (not a PORT/EPRT/PASV/EPSV)
	ReplyReceived    bool
	ReplyTruncated   bool
}

// FTPReply is one reply line: Code (nil when the line has none) goes to completion_code, Text
// (when not empty) to reply.
type FTPReply struct {
	Code, Text []byte
}

// FTPDataEvent is one ftp-data flow's transfer (EVE event_type "ftp_data"): the file name and
// the control channel's command that set it up.
type FTPDataEvent struct {
	AppHeader
	Filename []byte
	Command  string
}
