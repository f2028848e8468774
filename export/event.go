package export

import (
	"net/netip"
	"time"
)

// The event model: every event Nightjar emits is one of these structs. The EVE JSON writer and the
// Arrow writers both read them, so the two outputs cannot drift apart. Field names follow EVE.

// Tuple is the addressing every event carries: EVE's src_ip, src_port, dest_ip, dest_port, proto,
// vlan and the flow's identifiers.
type Tuple struct {
	FlowID      uint64 // EVE flow_id; 0 when the event belongs to no flow
	SrcIP       netip.Addr
	DestIP      netip.Addr
	SrcPort     uint16
	DestPort    uint16
	Proto       uint8 // IP protocol number; EVE writes the name (TCP, UDP, ICMP, IPv6-ICMP …)
	VLAN        [3]uint16
	VLANCount   uint8
	ICMPType    uint8 // valid for ICMP/ICMPv6 only
	ICMPCode    uint8
	CommunityID CommunityID
}

// CommunityID is a Community ID v1 string ("1:" + base64 of a SHA-1), held inline so that
// events carry it without allocating. The zero value is "no community id".
type CommunityID struct {
	b [30]byte
	n uint8
}

// MakeCommunityID wraps an already formatted Community ID string.
func MakeCommunityID(s string) CommunityID {
	var c CommunityID
	c.n = uint8(copy(c.b[:], s))
	return c
}

// Bytes is the textual form; it aliases c.
func (c *CommunityID) Bytes() []byte { return c.b[:c.n] }

// String is the textual form, "1:…".
func (c CommunityID) String() string { return string(c.b[:c.n]) }

// IsZero reports whether no id is set.
func (c CommunityID) IsZero() bool { return c.n == 0 }

// FlowRecord is the record of one flow, written when the flow ends (EVE event_type "flow").
type FlowRecord struct {
	Tuple
	Timestamp int64 // when the record was written (packet time on files), Unix ns
	AppProto  string
	// AppProtoOrig is the protocol the flow started as, when it changed (written as
	// app_proto_orig when it differs from AppProto).
	AppProtoOrig string

	// Responder's ICMP type/code as Suricata writes them (response_icmp_type/code).
	ResponseICMPType uint8
	ResponseICMPCode uint8
	HasResponseICMP  bool

	PktsToServer, PktsToClient   uint64
	BytesToServer, BytesToClient uint64
	Start, End                   int64  // first and last packet, Unix ns
	Age                          int64  // seconds, end - start truncated, as Suricata
	State                        string // new, established, closed, bypassed
	Reason                       string // timeout, forced, shutdown
	Alerted                      bool
	Bypassed                     bool // some of the flow's packets skipped inspection; State is "bypassed"
	// Vars are the flow's detection variables at its end (traffic, metadata.flowbits and
	// metadata.flowints); nil when there are none.
	Vars *FlowVars
	// Action is EVE's flow.action: "pass" when a pass rule passed the rest of the flow, "drop"
	// when a drop rule dropped it inline; empty otherwise (and then not written).
	Action string

	// Bypass says how the flow was bypassed, as EVE's flow.bypass: "local" (the sensor still saw the
	// packets but skipped them) or "capture" (the XDP program dropped them in the kernel). Empty when
	// not bypassed.
	Bypass string
	// What the capture bypass counted in the kernel. These packets are already part of the totals
	// above; EVE shows them again under flow.bypassed so analysts see how much was never inspected.
	BypassedPktsToServer, BypassedPktsToClient   uint64
	BypassedBytesToServer, BypassedBytesToClient uint64

	// TCP only (HasTCP): flags seen, per direction, and the tracker's state.
	HasTCP     bool
	TCPFlags   uint8
	TCPFlagsTS uint8
	TCPFlagsTC uint8
	TCPState   string // Suricata's stream state name: syn_sent, established, closed …

	// Zeek's view of the same flow.
	ConnState   string // S0, S1, SF, REJ, RSTO, RSTR, OTH …
	History     string // Zeek history letters; a constant-free string, built once per flow
	MissedBytes uint64
}

// Anomaly is a decoder (or later, stream and app-layer) event (EVE event_type "anomaly").
type Anomaly struct {
	Tuple
	Timestamp int64
	PcapCnt   uint64
	Type      string // "decode", "stream" or "applayer"
	Event     string // Suricata's event name, e.g. decoder.ipv4.trunc_pkt
	Layer     string // for applayer anomalies: the parser's stage (proto_detect, parser …)
	AppProto  string // for applayer anomalies: the flow's app-layer protocol
	PktSrc    string // where the packet came from, when written ("wire/pcap" …)
	TxID      uint64 // for applayer anomalies of a transaction: its id, when HasTxID
	HasTxID   bool
	Vars      *FlowVars // the flow's detection variables; nil when none
}

