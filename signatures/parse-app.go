package signatures

import (
	"fmt"
	"strings"
)

// The application-layer side of a rule: sticky buffers, transforms, the protocol the rule
// needs, and the keywords that compare transaction properties.

// detectableApps are the protocols the sensor detects: a rule needing another can never match,
// so it is refused with a reason rather than loaded dead.
var detectableApps = [nAppProtos]bool{
	AppHTTP: true, AppTLS: true, AppDNS: true, AppSSH: true, AppHTTP2: true, AppFailed: true,
	AppSMTP: true, AppFTP: true, AppFTPData: true, AppSMB: true, AppDCERPC: true,
}

// buffer returns the app-layer list called name, creating it in rule order. A list with
// transforms is its own instance: the same buffer named again without them is another list.
func (b *ruleBuilder) buffer(name string) (*Buffer, error) {
	return b.bufferDir(name, 0)
}

// bufferDir is buffer with the direction a transactional rule gave the buffer ("file.data:
// to_client"; 0 when none): the same buffer in another direction is another list.
func (b *ruleBuilder) bufferDir(name string, dir uint8) (*Buffer, error) {
	id, ok := BufferByName(name)
	if !ok {
		return nil, notSupported("buffer %s not supported yet", name)
	}
	for _, x := range b.r.Buffers {
		// Naming a multi-instance buffer again starts another list, each matched against
		// any instance on its own (Suricata 7, bug 5780): "http.request_header; content:A;
		// http.request_header; content:B" wants a field with A and a field with B.
		if x.ID == id && len(x.Transforms) == 0 && x.force == dir && !x.own && !(id.Multi() && len(x.Matchers) > 0) {
			return x, nil
		}
	}
	x := &Buffer{Name: name, ID: id, force: dir}
	b.r.Buffers = append(b.r.Buffers, x)
	return x, nil
}

// sticky makes the app-layer buffer name the current list. val is the optional direction of
// Suricata 8's transactional rules: "to_server" or "to_client", for a buffer that exists in
// both directions.
func (b *ruleBuilder) sticky(name, val string) error {
	var dir uint8
	switch v := strings.TrimSpace(val); v {
	case "":
	case "to_server":
		dir = bufToServer
	case "to_client":
		dir = bufToClient
	default:
		return fmt.Errorf("bad %s direction %q", name, v)
	}
	x, err := b.bufferDir(name, dir)
	if err != nil {
		return err
	}
	if dir != 0 && bufferDefs[x.ID].dir != bufBoth && bufferDefs[x.ID].dir != dir {
		return fmt.Errorf("%s has no %s side", name, strings.TrimSpace(val))
	}
	b.cur, b.transforms = x, false
	return nil
}

// transform appends a transform to the current sticky buffer. Transforms come before the
// buffer's keywords; one after them would change what earlier keywords saw.
func (b *ruleBuilder) transform(name, val string) error {
	if b.cur == nil || b.cur.ID == BufNone {
		return fmt.Errorf("transform %s without an app-layer sticky buffer", name)
	}
	t, err := parseTransform(name, val)
	if err != nil {
		return err
	}
	if len(b.cur.Matchers) > 0 {
		// Suricata starts a new instance of the buffer for the transformed data.
		x := &Buffer{Name: b.cur.Name, ID: b.cur.ID, Transforms: append([]Transform(nil), b.cur.Transforms...)}
		b.r.Buffers = append(b.r.Buffers, x)
		b.cur = x
	}
	b.cur.Transforms = append(b.cur.Transforms, t)
	b.transforms = true
	return nil
}

