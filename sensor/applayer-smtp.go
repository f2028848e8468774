package sensor

import (
	"encoding/hex"
	"math"

	"github.com/nightjar-ids/nightjar/decoders/smtp"
	"github.com/nightjar-ids/nightjar/export"
)

// SMTP in the app layer: the parser's transactions are inspected as they move, then logged
// once over (all of them when the flow ends) as Suricata 8 logs them: an smtp event with the
// session's HELO, the envelope and, for a mail, the email object; a fileinfo event per
// attachment; an anomaly per app-layer event. An accepted STARTTLS turns the flow to TLS.

// smtpEVE is the scratch an smtp event is built in, reused from event to event.
type smtpEVE struct {
	ev     export.SMTPEvent
	email  export.EmailInfo
	rcpt   [][]byte
	to, cc [][]byte
	att    [][]byte
	urls   [][]byte
	recv   [][]byte
	md5    [32]byte
	files  []export.FileInfo
}

// smtpMoved runs after the parser took data (or the flow ended, final): transactions that
// moved are inspected, the finished ones (all of them at the end) are logged, then released.
func (a *appLayer) smtpMoved(final bool) {
	s := a.cur
	p := s.smtp
	// A parser that stopped (an invalid reply …) ends the SMTP data as the flow's end does:
	// Suricata then takes its transactions as complete.
	final = final || p.Failed()
	if a.det != nil {
		a.detectSMTP(final)
	}
	for _, tx := range p.Txs() {
		if !tx.Done() && !final {
			continue
		}
		// Suricata 8.0.0 logs a transaction on the packet that finished it, while its
		// inspection may wait for a packet going the client's way: it is released after that.
		if !tx.Logged {
			tx.Logged = true
			a.stats.txSMTP++
			a.logSMTP(tx)
		}
		// Its files went to the server: their events are written on a packet going there,
		// as Suricata's file logger runs on the packets of the files' direction.
		if !tx.FilesLogged && (final || a.pkt == nil || a.pktToServer || len(tx.Files()) == 0) {
			tx.FilesLogged = true
			a.logSMTPFiles(tx)
		}
		if !tx.FilesLogged {
			s.pendingTx[0] = true
		}
		tx.Hold = !tx.FilesLogged || !final && a.det != nil && s.inspectionWaits(tx.ID, smtpStages(tx, false))
	}
	p.ReleaseDone(math.MaxUint64)
	if p.TLSUpgrade() && !final {
		a.changeProtocol()
	}
}

// logSMTP writes a finished transaction's smtp event and anomalies.
func (a *appLayer) logSMTP(tx *smtp.Tx) {
	if a.appEVE(a.w.out.eveSMTP) {
		e := a.fillSMTPEvent(tx)
		a.fillAppHeader(&e.AppHeader, false)
		e.TxID, e.HasTxID = tx.ID, true
		a.w.eve.SMTP(e)
	}
	a.logSMTPAnomalies(tx)
}

// logSMTPFiles writes the fileinfo events of a finished transaction's attachments.
func (a *appLayer) logSMTPFiles(tx *smtp.Tx) {
	if !a.appEVE(a.w.out.eveFiles) || len(tx.Files()) == 0 {
		return
	}
	e := a.fillSMTPEvent(tx)
	for i := range tx.Files() {
		a.writeSMTPFile(tx, e, &tx.Files()[i])
	}
}

// writeSMTPFile writes an attachment's fileinfo event; it went to the server (the client is
// src).
func (a *appLayer) writeSMTPFile(tx *smtp.Tx, e *export.SMTPEvent, f *smtp.File) {
	var fe export.FileInfoEvent
	a.fillAppHeader(&fe.AppHeader, false)
	fe.AppProto = appProtoNames[appSMTP]
	fe.SMTP = e
	fe.File = smtpFileInfo(tx, f)
	a.w.eve.FileInfo(&fe)
}

// smtpFileInfo is an attachment's fileinfo object. A file still open when it is logged ends
// there: it is truncated.
func smtpFileInfo(tx *smtp.Tx, f *smtp.File) export.FileInfo {
	fi := export.FileInfo{Filename: capName(f.Name), Gaps: f.Gaps, State: export.FileStateClosed, Size: f.Size, TxID: tx.ID}
	if f.State != smtp.FileClosed {
		fi.State = export.FileStateTruncated
	}
	return fi
}

// smtpFileInfos are the fileinfo objects of tx's attachments, in the scratch, for an alert.
func (a *appLayer) smtpFileInfos(tx *smtp.Tx) []export.FileInfo {
	h := &a.smtpEv
	h.files = h.files[:0]
	for i := range tx.Files() {
		h.files = append(h.files, smtpFileInfo(tx, &tx.Files()[i]))
	}
	return h.files
}

