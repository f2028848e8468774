package stream

import "bytes"

// The segment list of a direction: records sorted by offset. Segments may overlap one another
// (Suricata keeps overlapping segments too, for their bounds decide later overlaps); all records
// covering a byte hold the same value, the one the overlap policy chose.

// insert queues payload, sent at seq, in direction h.
func (r *Reassembler) insert(h *half, seq uint32, payload []byte) {
	if h.flags&hDepth != 0 {
		return
	}
	r.Stats.Segments++
	off := h.offOf(seq)
	end := off + int64(len(payload))
	if end <= h.next {
		r.Stats.Retransmits++
		return
	}
	if off-h.next > horizon {
		r.Stats.OutOfWindow++
		return
	}
	cOff, cEnd := max(off, h.next), end
	if h.flags&hFIN != 0 && cEnd > h.fin {
		r.Stats.AfterFIN++
		cEnd = h.fin
	}
	if cEnd > r.depthOf(h) {
		cEnd = r.depthOf(h)
	}
	if cEnd <= cOff {
		if cOff >= r.depthOf(h) {
			r.Stats.BeyondDepth++
		}
		return
	}
	data := payload[cOff-off : cEnd-off]
	for len(data) > 0 { // bigger than the scratch buffer only with jumbo or defragmented packets
		k := min(len(data), len(r.buf))
		r.insertPart(h, cOff, data[:k], off, end)
		cOff += int64(k)
		data = data[k:]
	}
}

// insertPart queues data at offset at; oOff and oEnd are the bounds of the whole segment.
func (r *Reassembler) insertPart(h *half, at int64, data []byte, oOff, oEnd int64) {
	if h.head == 0 || at >= h.maxEnd {
		r.store(h, h.tail, at, data, oOff, oEnd) // in order: the common case
		return
	}
	prev := r.findPrev(h, at)
	first := r.firstCandidate(h, prev, at)
	end := at + int64(len(data))

	// For each queued segment the new one overlaps, the policy says whose bytes stand; where
	// the old ones do, they are copied over the new (into the scratch buffer, taken only then).
	// A byte stays new only if every queued segment covering it yields (Suricata's rule when
	// segments pile up).
	var buf []byte
	overlapped, differs, dup := false, false, false
	for i := first; i != 0; i = r.pool.seg(i).next {
		sg := r.pool.seg(i)
		if sg.off >= end {
			break
		}
		a, b := max(sg.off, at, h.next), min(sg.end(), end)
		if a >= b {
			continue
		}
		overlapped = true
		old := r.segBytes(sg)[a-sg.off : b-sg.off]
		same := bytes.Equal(old, data[a-at:b-at])
		differs = differs || !same
		if sg.oOff == oOff && sg.oEnd == oEnd {
			dup = true
		}
		if !same && !newWins(r.policy, oOff, oEnd, sg.oOff, sg.oEnd) {
			if buf == nil {
				buf = r.buf[:len(data)]
				copy(buf, data)
			}
			copy(buf[a-at:b-at], old)
		}
	}
	if buf != nil {
		data = buf
	}
	if overlapped {
		r.Stats.Overlaps++
		if differs {
			r.Stats.OverlapDiff++
			// Every queued copy of the overlapped bytes takes the outcome, so that whichever
			// record delivery reads them from agrees.
			for i := first; i != 0; i = r.pool.seg(i).next {
				sg := r.pool.seg(i)
				if sg.off >= end {
					break
				}
				if a, b := max(sg.off, at, h.next), min(sg.end(), end); a < b {
					copy(r.segBytes(sg)[a-sg.off:b-sg.off], data[a-at:b-at])
				}
			}
		}
	}
	if !dup {
		r.store(h, prev, at, data, oOff, oEnd)
	}
}

// firstCandidate returns the first record that may overlap bytes from at on: records end at
// most a page after they start, so the walk back from prev stops a page before at.
func (r *Reassembler) firstCandidate(h *half, prev int32, at int64) int32 {
	i := prev
	for i != 0 && r.pool.seg(i).off+pageSize > at {
		i = r.pool.seg(i).prev
	}
	if i == 0 {
		return h.head
	}
	return r.pool.seg(i).next
}