// appLayerProtocol is app-layer-protocol:[!]name[,mode].
func (b *ruleBuilder) appLayerProtocol(val string) error {
	v := strings.TrimSpace(val)
	neg := strings.HasPrefix(v, "!")
	v = strings.TrimSpace(strings.TrimPrefix(v, "!"))
	mode := AppModeDirection
	if name, m, ok := strings.Cut(v, ","); ok {
		v = strings.TrimSpace(name)
		md, known := appModes[strings.TrimSpace(m)]
		if !known {
			return fmt.Errorf("app-layer-protocol: unknown mode %q", strings.TrimSpace(m))
		}
		mode = md
	}
	p, ok := AppProtoByName(strings.ToLower(v))
	if !ok {
		if v == "unknown" {
			p = AppUnknown
		} else {
			return fmt.Errorf("unknown protocol %q", v)
		}
	}
	if !neg && p != AppUnknown && !detectableApps[p] {
		return notSupported("app-layer protocol %s not supported yet", v)
	}
	// Suricata accepts several (e.g. a protocol and a negated other one); all must hold.
	b.r.AppLayer = append(b.r.AppLayer, AppLayerMatch{Proto: p, Negated: neg, Mode: mode})
	return nil
}

// urilen is urilen:[<>!]N[<>M][,norm|raw]: the length of the normalised (default) or raw
// request URI.
func (b *ruleBuilder) urilen(val string) error {
	v, mode, _ := strings.Cut(val, ",")
	id := NumHTTPURILen
	switch strings.TrimSpace(mode) {
	case "", "norm":
	case "raw":
		id = NumHTTPURIRawLen
	default:
		return fmt.Errorf("bad urilen mode %q", mode)
	}
	u, err := parseUint(v, 65535)
	if err != nil {
		return err
	}
	b.r.AppNumbers = append(b.r.AppNumbers, AppNumberMatch{ID: id, Dir: bufToServer, Cmp: *u})
	return nil
}

// tlsVersions are tls.version's names (Suricata's: the version of the record layer the
// session negotiated).
var tlsVersions = map[string]uint64{
	"2.0": 0x0200, "3.0": 0x0300, "1.0": 0x0301, "1.1": 0x0302, "1.2": 0x0303, "1.3": 0x0304,
	"ssl2": 0x0200, "ssl3": 0x0300, "tls1.0": 0x0301, "tls1.1": 0x0302, "tls1.2": 0x0303, "tls1.3": 0x0304,
}

func (b *ruleBuilder) tlsVersion(val string) error {
	v := strings.ToLower(strings.Trim(strings.TrimSpace(val), `"`))
	n, ok := tlsVersions[v]
	if !ok {
		x, err := parseUint64(v)
		if err != nil || x > 0xffff {
			return fmt.Errorf("bad tls.version %q", val)
		}
		n = x
	}
	b.r.AppNumbers = append(b.r.AppNumbers, AppNumberMatch{ID: NumTLSVersion, Dir: bufBoth, Cmp: UintMatch{Op: '=', A: n}})
	return nil
}

// sslVersionClasses are ssl_version's names, each the class the sensor reports for
// NumSSLVersion (bit positions of the match's mask).
var sslVersionClasses = map[string]uint64{
	"sslv2": SSLClassV2, "sslv3": SSLClassV3, "tls1.0": SSLClassTLS10, "tls1.1": SSLClassTLS11,
	"tls1.2": SSLClassTLS12, "tls1.3": SSLClassTLS13,
}

// sslVersion is ssl_version:[!]v[,v…]: the version of the inspected direction (the hello
// that side sent) is one of the list; a leading "!" negates the whole list, as Suricata
// 7.0.14 reads it ("!tls1.3,tls1.2" is neither 1.3 nor 1.2). A version outside the known
// ones never matches, negated or not.
func (b *ruleBuilder) sslVersion(val string) error {
	v := strings.TrimSpace(val)
	neg := strings.HasPrefix(v, "!")
	v = strings.TrimPrefix(v, "!")
	var mask uint64
	for _, w := range strings.Split(v, ",") {
		c, ok := sslVersionClasses[strings.ToLower(strings.TrimSpace(w))]
		if !ok {
			return fmt.Errorf("bad ssl_version %q", strings.TrimSpace(w))
		}
		if mask&(1<<c) != 0 {
			return fmt.Errorf("ssl_version %q listed twice", strings.TrimSpace(w))
		}
		mask |= 1 << c
	}
	op := byte('m')
	if neg {
		op = 'M'
	}
	b.r.AppNumbers = append(b.r.AppNumbers, AppNumberMatch{ID: NumSSLVersion, Dir: bufBoth, Cmp: UintMatch{Op: op, A: mask}})
	return nil
}

