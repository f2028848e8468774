package decoders

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
)

// DefragConfig bounds IP fragment reassembly. Zero fields take the defaults.
type DefragConfig struct {
	MaxTrackers int          // datagrams being reassembled at once
	MaxBytes    int          // memory for fragment data and bookkeeping, all trackers together
	Timeout     int64        // nanoseconds a datagram may take to complete
	Policy      DefragPolicy // which copy of overlapping bytes wins (default BSD, as Suricata)
}

// DefaultDefragConfig mirrors Suricata's defaults (defrag.trackers 65535, memcap 32 MiB, timeout 60 s).
func DefaultDefragConfig() DefragConfig {
	return DefragConfig{MaxTrackers: 65535, MaxBytes: 32 << 20, Timeout: 60e9, Policy: DefragBSD}
}

// DefragPolicy is a target-based overlap policy: operating systems disagree on which bytes to
// keep when fragments overlap, and an IDS that guesses differently from the target can be
// evaded. The names and meanings are those of the Novak/Sturges and Shankar/Paxson papers that
// Snort's frag3 and Suricata's defrag.policy use.
type DefragPolicy uint8

const (
	DefragBSD      DefragPolicy = iota // keep old bytes unless the new fragment starts before the old one
	DefragBSDRight                     // keep new bytes unless the old fragment reaches further right
	DefragFirst                        // old bytes always win
	DefragLast                         // new bytes always win
	DefragLinux                        // like BSD, but a new fragment at the same offset also wins
	DefragWindows                      // new bytes win only over an old fragment they strictly enclose
	DefragSolaris                      // new wins over an old fragment it starts before and reaches the end of
	numDefragPolicies
)

var defragPolicyNames = [numDefragPolicies]string{"bsd", "bsd-right", "first", "last", "linux", "windows", "solaris"}

// String is the policy's configuration name.
func (pol DefragPolicy) String() string {
	if pol < numDefragPolicies {
		return defragPolicyNames[pol]
	}
	return fmt.Sprintf("DefragPolicy(%d)", uint8(pol))
}

// ParseDefragPolicy reads a policy name as Suricata's host-os-policy and Snort's frag3 spell it.
func ParseDefragPolicy(s string) (DefragPolicy, error) {
	for i, n := range defragPolicyNames {
		if n == s {
			return DefragPolicy(i), nil
		}
	}
	return 0, fmt.Errorf("defrag policy %q: want one of bsd, bsd-right, first, last, linux, windows, solaris", s)
}

// newWins decides one overlap: bytes held by an old fragment [os,oe) and offered again by a new
// fragment [ns,ne). The decision depends only on the two fragments' extents, so a run of bytes
// keeps the extent of the fragment that supplied it.
func (pol DefragPolicy) newWins(ns, ne, os, oe int) bool {
	switch pol {
	case DefragFirst:
		return false
	case DefragLast:
		return true
	case DefragLinux:
		return ns <= os
	case DefragWindows:
		return ns < os && ne > oe
	case DefragSolaris:
		return ns < os && ne >= oe
	case DefragBSDRight:
		return ne >= oe
	default: // DefragBSD
		return ns < os
	}
}

// DefragStats counts what reassembly did; the names follow Suricata's defrag.* counters.
type DefragStats struct {
	IPv4Fragments      uint64 // IPv4 fragments offered
	IPv4Reassembled    uint64 // IPv4 datagrams completed
	IPv6Fragments      uint64
	IPv6Reassembled    uint64
	Timeouts           uint64 // datagrams abandoned incomplete after Timeout
	MaxTrackersReached uint64 // fragments dropped because every tracker was busy
	MemcapDrops        uint64 // fragments dropped because MaxBytes (or the per-datagram run limit) was reached
}

