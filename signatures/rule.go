package signatures

import "github.com/nightjar-ids/nightjar/decoders"

// Action is what a rule does when it matches.
type Action uint8

const (
	ActionAlert Action = iota
	ActionPass
	ActionDrop
	ActionReject // reject, rejectsrc, rejectdst, rejectboth
)

var actionNames = [...]string{"alert", "pass", "drop", "reject"}

func (a Action) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return "unknown"
}

// Proto is the transport a rule header names. ProtoICMP covers ICMPv4 and ICMPv6 as in
// Suricata; ProtoIP matches every packet.
type Proto uint8

const (
	ProtoIP Proto = iota
	ProtoTCP
	ProtoUDP
	ProtoICMP
	ProtoICMPv4
	ProtoICMPv6
	ProtoSCTP
)

// Rule is one loaded signature in Nightjar's own form: the header resolved to address and port
// sets, and every keyword parsed and checked. Rules are immutable once loaded and shared by all
// workers.
type Rule struct {
	File string // rule file the rule came from
	Line int    // first line of the rule in File
	Raw  string // the rule text, continuation lines joined

	Action       Action
	RejectTarget string // for reject actions: "", "src", "dst" or "both"
	Proto        Proto
	AppProto     string   // application protocol named in the header, as written
	App          AppProto // the protocol the rule needs: from the header or its buffers
	// HTTP1Only: the header says http1, so an App of AppHTTP does not cover HTTP/2.
	HTTP1Only bool
	// AppLayer holds each app-layer-protocol keyword: the flow's protocol compared (Negated:
	// must differ); all must hold.
	AppLayer      []AppLayerMatch
	Src, Dst      AddrSet
	SrcPorts      PortSet
	DstPorts      PortSet
	Bidirectional bool // "<>"
	// Transactional is "=>": the rule's keywords of both directions must hold on one
	// transaction, which is inspected once its response is there; the header names the
	// transaction's client and server.
	Transactional bool
	IPVersion     uint8 // 4 or 6 for the ipv4 / ipv6 header protocols, else 0
	// PktHdr is the pkthdr header protocol: any packet, with or without an IP layer.
	PktHdr bool
	// PacketOnly (tcp-pkt header) and StreamOnly (tcp-stream header) say whether payload
	// keywords inspect single packets or reassembled stream data only.
	PacketOnly, StreamOnly bool
	// appDirs are the directions an app-layer rule is inspected in (bufToServer,
	// bufToClient or both), resolved from its buffers and flow keyword.
	appDirs uint8

	SID, Rev, GID uint32
	Msg           string
	Class         *Classification // nil when the rule has no classtype
	Priority      int             // priority keyword, else the classtype's, else 3
	Metadata      []Metadata
	References    []Reference
	Target        string // "", "src_ip" or "dest_ip"
	NoAlert       bool
	// Bypass: when the rule matches, the flow needs no more inspection (Suricata's bypass
	// keyword); the sensor bypasses it, in the capture where it can.
	Bypass bool
	// Tags are the rule's tag keywords: after it alerts, the packets of its flow or hosts
	// are tagged for logging (signatures/parse-tag.go).
	Tags []Tag

	Flow            FlowMatch
	Flowbits        []FlowbitOp
	Flowints        []FlowintOp
	Xbits           []XbitOp
	Threshold       *Threshold
	DetectionFilter *Threshold

	Header   []HeaderMatch // ttl, tos, id, seq, ack, window, itype, icode, icmp_id, icmp_seq, ip_proto, fragoffset
	Flags    *FlagMatch    // tcp flags
	Frag     *FlagMatch    // fragbits
	IPOpt    uint16        // ipopts: required decoders.IPOpt* bit (0 = none)
	IPOptAny bool          // ipopts:any
	Csums    []CsumMatch   // ipv4-csum, tcpv4-csum … icmpv6-csum
	SameIP   bool
	// VLANIDs are vlan.id comparisons (Suricata 8), all of which must hold.
	VLANIDs []VLANIDMatch
	Dsize   *UintMatch

	// StreamEvents are the stream-event keywords: every one must be on the packet.
	StreamEvents StreamEvents

	// StreamSize is each stream_size keyword: the TCP stream's sequence span compared per side.
	StreamSize []StreamSizeMatch
	// FlowAge is flow.age: whole seconds since the flow's first packet.
	FlowAge *UintMatch
	// FlowCounts are flow.pkts and flow.bytes (and their _toserver/_toclient forms): the
	// flow's packet and byte counters so far, this packet included.
	FlowCounts []FlowCountMatch

	// Payload is the packet/stream payload list (pkt_data); nil when the rule inspects none.
	Payload *Buffer
	// HdrBuffers are the packet-header sticky buffers (ipv4.hdr, tcp.hdr …) in rule order: each
	// inspects the raw bytes of one header of the packet, options included.
	HdrBuffers []*Buffer
	// Buffers are the app-layer buffers (http.uri, dns.query …) in rule order; a rule with any
	// is inspected per transaction (Matcher.InspectTx), not per packet.
	Buffers []*Buffer
	// AppNumbers are keywords comparing a numeric transaction property (urilen, tls.version …).
	AppNumbers []AppNumberMatch
	// DecodeEvents are the decode-event keywords: each decoder event must be on the packet.
	DecodeEvents []decoders.Event
	// AppEvents are the app-layer-event keywords ("http.request_header_invalid" …): each must
	// have been raised on the transaction; they make the rule a per-transaction rule.
	AppEvents []string
	// DCE are the dcerpc.iface and dcerpc.opnum keywords.
	DCE []DCEMatch

	// Options is every keyword in rule order, as written.
	Options []Option

	// b64Data is the base64_data list, inspected by the base64_decode keywords (nil: none).
	b64Data *Buffer

	ByteVars []string // byte_extract / byte_math result names; the index is the variable slot
	maxCaps  int      // most captures of any pcre of the rule
}