// tlsLegacyString is tls.subject:[!]"text" and tls.issuerdn:[!]"text", Suricata's legacy
// certificate keywords: a case-sensitive substring test of the server leaf's subject or
// issuer, with no modifiers and no escapes. It is a negatable content in a list of its own
// over the tls.cert_subject / tls.cert_issuer buffer, which keeps Suricata's semantics (no
// certificate: no match, negated or not) and leaves the current sticky buffer alone.
func (b *ruleBuilder) tlsLegacyString(name, val string) error {
	v := strings.TrimSpace(val)
	neg := strings.HasPrefix(v, "!")
	v = strings.TrimSpace(strings.TrimPrefix(v, "!"))
	if len(v) < 3 || v[0] != '"' || v[len(v)-1] != '"' {
		return fmt.Errorf("want a quoted string, got %q", val)
	}
	pattern := v[1 : len(v)-1]
	buf := "tls.cert_subject"
	if name == "tls.issuerdn" {
		buf = "tls.cert_issuer"
	}
	id, _ := BufferByName(buf)
	x := &Buffer{Name: buf, ID: id, own: true}
	c := &Content{Pattern: []byte(pattern), Offset: literal(0), Depth: literal(0), Distance: literal(0), Within: literal(0)}
	x.Matchers = append(x.Matchers, Keyword{Kind: MatchContent, Negated: neg, Content: c})
	b.r.Buffers = append(b.r.Buffers, x)
	return nil
}

// numberProto is the protocol whose transactions carry a numeric property.
func numberProto(id NumberID) AppProto {
	switch id {
	case NumTLSVersion, NumSSLVersion:
		return AppTLS
	case NumDNSOpcode, NumDNSRRType, NumDNSRcode:
		return AppDNS
	case NumHTTP2FrameType, NumHTTP2ErrorCode, NumHTTP2Priority, NumHTTP2Window, NumHTTP2SizeUpdate, NumHTTP2Setting:
		return AppHTTP2
	case NumFTPDynamicPort, NumFTPMode, NumFTPReplyReceived, NumFTPBounce:
		return AppFTP
	case NumFTPDataCommand:
		return AppFTPData
	case NumDCERPCOpnum, NumDCERPCLittleEndian:
		return AppDCERPC
	case NumSMBVersion:
		return AppSMB
	}
	return AppHTTP
}