// fillSMTPEvent builds tx's event in the scratch, its tuple left for the caller: the smtp
// object, and the email object of a mail (To and Cc split at the commas outside quotes,
// the URLs last found first, as Suricata writes them).
func (a *appLayer) fillSMTPEvent(tx *smtp.Tx) *export.SMTPEvent {
	h := &a.smtpEv
	p := a.cur.smtp
	h.rcpt = h.rcpt[:0]
	for i := range tx.NumRcpt() {
		h.rcpt = append(h.rcpt, tx.Rcpt(i))
	}
	h.ev = export.SMTPEvent{SMTP: export.SMTPInfo{Helo: p.Helo(), MailFrom: tx.MailFrom(), RcptTo: h.rcpt}}
	if !tx.Email {
		return &h.ev
	}
	m := &h.email
	*m = export.EmailInfo{Status: "PARSE_DONE", Extended: a.w.out.smtpExt}
	m.From, m.HasFrom = tx.Header("from")
	if v, ok := tx.Header("to"); ok {
		h.to = splitAddresses(h.to[:0], v)
		m.To = h.to
	}
	if v, ok := tx.Header("cc"); ok {
		h.cc = splitAddresses(h.cc[:0], v)
		m.Cc = h.cc
	}
	h.att = h.att[:0]
	for i := range tx.NumAttachments() {
		h.att = append(h.att, tx.Attachment(i))
	}
	m.Attachments = h.att
	h.urls = h.urls[:0]
	for i := tx.NumURLs() - 1; i >= 0; i-- {
		h.urls = append(h.urls, tx.URL(i))
	}
	m.URLs = h.urls
	if tx.HasBodyMD5 {
		hex.Encode(h.md5[:], tx.BodyMD5[:])
		m.BodyMD5 = h.md5[:]
	}
	if m.Extended {
		m.Subject, m.HasSubject = tx.Header("subject")
		m.MessageID, m.HasMessageID = tx.Header("message-id")
		m.XMailer, m.HasXMailer = tx.Header("x-mailer")
		m.Date, m.HasDate = tx.Header("date")
		h.recv = smtpHeaders(h.recv[:0], tx, "received")
		m.Received = h.recv
	}
	h.ev.Email = m
	return &h.ev
}

// smtpHeaders appends the values of every message header called name.
func smtpHeaders(dst [][]byte, tx *smtp.Tx, name string) [][]byte {
	for i := range tx.NumHeaders() {
		if n, v := tx.HeaderAt(i); equalFoldASCII(n, name) {
			dst = append(dst, v)
		}
	}
	return dst
}

// splitAddresses splits an address list at the commas outside double quotes, each address
// trimmed of spaces, empty ones left out ("To: " lists none).
func splitAddresses(dst [][]byte, v []byte) [][]byte {
	quoted, start := false, 0
	for i := 0; i <= len(v); i++ {
		if i < len(v) {
			switch v[i] {
			case '"':
				quoted = !quoted
				continue
			case '\\':
				i++ // a quoted pair
				continue
			case ',':
				if quoted {
					continue
				}
			default:
				continue
			}
		}
		part := v[start:min(i, len(v))]
		start = i + 1
		for len(part) > 0 && (part[0] == ' ' || part[0] == '\t') {
			part = part[1:]
		}
		for len(part) > 0 && (part[len(part)-1] == ' ' || part[len(part)-1] == '\t') {
			part = part[:len(part)-1]
		}
		if len(part) > 0 {
			dst = append(dst, part)
		}
	}
	return dst
}

// logSMTPAnomalies writes a logged transaction's app-layer events as EVE anomaly events,
// oriented as the packet at hand, with the transaction's id.
func (a *appLayer) logSMTPAnomalies(tx *smtp.Tx) {
	w := a.w
	if tx.Events == 0 || w.eve == nil || !w.out.eveAnomaly {
		return
	}
	an := a.appAnomaly(appSMTP)
	an.TxID, an.HasTxID = tx.ID, true
	if a.pkt != nil && !a.pktToServer {
		an.SrcIP, an.DestIP = an.DestIP, an.SrcIP
		an.SrcPort, an.DestPort = an.DestPort, an.SrcPort
	}
	for e := smtp.Event(1); int(e) < smtp.NumEvents; e++ {
		if tx.Events.Has(e) {
			an.Event = e.String()
			w.eve.Anomaly(an)
		}
	}
}