// findPrev returns the last record whose offset is at most at (0: none), walking from
// whichever end of the list is nearer.
func (r *Reassembler) findPrev(h *half, at int64) int32 {
	head, tail := r.pool.seg(h.head), r.pool.seg(h.tail)
	if at-head.off < tail.off-at {
		if head.off > at {
			return 0
		}
		i := h.head
		for {
			n := r.pool.seg(i).next
			if n == 0 || r.pool.seg(n).off > at {
				return i
			}
			i = n
		}
	}
	i := h.tail
	for i != 0 && r.pool.seg(i).off > at {
		i = r.pool.seg(i).prev
	}
	return i
}

func (r *Reassembler) segBytes(sg *seg) []byte {
	b, _, _ := r.pool.page(sg.page)
	return b[sg.pos : int(sg.pos)+int(sg.n)]
}

// store copies data (at offset at) into h's pages and links the records in offset order,
// starting the search after record prev. It refuses, and counts, what the memcap or the
// queue limit does not allow.
func (r *Reassembler) store(h *half, prev int32, at int64, data []byte, oOff, oEnd int64) {
	n := len(data)
	room := 0
	if h.page != 0 {
		room = pageSize - int(h.used)
	}
	pages, segs := 0, 0
	if n > room {
		pages = (n - room + pageSize - 1) / pageSize
	}
	segs = pages
	if room > 0 {
		segs++
	}
	if h.nrec+int32(segs) > r.maxQueued {
		r.Stats.QueueSegments++
		r.Stats.QueueBytes += uint64(n)
		return
	}
	if !r.pool.reserve(pages, segs) {
		r.Stats.MemcapSegments++
		r.Stats.MemcapBytes += uint64(n)
		return
	}
	for len(data) > 0 {
		if h.page == 0 || h.used == pageSize {
			h.page, h.used = r.pool.takePage()+1, 0
		}
		pg := h.page - 1
		k := min(len(data), pageSize-int(h.used))
		b, _, _ := r.pool.page(pg)
		copy(b[h.used:], data[:k])

		i := r.pool.takeSeg()
		sg := r.pool.seg(i)
		sg.off, sg.oOff, sg.oEnd = at, oOff, oEnd
		sg.page, sg.pos, sg.n = pg, h.used, uint16(k)
		r.pool.ref[pg]++
		h.used += uint16(k)

		// Later pieces of the segment may belong after records that start inside it.
		for {
			nx := h.head
			if prev != 0 {
				nx = r.pool.seg(prev).next
			}
			if nx == 0 || r.pool.seg(nx).off > at {
				break
			}
			prev = nx
		}
		r.link(h, prev, i)
		prev = i
		h.nrec++
		at += int64(k)
		data = data[k:]
	}
	h.maxEnd = max(h.maxEnd, at)
}

// link puts record i after record prev (at the head when prev is 0).
func (r *Reassembler) link(h *half, prev, i int32) {
	sg := r.pool.seg(i)
	sg.prev = prev
	if prev == 0 {
		sg.next = h.head
		h.head = i
	} else {
		p := r.pool.seg(prev)
		sg.next = p.next
		p.next = i
	}
	if sg.next == 0 {
		h.tail = i
	} else {
		r.pool.seg(sg.next).prev = i
	}
}

// drop unlinks record i from h and returns it and its share of a page to the pool.
func (r *Reassembler) drop(h *half, i int32) {
	sg := r.pool.seg(i)
	if sg.prev == 0 {
		h.head = sg.next
	} else {
		r.pool.seg(sg.prev).next = sg.next
	}
	if sg.next == 0 {
		h.tail = sg.prev
	} else {
		r.pool.seg(sg.next).prev = sg.prev
	}
	if r.pool.unref(sg.page) && h.page == sg.page+1 {
		h.page, h.used = 0, 0 // the fill page went back too
	}
	r.pool.putSeg(i)
	h.nrec--
}

// release returns everything h holds to the pool.
func (r *Reassembler) release(h *half) {
	for h.head != 0 {
		r.drop(h, h.head)
	}
	h.maxEnd = h.next
}