// resolveApp settles the protocol the rule needs and the directions it is inspected in, and
// refuses what cannot match: buffers of two protocols, a buffer of a protocol other than the
// header's, a direction the flow keyword contradicts, a protocol the sensor cannot detect.
func (b *ruleBuilder) resolveApp() error {
	r := b.r
	if r.AppProto != "" {
		p, ok := AppProtoByName(r.AppProto)
		if !ok || !detectableApps[p] {
			return notSupported("app-layer protocol %s not supported yet", r.AppProto)
		}
		r.App = p
		r.HTTP1Only = r.AppProto == "http1"
	}
	setProto := func(p AppProto, what string) error {
		switch {
		case r.App == AppHTTP2 && p == AppHTTP:
			// Generic HTTP keywords read HTTP/2 transactions too (Suricata's AppProtoCommon).
			return nil
		case r.App == AppHTTP && p == AppHTTP2 && !r.HTTP1Only:
			r.App = p
			return nil
		case r.App == AppSMB && p == AppDCERPC:
			// DCERPC keywords in an smb rule read the DCERPC carried over named pipes.
			return nil
		case r.App != AppUnknown && r.App != p:
			return fmt.Errorf("%s is not a %s keyword", what, r.App)
		}
		r.App = p
		return nil
	}
	hasFile := false
	for _, x := range r.Buffers {
		if fileBuffer(x.ID) {
			hasFile = true
			continue
		}
		if err := setProto(x.ID.Proto(), x.Name); err != nil {
			return err
		}
	}
	if hasFile {
		// file.data is the file content of whichever protocol carries files: the rule's, or
		// HTTP when nothing else names one.
		if !filesApps[r.App] {
			if err := setProto(AppHTTP, "file.data"); err != nil {
				return err
			}
		}
		for _, x := range r.Buffers {
			switch {
			case x.ID == BufFileData && r.App == AppSMTP:
				// An SMTP transaction carries a file per attachment: file.data is each of them.
				x.ID = BufFileDataFiles
			case x.ID == BufFileName && r.App == AppFTPData:
				x.ID = BufFTPDataFileName
			case x.ID == BufFileName && r.App != AppSMTP:
				// HTTP's fileinfo names its files, but no buffer carries the names yet.
				return notSupported("%s on %s rules not supported yet", x.Name, r.App)
			}
		}
	}
	var fixed uint8
	for _, x := range r.Buffers {
		x.dir = bufferDefs[x.ID].dir
		if x.force != 0 {
			x.dir = x.force
		}
		if r.Transactional && x.dir == bufBoth {
			return fmt.Errorf("transactional rule (=>) cannot have %s without a direction (to_server or to_client)", x.Name)
		}
		if x.dir != bufBoth {
			fixed |= x.dir
		}
	}
	for _, ev := range r.AppEvents {
		if err := setProto(appEventProto(ev), "app-layer-event:"+ev); err != nil {
			return err
		}
	}
	if len(r.DCE) > 0 {
		if err := setProto(AppDCERPC, "dcerpc.iface/dcerpc.opnum"); err != nil {
			return err
		}
	}
	if !r.isTxRule() {
		if r.Transactional {
			return fmt.Errorf("transactional rule (=>) without app-layer keywords")
		}
		return nil
	}
	for i := range r.AppNumbers {
		if err := setProto(numberProto(r.AppNumbers[i].ID), "the numeric keyword"); err != nil {
			return err
		}
		d := r.AppNumbers[i].Dir
		if r.Transactional && d == bufBoth {
			return fmt.Errorf("transactional rule (=>) cannot have a numeric keyword of both directions")
		}
		if d != bufBoth {
			fixed |= d
		}
	}
	var flowDir uint8
	switch {
	case r.Flow&FlowToServer != 0:
		flowDir = bufToServer
	case r.Flow&FlowToClient != 0:
		flowDir = bufToClient
	}
	switch {
	case r.Transactional:
		// Suricata's SIG_FLAG_TXBOTHDIR: every keyword, of either side, is inspected when
		// the transaction is inspected to the client. It refuses what could not be one
		// request-response pair.
		if flowDir != 0 {
			return fmt.Errorf("transactional rule (=>) cannot specify a flow direction")
		}
		if fixed != bufBoth {
			return fmt.Errorf("transactional rule (=>) should use both directions, but does not")
		}
		r.appDirs = bufToClient
	case fixed == bufBoth:
		// Request and response buffers together: inspected once the response is there,
		// reading the request side from the same transaction.
		r.appDirs = bufToClient
	case fixed != 0:
		r.appDirs = fixed
	case flowDir != 0:
		r.appDirs = flowDir
	default:
		r.appDirs = bufBoth
	}
	// Suricata refuses a rule whose flow direction contradicts a buffer that exists only in
	// the other direction: it could never match.
	if flowDir == bufToServer && fixed&bufToClient != 0 {
		return fmt.Errorf("flow:to_server with a to-client buffer")
	}
	if flowDir == bufToClient && fixed == bufToServer {
		return fmt.Errorf("flow:to_client with a to-server buffer")
	}
	if r.appDirs != bufBoth {
		for _, x := range r.Buffers {
			if x.dir == bufBoth {
				x.dir = r.appDirs
			}
		}
		for i := range r.AppNumbers {
			if r.AppNumbers[i].Dir == bufBoth {
				r.AppNumbers[i].Dir = r.appDirs
			}
		}
	}
	return nil
}
