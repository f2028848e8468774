// Package smtp is the sensor's SMTP support. Probe is the protocol-detection test Suricata
// applies to a TCP direction's first bytes.
//
// Parser parses SMTP (RFC 5321) over TCP the way Suricata 8's smtp parser does, from the
// in-order bytes of each direction delivered in chunks of any size: the client's commands
// (HELO/EHLO, MAIL FROM, RCPT TO, DATA, BDAT, RSET, QUIT, STARTTLS, pipelined or not) are
// matched to the server's replies (multi-line included), and grouped into Suricata's
// transactions: one per mail, ended by the end of its message, an accepted RSET or an accepted
// STARTTLS (after which the flow is TLS: TLSUpgrade). The message of DATA (dot-unstuffed, ended
// by CRLF.CRLF) or BDAT goes through a MIME decoder (smtp-mime.go) that keeps the headers for
// logging and detection, extracts URLs and turns attachments into files, base64 and
// quoted-printable decoded. Malformed input becomes Suricata's smtp app-layer events
// (smtp.invalid_reply, smtp.mime_long_filename …), or stops the parser where Suricata's
// stops (Failed), never a panic. Memory is bounded: lines, stored strings, headers, URLs,
// files and live transactions each have a cap (Config). One Parser per flow, reused with Reset.
package smtp
