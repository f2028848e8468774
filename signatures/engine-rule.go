package signatures

// engineRule is a Rule as the engine runs it: internal id, fast pattern, stateful keywords
// resolved to table indexes, and the effective thresholds (rule keywords or threshold.config).
type engineRule struct {
	r      *Rule
	idx    int32
	fp     fastPattern
	hasFP  bool
	ipOnly bool
	pdOnly bool // only app-layer-protocol decides: checked once per direction (isPDOnly)
	// flowAction: a pass that matches passes the rest of the flow, as Suricata applies the
	// actions of IP-only, "like IP-only" (ports set), PD-only and app-layer rules to the flow.
	flowAction bool
	noAlert    bool
	stream     bool // payload keywords inspect reassembled stream data on TCP flows
	// alsoPacket: a stream rule inspected on the packets too (anchoredPayload).
	alsoPacket bool
	tx         *txRule // per-transaction rule (app-layer buffers); nil for packet rules
	disabled   bool

	flowbitTests, flowbitSets []flowbitOp
	flowintTests, flowintMods []flowintOp
	xbitTests, xbitSets       []xbitOp

	threshold *Threshold // threshold keyword or threshold.config override
	detFilter *Threshold // detection_filter
	suppress  []*ThresholdEntry
}

const (
	cmdSet uint8 = iota
	cmdUnset
	cmdToggle
	cmdIsset
	cmdIsnotset
)

var bitCmds = map[string]uint8{"set": cmdSet, "unset": cmdUnset, "toggle": cmdToggle, "isset": cmdIsset, "isnotset": cmdIsnotset}

type flowbitOp struct {
	cmd uint8
	ids []int
	or  bool
}

// flowint operators.
const (
	fiSet uint8 = iota
	fiAdd
	fiSub
	fiEq
	fiNe
	fiLt
	fiLe
	fiGt
	fiGe
	fiIsset
	fiNotset
)

var flowintOps = map[string]uint8{"=": fiSet, "+": fiAdd, "-": fiSub, "==": fiEq, "!=": fiNe, "<": fiLt,
	"<=": fiLe, ">": fiGt, ">=": fiGe, "isset": fiIsset, "notset": fiNotset, "isnotset": fiNotset}

type flowintOp struct {
	op  uint8
	id  int
	val uint32
	tgt int // target variable id, -1 for a literal
}

// xbits tracking.
const (
	trackSrc uint8 = iota
	trackDst
	trackPair
)

type xbitOp struct {
	cmd    uint8
	id     int
	name   string // the HostState key: names outlive a reload's renumbering
	track  uint8
	expire int64 // nanoseconds
}

// xbitsDefaultExpire is Suricata's expire for xbits that name none (seconds).
const xbitsDefaultExpire = 30

// varNames numbers flowbit, flowint and xbit names across the rule set.
type varNames struct {
	flowbits, flowints, xbits map[string]int
	xbitList                  []string
}

func newVarNames() *varNames {
	return &varNames{flowbits: map[string]int{}, flowints: map[string]int{}, xbits: map[string]int{}}
}

// byID lists a name table's names by id.
func byID(m map[string]int) []string {
	l := make([]string, len(m))
	for n, id := range m {
		l[id] = n
	}
	return l
}

func nameID(m map[string]int, n string) int {
	if id, ok := m[n]; ok {
		return id
	}
	m[n] = len(m)
	return m[n]
}

func newEngineRule(r *Rule, idx int32, names *varNames) *engineRule {
	er := &engineRule{r: r, idx: idx, noAlert: r.NoAlert, threshold: r.Threshold, detFilter: r.DetectionFilter}
	if r.isTxRule() {
		er.tx = newTxRule(r)
		er.fp, er.hasFP, er.tx.fpList = chooseTxFastPattern(r)
	} else {
		er.fp, er.hasFP = chooseFastPattern(r)
	}
	er.fp = er.fp.withoutRuns()
	er.stream = streamCapable(r)
	er.alsoPacket = er.stream && anchoredPayload(r)
	for _, op := range r.Flowbits {
		fo := flowbitOp{cmd: bitCmds[op.Cmd], or: op.Or}
		for _, n := range op.Names {
			fo.ids = append(fo.ids, nameID(names.flowbits, n))
		}
		if fo.cmd == cmdIsset || fo.cmd == cmdIsnotset {
			er.flowbitTests = append(er.flowbitTests, fo)
		} else {
			er.flowbitSets = append(er.flowbitSets, fo)
		}
	}
	for _, op := range r.Flowints {
		fo := flowintOp{op: flowintOps[op.Op], id: nameID(names.flowints, op.Name), val: op.Value, tgt: -1}
		if op.VarName != "" {
			fo.tgt = nameID(names.flowints, op.VarName)
		}
		if fo.op <= fiSub {
			er.flowintMods = append(er.flowintMods, fo)
		} else {
			er.flowintTests = append(er.flowintTests, fo)
		}
	}
	for _, op := range r.Xbits {
		xo := xbitOp{cmd: bitCmds[op.Cmd], expire: int64(xbitsDefaultExpire) * 1e9}
		if _, ok := names.xbits[op.Name]; !ok {
			names.xbitList = append(names.xbitList, op.Name)
		}
		xo.id, xo.name = nameID(names.xbits, op.Name), op.Name
		switch op.Track {
		case "ip_dst":
			xo.track = trackDst
		case "ip_pair":
			xo.track = trackPair
		}
		if op.Expire > 0 {
			xo.expire = int64(op.Expire) * 1e9
		}
		if xo.cmd == cmdIsset || xo.cmd == cmdIsnotset {
			er.xbitTests = append(er.xbitTests, xo)
		} else {
			er.xbitSets = append(er.xbitSets, xo)
		}
	}
	er.ipOnly = isIPOnly(r, er)
	er.pdOnly = isPDOnly(r, er)
	er.flowAction = er.ipOnly || er.pdOnly || er.tx != nil || r.App != AppUnknown || isIPOnlyBarPorts(r, er)
	return er
}

