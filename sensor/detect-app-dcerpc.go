package sensor

// detectDCERPC inspects the current flow's DCERPC transactions that moved.
func (a *appLayer) detectDCERPC() {
	for _, tx := range a.cur.dcerpc.Txs() {
		tx.Inspected = tx.Done
	}
}
