package flow

import (
	"net/netip"

	"github.com/nightjar-ids/nightjar/export"
)

// Flow is one bidirectional flow. Flows live in the Table's pool and never move: a *Flow is valid
// until the flow ends (the onEnd callback is the last place to read it), after which its slot is
// reused. Later stages that keep per-flow state of their own index it by Slot and check Gen.
type Flow struct {
	// Lookup fields first: the bucket walk reads one cache line (key 46, client, proto, hash,
	// next, slot: 64 bytes).
	key    Key
	client uint8 // endpoint index (in key) of the client
	proto  uint8
	hash   uint64
	next   int32 // next slot in the bucket chain, +1 (0 ends the chain)
	slot   int32 // index in the pool

	// deadline is the packet time (Unix ns) from which the flow is idle past its (normal)
	// timeout; freeDeadline while the slot is free.
	deadline                   int64
	gen                        uint32 // bumped each time the slot starts a new flow
	vlanCount                  uint8
	state                      State
	seenTS                     bool // a packet that counts for establishment was seen toward the server …
	seenTC                     bool // … and toward the client
	icmp                       bool // the flow is ICMP or ICMPv6: record the types
	hasICMPResp                bool
	icmpType, icmpCode         uint8
	respICMPType, respICMPCode uint8

	start, last                      int64 // first and last packet, Unix ns
	pktsTS, pktsTC, bytesTS, bytesTC uint64

	tcp  tcpSession
	zeek zeekConn

	cid    export.CommunityID // seed 0, once computed (cidSet)
	cidSet bool

	// Alerted is set by detection when a rule alerted on the flow (EVE flow.alerted).
	Alerted bool
	// Bypassed is set (Table.Bypass) when the flow's packets are no longer inspected: EVE
	// flow.state "bypassed". CaptureBypassed says the capture (XDP) drops them in the kernel
	// (flow.bypass "capture"); otherwise the sensor still sees and counts them ("local").
	Bypassed        bool
	CaptureBypassed bool
	// AppProto is the application protocol detected on the flow, set by the app-layer stage.
	AppProto string
	// AppProtoOrig is the protocol the flow started as when it changed protocol (an HTTP
	// CONNECT tunnel carrying TLS): Suricata's app_proto_orig. Empty otherwise.
	AppProtoOrig string
	// NoPayloadInspection is set by the app-layer stage when the flow's payload is no longer
	// worth inspecting (its TLS or SSH session went encrypted): header and transaction rules
	// still run, payload and stream rules do not.
	NoPayloadInspection bool
}

// Key is the flow's direction-independent key.
func (f *Flow) Key() Key { return f.key }

// Slot is the flow's index in its Table's pool, in [0, Table.Cap()): a dense index for per-flow
// side tables of later stages.
func (f *Flow) Slot() int { return int(f.slot) }

// Gen changes every time the flow's slot starts a new flow; with Slot it tells a later stage
// whether its side-table entry still belongs to this flow.
func (f *Flow) Gen() uint32 { return f.gen }

// Proto is the IP protocol of the flow (for an ICMP error that joined a flow, the flow's).
func (f *Flow) Proto() uint8 { return f.proto }

// Client is the initiator: the sender of the first packet, or of the SYN for TCP.
func (f *Flow) Client() (netip.Addr, uint16) { return f.endpoint(f.client) }

// Server is the responder.
func (f *Flow) Server() (netip.Addr, uint16) { return f.endpoint(1 - f.client) }

func (f *Flow) endpoint(i uint8) (netip.Addr, uint16) {
	a := f.key.Addr[i]
	var addr netip.Addr
	if f.key.IPv6 {
		addr = netip.AddrFrom16(a)
	} else {
		addr = netip.AddrFrom4([4]byte{a[12], a[13], a[14], a[15]})
	}
	if f.icmp {
		return addr, 0 // the key's "ports" of an ICMP flow are message types
	}
	return addr, f.key.Port[i]
}

// Start and Last are the times of the first and the last packet (Unix ns).
func (f *Flow) Start() int64 { return f.start }
func (f *Flow) Last() int64  { return f.last }

// State is Suricata's flow state.
func (f *Flow) State() State { return f.state }

