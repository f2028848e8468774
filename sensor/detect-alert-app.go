package sensor

import "github.com/nightjar-ids/nightjar/export"

// fillAlertApp points a tx alert at the app-layer object of the transaction being inspected,
// as Suricata's alert logger adds it (metadata: app-layer, on by default): the http object of
// the HTTP/1 or HTTP/2 transaction, the DNS message, the TLS or SSH session. The objects are filled into
// the app layer's event scratch, which the next event overwrites: the alert is written before
// that.
func (a *appLayer) fillAlertApp(al *export.Alert) {
	switch tx := a.alertTx.(type) {
	case *httpTx:
		if tx.tx != nil {
			fillHTTPEvent(&a.httpEv, tx.tx)
			al.App.HTTP = &a.httpEv
		}
	case *http2Tx:
		if tx.tx != nil {
			a.fillHTTP2Event(&a.httpEv, tx.tx)
			al.App.HTTP = &a.httpEv
		}
	case *dnsTx:
		m, reply := tx.query, false
		if m == nil {
			m, reply = tx.reply, true
		}
		if m != nil {
			a.text = a.text[:0]
			a.fillDNSEvent(&a.dnsEv, m, al.TxID, reply)
			al.App.DNS = &a.dnsEv
		}
	case *tlsTx:
		if tx.st != nil {
			fillTLSEvent(&a.tlsEv, tx.st)
			al.App.TLS = &a.tlsEv
		}
	case *sshTx:
		if tx.st != nil {
			fillSSHEvent(&a.sshEv, tx.st)
			al.App.SSH = &a.sshEv
		}
	case *smtpTx:
		if tx.tx != nil {
			al.App.SMTP = a.fillSMTPEvent(tx.tx)
			al.App.Files = a.smtpFileInfos(tx.tx)
		}
	case *ftpTx:
		if tx.tx != nil {
			a.fillFTPEvent(&a.ftpEv, tx.tx)
			al.App.FTP = &a.ftpEv
		}
	case *ftpDataTx:
		if tx.st != nil {
			fillFTPDataEvent(&a.ftpDataEv, tx.st)
			al.App.FTPData = &a.ftpDataEv
		}
	case *dceTx, *smbTx:
		a.fillAlertRPC(al)
	}
}
