package export

// AppendSMTP appends e as one EVE "smtp" line, newline included. It does not allocate beyond
// growing dst.
func (f *EVEFormat) AppendSMTP(dst []byte, e *SMTPEvent) []byte {
	dst = f.appendAppHeader(dst, &e.AppHeader, "smtp")
	dst = appendSMTPObjects(dst, &e.SMTP, e.Email)
	return endLine(dst)
}

// appendSMTPObjects writes the smtp object and, when there is one, the email object: the
// smtp event, the fileinfo events of its attachments and its alerts carry both.
func appendSMTPObjects(dst []byte, s *SMTPInfo, m *EmailInfo) []byte {
	dst = appendKey(dst, "smtp")
	dst = append(dst, '{')
	dst = appendBytesField(dst, "helo", s.Helo)
	dst = appendBytesField(dst, "mail_from", s.MailFrom)
	dst = appendBytesList(dst, "rcpt_to", s.RcptTo)
	dst = closeObject(dst)
	if m == nil {
		return dst
	}
	dst = appendKey(dst, "email")
	dst = append(dst, '{')
	if m.HasFrom {
		dst = appendKey(dst, "from")
		dst = appendJSONBytes(dst, m.From)
		dst = append(dst, ',')
	}
	dst = appendBytesList(dst, "to", m.To)
	dst = appendBytesList(dst, "cc", m.Cc)
	dst = appendStringField(dst, "status", m.Status)
	dst = appendBytesList(dst, "attachment", m.Attachments)
	dst = appendBytesList(dst, "url", m.URLs)
	dst = appendBytesField(dst, "body_md5", m.BodyMD5)
	if m.Extended {
		dst = appendPresentField(dst, "subject", m.Subject, m.HasSubject)
		dst = appendPresentField(dst, "message_id", m.MessageID, m.HasMessageID)
		dst = appendPresentField(dst, "x_mailer", m.XMailer, m.HasXMailer)
		dst = appendPresentField(dst, "date", m.Date, m.HasDate)
		dst = appendBytesList(dst, "received", m.Received)
	}
	return closeObject(dst)
}

// appendBytesList writes a non-empty list of strings (the schema wants at least one item).
func appendBytesList(dst []byte, key string, l [][]byte) []byte {
	if len(l) == 0 {
		return dst
	}
	dst = appendKey(dst, key)
	dst = append(dst, '[')
	for _, v := range l {
		dst = appendJSONBytes(dst, v)
		dst = append(dst, ',')
	}
	return closeArray(dst)
}

// appendPresentField writes a header value the message had, even an empty one.
func appendPresentField(dst []byte, key string, v []byte, present bool) []byte {
	if !present {
		return dst
	}
	dst = appendKey(dst, key)
	dst = appendJSONBytes(dst, v)
	return append(dst, ',')
}
