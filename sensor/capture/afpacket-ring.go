package capture

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nightjar-ids/nightjar/decoders"
)

// An AF_PACKET TPACKET_V3 ring is a run of blocks shared with the kernel. The kernel fills one
// block at a time with variable-length packets and hands it to user space when it is full or its
// timeout expires; the reader decodes the packets where they lie and gives the block back. That
// is one status write per block instead of one per packet, and no copy at all.
//
// gopacket's afpacket.TPacket reads the same ring but hides the block: it takes a mutex per
// packet, returns one packet at a time and releases a block only when the next is asked for, so
// a worker cannot tell when a block ends or give it back early. Ring is the block-level reader.

// RingOptions sizes and places one ring.
type RingOptions struct {
	Interface    string
	BlockSize    int           // bytes, a multiple of the page size
	BlockCount   int           // blocks in the ring
	FrameSize    int           // bytes; in TPACKET_V3 it only has to divide BlockSize
	BlockTimeout time.Duration // the kernel hands over a partly filled block after this long
	Promisc      bool
	// Filter is a tcpdump-syntax expression, compiled for the interface's link type and
	// attached before the socket is bound, so no unfiltered packet ever reaches the ring.
	// Empty passes all.
	Filter string
	// Fanout joins the socket to a PACKET_FANOUT group; a zero Fanout.Group means no fanout.
	Fanout FanoutOptions
}

// DefaultRingOptions sizes a ring for a 10 Gb/s link shared by several workers: 64 blocks of
// 1 MiB hold about 50 ms of line rate per ring, and a 10 ms block timeout bounds the delay a
// quiet link adds. Suricata's own defaults (32 KiB blocks) are sized for 1 Gb/s.
func DefaultRingOptions() RingOptions {
	return RingOptions{BlockSize: 1 << 20, BlockCount: 64, FrameSize: 2048, BlockTimeout: 10 * time.Millisecond, Promisc: true}
}

// Block-descriptor and packet-header layout (linux/if_packet.h); every field is native-endian.
const (
	blockStatusOff = 8  // tpacket_block_desc.hdr.bh1.block_status
	blockNumOff    = 12 // num_pkts
	blockFirstOff  = 16 // offset_to_first_pkt
	blockLenOff    = 20 // blk_len

	pktNextOff   = 0  // tpacket3_hdr.tp_next_offset
	pktSecOff    = 4  // tp_sec
	pktNsecOff   = 8  // tp_nsec
	pktSnapOff   = 12 // tp_snaplen
	pktLenOff    = 16 // tp_len
	pktStatusOff = 20 // tp_status
	pktMacOff    = 24 // tp_mac
	pktTCIOff    = 32 // hv1.tp_vlan_tci
	pktTPIDOff   = 36 // hv1.tp_vlan_tpid
	pktHdrLen    = 48 // sizeof(struct tpacket3_hdr)

	// tpacket3HdrLen is TPACKET3_HDRLEN: the header plus the sockaddr_ll the kernel writes after
	// it. Bytes between there and tp_mac are ours to use while we hold the block.
	tpacket3HdrLen = pktHdrLen + 20
	// vlanReserve is the PACKET_RESERVE asked for, so a stripped VLAN tag always fits back in
	// front of the frame.
	vlanReserve = 4
	// filterSnaplen is the capture length filters are compiled for; it only bounds the
	// offsets an expression may load from.
	filterSnaplen = 262144
)

// Ring is one TPACKET_V3 receive ring on one interface. The hot-path methods (Acquire, Release,
// Block.Next) belong to one goroutine, the worker that owns the ring; Stats and Stop may be
// called from any goroutine.
type Ring struct {
	fd        int
	mem       []byte
	blockSize int
	blocks    int
	next      int // the block to look at next
	iface     string
	ifindex   int
	linkType  decoders.LinkType

	// Owned by the reader, published by it where needed.
	Malformed  uint64 // block or packet headers that do not fit their block (never seen from a sane kernel)
	VLANNoRoom uint64 // frames whose stripped VLAN tag could not be put back

	statsMu sync.Mutex
	stats   RingStats
	closed  bool
}

