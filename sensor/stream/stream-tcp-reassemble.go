package stream

// deliver hands h's data on, in order, up to offset limit. Acknowledged holes become gaps; an
// unacknowledged hole stops delivery (its bytes may still come). final is the flow's end: an
// acknowledged tail that never showed up is then reported as a gap as well.
func (r *Reassembler) deliver(h *half, toServer bool, limit int64, final bool, sink Sink) {
	r.sink, r.toServer = sink, toServer
	for h.next < limit {
		i := h.head
		for i != 0 && r.pool.seg(i).end() <= h.next {
			r.drop(h, i)
			i = h.head
		}
		if i == 0 {
			break
		}
		sg := r.pool.seg(i)
		if sg.off > h.next {
			to := min(sg.off, limit, h.acked)
			if to <= h.next {
				break
			}
			r.gap(h, to)
			continue
		}
		to := min(sg.end(), limit)
		b, slab, at := r.pool.page(sg.page)
		from := int(sg.pos) + int(h.next-sg.off)
		n := int(to - h.next)
		r.emit(b[from:from+n], slab, at+from)
		h.next = to
	}
	for i := h.head; i != 0 && r.pool.seg(i).end() <= h.next; i = h.head {
		r.drop(h, i)
	}
	if final && h.head == 0 && h.acked > h.next && limit > h.next {
		r.gap(h, min(h.acked, limit))
	}
	r.flush()
	if h.head == 0 {
		h.maxEnd = h.next
	}
	if h.next >= r.depthOf(h) && h.flags&hDepth == 0 {
		h.flags |= hDepth
		r.Stats.DepthReached++
		r.release(h)
	}
	r.sink = nil
}

// gap reports the bytes from h's delivery point to offset to as missing.
func (r *Reassembler) gap(h *half, to int64) {
	r.flush()
	n := to - h.next
	h.next = to
	h.missed += uint64(n)
	r.Stats.Gaps++
	r.Stats.GapBytes += uint64(n)
	if r.sink != nil {
		r.sink.Gap(r.toServer, int(n))
	}
}

// emit adds b, which lies at byte at of slab slab, to the chunk being gathered. A run that
// stays contiguous in memory is passed on as it lies; otherwise it is copied into the chunk
// buffer. Either way a chunk goes out when it reaches MaxChunk.
func (r *Reassembler) emit(b []byte, slab, at int) {
	for len(b) > 0 {
		if r.chunkLen == 0 {
			switch {
			case r.direct == nil:
				r.direct, r.dSlab, r.dStart, r.dEnd = b, slab, at, at+len(b)
				return
			case slab == r.dSlab && at == r.dEnd && r.dEnd+len(b)-r.dStart <= MaxChunk:
				r.dEnd += len(b)
				r.direct = r.pool.slabs[slab][r.dStart:r.dEnd]
				return
			case len(r.direct)+len(b) > MaxChunk:
				r.flush()
				continue
			}
			r.chunkLen = copy(r.chunk, r.direct)
			r.direct = nil
		}
		k := copy(r.chunk[r.chunkLen:], b)
		r.chunkLen += k
		b = b[k:]
		if r.chunkLen == len(r.chunk) {
			r.flush()
		}
	}
}

// flush hands the gathered chunk to the sink.
func (r *Reassembler) flush() {
	out := r.direct
	if r.chunkLen > 0 {
		out = r.chunk[:r.chunkLen]
	}
	r.direct, r.chunkLen = nil, 0
	if len(out) == 0 {
		return
	}
	r.Stats.Delivered += uint64(len(out))
	r.Stats.Chunks++
	if r.sink != nil {
		r.sink.Data(r.toServer, out)
	}
}
