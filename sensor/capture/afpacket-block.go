package capture

import (
	"encoding/binary"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/nightjar-ids/nightjar/decoders"
)

var ne = binary.NativeEndian

// Block is a filled ring block held by its reader. Frames returned by Next alias the ring and
// are valid until the block is released.
type Block struct {
	ring *Ring
	data []byte // the whole block
	left uint32 // packets not yet returned
	off  int    // offset of the next packet header
}

// Acquire takes the next block if the kernel has handed it to user space. It never blocks:
// when it returns false, poll the ring's FD.
func (r *Ring) Acquire(b *Block) bool {
	if r.mem == nil {
		return false
	}
	blk := r.mem[r.next*r.blockSize : (r.next+1)*r.blockSize]
	// The atomic load orders the reads of the block after the kernel's status write.
	if atomic.LoadUint32(r.statusWord(blk))&unix.TP_STATUS_USER == 0 {
		return false
	}
	b.ring, b.data = r, blk
	b.left = ne.Uint32(blk[blockNumOff:])
	b.off = int(ne.Uint32(blk[blockFirstOff:]))
	if used := int(ne.Uint32(blk[blockLenOff:])); used > 0 && used <= len(blk) {
		b.data = blk[:used]
	}
	return true
}

// Release hands the block back to the kernel and moves to the next one.
func (r *Ring) Release(b *Block) {
	if b.data == nil || r.mem == nil {
		return
	}
	blk := r.mem[r.next*r.blockSize : (r.next+1)*r.blockSize]
	// The atomic store orders every read of the block before the kernel may refill it.
	atomic.StoreUint32(r.statusWord(blk), unix.TP_STATUS_KERNEL)
	r.next++
	if r.next == r.blocks {
		r.next = 0
	}
	b.data, b.left = nil, 0
}

func (r *Ring) statusWord(blk []byte) *uint32 {
	return (*uint32)(unsafe.Pointer(&blk[blockStatusOff]))
}

// Next fills f with the block's next packet and reports whether there was one. Every offset
// and length the kernel wrote is checked against the block, so a bad header ends the block
// (counted in Ring.Malformed) instead of reading outside it.
func (b *Block) Next(f *Frame) bool {
	for b.left > 0 {
		b.left--
		off := b.off
		if off < 0 || off+pktHdrLen > len(b.data) {
			b.malformed()
			return false
		}
		h := b.data[off : off+pktHdrLen]
		if next := ne.Uint32(h[pktNextOff:]); next != 0 {
			b.off = off + int(next)
		} else if b.left > 0 {
			b.malformed()
		}
		mac := int(ne.Uint16(h[pktMacOff:]))
		start, end := off+mac, off+mac+int(ne.Uint32(h[pktSnapOff:]))
		if mac < tpacket3HdrLen || end > len(b.data) {
			b.malformed()
			continue
		}
		data := b.data[start:end]
		wire := int(ne.Uint32(h[pktLenOff:]))
		if status := ne.Uint32(h[pktStatusOff:]); status&unix.TP_STATUS_VLAN_VALID != 0 && b.ring.linkType == decoders.LinkEthernet {
			data, wire = b.restoreVLAN(h, off, start, end, wire, status)
		}
		f.Data = data
		f.WireLen = wire
		f.Time = int64(ne.Uint32(h[pktSecOff:]))*1e9 + int64(ne.Uint32(h[pktNsecOff:]))
		f.LinkType = b.ring.linkType
		f.Index = 0 // live packets have no position in a file
		f.Offset = 0
		return true
	}
	return false
}

// restoreVLAN puts back the 802.1Q tag the NIC or the stack took off, so that the frame
// decodes exactly as it was on the wire. The tag goes into the free bytes in front of the
// frame (PACKET_RESERVE guarantees four): the two MAC addresses move four bytes down, the tag
// goes where they were. The block is ours until released, and the bytes moved over hold only
// the sockaddr_ll padding, which nothing reads.
func (b *Block) restoreVLAN(h []byte, off, start, end, wire int, status uint32) ([]byte, int) {
	if start-vlanReserve < off+tpacket3HdrLen || end-start < 12 {
		b.ring.VLANNoRoom++
		return b.data[start:end], wire
	}
	tpid := uint16(0x8100)
	if status&unix.TP_STATUS_VLAN_TPID_VALID != 0 {
		if t := ne.Uint16(h[pktTPIDOff:]); t != 0 {
			tpid = t
		}
	}
	tci := uint16(ne.Uint32(h[pktTCIOff:]))
	s := start - vlanReserve
	copy(b.data[s:s+12], b.data[start:start+12])
	binary.BigEndian.PutUint16(b.data[s+12:], tpid)
	binary.BigEndian.PutUint16(b.data[s+14:], tci)
	return b.data[s:end], wire + vlanReserve
}

func (b *Block) malformed() {
	b.ring.Malformed++
	b.left = 0
}
