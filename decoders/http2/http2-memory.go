package http2

import "unsafe"

// Retained is the memory the parser holds in bytes: its struct, the buffers it keeps for reuse
// and its transactions, live or pooled. The HPACK decoders' tables are bounded by MaxTableSize
// each and counted at that bound. Buffers only grow (Reset keeps them); the app layer charges
// this to its memcap as it does the HTTP/1 parser's.
func (p *Parser) Retained() int {
	n := int(unsafe.Sizeof(*p)) + (cap(p.txs)+cap(p.pool))*int(unsafe.Sizeof((*Tx)(nil)))
	for d := range p.half {
		n += cap(p.half[d].ctl) + int(p.cfg.MaxTableSize)
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
	n := int(unsafe.Sizeof(*t)) + cap(t.arena)
	for d := range t.Side {
		s := &t.Side[d]
		n += cap(s.Body) + cap(s.Settings)*int(unsafe.Sizeof(Setting{})) + cap(s.ErrorCodes)*4 +
			cap(s.Priorities) + cap(s.Windows)*4 + cap(s.Headers)*int(unsafe.Sizeof(Header{}))
	}
	return n
}
