package http

import "unsafe"

// Retained is the memory the parser holds in bytes: its own struct, every buffer it keeps for
// reuse and the transactions it holds, live or pooled. Buffers only grow (Reset keeps them), so
// this is what a parser handed from flow to flow carries with it; the app layer charges it to
// its memcap.
func (p *Parser) Retained() int {
	n := int(unsafe.Sizeof(*p)) + cap(p.scratch[0]) + cap(p.scratch[1])
	for _, h := range [2]*half{&p.req, &p.resp} {
		n += cap(h.line) + cap(h.hdr) + cap(h.zbuf) + cap(h.held)
	}
	n += (cap(p.txs) + cap(p.pool)) * int(unsafe.Sizeof((*Tx)(nil)))
	for _, t := range p.txs {
		n += t.retained()
	}
	for _, t := range p.pool {
		n += t.retained()
	}
	return n
}

func (t *Tx) retained() int {
	hdr := int(unsafe.Sizeof(Header{}))
	n := int(unsafe.Sizeof(*t)) + cap(t.RequestBody) + cap(t.ResponseBody) + cap(t.arena) +
		cap(t.reqRaw) + cap(t.respRaw) + (cap(t.RequestHeaders)+cap(t.ResponseHeaders))*hdr
	for _, b := range t.built {
		n += cap(b.header) + cap(b.names) + cap(b.start)
	}
	return n
}