// AppLayerMatch is the app-layer-protocol keyword.
type AppLayerMatch struct {
	Proto   AppProto
	Negated bool
	Mode    AppMode
}

// AppMode is which of the flow's protocols app-layer-protocol compares (Suricata 8's modes).
type AppMode uint8

const (
	AppModeDirection AppMode = iota // the one recognised on the packet's direction (default)
	AppModeToServer                 // the one recognised to the server
	AppModeToClient                 // the one recognised to the client
	AppModeEither                   // either direction's
	AppModeFinal                    // the one the flow is parsed as
	AppModeOriginal                 // the one before a protocol change
)

var appModes = map[string]AppMode{"direction": AppModeDirection, "to_server": AppModeToServer,
	"to_client": AppModeToClient, "either": AppModeEither, "final": AppModeFinal, "original": AppModeOriginal}

// AppNumberMatch compares one numeric transaction property; Dir is the direction it is read
// from (bufToServer, bufToClient or bufBoth: the rule's inspected direction).
type AppNumberMatch struct {
	ID  NumberID
	Dir uint8
	Cmp UintMatch
}

// Option is one rule keyword as written: name and raw value (quotes kept, "" when none).
type Option struct {
	Name  string
	Value string
}

// Metadata is one key/value pair of the metadata keyword.
type Metadata struct {
	Key, Value string
}

// Reference is one reference keyword, with the URL prefix from reference.config when known.
type Reference struct {
	System, ID, URL string
}

// Buffer is an inspection list: the keywords that run against one buffer, in rule order.
type Buffer struct {
	Name string
	// own marks a list that one legacy keyword (tls.subject:"x") owns: later sticky buffers
	// of the same name open a list of their own, as in Suricata where they are separate lists.
	own        bool
	Matchers   []Keyword
	ID         BufferID    // the app-layer buffer; BufNone for pkt_data and header buffers
	Transforms []Transform // applied to the buffer before the keywords run, in order
	hdr        hdrKind     // which packet header a header buffer inspects; hdrNone otherwise
	// dir is, for app-layer buffers, the side the buffer is read from: bufToServer,
	// bufToClient, or bufBoth for "the direction the rule is being inspected in".
	dir uint8
	// force is the side the rule named for the buffer ("file.data: to_client"), 0 when none.
	force uint8
	// Absent is what the absent keyword asked of the buffer: AbsentNone, AbsentOnly (match
	// only when the transaction or packet lacks it) or AbsentOrElse (match when it lacks it,
	// else run the list's keywords).
	Absent AbsentMode
}