// grouped reports whether the rule sits in the packet signature groups: IP-only and
// per-transaction rules are run from their own lists.
func (er *engineRule) grouped() bool { return !er.ipOnly && er.tx == nil }

// isIPOnly follows Suricata's SignatureIsIPOnly: no payload, no packet keywords beyond
// addresses, both ports "any", no flow direction or state, and flowbits only written. Such
// rules are inspected on the first packet of each flow direction only, and a pass or drop
// from them applies to the whole flow.
func isIPOnly(r *Rule, er *engineRule) bool {
	return (r.SrcPorts.Any && r.DstPorts.Any) && isIPOnlyBarPorts(r, er)
}

// isIPOnlyBarPorts is isIPOnly without the ports: with ports set, Suricata's "like IP-only"
// rules run on every packet, and their actions still apply to the whole flow.
func isIPOnlyBarPorts(r *Rule, er *engineRule) bool {
	if r.App != AppUnknown || len(r.AppLayer) > 0 || len(r.Buffers) > 0 || len(r.AppNumbers) > 0 || len(r.AppEvents) > 0 {
		return false
	}
	if r.Payload != nil || len(r.DecodeEvents) > 0 || len(r.Header) > 0 || r.Flags != nil || r.Frag != nil || r.IPOpt != 0 ||
		r.IPOptAny || r.SameIP || r.Dsize != nil || r.Flow != 0 || r.inspectsPacketState() {
		return false
	}
	return len(er.flowbitTests) == 0 && len(r.Flowints) == 0 && len(r.Xbits) == 0
}

// isPDOnly follows Suricata's SignatureIsPDOnly: a rule whose only test beyond the header and
// the flow keyword is app-layer-protocol (flowbits only written). Such a rule is checked on one
// packet per direction, the first that direction sees once detection concluded on it
// (PacketInput.ProtoDone), not on every packet of the flow.
func isPDOnly(r *Rule, er *engineRule) bool {
	if len(r.AppLayer) == 0 || r.App != AppUnknown || r.isTxRule() {
		return false
	}
	if r.Payload != nil || len(r.DecodeEvents) > 0 || len(r.Header) > 0 || r.Flags != nil || r.Frag != nil || r.IPOpt != 0 ||
		r.IPOptAny || r.SameIP || r.Dsize != nil || r.inspectsPacketState() || len(r.HdrBuffers) > 0 ||
		r.hasFlowKeywords() {
		return false
	}
	return len(er.flowbitTests) == 0 && len(r.Flowints) == 0 && len(r.Xbits) == 0
}

// applyThresholdConfig applies threshold.config: a threshold / event_filter replaces the
// rule's threshold and detection_filter; a suppress without track silences the rule, with
// track it is checked per alert. Entries with sig_id 0 apply to every rule (of gen_id, when
// not 0) that has no threshold of its own.
func applyThresholdConfig(rules []*engineRule, tc *ThresholdConfig) {
	for i := range tc.Entries {
		te := &tc.Entries[i]
		for _, er := range rules {
			r := er.r
			if te.SID != 0 && (r.SID != te.SID || r.GID != te.GID) {
				continue
			}
			if te.SID == 0 && te.GID != 0 && r.GID != te.GID {
				continue
			}
			global := te.SID == 0
			switch {
			case te.Suppress && te.Track == "":
				er.noAlert = true
			case te.Suppress:
				er.suppress = append(er.suppress, te)
			default:
				if global && (r.Threshold != nil || r.DetectionFilter != nil) {
					continue
				}
				er.threshold, er.detFilter = te.Threshold, nil
			}
		}
	}
}