// RingStats are the kernel's counters for one ring since it was opened. Packets counts every
// packet that passed the filter, Drops the ones among them that found the ring full.
type RingStats struct {
	Packets uint64 // tp_packets: received, drops included
	Drops   uint64 // tp_drops: no room in the ring
	Freezes uint64 // tp_freeze_q_cnt: times the ring was full and the queue froze
}

// OpenRing opens a packet socket on o.Interface with a TPACKET_V3 ring. The socket receives
// nothing until everything else is set, so the filter and fanout apply from the first packet.
func OpenRing(o RingOptions) (*Ring, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	// Protocol 0: no packets queue before bind, which is last.
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
			return nil, &PermissionError{Interface: o.Interface, Err: err}
		}
		return nil, fmt.Errorf("af-packet %s: socket: %w", o.Interface, err)
	}
	r := &Ring{fd: fd, iface: o.Interface, blockSize: o.BlockSize, blocks: o.BlockCount}
	if err := r.setup(&o); err != nil {
		r.Close()
		return nil, fmt.Errorf("af-packet %s: %w", o.Interface, err)
	}
	return r, nil
}

func (o *RingOptions) check() error {
	page := unix.Getpagesize()
	switch {
	case o.Interface == "":
		return errors.New("af-packet: no interface")
	case o.BlockSize <= 0 || o.BlockSize%page != 0:
		return fmt.Errorf("af-packet %s: block-size %d is not a positive multiple of the page size (%d)", o.Interface, o.BlockSize, page)
	case o.BlockCount <= 0:
		return fmt.Errorf("af-packet %s: block-count %d must be positive", o.Interface, o.BlockCount)
	case o.FrameSize < tpacket3HdrLen+vlanReserve || o.FrameSize%16 != 0 || o.FrameSize > o.BlockSize:
		return fmt.Errorf("af-packet %s: frame-size %d must be a multiple of 16 between %d and block-size", o.Interface, o.FrameSize, tpacket3HdrLen+vlanReserve)
	case o.BlockTimeout < time.Millisecond:
		return fmt.Errorf("af-packet %s: block-timeout must be at least 1 ms", o.Interface)
	case int64(o.BlockSize)*int64(o.BlockCount) > 1<<40:
		return fmt.Errorf("af-packet %s: ring of %d × %d bytes is too large", o.Interface, o.BlockCount, o.BlockSize)
	}
	return nil
}

func (r *Ring) setup(o *RingOptions) error {
	ifr, err := unix.NewIfreq(o.Interface)
	if err != nil {
		return fmt.Errorf("interface name: %w", err)
	}
	if err := unix.IoctlIfreq(r.fd, unix.SIOCGIFINDEX, ifr); err != nil {
		return fmt.Errorf("no such interface: %w", err)
	}
	r.ifindex = int(ifr.Uint32())
	if err := unix.IoctlIfreq(r.fd, unix.SIOCGIFHWADDR, ifr); err != nil {
		return fmt.Errorf("link type: %w", err)
	}
	if r.linkType, err = linkTypeOfARPHRD(ifr.Uint16()); err != nil {
		return err
	}
	if err := unix.SetsockoptInt(r.fd, unix.SOL_PACKET, unix.PACKET_VERSION, unix.TPACKET_V3); err != nil {
		return fmt.Errorf("TPACKET_V3: %w", err)
	}
	if err := unix.SetsockoptInt(r.fd, unix.SOL_PACKET, unix.PACKET_RESERVE, vlanReserve); err != nil {
		return fmt.Errorf("PACKET_RESERVE: %w", err)
	}
	if o.Filter != "" {
		prog, err := CompileFilter(o.Filter, r.linkType, filterSnaplen)
		if err != nil {
			return err
		}
		if err := attachFilter(r.fd, prog); err != nil {
			return err
		}
	}
	req := unix.TpacketReq3{
		Block_size:     uint32(o.BlockSize),
		Block_nr:       uint32(o.BlockCount),
		Frame_size:     uint32(o.FrameSize),
		Frame_nr:       uint32(o.BlockSize / o.FrameSize * o.BlockCount),
		Retire_blk_tov: uint32(o.BlockTimeout / time.Millisecond),
	}
	if err := unix.SetsockoptTpacketReq3(r.fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &req); err != nil {
		return fmt.Errorf("PACKET_RX_RING (%d blocks of %d bytes): %w", o.BlockCount, o.BlockSize, err)
	}
	mem, err := unix.Mmap(r.fd, 0, o.BlockSize*o.BlockCount, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		return fmt.Errorf("mmap ring of %d bytes: %w", o.BlockSize*o.BlockCount, err)
	}
	r.mem = mem
	if err := unix.Bind(r.fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: r.ifindex}); err != nil {
		return fmt.Errorf("bind: %w", err)
	}
	if o.Promisc {
		// A membership, not IFF_PROMISC: the kernel undoes it when the socket closes, even if the
		// sensor dies.
		mr := unix.PacketMreq{Ifindex: int32(r.ifindex), Type: unix.PACKET_MR_PROMISC}
		if err := unix.SetsockoptPacketMreq(r.fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mr); err != nil {
			return fmt.Errorf("promiscuous mode: %w", err)
		}
	}
	if o.Fanout.Group != 0 {
		if err := joinFanout(r.fd, o.Fanout); err != nil {
			return err
		}
	}
	return nil
}

