package sensor

import (
	"net/netip"

	"github.com/nightjar-ids/nightjar/decoders/ftp"
	"github.com/nightjar-ids/nightjar/signatures"
)

var (
	_ signatures.AppTx = (*ftpTx)(nil)
	_ signatures.AppTx = (*ftpDataTx)(nil)
)

// ftpTx is one FTP control-channel transaction as detection sees it; client is the control
// connection's client, which ftpbounce compares a PORT's address with.
type ftpTx struct {
	tx     *ftp.Tx
	client netip.Addr
}

// Buffer implements signatures.AppTx.
func (x *ftpTx) Buffer(id signatures.BufferID, toServer bool, i int) ([]byte, bool) {
	t := x.tx
	if t == nil || (i != 0 && !id.Multi()) {
		return nil, false
	}
	switch id {
	case signatures.BufFTPCommand:
		if !t.HasRequest {
			return nil, false
		}
		return commandName(t.Command), true
	case signatures.BufFTPCommandData:
		if !t.HasRequest {
			return nil, false
		}
		return nonEmpty(t.CommandData())
	case signatures.BufFTPReply:
		if i < t.NumReplies() {
			_, text := t.Reply(i)
			return text, true
		}
	case signatures.BufFTPCompletionCode:
		// The i-th line that has a code.
		for k := range t.NumReplies() {
			if r, _ := t.Reply(k); r.HasCode {
				if i == 0 {
					return t.ReplyCode(k), true
				}
				i--
			}
		}
	}
	return nil, false
}

// commandNames back the ftp.command buffer without a conversion per call.
var commandNames = func() (n [256][]byte) {
	for c := ftp.CmdUnknown + 1; c.String() != ""; c++ {
		n[c] = []byte(c.String())
	}
	return n
}()

func commandName(c ftp.Command) []byte { return commandNames[c] }

// Number implements signatures.AppTx.
func (x *ftpTx) Number(id signatures.NumberID, toServer bool, i int) (uint64, bool) {
	t := x.tx
	if t == nil || i != 0 {
		return 0, false
	}
	switch id {
	case signatures.NumFTPDynamicPort:
		return uint64(t.DynPort), t.DynPort != 0
	case signatures.NumFTPMode:
		if !t.HasMode() {
			return 0, false
		}
		if t.Active {
			return signatures.FTPModeActive, true
		}
		return signatures.FTPModePassive, true
	case signatures.NumFTPReplyReceived:
		// As Suricata's, only for a transaction a command opened (not the banner).
		if !t.HasRequest {
			return 0, false
		}
		if t.Done {
			return 1, true
		}
		return 0, true
	case signatures.NumFTPBounce:
		// Suricata's ftpbounce: a PORT naming an IPv4 address other than the client's.
		if t.Command != ftp.CmdPORT || !t.Endpoint.Addr.IsValid() || !x.client.Is4() {
			return 0, false
		}
		if t.Endpoint.Addr != x.client {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// Event implements signatures.AppTx.
func (x *ftpTx) Event(name string) bool {
	e, ok := ftp.EventByName(name)
	return ok && x.tx != nil && x.tx.Events.Has(e)
}

// detectFTP inspects the flow's FTP transactions that moved, before they are released.
func (a *appLayer) detectFTP() {
	s := a.cur
	marks := s.httpMarks[:0]
	a.det.ftp.client, _ = a.f.Client()
	for _, t := range s.ftp.Txs() {
		m := s.markOf(t.ID)
		a.det.ftp.tx = t
		a.inspectMark(&a.det.ftp, &m, ftpStages(t))
		marks = append(marks, m)
	}
	s.httpMarks = marks
	a.det.ftp.tx = nil
}

// ftpDataTx is an ftp-data flow's one transaction: its file's name, data and command.
type ftpDataTx struct {
	st *ftpDataState
}

// Buffer implements signatures.AppTx.
func (x *ftpDataTx) Buffer(id signatures.BufferID, toServer bool, i int) ([]byte, bool) {
	d := x.st
	if d == nil || i != 0 {
		return nil, false
	}
	// The file travels one way: the other direction has no file, name nor data.
	if toServer == d.toClient {
		return nil, false
	}
	switch id {
	case signatures.BufFTPDataFileName:
		return nonEmpty(d.name)
	case signatures.BufFileData:
		return nonEmpty(d.data)
	}
	return nil, false
}

// Number implements signatures.AppTx.
func (x *ftpDataTx) Number(id signatures.NumberID, toServer bool, i int) (uint64, bool) {
	d := x.st
	if d == nil || i != 0 || id != signatures.NumFTPDataCommand {
		return 0, false
	}
	switch d.cmd {
	case ftp.CmdRETR:
		return signatures.FTPDataRETR, true
	case ftp.CmdSTOR:
		return signatures.FTPDataSTOR, true
	}
	return 0, false
}

// Event implements signatures.AppTx: ftp-data raises none.
func (x *ftpDataTx) Event(string) bool { return false }