// Stats is a snapshot of counters (EVE event_type "stats"): name → value, names dotted as
// Suricata's (decoder.pkts, flow.tcp …).
type Stats struct {
	Timestamp int64
	Uptime    int64 // seconds
	Counters  []Counter
}

// Counter is one named counter value.
type Counter struct {
	Name  string
	Value uint64
}

// Alert is one signature match on one packet (EVE event_type "alert"). The tuple is the packet's,
// not the flow's: Suricata writes src as the packet's sender, so a rule that fired on a reply has
// the server as src_ip. The flow's own orientation is in FlowSrc*/FlowDest*.
type Alert struct {
	Tuple
	Timestamp int64 // packet time, Unix ns
	PcapCnt   uint64
	// PktSrc is where the packet came from, as Suricata names it: "wire/pcap", "defrag", or the
	// tunnel its inner packet was decoded from ("ipv4 tunnel", "vxlan encapsulation" …).
	PktSrc string
	// Tunnel is the outermost packet of a tunnelled packet (Suricata's root packet); written as
	// the alert's tunnel object when HasTunnel.
	Tunnel    TunnelInfo
	HasTunnel bool
	AppProto  string
	Direction string // "to_server" or "to_client"; empty when the packet has no flow
	TxID      uint64 // valid when HasTxID: the app-layer transaction the rule matched in
	HasTxID   bool
	Vars      *FlowVars // the flow's detection variables after the packet's rules; nil when none

	// The alert object. Action is EVE's alert.action: "allowed", or "blocked" when the packet was
	// (or would have been, for reject) stopped.
	Action string
	// Drop says the rule's action was drop or reject, whether or not the sensor could block:
	// fast.log marks such lines [Drop] (blocked) or [wDrop] (would have dropped).
	Drop        bool
	GID         uint32
	SignatureID uint32
	Rev         uint32
	Signature   string // the rule's msg
	Category    string // the classtype's description; "" when the rule has none
	Severity    int    // the rule's priority
	// Metadata is the rule's metadata keyword, grouped by key as EVE writes it
	// ({"key":["v1","v2"]}), keys in Suricata's order. It belongs to the rule and is shared by
	// every alert of that rule, so it is never copied per alert.
	Metadata []MetadataEntry

	// App is the app-layer object of the transaction a tx alert matched in; zero for packet
	// and stream alerts.
	App AlertApp

	// The flow's counters at alert time, as Suricata's alert.flow carries them; valid when
	// HasFlow.
	HasFlow                      bool
	PktsToServer, PktsToClient   uint64
	BytesToServer, BytesToClient uint64
	FlowStart                    int64 // first packet of the flow, Unix ns
	FlowSrcIP, FlowDestIP        netip.Addr
	FlowSrcPort, FlowDestPort    uint16
}

// TunnelInfo is the tunnel object of an alert on a tunnelled packet: the outermost packet's
// tuple, how deep the alerting packet sat, and where the outer packet came from.
type TunnelInfo struct {
	SrcIP, DestIP     netip.Addr
	SrcPort, DestPort uint16
	Proto             uint8
	Depth             uint8
	PcapCnt           uint64
	PktSrc            string
}

// AlertApp points at the app-layer object an alert carries: the event of its transaction, of
// which only the object is written (at most one is set). The events belong to the sensor and
// are valid until the alert is written.
type AlertApp struct {
	HTTP    *HTTPEvent
	DNS     *DNSEvent
	TLS     *TLSEvent
	SSH     *SSHEvent
	SMTP    *SMTPEvent
	FTP     *FTPEvent
	FTPData *FTPDataEvent
	// DCERPC (over TCP) and SMB: set by the sensor like the others, at most one of all.
	DCERPC *DCERPCInfo
	SMB    *SMBEvent
	// Files are the files of the transaction (its attachments, for SMTP), written as the
	// alert's files array as Suricata writes it.
	Files []FileInfo
}

// MetadataEntry is one key of a rule's metadata with all its values.
type MetadataEntry struct {
	Key    string
	Values []string
}

// AppHeader is what every app-layer event (http, dns, tls, ssh) carries besides its object: the
// tuple (oriented as Suricata's logger for the protocol orients it), the time and pcap_cnt of the
// packet whose data completed it, the flow's app_proto and, for transactional protocols, tx_id.
type AppHeader struct {
	Tuple
	Timestamp int64 // packet time, Unix ns
	PcapCnt   uint64
	// PktSrc is where the packet that completed the event came from (Suricata 8 writes it on
	// every event logged on a packet); empty: not written.
	PktSrc  string
	TxID    uint64 // valid when HasTxID
	HasTxID bool
	Vars    *FlowVars // the flow's detection variables; nil when none
}

