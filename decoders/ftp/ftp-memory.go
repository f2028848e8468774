package ftp

import "unsafe"

// Retained is the memory the parser holds in bytes: its struct, the buffers it keeps for reuse
// and its transactions, live or pooled. Buffers only grow (Reset keeps them); the app layer
// charges this to its memcap as it does the other parsers'.
func (p *Parser) Retained() int {
	n := int(unsafe.Sizeof(*p)) + (cap(p.txs)+cap(p.pool))*int(unsafe.Sizeof((*Tx)(nil))) +
		cap(p.channels)*int(unsafe.Sizeof(DataChannel{})) + cap(p.names)
	for d := range p.half {
		n += cap(p.half[d].buf)
	}
	for _, t := range p.txs {
		n += t.retained()
	}
	for _, t := range p.pool {
		n += t.retained()
	}
	return n
}

func (t *Tx) retained() int {
	return int(unsafe.Sizeof(*t)) + cap(t.arena) + cap(t.replies)*int(unsafe.Sizeof(Reply{}))
}