const (
	defragPageSize   = 2048  // arena page; a datagram's data is paged by offset
	defragMaxData    = 65535 // largest datagram payload IPv4/IPv6 can describe
	defragMaxPages   = (defragMaxData + defragPageSize) / defragPageSize
	defragInlineHdr  = 64                           // IPv4 header, or IPv6 with a short unfragmentable part
	defragMaxHdr     = defragPageSize               // longer IPv6 unfragmentable parts are refused
	defragRunCost    = 16                           // bytes of memcap one run node is charged
	defragMaxRuns    = 512                          // distinct byte runs one datagram may hold
	defragTrackChunk = 256                          // trackers allocated at a time, up to MaxTrackers
	defragPageChunk  = 32                           // pages allocated at a time
	defragRunChunk   = 1024                         // run nodes allocated at a time
	defragOutSize    = defragMaxHdr + defragMaxData // one reassembled datagram
)

// fragKey identifies the datagram a fragment belongs to. Tunnel depth and VLANs are part of it so
// that the same addresses seen inside and outside a tunnel (or on two VLANs) never mix.
type fragKey struct {
	src, dst  [16]byte
	id        uint32
	vlan      [MaxVLAN]uint16
	proto     uint8 // IPv4 only; IPv6 fragments carry it only in the first fragment
	recursion uint8
	v6        bool
}

// fragRun is a stretch of received bytes [start,end) and the extent [os,oe) of the fragment that
// supplied them, which is what the overlap policy compares a newcomer against.
type fragRun struct {
	start, end uint16
	os, oe     uint16
	next       int32
}

// fragTracker is one datagram under reassembly. Ids (trackers, pages, runs) are 1-based so the
// zero value means "none".
type fragTracker struct {
	key      fragKey
	hash     uint64
	hnext    int32 // hash chain; free-list link when unused
	lru      [2]int32
	expires  int64
	runs     int32
	nruns    int32
	lastEnd  int32 // end of data per the fragment without MF, -1 until seen
	hdrLen   int32
	hdrPage  int32 // header kept in a page when longer than hdr
	nhOff    int32 // IPv6: offset in the header of the next-header byte naming the Fragment header
	nextHdr  uint8 // IPv6: the Fragment header's next header, restored on reassembly
	pages    [defragMaxPages]int32
	hdr      [defragInlineHdr]byte
	inUse    bool
	hdrValid bool
}

const (
	lruPrev = 0
	lruNext = 1
)

// Defragger reassembles IPv4 and IPv6 datagrams for one worker. All memory is drawn from pools
// that grow on demand up to the configured caps and are recycled, so the steady state allocates
// nothing; what would exceed a cap is dropped and counted. Trackers expire lazily, oldest first,
// by packet time.
type Defragger struct {
	cfg   DefragConfig
	Stats DefragStats

	seed    maphash.Seed
	buckets []int32
	mask    uint64

	trackers    [][]fragTracker
	nTrackers   int32
	trackerFree int32
	lruHead     int32
	lruTail     int32

	pages    [][]byte
	pageNext []int32
	nPages   int32
	freePage int32

	runs    [][]fragRun
	nRuns   int32
	freeRun int32

	memUsed int
	out     [2][]byte // alternated, so a datagram reassembled inside a reassembled one survives
	outIdx  int
}

// NewDefragger makes a defragger bounded by cfg.
func NewDefragger(cfg DefragConfig) *Defragger {
	def := DefaultDefragConfig()
	if cfg.MaxTrackers <= 0 {
		cfg.MaxTrackers = def.MaxTrackers
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = def.MaxBytes
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = def.Timeout
	}
	if cfg.Policy >= numDefragPolicies {
		cfg.Policy = DefragBSD
	}
	nb := 16
	for nb < cfg.MaxTrackers && nb < 1<<20 {
		nb <<= 1
	}
	return &Defragger{
		cfg:     cfg,
		seed:    maphash.MakeSeed(),
		buckets: make([]int32, nb),
		mask:    uint64(nb - 1),
	}
}