// TCPState is the TCP session state; TCPNone when there is no session (not TCP, or a TCP flow
// that started midstream while midstream pickup is off).
func (f *Flow) TCPState() TCPState { return f.tcp.state }

// Packets and Bytes count per direction (to server, to client). Bytes are captured lengths as
// Suricata counts them: the frame, or for a tunnelled packet what the tunnel carried
// (decoders.Packet.FlowLen).
func (f *Flow) Packets() (toServer, toClient uint64) { return f.pktsTS, f.pktsTC }
func (f *Flow) Bytes() (toServer, toClient uint64)   { return f.bytesTS, f.bytesTC }

// ID is the flow's EVE flow_id, derived like Suricata's from the flow hash and the start time:
// deterministic, non-zero and within 51 bits, so it is a positive int64 and exact in JSON
// consumers that read numbers as doubles.
func (f *Flow) ID() uint64 {
	sec, usec := f.start/1e9, (f.start%1e9)/1e3
	h32 := uint32(f.hash ^ f.hash>>32)
	id := uint64(sec&0xffff)<<48 | uint64(usec&0xffff)<<32 | uint64(h32)
	id &= 1<<51 - 1
	if id == 0 {
		id = 1
	}
	return id
}

// CommunityID is the flow's Community ID v1 with the given seed.
func (f *Flow) CommunityID(seed uint16) export.CommunityID {
	if seed == 0 && f.cidSet {
		return f.cid
	}
	c, cp := f.Client()
	s, sp := f.Server()
	if f.icmp {
		cp, sp = uint16(f.icmpType), uint16(f.icmpCode)
	}
	id := CommunityID(seed, c, s, cp, sp, f.proto)
	// Every event of the flow carries it and it is a SHA-1: computed once. It does not depend
	// on which side is the client, so turning the flow around keeps it.
	if seed == 0 && !f.icmp {
		f.cid, f.cidSet = id, true
	}
	return id
}

// Fill writes the flow record EVE's flow event needs into r, with the Community ID for seed 0.
// The tuple is oriented as Suricata's: source is the client. Timestamp is the last packet's
// time; AppProto is copied from the flow. Fill allocates only the history string.
func (f *Flow) Fill(r *export.FlowRecord, reason Reason) {
	*r = export.FlowRecord{}
	r.FlowID = f.ID()
	r.SrcIP, r.SrcPort = f.Client()
	r.DestIP, r.DestPort = f.Server()
	r.Proto = f.proto
	r.VLAN, r.VLANCount = f.key.VLAN, f.vlanCount
	if f.icmp {
		r.ICMPType, r.ICMPCode = f.icmpType, f.icmpCode
		if f.hasICMPResp {
			r.ResponseICMPType, r.ResponseICMPCode = f.respICMPType, f.respICMPCode
			r.HasResponseICMP = true
		}
	}
	r.CommunityID = f.CommunityID(0)
	r.Timestamp = f.last
	r.AppProto = f.AppProto
	r.AppProtoOrig = f.AppProtoOrig
	r.PktsToServer, r.PktsToClient = f.pktsTS, f.pktsTC
	r.BytesToServer, r.BytesToClient = f.bytesTS, f.bytesTC
	r.Start, r.End = f.start, f.last
	r.Age = f.last/1e9 - f.start/1e9
	r.State = f.state.String()
	r.Reason = reason.String()
	r.Alerted = f.Alerted
	r.Bypassed = f.Bypassed
	if f.Bypassed {
		// Suricata's flow logger: state bypassed, and how.
		r.State = "bypassed"
		r.Bypass = "local"
		if f.CaptureBypassed {
			r.Bypass = "capture"
		}
	}
	if f.proto == protoTCP {
		r.HasTCP = true
		r.TCPFlags = f.tcp.flags
		r.TCPFlagsTS, r.TCPFlagsTC = f.tcp.dflags[sideClient], f.tcp.dflags[sideServer]
		if f.tcp.active {
			r.TCPState = f.tcp.state.String()
		}
	}
	r.ConnState = f.zeek.connState(f.proto)
	r.History = f.zeek.historyString()
}
