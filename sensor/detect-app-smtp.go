package sensor

import (
	"github.com/nightjar-ids/nightjar/decoders/smtp"
	"github.com/nightjar-ids/nightjar/signatures"
)

var _ signatures.AppTx = (*smtpTx)(nil)

// smtpTx is one SMTP transaction as detection sees it: the session's HELO, the envelope, the
// message's headers and URLs, and its attachments (file.name, file.data per file). All are
// the client's. p and tx are set by the app layer.
type smtpTx struct {
	p  *smtp.Parser
	tx *smtp.Tx
}

// Buffer implements signatures.AppTx.
func (h *smtpTx) Buffer(id signatures.BufferID, toServer bool, i int) ([]byte, bool) {
	t := h.tx
	if t == nil || !toServer || (i != 0 && !id.Multi()) {
		return nil, false
	}
	switch id {
	case signatures.BufSMTPHelo:
		return present(h.p.Helo())
	case signatures.BufSMTPMailFrom:
		return present(t.MailFrom())
	case signatures.BufSMTPRcptTo:
		if i < t.NumRcpt() {
			return t.Rcpt(i), true
		}
	case signatures.BufEmailFrom:
		return t.Header("from")
	case signatures.BufEmailSubject:
		return t.Header("subject")
	case signatures.BufEmailTo:
		return t.Header("to")
	case signatures.BufEmailCc:
		return t.Header("cc")
	case signatures.BufEmailDate:
		return t.Header("date")
	case signatures.BufEmailMessageID:
		return t.Header("message-id")
	case signatures.BufEmailXMailer:
		return t.Header("x-mailer")
	case signatures.BufEmailURL:
		// In the order EVE lists them (last found first), so that index-based keywords
		// agree with the log.
		if n := t.NumURLs(); i < n {
			return t.URL(n - 1 - i), true
		}
	case signatures.BufEmailReceived:
		for k := range t.NumHeaders() {
			if n, v := t.HeaderAt(k); equalFoldASCII(n, "received") {
				if i == 0 {
					return v, true
				}
				i--
			}
		}
	case signatures.BufFileName:
		if f := t.Files(); i < len(f) {
			return f[i].Name, true
		}
	case signatures.BufFileDataFiles:
		if f := t.Files(); i < len(f) {
			return f[i].Data, true
		}
	}
	return nil, false
}

// Number implements signatures.AppTx: SMTP has no numeric keywords.
func (h *smtpTx) Number(signatures.NumberID, bool, int) (uint64, bool) { return 0, false }

// Event implements signatures.AppTx.
func (h *smtpTx) Event(name string) bool {
	e, ok := smtp.EventByName(name)
	return ok && h.tx != nil && h.tx.Events.Has(e)
}

// smtpStages are a transaction's stages, the same both ways as Suricata's SMTP progress:
// started once its message's headers ended, complete once it is over (or the flow is).
func smtpStages(t *smtp.Tx, final bool) [2]uint8 {
	st := signatures.StageNone
	switch {
	case t.Done() || final:
		st = signatures.StageComplete
	case t.HeadersDone:
		st = signatures.StageStart
	}
	return [2]uint8{st, st}
}

// detectSMTP inspects the flow's SMTP transactions that moved, before they are released.
func (a *appLayer) detectSMTP(final bool) {
	s := a.cur
	marks := s.httpMarks[:0]
	a.det.smtp.p = s.smtp
	for _, t := range s.smtp.Txs() {
		m := s.markOf(t.ID)
		a.det.smtp.tx = t
		a.inspectMark(&a.det.smtp, &m, smtpStages(t, final))
		marks = append(marks, m)
	}
	s.httpMarks = marks
	a.det.smtp.tx, a.det.smtp.p = nil, nil
}