// Config is the configuration in force, defaults filled in.
func (f *Defragger) Config() DefragConfig { return f.cfg }

// Active is how many datagrams are waiting for fragments.
func (f *Defragger) Active() int {
	n := 0
	for id := f.lruHead; id != 0; id = f.tracker(id).lru[lruNext] {
		n++
	}
	return n
}

// MemUsed is how many bytes of the memcap the waiting datagrams hold.
func (f *Defragger) MemUsed() int { return f.memUsed }

// IPv4 takes a fragment (pkt: the IPv4 datagram from its header, trimmed to total length) and
// returns the whole reassembled datagram (header with MF and offset cleared, total length fixed)
// once the last missing piece arrives, or nil. The returned slice is valid until the next call.
func (f *Defragger) IPv4(p *Packet, pkt []byte) []byte {
	if len(pkt) < 20 {
		return nil
	}
	hl := int(pkt[0]&0x0f) * 4
	if hl < 20 || hl > len(pkt) {
		return nil
	}
	if tot := int(binary.BigEndian.Uint16(pkt[2:])); tot >= hl && tot < len(pkt) {
		pkt = pkt[:tot]
	}
	fo := binary.BigEndian.Uint16(pkt[6:])
	mf := fo&0x2000 != 0
	off := int(fo&0x1fff) * 8
	if off == 0 && !mf {
		return nil
	}
	f.Stats.IPv4Fragments++
	data := pkt[hl:]
	if hl+off+len(data) > defragMaxData {
		p.AddEvent(EventIPv4FragPktTooLarge)
		return nil
	}
	k := fragKey{id: uint32(binary.BigEndian.Uint16(pkt[4:])), proto: pkt[9]}
	copy(k.src[:4], pkt[12:16])
	copy(k.dst[:4], pkt[16:20])
	return f.insert(p, &k, pkt[:hl], 0, 0, off, data, mf)
}

// IPv6 takes a fragment (pkt: the IPv6 packet from its fixed header; the Fragment header sits at
// fragHdrOff) and returns the reassembled packet without the Fragment header (next header and
// payload length fixed) once complete, or nil. The returned slice is valid until the next call.
func (f *Defragger) IPv6(p *Packet, pkt []byte, fragHdrOff int) []byte {
	if len(pkt) < 40 || fragHdrOff < 40 || fragHdrOff+8 > len(pkt) {
		return nil
	}
	if end := 40 + int(binary.BigEndian.Uint16(pkt[4:])); end >= fragHdrOff+8 && end < len(pkt) {
		pkt = pkt[:end]
	}
	// Find the next-header byte that names the Fragment header: reassembly must make it name
	// what follows the Fragment header instead.
	nhOff, nh, cur := 6, pkt[6], 40
	for cur < fragHdrOff {
		if cur+2 > fragHdrOff {
			return nil
		}
		l := (int(pkt[cur+1]) + 1) * 8
		if nh == 51 { // AH counts its length in 4-octet units
			l = (int(pkt[cur+1]) + 2) * 4
		}
		nhOff, nh, cur = cur, pkt[cur], cur+l
	}
	if cur != fragHdrOff || nh != 44 {
		return nil
	}
	fh := pkt[fragHdrOff:]
	v := binary.BigEndian.Uint16(fh[2:])
	off, mf := int(v>>3)*8, v&1 != 0
	if off == 0 && !mf {
		return nil // an atomic fragment (RFC 6946) is a whole packet already
	}
	f.Stats.IPv6Fragments++
	data := pkt[fragHdrOff+8:]
	if off+len(data) > defragMaxData {
		p.AddEvent(EventIPv6FragPktTooLarge)
		return nil
	}
	if fragHdrOff > defragMaxHdr {
		f.Stats.MemcapDrops++
		p.AddEvent(EventIPv6FragIgnored)
		return nil
	}
	k := fragKey{id: binary.BigEndian.Uint32(fh[4:]), v6: true}
	copy(k.src[:], pkt[8:24])
	copy(k.dst[:], pkt[24:40])
	return f.insert(p, &k, pkt[:fragHdrOff], nhOff, fh[0], off, data, mf)
}

