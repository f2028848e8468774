package sensor

// detectSMB inspects the current flow's SMB transactions that moved.
func (a *appLayer) detectSMB() {
	for _, tx := range a.cur.smb.Txs() {
		tx.Inspected = tx.Done
	}
}