// AbsentMode is the absent keyword's setting on one list.
type AbsentMode uint8

const (
	AbsentNone   AbsentMode = iota
	AbsentOnly              // absent;
	AbsentOrElse            // absent: or_else;
)

// MatcherKind says which field of a Keyword is set.
type MatcherKind uint8

const (
	MatchContent MatcherKind = iota
	MatchPCRE
	MatchIsdataat
	MatchByteTest
	MatchByteJump
	MatchByteExtract
	MatchByteMath
	MatchBsize
	MatchBase64Decode
	MatchDataset // dataset and datarep
	MatchAsn1
)

// Keyword is one buffer keyword with its modifiers resolved. RelNext is Suricata's
// "relative next" flag: a later keyword's position depends on this one, so when the rest of
// the list fails the engine retries at this keyword's next occurrence.
type Keyword struct {
	Kind     MatcherKind
	Negated  bool
	Relative bool
	RelNext  bool
	chained  bool // some later relative keyword anchors on this one (Suricata's *_NEXT flags)

	Content  *Content
	PCRE     *PCRE
	Isdataat *Isdataat
	Byte     *ByteOp
	Bsize    *UintMatch
	Base64   *Base64Decode
	Dataset  *DatasetMatch
	Asn1     *Asn1
}

// Operand is a numeric keyword argument that is either a literal or a byte_extract /
// byte_math variable (Var >= 0 is its slot).
type Operand struct {
	Value int64
	Var   int
}

func literal(v int64) Operand { return Operand{Value: v, Var: -1} }

// Content is a content keyword with its modifiers.
type Content struct {
	Pattern  []byte
	folded   []byte // lower-cased pattern for nocase search
	Nocase   bool
	Rawbytes bool
	// anchorOff/anchorLen: for a long case-sensitive pattern, the part searched first
	// (searchAnchor); anchorLen 0 searches the whole pattern.
	anchorOff, anchorLen int

	HasOffset, HasDepth, HasDistance, HasWithin bool
	Offset, Depth, Distance, Within             Operand
	StartsWith, EndsWith                        bool

	FastPattern     bool // explicitly chosen with fast_pattern
	FastPatternOnly bool
	FastPatternChop bool
	FPOffset, FPLen int
}

// FastPatternBytes returns the part of the pattern a prefilter should look for.
func (c *Content) FastPatternBytes() []byte {
	if c.FastPatternChop && c.FPOffset+c.FPLen <= len(c.Pattern) {
		return c.Pattern[c.FPOffset : c.FPOffset+c.FPLen]
	}
	return c.Pattern
}

// PCRE is a pcre keyword.
type PCRE struct {
	Source   string // as written, between the slashes
	Flags    string // modifier letters as written
	Options  uint32 // PCRE2 compile options
	Relative bool
	NoLimit  bool // 'O': ignore the match limits
	// Captures are the packet/flow/alert variables the capture groups feed, in group order.
	// They never change whether the pcre matches; no keyword or log reads them yet, so
	// the values are not stored.
	Captures []CaptureVar
	code     *pcreCode
}

// CaptureVar is one variable a pcre capture group is stored into.
type CaptureVar struct {
	Scope string // "pkt", "flow" or "alert"
	Name  string
}

// Isdataat is the isdataat keyword.
type Isdataat struct {
	Offset   Operand
	Relative bool
}