// insert files one fragment's data [off, off+len(data)) under its datagram and reassembles the
// datagram when it is complete.
func (f *Defragger) insert(p *Packet, k *fragKey, hdr []byte, nhOff int, nextHdr uint8, off int, data []byte, mf bool) []byte {
	evOverlap, evIgnored := EventIPv4FragOverlap, EventIPv4FragIgnored
	if k.v6 {
		evOverlap, evIgnored = EventIPv6FragOverlap, EventIPv6FragIgnored
	}
	now := p.Time
	f.expire(now)
	if len(data) == 0 {
		return nil // nothing to place; an empty last fragment cannot even say where the end is reliably
	}
	n := int(p.VLANCount)
	if n > MaxVLAN {
		n = MaxVLAN
	}
	copy(k.vlan[:n], p.VLAN[:n])
	k.recursion = p.Recursion

	h := f.hashKey(k)
	id := f.lookup(k, h)
	if id == 0 {
		if id = f.newTracker(k, h); id == 0 {
			f.Stats.MaxTrackersReached++
			p.AddEvent(evIgnored)
			return nil
		}
	}
	t := f.tracker(id)
	t.expires = now + f.cfg.Timeout
	f.lruTouch(id)

	ns, ne := off, off+len(data)
	if t.lastEnd >= 0 && ns >= int(t.lastEnd) {
		return nil // past the end the last fragment declared: reassembly would drop it anyway
	}
	// Reserve before changing anything, so a refused fragment leaves the datagram as it was.
	need := 0
	for pg := ns / defragPageSize; pg <= (ne-1)/defragPageSize; pg++ {
		if t.pages[pg] == 0 {
			need += defragPageSize
		}
	}
	if ns == 0 && len(hdr) > defragInlineHdr && t.hdrPage == 0 {
		need += defragPageSize
	}
	need += int(t.nruns+3) * defragRunCost
	if f.memUsed+need > f.cfg.MaxBytes || t.nruns+3 > defragMaxRuns {
		f.Stats.MemcapDrops++
		p.AddEvent(evIgnored)
		return nil
	}

	overlap, wonStart := f.place(t, ns, ne, data)
	if overlap {
		p.AddEvent(evOverlap)
	}
	if wonStart {
		f.setHeader(t, hdr, nhOff, nextHdr)
	}
	if !mf && t.lastEnd < 0 {
		t.lastEnd = int32(ne)
	}
	if t.lastEnd < 0 || !t.hdrValid || !f.complete(t) {
		return nil
	}
	out := f.assemble(t)
	switch {
	case out == nil && k.v6:
		p.AddEvent(EventIPv6FragPktTooLarge)
	case out == nil:
		p.AddEvent(EventIPv4FragPktTooLarge)
	case k.v6:
		f.Stats.IPv6Reassembled++
	default:
		f.Stats.IPv4Reassembled++
	}
	f.freeTracker(id)
	return out
}

