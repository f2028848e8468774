package decoders

import "math/bits"

// ChecksumMode says whether checksums are validated: Suricata's -k all|none, and auto, which
// validates until it sees enough bad checksums to conclude they were offloaded (files).
type ChecksumMode uint8

const (
	ChecksumAuto ChecksumMode = iota
	ChecksumAll
	ChecksumNone
)

// Config holds the decoder's settings. The zero value is not useful; start from DefaultConfig.
type Config struct {
	Checksums    ChecksumMode
	MaxRecursion uint8 // tunnel nesting limit (Suricata's decoder.max-layers)

	VXLANPorts  []uint16 // UDP destination ports decoded as VXLAN (default 4789)
	GenevePorts []uint16 // default 6081
	TeredoPorts []uint16 // default 3544; empty disables Teredo
	GTPUPorts   []uint16 // default 2152
	// ERSPANTypeI decodes ERSPAN type I (GRE 0x88be without a sequence number or ERSPAN
	// header). On by default: Suricata made it unconditional in 6.0.
	ERSPANTypeI bool

	Defrag DefragConfig
}

// DefaultConfig is Suricata's default decoder configuration.
func DefaultConfig() Config {
	return Config{
		Checksums:    ChecksumAuto,
		MaxRecursion: 16,
		VXLANPorts:   []uint16{4789},
		GenevePorts:  []uint16{6081},
		TeredoPorts:  []uint16{3544},
		GTPUPorts:    []uint16{2152},
		ERSPANTypeI:  true,
		Defrag:       DefaultDefragConfig(),
	}
}

// NumCountedLinkTypes bounds Stats.PerLinkType: every LINKTYPE_ in use is below it, and an
// array index is cheaper than a map on the per-packet path.
const NumCountedLinkTypes = 512

// Decoder decodes frames into Packets. It owns per-worker state (fragment reassembly, counters,
// the checksum auto-detection) and is used by one goroutine.
type Decoder struct {
	cfg    Config
	defrag *Defragger
	Stats  Stats

	// depth counts link-layer re-entries (MPLS pseudowires, VLAN stacks) within one packet so a
	// crafted frame cannot recurse without bound; tunnels count in Packet.Recursion instead.
	depth uint8
	// defragDepth counts reassemblies within one packet (see maxDefragDepth).
	defragDepth uint8

	csum csumState
}

// Stats counts what the decoder saw. Plain integers: one Decoder belongs to one worker.
type Stats struct {
	Packets          uint64
	Bytes            uint64                      // captured bytes, as Suricata's decoder.bytes
	PerLinkType      [NumCountedLinkTypes]uint64 // by LinkType; larger values count in the last slot
	Unsupported      uint64                      // frames of a link type Nightjar cannot decode
	PerTunnel        [NumTunnelKinds]uint64      // packets whose innermost tunnel was of each kind
	PerEvent         [NumEvents]uint64
	Invalid          uint64              // packets with at least one event that makes them invalid
	PerLayer         [32]uint64          // packets carrying each Layers bit (index: bit number); see Layer
	PerCounter       [NumCounters]uint64 // headers decoded, by Suricata's decoder counter
	MaxPacketSize    uint64              // largest captured frame, Suricata's decoder.max_pkt_size
	UnknownEtherType uint64              // Ethernet/VLAN/SLL frames with an EtherType no decoder takes
	PPPoEDiscovery   uint64              // PPPoE discovery frames (PADI, PADO …): recognised, not decoded
	ChecksumOffload  bool                // auto mode concluded checksums are offloaded and stopped checking
}

// Layer is how many packets carried every header flagged in l (one flag, e.g. HasVLAN).
func (s *Stats) Layer(l Layers) uint64 {
	if l == 0 || l&(l-1) != 0 {
		return 0
	}
	return s.PerLayer[bits.TrailingZeros32(uint32(l))]
}

// NewDecoder makes a decoder with cfg.
func NewDecoder(cfg Config) *Decoder {
	return &Decoder{
		cfg:    cfg,
		defrag: NewDefragger(cfg.Defrag),
	}
}

// maxLinkDepth bounds link-layer nesting (VLAN in MPLS in Ethernet …) per packet.
const maxLinkDepth = 16

// Decode resets *p and decodes data, a frame of link type lt captured at ts (Unix ns) that was
// wireLen bytes long on the wire, into it. It never fails: what cannot be decoded is recorded as
// decoder events on p and counted in d.Stats. p's slices alias data.
func (d *Decoder) Decode(p *Packet, data []byte, lt LinkType, ts int64, wireLen int) {
	// Clearing then assigning compiles to a plain memclr; a composite literal with fields set
	// goes through a stack temporary and a pointer-aware copy, several times slower.
	*p = Packet{}
	p.Data, p.WireLen, p.Time, p.LinkType = data, wireLen, ts, lt
	p.ChecksumsIgnored = !d.checksumsOn()
	d.depth, d.defragDepth = 0, 0
	st := &d.Stats
	st.Packets++
	st.Bytes += uint64(len(data))
	st.MaxPacketSize = max(st.MaxPacketSize, uint64(len(data)))
	st.PerLinkType[min(lt, NumCountedLinkTypes-1)]++
	if !d.decodeLink(p, data, lt) {
		st.Unsupported++
	}
	d.account(p)
}

// decodeLink dispatches on the link type; false means Nightjar has no decoder for it.
func (d *Decoder) decodeLink(p *Packet, b []byte, lt LinkType) bool {
	switch lt {
	case LinkEthernet:
		d.decodeEthernet(p, b)
	case LinkRaw, LinkRawDLT12, LinkRawDLT14:
		d.count(CountRaw) // here, not in decodeRawIP, which NFLOG also uses
		d.decodeRawIP(p, b)
	case LinkIPv4:
		d.decodeIPv4(p, b)
	case LinkIPv6:
		d.decodeIPv6(p, b)
	case LinkLinuxSLL:
		d.decodeSLL(p, b)
	case LinkLinuxSLL2:
		d.decodeSLL2(p, b)
	case LinkNull:
		d.decodeNull(p, b)
	case LinkLoop:
		d.decodeLoop(p, b)
	case LinkPPP, LinkPPPHDLC:
		d.decodePPPLink(p, b)
	case LinkCHDLC:
		d.decodeCHDLC(p, b)
	case LinkFrameRelay:
		d.decodeFrameRelay(p, b)
	case LinkNFLOG:
		d.decodeNFLOG(p, b)
	case LinkIEEE80211Radiotap:
		d.decodeRadiotap(p, b)
	case LinkIEEE80211:
		d.decodeIEEE80211(p, b)
	default:
		return false
	}
	return true
}

// account folds what the packet turned out to be into the counters and the checksum
// auto-detection.
func (d *Decoder) account(p *Packet) {
	st := &d.Stats
	invalid := false
	for _, e := range p.Events[:p.EventCount] {
		st.PerEvent[e]++
		invalid = invalid || e.Invalid()
	}
	if invalid || p.EventsLost > 0 {
		st.Invalid++
	}
	for l := uint32(p.Layers); l != 0; l &= l - 1 {
		st.PerLayer[bits.TrailingZeros32(l)]++
	}
	if p.Tunnel != TunnelNone && p.Tunnel < NumTunnelKinds {
		st.PerTunnel[p.Tunnel]++
	}
	if d.cfg.Checksums == ChecksumAuto {
		d.csum.sample(p.BadIPChecksum || p.BadL4Checksum)
		st.ChecksumOffload = d.csum.off
	}
}