// ByteOp is byte_test, byte_jump, byte_extract or byte_math.
type ByteOp struct {
	NBytes   Operand
	Offset   Operand
	Relative bool
	Little   bool // little endian (default big)
	DCE      bool // the DCERPC stub's own byte order (dce)
	String   bool
	Base     int // 8, 10 or 16 when String
	Bitmask  uint64
	HasMask  bool

	// byte_test
	Op    byte // '<' '>' '=' 'l' (<=) 'g' (>=) '&' '^'
	NotOp bool
	Value Operand

	// byte_jump
	Multiplier    uint64
	Align4        bool
	FromBeginning bool
	FromEnd       bool
	PostOffset    int64

	// byte_extract (Multiplier and AlignN also apply)
	AlignN uint64
	Result int // variable slot written by byte_extract / byte_math

	// byte_math
	MathOp byte // '+' '-' '*' '/' 'L' (<<) 'R' (>>)
	RValue Operand
}

// UintMatch is Suricata's unsigned comparison syntax: N, !N, <N, <=N, >N, >=N, N<>M / N-M
// (exclusive range).
type UintMatch struct {
	Op   byte // '=' '!' '<' 'l' '>' 'g' 'r' (range) 'R' (negated range) 'm' (bit v of A set) 'M' (not set)
	A, B uint64
}

// Match reports whether v satisfies the comparison.
func (u *UintMatch) Match(v uint64) bool {
	switch u.Op {
	case '=':
		return v == u.A
	case '!':
		return v != u.A
	case '<':
		return v < u.A
	case 'l':
		return v <= u.A
	case '>':
		return v > u.A
	case 'g':
		return v >= u.A
	case 'r':
		return v > u.A && v < u.B
	case 'R':
		return !(v > u.A && v < u.B)
	case 'm':
		return v < 64 && u.A&(1<<v) != 0
	case 'M':
		return v < 64 && u.A&(1<<v) == 0
	}
	return false
}

// HeaderField names the packet field a HeaderMatch compares.
type HeaderField uint8

const (
	FieldTTL HeaderField = iota
	FieldTOS
	FieldIPID
	FieldIPProto
	FieldFragOffset
	FieldSeq
	FieldAck
	FieldWindow
	FieldIType
	FieldICode
	FieldICMPID
	FieldICMPSeq
	FieldTCPMSS // the MSS option's value; packets without the option have none
)

// HeaderMatch compares one header field.
type HeaderMatch struct {
	Field HeaderField
	Cmp   UintMatch
}

// FlagMatch is the flags / fragbits test: Mod is 0 (exactly these), '+' (these and maybe
// others), '*' (any of these) or '!' (not all of these); Ignore bits are masked away first.
type FlagMatch struct {
	Bits   uint8
	Mod    byte
	Ignore uint8
}

// Match applies the test to the packet's flag byte.
func (f *FlagMatch) Match(v uint8) bool {
	v &^= f.Ignore
	switch f.Mod {
	case '*':
		return v&f.Bits != 0
	case '+':
		return v&f.Bits == f.Bits
	case '!':
		return v&f.Bits != f.Bits
	}
	return v == f.Bits
}

// MatchTCPFlags is the flags keyword's test (Suricata's FlagsMatch): as Match, except that
// "no flags" (flags:0, flags:!0) is judged on the packet's flags before the mask is applied, so
// flags:0,12 does not match a packet with only CWR set, and flags:!0 matches any flag.
func (f *FlagMatch) MatchTCPFlags(v uint8) bool {
	if f.Bits == 0 && v != 0 {
		return f.Mod == '!'
	}
	return f.Match(v)
}

// FlowMatch is the flow keyword as flag bits.
type FlowMatch uint16

const (
	FlowToServer FlowMatch = 1 << iota
	FlowToClient
	FlowEstablished
	FlowNotEstablished
	FlowStateless
	FlowOnlyStream
	FlowNoStream
	FlowOnlyFrag
	FlowNoFrag
)

