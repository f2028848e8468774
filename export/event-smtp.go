package export

// SMTPEvent is one SMTP transaction (EVE event_type "smtp"), as Suricata 8's smtp logger writes
// it: the smtp object (the session's HELO and the mail's envelope), then, for a transaction
// that carried a message, the email object. Byte fields alias the parser's transaction.
type SMTPEvent struct {
	AppHeader
	SMTP SMTPInfo
	// Email is nil for a transaction without a message (a QUIT, an accepted STARTTLS).
	Email *EmailInfo
}

// SMTPInfo is the smtp object; empty fields are not written.
type SMTPInfo struct {
	Helo     []byte
	MailFrom []byte
	RcptTo   [][]byte
}

// EmailInfo is the email object: the message's headers Suricata logs by default (From, To and
// Cc, the last two split at commas outside quotes), the parse status, the attachments' names,
// the URLs in the order Suricata writes them, and body_md5 when computed. Extended adds the
// fields of Suricata's extended mode, each written when the message had the header.
type EmailInfo struct {
	From        []byte
	HasFrom     bool
	To, Cc      [][]byte
	Status      string
	Attachments [][]byte
	URLs        [][]byte
	// BodyMD5 is the hex MD5 of the body; empty when not computed.
	BodyMD5 []byte
	// Extended mode (eve-log smtp extended: yes).
	Extended                                      bool
	Subject, MessageID, XMailer, Date             []byte
	HasSubject, HasMessageID, HasXMailer, HasDate bool
	Received                                      [][]byte
}