// place writes the bytes of [ns,ne) that the policy lets the new fragment have and records who
// owns what. It reports whether the fragment overlapped data already held and whether it now
// supplies byte 0 (and with it the header).
func (f *Defragger) place(t *fragTracker, ns, ne int, data []byte) (overlap, wonStart bool) {
	pol := f.cfg.Policy
	var prev int32
	cur := t.runs
	for cur != 0 && int(f.run(cur).end) <= ns {
		prev, cur = cur, f.run(cur).next
	}
	claim := func(from, to int) {
		f.write(t, from, data[from-ns:to-ns])
		if from == 0 {
			wonStart = true
		}
	}
	pos := ns
	for pos < ne {
		if cur == 0 || int(f.run(cur).start) >= ne { // the rest is a gap
			f.linkRun(t, prev, pos, ne, ns, ne)
			claim(pos, ne)
			break
		}
		r := f.run(cur)
		if int(r.start) > pos { // a gap before the next run
			prev = f.linkRun(t, prev, pos, int(r.start), ns, ne)
			claim(pos, int(r.start))
			pos = int(r.start)
			continue
		}
		overlap = true
		ovEnd := min(ne, int(r.end))
		if pol.newWins(ns, ne, int(r.os), int(r.oe)) {
			claim(pos, ovEnd)
			if int(r.start) < pos { // keep the old head, continue with the tail
				tail := f.linkRun(t, cur, pos, int(r.end), int(r.os), int(r.oe))
				r.end = uint16(pos)
				prev, cur = cur, tail
				r = f.run(cur)
			}
			if int(r.end) > ovEnd { // keep the old tail
				f.linkRun(t, cur, ovEnd, int(r.end), int(r.os), int(r.oe))
				r.end = uint16(ovEnd)
			}
			r.os, r.oe = uint16(ns), uint16(ne)
		}
		pos = ovEnd
		prev, cur = cur, r.next
	}
	f.mergeRuns(t)
	return overlap, wonStart
}

// mergeRuns joins neighbouring runs supplied by fragments of the same extent; the policy cannot
// tell them apart, and fewer runs keep in-order datagrams cheap.
func (f *Defragger) mergeRuns(t *fragTracker) {
	for cur := t.runs; cur != 0; {
		r := f.run(cur)
		nx := r.next
		if nx == 0 {
			return
		}
		n := f.run(nx)
		if n.start == r.end && n.os == r.os && n.oe == r.oe {
			r.end, r.next = n.end, n.next
			f.releaseRun(nx)
			t.nruns--
			continue
		}
		cur = nx
	}
}

// complete reports whether the runs cover [0, lastEnd) without a hole.
func (f *Defragger) complete(t *fragTracker) bool {
	covered := 0
	for id := t.runs; id != 0; id = f.run(id).next {
		r := f.run(id)
		if int(r.start) > covered {
			return false
		}
		covered = max(covered, int(r.end))
		if covered >= int(t.lastEnd) {
			return true
		}
	}
	return false
}

// setHeader keeps the header of the fragment that supplies byte 0.
func (f *Defragger) setHeader(t *fragTracker, hdr []byte, nhOff int, nextHdr uint8) {
	if len(hdr) > defragInlineHdr {
		if t.hdrPage == 0 {
			t.hdrPage = f.allocPage()
		}
		copy(f.page(t.hdrPage), hdr)
	} else {
		copy(t.hdr[:], hdr)
	}
	t.hdrLen, t.nhOff, t.nextHdr, t.hdrValid = int32(len(hdr)), int32(nhOff), nextHdr, true
}

// assemble builds the datagram into an output buffer and fixes its header; nil when the header
// and data together exceed what the length field can say.
func (f *Defragger) assemble(t *fragTracker) []byte {
	hl, dl := int(t.hdrLen), int(t.lastEnd)
	if f.out[f.outIdx] == nil {
		f.out[f.outIdx] = make([]byte, defragOutSize)
	}
	out := f.out[f.outIdx][:hl+dl]
	if t.hdrPage != 0 {
		copy(out, f.page(t.hdrPage)[:hl])
	} else {
		copy(out, t.hdr[:hl])
	}
	for pos := 0; pos < dl; {
		pg := pos / defragPageSize
		n := min(dl, (pg+1)*defragPageSize) - pos
		copy(out[hl+pos:hl+pos+n], f.page(t.pages[pg])[pos%defragPageSize:])
		pos += n
	}
	if t.key.v6 {
		plen := hl - 40 + dl
		if plen > 0xffff {
			return nil
		}
		binary.BigEndian.PutUint16(out[4:], uint16(plen))
		out[t.nhOff] = t.nextHdr
	} else {
		if hl+dl > 0xffff {
			return nil
		}
		// Fix the header checksum incrementally (RFC 1624) so a bad one stays bad.
		oldLen, oldOff := binary.BigEndian.Uint16(out[2:]), binary.BigEndian.Uint16(out[6:])
		newLen, newOff := uint16(hl+dl), oldOff&0xc000
		binary.BigEndian.PutUint16(out[2:], newLen)
		binary.BigEndian.PutUint16(out[6:], newOff)
		sum := uint32(^binary.BigEndian.Uint16(out[10:]))
		sum += uint32(^oldLen) + uint32(newLen) + uint32(^oldOff) + uint32(newOff)
		for sum > 0xffff {
			sum = sum&0xffff + sum>>16
		}
		binary.BigEndian.PutUint16(out[10:], ^uint16(sum))
	}
	f.outIdx ^= 1
	return out
}