// FlowbitOp is one flowbits keyword: Cmd is set, unset, toggle, isset, isnotset or noalert;
// Names holds one bit, or several joined by Or ('|') or And ('&').
type FlowbitOp struct {
	Cmd   string
	Names []string
	Or    bool
}

// FlowintOp is one flowint keyword: Op is one of = + - (modifiers) or == != < <= > >=
// isset notset isnotset (tests); Value is a literal or another flowint name.
type FlowintOp struct {
	Name    string
	Op      string
	Value   uint32
	VarName string
}

// XbitOp is one xbits or hostbits keyword. hostbits share xbits' per-host store (as in
// Suricata, where both are host bits); Host marks the hostbits form, which Suricata's rule
// ordering counts differently.
type XbitOp struct {
	Cmd    string
	Name   string
	Track  string // ip_src, ip_dst, ip_pair, tx
	Expire uint32
	Host   bool // written as hostbits
}

// StreamSizeMatch is stream_size: Side is "server", "client", "both" or "either"; Cmp compares
// a side's next sequence number minus its initial one.
type StreamSizeMatch struct {
	Side string
	Cmp  UintMatch
}

// Threshold is threshold or detection_filter.
type Threshold struct {
	Type       string // limit, threshold, both, backoff; "" for detection_filter
	Track      string // by_src, by_dst, by_rule, by_both, by_flow
	Count      uint32
	Seconds    uint32
	Multiplier uint32
}

// FastPattern returns the payload content a prefilter should search for, as Suricata picks
// it: the content marked fast_pattern, else the longest non-negated content (the first of
// equal length). It returns nil when the payload list has no usable content, in which case
// the rule must be verified without a prefilter hit.
func (r *Rule) FastPattern() *Content {
	if r.Payload == nil {
		return nil
	}
	var best *Content
	for i := range r.Payload.Matchers {
		m := &r.Payload.Matchers[i]
		if m.Kind != MatchContent {
			continue
		}
		if m.Content.FastPattern {
			return m.Content
		}
		if !m.Negated && (best == nil || len(m.Content.Pattern) > len(best.Pattern)) {
			best = m.Content
		}
	}
	return best
}

// hasPayload reports whether the rule inspects packet payload (content, pcre, byte_*, …).
func (r *Rule) hasPayload() bool { return r.Payload != nil && len(r.Payload.Matchers) > 0 }

// FlowCountMatch is one flow.pkts or flow.bytes comparison.
type FlowCountMatch struct {
	Bytes bool // flow.bytes; else flow.pkts
	Dir   byte // 's' to server, 'c' to client, 'e' either
	Cmp   UintMatch
}

// hasFlowKeywords reports whether the rule reads the flow's own state: stream_size, flow.age,
// flow.pkts, flow.bytes (a rule with one needs a flow and is never IP-only).
func (r *Rule) hasFlowKeywords() bool {
	return len(r.StreamSize) > 0 || r.FlowAge != nil || len(r.FlowCounts) > 0
}

// VLANIDMatch is one vlan.id comparison: on the VLAN tag at Layer (0 outermost), the last
// (vlanLast), every one (vlanAll) or any one (vlanAny).
type VLANIDMatch struct {
	Cmp   UintMatch
	Layer int8
}

const (
	vlanAny  = -2
	vlanLast = -1
	vlanAll  = -3
)

// match checks the packet's VLAN ids (outer first); a packet without VLAN tags has none to
// compare, and does not match.
func (v *VLANIDMatch) match(ids []uint16) bool {
	if len(ids) == 0 {
		return false
	}
	switch v.Layer {
	case vlanAny:
		for _, id := range ids {
			if v.Cmp.Match(uint64(id)) {
				return true
			}
		}
		return false
	case vlanAll:
		for _, id := range ids {
			if !v.Cmp.Match(uint64(id)) {
				return false
			}
		}
		return true
	case vlanLast:
		return v.Cmp.Match(uint64(ids[len(ids)-1]))
	}
	return int(v.Layer) < len(ids) && v.Cmp.Match(uint64(ids[v.Layer]))
}