// linkTypeOfARPHRD says how frames from a device of hardware type t begin.
func linkTypeOfARPHRD(t uint16) (decoders.LinkType, error) {
	switch t {
	case unix.ARPHRD_ETHER, unix.ARPHRD_LOOPBACK:
		return decoders.LinkEthernet, nil
	case unix.ARPHRD_NONE, unix.ARPHRD_TUNNEL, unix.ARPHRD_TUNNEL6, unix.ARPHRD_SIT, unix.ARPHRD_IPGRE:
		// Devices without a link header hand SOCK_RAW sockets the IP packet itself.
		return decoders.LinkRaw, nil
	case unix.ARPHRD_IEEE80211_RADIOTAP:
		return decoders.LinkIEEE80211Radiotap, nil
	}
	return 0, fmt.Errorf("link type ARPHRD %d is not supported for live capture", t)
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// Interface is the interface the ring captures on.
func (r *Ring) Interface() string { return r.iface }

// LinkType is how the ring's frames begin.
func (r *Ring) LinkType() decoders.LinkType { return r.linkType }

// FD is the socket, for poll(2).
func (r *Ring) FD() int { return r.fd }

// Stats returns the kernel's counters since the ring was opened. The kernel clears its counters
// on every read, so Ring adds them up; reads from several goroutines are serialised.
func (r *Ring) Stats() (RingStats, error) {
	r.statsMu.Lock()
	defer r.statsMu.Unlock()
	if r.closed {
		return r.stats, nil
	}
	st, err := unix.GetsockoptTpacketStatsV3(r.fd, unix.SOL_PACKET, unix.PACKET_STATISTICS)
	if err != nil {
		return r.stats, fmt.Errorf("af-packet %s: statistics: %w", r.iface, err)
	}
	r.stats.Packets += uint64(st.Packets)
	r.stats.Drops += uint64(st.Drops)
	r.stats.Freezes += uint64(st.Freeze_q_cnt)
	return r.stats, nil
}

// Stop makes the kernel queue nothing more on this ring by swapping its filter for one that
// refuses every packet. Blocks already filled, and the one being filled (handed over at its
// timeout), can still be read: that is how a worker drains its ring on shutdown.
func (r *Ring) Stop() error {
	r.statsMu.Lock()
	defer r.statsMu.Unlock()
	if r.closed {
		return nil
	}
	return attachFilter(r.fd, []unix.SockFilter{{Code: bpfRetK, K: 0}})
}

// Close reads the last counters, unmaps the ring and closes the socket.
func (r *Ring) Close() error {
	_, _ = r.Stats()
	r.statsMu.Lock()
	defer r.statsMu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	var err error
	if r.mem != nil {
		err = unix.Munmap(r.mem)
		r.mem = nil
	}
	if cerr := unix.Close(r.fd); cerr != nil && err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("af-packet %s: close: %w", r.iface, err)
	}
	return nil
}

// PermissionError says the process may not open packet sockets.
type PermissionError struct {
	Interface string
	Err       error
}

func (e *PermissionError) Error() string {
	return fmt.Sprintf("af-packet %s: %v: live capture needs CAP_NET_RAW: run as root (run-as.user drops to an unprivileged user once the rings are open) or grant the binary the capability: setcap cap_net_raw=ep $(command -v nightjar)", e.Interface, e.Err)
}

func (e *PermissionError) Unwrap() error { return e.Err }