// write copies b into the datagram's pages starting at data offset off.
func (f *Defragger) write(t *fragTracker, off int, b []byte) {
	for len(b) > 0 {
		pg := off / defragPageSize
		if t.pages[pg] == 0 {
			t.pages[pg] = f.allocPage()
		}
		n := copy(f.page(t.pages[pg])[off%defragPageSize:], b)
		b, off = b[n:], off+n
	}
}

// expire frees datagrams whose time is up, oldest first; the LRU order makes this O(1) per call
// when nothing is due.
func (f *Defragger) expire(now int64) {
	for f.lruHead != 0 && f.tracker(f.lruHead).expires < now {
		f.Stats.Timeouts++
		f.freeTracker(f.lruHead)
	}
}

func (f *Defragger) hashKey(k *fragKey) uint64 {
	var b [48]byte
	copy(b[0:16], k.src[:])
	copy(b[16:32], k.dst[:])
	binary.BigEndian.PutUint32(b[32:], k.id)
	for i, v := range k.vlan {
		binary.BigEndian.PutUint16(b[36+2*i:], v)
	}
	b[42], b[43] = k.proto, k.recursion
	if k.v6 {
		b[44] = 1
	}
	return maphash.Bytes(f.seed, b[:45])
}

func (f *Defragger) lookup(k *fragKey, h uint64) int32 {
	for id := f.buckets[h&f.mask]; id != 0; {
		t := f.tracker(id)
		if t.hash == h && t.key == *k {
			return id
		}
		id = t.hnext
	}
	return 0
}

// newTracker takes a tracker from the free list, growing the pool up to MaxTrackers.
func (f *Defragger) newTracker(k *fragKey, h uint64) int32 {
	id := f.trackerFree
	if id != 0 {
		f.trackerFree = f.tracker(id).hnext
	} else {
		if int(f.nTrackers) >= f.cfg.MaxTrackers {
			return 0
		}
		if int(f.nTrackers)%defragTrackChunk == 0 {
			f.trackers = append(f.trackers, make([]fragTracker, defragTrackChunk))
		}
		f.nTrackers++
		id = f.nTrackers
	}
	t := f.tracker(id)
	*t = fragTracker{key: *k, hash: h, lastEnd: -1, inUse: true}
	b := &f.buckets[h&f.mask]
	t.hnext, *b = *b, id
	t.lru[lruPrev] = f.lruTail
	if f.lruTail != 0 {
		f.tracker(f.lruTail).lru[lruNext] = id
	} else {
		f.lruHead = id
	}
	f.lruTail = id
	return id
}

// lruTouch moves a tracker to the young end of the expiry list.
func (f *Defragger) lruTouch(id int32) {
	if f.lruTail == id {
		return
	}
	f.lruUnlink(id)
	t := f.tracker(id)
	t.lru = [2]int32{f.lruTail, 0}
	f.tracker(f.lruTail).lru[lruNext] = id
	f.lruTail = id
	if f.lruHead == 0 {
		f.lruHead = id
	}
}

