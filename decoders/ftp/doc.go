// Package ftp is the sensor's FTP support. Probe is the protocol-detection test Suricata
// applies to a TCP direction's first bytes of an FTP control session; Parser parses the control
// channel (RFC 959, RFC 2428) the way Suricata 7/8's ftp parser does: in-order stream bytes per
// direction are cut into lines (CRLF or bare LF, at most Config.MaxLineLen bytes; a longer line
// is kept truncated and raises
// ftp.request_command_too_long or ftp.response_command_too_long), each known command opens a
// transaction, and replies complete the oldest open one (a 1yz preliminary reply and the lines
// of a multi-line "123-" … "123 " reply keep it open). A reply with no command waiting (the
// banner, an unsolicited reply) gets a transaction of its own, as Suricata's does.
//
// Data-channel negotiation is followed: PORT and EPRT (active) and the 227 and 229 replies to
// PASV and EPSV (passive) give the dynamic port; a later transfer command (RETR, STOR, APPE,
// STOU, LIST, NLST, MLSD) turns it into a DataChannel that the app layer registers as an
// ftp-data expectation. A 234 reply to AUTH TLS is reported so the flow can switch to TLS.
//
// Memory per flow is bounded: lines by MaxLineLen, reply lines and bytes per transaction,
// live transactions by MaxTx (past it ftp.too_many_transactions is raised on the oldest open
// one and the flow is no longer parsed, as Suricata 8 does). Malformed input is counted or
// becomes an event, never a panic. One Parser per flow, reused with Reset; a steady-state
// Feed allocates nothing.
package ftp