// HTTPEvent is one HTTP transaction (EVE event_type "http"), as Suricata 7 logs it by default.
// Byte fields alias the parser's transaction and are valid only until the event is encoded.
type HTTPEvent struct {
	AppHeader
	Hostname    []byte
	Port        int // http_port; -1 when absent
	URL         []byte
	UserAgent   []byte
	ContentType []byte
	Refer       []byte
	Method      []byte
	Protocol    []byte
	Status      int // 0 when absent
	// StatusString is a status code that is not a number, written as Suricata 8's
	// status_string in place of status.
	StatusString []byte
	Redirect     []byte
	Length       int64
	// HTTP2, when set, makes this an HTTP/2 transaction, written in Suricata 7's layout for
	// them (version "2", the header lists and the http2 object) instead of the fields above
	// that HTTP/2 has no use for.
	HTTP2 *HTTP2Info
}

// FileInfoEvent is one file carried by an app-layer transaction (EVE event_type "fileinfo"), as
// Suricata 7 logs it. The tuple is oriented as the file travelled (Suricata's LOG_DIR_FLOW_TOCLIENT
// for a download: the server is src), and, unlike other app-layer events, tx_id sits inside the
// fileinfo object, not at the top level (AppHeader.TxID and HasTxID are not written).
type FileInfoEvent struct {
	AppHeader
	AppProto string
	// HTTP is the transaction's http object, written as the http event writes it; only its
	// object fields are read. nil: no http object.
	HTTP *HTTPEvent
	// SMTP is the transaction's smtp event, whose smtp and email objects are written (its
	// header is not); nil: none.
	SMTP *SMTPEvent
	// FTPData is the ftp-data flow's ftp_data object, for a file an FTP data connection
	// carried; nil: none.
	FTPData *FTPDataEvent
	// SMB is the file transaction's smb object (a file read or written over SMB).
	SMB  *SMBEvent
	File FileInfo
}

// FileInfo is the fileinfo object. Filename aliases the parser's transaction.
type FileInfo struct {
	Filename []byte
	Gaps     bool   // the file had gaps
	State    string // FileStateClosed, FileStateTruncated or FileStateError
	Stored   bool   // written to disk by file-store (Nightjar stores none yet)
	Size     uint64 // bytes of file data tracked
	TxID     uint64
}

// The file states Suricata writes in fileinfo.state.
const (
	FileStateClosed    = "CLOSED"    // the file ended normally
	FileStateTruncated = "TRUNCATED" // cut by a limit or by the stream ending first
	FileStateError     = "ERROR"     // tracking failed
)

// TLSEvent is one TLS session's handshake (EVE event_type "tls"), logged once per flow. Byte
// fields alias the parser's state; empty ones are not written.
type TLSEvent struct {
	AppHeader
	SNI      []byte
	Version  string // TLSv1.2, TLS 1.3, UNDETERMINED …
	Subject  []byte
	IssuerDN []byte
	// SubjectAltName are the leaf's DNS subject alternative names, in certificate order.
	SubjectAltName []string
	// SessionResumed: the server resumed the client's session (and showed no certificate).
	SessionResumed bool
	Serial         []byte
	Fingerprint    []byte
	NotBefore      time.Time // zero: no certificate
	NotAfter       time.Time
	JA3Hash        []byte
	JA3String      []byte
	JA3SHash       []byte
	JA3SString     []byte
	JA4            []byte
	// ClientALPNs are the protocols the client offered, ServerALPN the one the server chose
	// (Suricata 8's client_alpns and server_alpns).
	ClientALPNs [][]byte
	ServerALPN  []byte
}

// SSHEvent is one SSH session's banners (EVE event_type "ssh").
type SSHEvent struct {
	AppHeader
	Client, Server SSHHost
}

// SSHHost is what one SSH endpoint announced: its identification line and, once its KEXINIT
// was read, its HASSH fingerprint.
type SSHHost struct {
	ProtoVersion    []byte
	SoftwareVersion []byte
	HASSH           []byte // MD5 of HASSHString, lowercase hex; empty before KEXINIT
	HASSHString     []byte
}

