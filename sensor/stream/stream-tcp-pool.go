package stream

// Memory: every queued byte lives in a fixed-size page, and every run of bytes in one page is
// described by a segment record. Pages and records come from per-Reassembler pools that grow in
// chunks, up to budgets that together make the memcap, and are reused: a worker in steady state
// allocates nothing. A direction appends to its own partly filled page, so in-order data packs
// tightly and lies contiguously, which lets delivery pass it on without a copy.

const (
	pageSize     = 4096
	pagesPerSlab = 16 // a slab (64 KiB) is the unit the page pool grows by
	slabBytes    = pageSize * pagesPerSlab
	segsPerChunk = 512
	segCost      = 48 // bytes one segment record costs, as counted against the memcap
	// The memcap is split: an eighth for records, the rest for pages. A fixed split keeps one
	// pool from starving the other once memory has gone to it (pools never shrink).
	segShare  = 8
	minMemcap = segShare * segsPerChunk * segCost // one record chunk and several slabs
)

// seg describes bytes of one segment held in one page. off..off+n are stream offsets; the
// bytes before the direction's delivery point are stale and skipped. oOff and oEnd are the
// bounds of the whole segment as it arrived: overlap policies decide on them, and a segment
// with the same bounds as a queued one is a duplicate.
type seg struct {
	off, oOff, oEnd int64
	page            int32
	pos             uint16
	n               uint16
	prev, next      int32 // neighbours in the direction's list, index+1 (0: none)
}

func (s *seg) end() int64 { return s.off + int64(s.n) }

// pool hands out pages and segment records.
type pool struct {
	slabs     [][]byte
	ref       []int32 // per page: records using it
	freePages []int32
	maxSlabs  int

	segChunks [][]seg
	freeSeg   int32 // free records, chained through next, index+1
	maxChunks int

	pagesInUse, segsInUse int
}

func newPool(memcap int) pool {
	segBudget := memcap / segShare
	return pool{
		maxSlabs:  (memcap - segBudget) / slabBytes,
		maxChunks: segBudget / (segsPerChunk * segCost),
	}
}

// memUse is the memory the pool's records and pages in use account for.
func (p *pool) memUse() int { return p.pagesInUse*pageSize + p.segsInUse*segCost }

func (p *pool) seg(i int32) *seg { return &p.segChunks[(i-1)/segsPerChunk][(i-1)%segsPerChunk] }

// page returns the bytes of page pg and the slab and offset they sit at.
func (p *pool) page(pg int32) (b []byte, slab, at int) {
	slab, at = int(pg)/pagesPerSlab, int(pg)%pagesPerSlab*pageSize
	return p.slabs[slab][at : at+pageSize], slab, at
}

// reserve reports whether pages pages and segs records can be had, growing the pools as far
// as the memcap allows.
func (p *pool) reserve(pages, segs int) bool {
	for len(p.freePages) < pages {
		if len(p.slabs) >= p.maxSlabs {
			return false
		}
		base := int32(len(p.slabs) * pagesPerSlab)
		p.slabs = append(p.slabs, make([]byte, slabBytes))
		p.ref = append(p.ref, make([]int32, pagesPerSlab)...)
		for i := int32(pagesPerSlab - 1); i >= 0; i-- {
			p.freePages = append(p.freePages, base+i)
		}
	}
	free := 0
	for i := p.freeSeg; i != 0 && free < segs; i = p.seg(i).next {
		free++
	}
	for free < segs {
		if len(p.segChunks) >= p.maxChunks {
			return false
		}
		base := int32(len(p.segChunks) * segsPerChunk)
		p.segChunks = append(p.segChunks, make([]seg, segsPerChunk))
		for i := int32(segsPerChunk); i >= 1; i-- {
			p.seg(base + i).next = p.freeSeg
			p.freeSeg = base + i
		}
		free += segsPerChunk
	}
	return true
}

// takePage and takeSeg assume a successful reserve.
func (p *pool) takePage() int32 {
	pg := p.freePages[len(p.freePages)-1]
	p.freePages = p.freePages[:len(p.freePages)-1]
	p.pagesInUse++
	return pg
}

func (p *pool) takeSeg() int32 {
	i := p.freeSeg
	s := p.seg(i)
	p.freeSeg = s.next
	*s = seg{}
	p.segsInUse++
	return i
}

func (p *pool) putSeg(i int32) {
	s := p.seg(i)
	s.prev, s.next = 0, p.freeSeg
	p.freeSeg = i
	p.segsInUse--
}

// unref drops one use of page pg and reports whether the page went back to the pool.
func (p *pool) unref(pg int32) bool {
	p.ref[pg]--
	if p.ref[pg] > 0 {
		return false
	}
	p.freePages = append(p.freePages, pg)
	p.pagesInUse--
	return true
}
