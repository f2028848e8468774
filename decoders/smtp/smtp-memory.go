package smtp

import "unsafe"

// Retained is the memory the parser holds in bytes: its struct, the buffers it keeps for reuse
// and its transactions, live or pooled. Buffers only grow (Reset keeps them); the app layer
// charges this to its memcap as it does the other parsers'.
func (p *Parser) Retained() int {
	n := int(unsafe.Sizeof(*p)) + (cap(p.txs)+cap(p.pool))*int(unsafe.Sizeof((*Tx)(nil)))
	n += cap(p.lines[0].buf) + cap(p.lines[1].buf) + cap(p.bdatLines.buf) + cap(p.pending) + cap(p.helo)
	m := &p.mime
	n += cap(m.partBuf) + cap(m.part)*int(unsafe.Sizeof(header{})) + cap(m.filename) + cap(m.boundary) +
		cap(m.urlLine) + cap(m.scratch) + cap(m.token)
	for _, t := range p.txs {
		n += t.retained()
	}
	for _, t := range p.pool {
		n += t.retained()
	}
	return n
}

func (t *Tx) retained() int {
	n := int(unsafe.Sizeof(*t)) + cap(t.arena) + (cap(t.rcpt)+cap(t.attachments)+cap(t.urls))*int(unsafe.Sizeof(span{})) +
		cap(t.headers)*int(unsafe.Sizeof(header{})) + cap(t.files)*int(unsafe.Sizeof(File{}))
	// Slots past len keep the buffers of earlier files for reuse.
	all := t.files[:cap(t.files)]
	for i := range all {
		n += cap(all[i].Name) + cap(all[i].Data)
	}
	return n
}