// DNSEvent is one EVE "dns" event. In Suricata 8's default layout (Version 3) it is one DNS
// message, a request or a response, with all its questions and records. In Suricata 7's layout
// (Version 2), still selectable in Suricata 8, a request is logged as one "query" event per
// question (Queries then holds that one question) and a response as one "answer" event.
type DNSEvent struct {
	AppHeader       // TxID is written as dns.tx_id; HasTxID stays false (no top-level tx_id)
	Version   uint8 // 2 or 3; 0 is taken as 3, Suricata 8's default
	Response  bool  // QR set: v3 type "response", v2 type "answer"; else "request" / "query"
	// Formats says how a response's answer section is written; zero means both, the default.
	Formats DNSFormats
	ID      uint16
	Flags   uint16
	Opcode  uint8
	Rcode   []byte // the response code's name, NOERROR, NXDOMAIN …
	Queries []DNSQuery
	// The record sections. Additionals hold no OPT record without options (Suricata skips them).
	Answers, Authorities, Additionals []DNSAnswer
}

// DNSFormats selects the answer formats of Suricata's eve-log dns option "formats".
type DNSFormats uint8

const (
	DNSDetailed DNSFormats = 1 << iota // dns.answers: one object per record
	DNSGrouped                         // dns.grouped: record data by type
)

// DNSQuery is one question.
type DNSQuery struct {
	RRName    []byte
	RRType    []byte // its type's name, A, AAAA …
	Truncated bool   // the name was cut at the maximum length (rrname_truncated)
}

// DNSData says which rdata form a record has in EVE.
type DNSData uint8

const (
	DNSDataNone  DNSData = iota // a type Suricata does not decode: no rdata
	DNSDataText                 // rdata: the address, name, string or raw bytes in EVE's text form
	DNSDataSOA                  // soa object
	DNSDataSRV                  // srv object
	DNSDataSSHFP                // sshfp object
	DNSDataOPT                  // opt array from the raw option bytes in RData
)

// DNSAnswer is one resource record of a response section, its fields already in EVE's text form.
type DNSAnswer struct {
	RRName    []byte
	Truncated bool // rrname_truncated
	RRType    []byte
	TTL       uint32
	Data      DNSData
	RData     []byte // DNSDataText: the text (may be empty); DNSDataOPT: the raw options
	SOA       DNSSOA
	SRV       DNSSRV
	SSHFP     DNSSSHFP
}

// DNSSOA is EVE's soa object.
type DNSSOA struct {
	MName, RName                            []byte
	Serial, Refresh, Retry, Expire, Minimum uint32
}

// DNSSRV is EVE's srv object.
type DNSSRV struct {
	Priority, Weight, Port uint16
	Name                   []byte
}

// DNSSSHFP is EVE's sshfp object; Fingerprint is raw and written as colon-separated hex.
type DNSSSHFP struct {
	Algo, Type  uint8
	Fingerprint []byte
}

// DHCPEvent is one DHCP message (EVE event_type "dhcp"), as Suricata's dhcp logger writes it:
// the BOOTP header's fields, then one field per option the logger knows, in the order the
// options came. Byte fields alias the datagram and are valid only until the event is encoded.
type DHCPEvent struct {
	AppHeader
	// Extended is eve-log dhcp's extended mode: without it only what maps a MAC address to an
	// IP address is written (client_ip, relay and next server, and most options are left out).
	Extended bool
	Op       uint8  // BOOTP op: 1 request, 2 reply, anything else "<unknown>"
	ID       uint32 // xid
	// ClientMAC is the client hardware address, written as colon-separated hex.
	ClientMAC  []byte
	AssignedIP [4]byte // yiaddr
	ClientIP   [4]byte // ciaddr
	RelayIP    [4]byte // giaddr
	NextServer [4]byte // siaddr
	Options    []DHCPOption
}

// DHCPField says which EVE field a DHCP option fills and which DHCPOption member holds it.
type DHCPField uint8

// The option fields of EVE's dhcp object. Those marked extended are written only in extended
// mode.
const (
	DHCPClientID      DHCPField = iota + 1 // client_id: Data, the identifier after its type byte, as colon hex
	DHCPHostname                           // hostname: Data as text
	DHCPType                               // dhcp_type: Name (discover, offer …)
	DHCPLeaseTime                          // lease_time: Value in seconds (extended)
	DHCPRenewalTime                        // renewal_time: Value in seconds
	DHCPRebindingTime                      // rebinding_time: Value in seconds (extended)
	DHCPSubnetMask                         // subnet_mask: Data, an address (extended)
	DHCPRequestedIP                        // requested_ip: Data, an address (extended)
	DHCPParams                             // params: Names (extended)
	DHCPDNSServers                         // dns_servers: Data, IPv4 addresses (extended)
	DHCPRouters                            // routers: Data, IPv4 addresses (extended)
	DHCPVendorClass                        // vendor_class_identifier: Data as text (extended)
)

// DHCPOption is one option as its EVE field: which field, and its value in the member the
// field's comment names.
type DHCPOption struct {
	Field DHCPField
	Data  []byte
	Value uint32
	Name  string
	Names []string
}