func (f *Defragger) lruUnlink(id int32) {
	t := f.tracker(id)
	if p := t.lru[lruPrev]; p != 0 {
		f.tracker(p).lru[lruNext] = t.lru[lruNext]
	} else {
		f.lruHead = t.lru[lruNext]
	}
	if n := t.lru[lruNext]; n != 0 {
		f.tracker(n).lru[lruPrev] = t.lru[lruPrev]
	} else {
		f.lruTail = t.lru[lruPrev]
	}
	t.lru = [2]int32{}
}

// freeTracker returns a tracker and everything it holds to the pools.
func (f *Defragger) freeTracker(id int32) {
	t := f.tracker(id)
	for b := &f.buckets[t.hash&f.mask]; *b != 0; b = &f.tracker(*b).hnext {
		if *b == id {
			*b = t.hnext
			break
		}
	}
	f.lruUnlink(id)
	for i, pg := range t.pages {
		if pg != 0 {
			f.releasePage(pg)
			t.pages[i] = 0
		}
	}
	if t.hdrPage != 0 {
		f.releasePage(t.hdrPage)
	}
	for r := t.runs; r != 0; {
		nx := f.run(r).next
		f.releaseRun(r)
		r = nx
	}
	t.inUse, t.runs, t.nruns, t.hdrPage = false, 0, 0, 0
	t.hnext, f.trackerFree = f.trackerFree, id
}

func (f *Defragger) tracker(id int32) *fragTracker {
	i := id - 1
	return &f.trackers[i/defragTrackChunk][i%defragTrackChunk]
}

// allocPage hands out a zero-based page id + 1; callers have checked the memcap.
func (f *Defragger) allocPage() int32 {
	f.memUsed += defragPageSize
	if id := f.freePage; id != 0 {
		f.freePage = f.pageNext[id]
		return id
	}
	if int(f.nPages)%defragPageChunk == 0 {
		f.pages = append(f.pages, make([]byte, defragPageChunk*defragPageSize))
		if len(f.pageNext) == 0 {
			f.pageNext = append(f.pageNext, 0) // id 0 means none
		}
		f.pageNext = append(f.pageNext, make([]int32, defragPageChunk)...)
	}
	f.nPages++
	return f.nPages
}

func (f *Defragger) releasePage(id int32) {
	f.memUsed -= defragPageSize
	f.pageNext[id], f.freePage = f.freePage, id
}

func (f *Defragger) page(id int32) []byte {
	i := int(id - 1)
	c := f.pages[i/defragPageChunk]
	o := (i % defragPageChunk) * defragPageSize
	return c[o : o+defragPageSize]
}

// linkRun inserts a run after run `after` (0: at the head) and returns its id; callers have
// checked the memcap.
func (f *Defragger) linkRun(t *fragTracker, after int32, start, end, os, oe int) int32 {
	f.memUsed += defragRunCost
	id := f.freeRun
	if id != 0 {
		f.freeRun = f.run(id).next
	} else {
		if int(f.nRuns)%defragRunChunk == 0 {
			f.runs = append(f.runs, make([]fragRun, defragRunChunk))
		}
		f.nRuns++
		id = f.nRuns
	}
	r := f.run(id)
	*r = fragRun{start: uint16(start), end: uint16(end), os: uint16(os), oe: uint16(oe)}
	if after == 0 {
		r.next, t.runs = t.runs, id
	} else {
		a := f.run(after)
		r.next, a.next = a.next, id
	}
	t.nruns++
	return id
}

func (f *Defragger) releaseRun(id int32) {
	f.memUsed -= defragRunCost
	r := f.run(id)
	*r = fragRun{next: f.freeRun}
	f.freeRun = id
}

func (f *Defragger) run(id int32) *fragRun {
	i := id - 1
	return &f.runs[i/defragRunChunk][i%defragRunChunk]
}
