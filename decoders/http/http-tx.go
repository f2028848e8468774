package http

import "bytes"

// Header is one header field as libhtp keeps it: repeated names are merged into the first
// occurrence (values joined with ", "; a repeated Content-Length is kept once), in the order
// names first appeared. Name keeps its case.
type Header struct {
	Name  []byte
	Value []byte
}

// Version is a parsed protocol string.
type Version uint8

// Versions, as libhtp distinguishes them.
const (
	VersionUnknown Version = iota // no protocol on the line
	VersionInvalid                // something other than HTTP/0.9, 1.0, 1.1
	Version09
	Version10
	Version11
)

// Tx is one request/response pair. Byte slices are valid until the Tx is released
// (Parser.ReleaseDone, Reset); they are never appended to by the parser after being handed out.
type Tx struct {
	ID uint64 // tx_id

	// Request. Comments name the EVE http field or the sticky buffer.
	RequestLine    []byte  // http.request_line (line without CRLF)
	Method         []byte  // http.method; EVE http_method
	URIRaw         []byte  // http.uri.raw; EVE url
	URI            []byte  // http.uri (normalised, see NormalizeURI)
	URIPath        []byte  // URI's path alone (libhtp's parsed_uri->path); nil without a parsed URI
	Protocol       []byte  // http.protocol (to_server); EVE protocol
	ProtoVersion   Version // parsed Protocol
	Host           []byte  // http.host: lowercase, port stripped; EVE hostname
	HostRaw        []byte  // http.host.raw: URI authority host, else the Host header value
	Port           int     // EVE http_port; -1 when neither URI nor Host gave a valid port
	RequestHeaders []Header
	RequestBody    []byte // http.request_body: dechunked, decompressed, capped
	RequestBodyLen int64  // request message-body bytes after dechunking (before decompression)
	RequestBodyCut bool   // RequestBody stopped at RequestBodyLimit or a gap
	RequestFile    BodyFile
	Is09           bool // HTTP/0.9 request: no headers, response is raw body
	// RequestHeadersDone: the request line and headers are parsed (the body may follow).
	RequestHeadersDone bool
	RequestComplete    bool

	// Response.
	ResponseLine     []byte  // http.response_line
	ResponseProtocol []byte  // http.protocol (to_client)
	ResponseVersion  Version // parsed ResponseProtocol
	StatusCode       []byte  // http.stat_code
	Status           int     // EVE status; 0 when absent or invalid
	StatusMsg        []byte  // http.stat_msg
	ResponseHeaders  []Header
	ResponseBody     []byte // http.response_body, file.data: dechunked, decompressed, capped
	ResponseBodyLen  int64  // EVE length: response message-body bytes after dechunking
	ResponseBodyCut  bool
	ResponseFile     BodyFile
	ResponseStarted  bool
	// ResponseHeadersDone: the final (non-1xx) status line and headers are parsed.
	ResponseHeadersDone bool
	ResponseComplete    bool
	Tunnel              bool // CONNECT accepted or 101: what follows is not HTTP

	Events EventSet // app-layer events raised on this transaction

	reqRaw, respRaw []byte // http.header.raw per direction
	arena           []byte // backing store of the slices above
	built           [2]builtBufs
	seen100         bool
	reqDirty        bool
	respDirty       bool
}

// BodyFile is what Suricata's file tracking records of a body besides its bytes (EVE fileinfo;
// the file's data is the stored body, which has the same limit).
type BodyFile struct {
	Gaps bool // a stream gap fell inside the body
	// GapBytes is how much of the body the gaps took: Suricata counts them in the file's size.
	GapBytes int64
	// Truncated: the file was closed early: body data came after the body limit was reached,
	// or the stream ended or lost framing before the body did.
	Truncated bool
}

type builtBufs struct {
	ok     bool
	header []byte
	names  []byte
	start  []byte
}

func (t *Tx) reset() {
	arena, reqRaw, respRaw := t.arena[:0], t.reqRaw[:0], t.respRaw[:0]
	rh, sh := t.RequestHeaders[:0], t.ResponseHeaders[:0]
	rb, sb := t.RequestBody[:0], t.ResponseBody[:0]
	b0, b1 := t.built[0], t.built[1]
	*t = Tx{Port: -1}
	t.arena, t.reqRaw, t.respRaw = arena, reqRaw, respRaw
	t.RequestHeaders, t.ResponseHeaders = rh, sh
	t.RequestBody, t.ResponseBody = rb, sb
	t.built[0] = builtBufs{header: b0.header[:0], names: b0.names[:0], start: b0.start[:0]}
	t.built[1] = builtBufs{header: b1.header[:0], names: b1.names[:0], start: b1.start[:0]}
}

// keep copies b into the arena. The result is capacity-limited so a caller's append can never
// write into bytes another field uses; earlier slices stay valid if the arena grows.
func (t *Tx) keep(b []byte) []byte {
	start := len(t.arena)
	t.arena = append(t.arena, b...)
	return t.arena[start:len(t.arena):len(t.arena)]
}

// Done reports whether both sides are finished (or the response can no longer come).
func (t *Tx) Done() bool { return t.RequestComplete && t.ResponseComplete }

// headerLookup finds a header by case-insensitive name.
func headerLookup(hs []Header, name string) []byte {
	for i := range hs {
		if equalFold(hs[i].Name, name) {
			return hs[i].Value
		}
	}
	return nil
}

// framingHeader finds a header the way libhtp looks up those that decide framing: the name
// compared ignoring case and any NUL bytes in it. ok tells a present but empty value apart.
func framingHeader(hs []Header, name string) (value []byte, ok bool) {
	for i := range hs {
		if equalFoldNZ(hs[i].Name, name) {
			return hs[i].Value, true
		}
	}
	return nil, false
}

// equalFoldNZ reports whether b, ignoring its NUL bytes, equals s ignoring case.
func equalFoldNZ(b []byte, s string) bool {
	if len(b) <= len(s) || bytes.IndexByte(b, 0) < 0 {
		return equalFold(b, s) // the usual case: no NUL to skip
	}
	n, ok := matchFoldNZ(b, s)
	if !ok {
		return false
	}
	for _, c := range b[n:] {
		if c != 0 {
			return false
		}
	}
	return true
}

// matchFoldNZ matches s (ignoring case) against the start of b, skipping NUL bytes in b; n is
// how much of b the match used.
func matchFoldNZ(b []byte, s string) (n int, ok bool) {
	j := 0
	for j < len(s) {
		for n < len(b) && b[n] == 0 {
			n++
		}
		if n == len(b) || lower(b[n]) != lower(s[j]) {
			return n, false
		}
		n++
		j++
	}
	return n, true
}

// containsFoldNZ reports whether s occurs in b ignoring case and NUL bytes in b.
func containsFoldNZ(b []byte, s string) bool {
	for i := range b {
		if b[i] == 0 {
			continue
		}
		if _, ok := matchFoldNZ(b[i:], s); ok {
			return true
		}
	}
	return false
}

// RequestHeader returns the (merged) value of a request header, nil when absent.
func (t *Tx) RequestHeader(name string) []byte { return headerLookup(t.RequestHeaders, name) }

// ResponseHeader returns the (merged) value of a response header, nil when absent.
func (t *Tx) ResponseHeader(name string) []byte { return headerLookup(t.ResponseHeaders, name) }

// Named header accessors: each is the sticky buffer of the same name.

func (t *Tx) UserAgent() []byte      { return t.RequestHeader("User-Agent") }      // http.user_agent
func (t *Tx) Cookie() []byte         { return t.RequestHeader("Cookie") }          // http.cookie (to_server)
func (t *Tx) SetCookie() []byte      { return t.ResponseHeader("Set-Cookie") }     // http.cookie (to_client)
func (t *Tx) Referer() []byte        { return t.RequestHeader("Referer") }         // http.referer
func (t *Tx) Accept() []byte         { return t.RequestHeader("Accept") }          // http.accept
func (t *Tx) AcceptEncoding() []byte { return t.RequestHeader("Accept-Encoding") } // http.accept_enc
func (t *Tx) AcceptLanguage() []byte { return t.RequestHeader("Accept-Language") } // http.accept_lang
func (t *Tx) Connection() []byte     { return t.RequestHeader("Connection") }      // http.connection
func (t *Tx) Location() []byte       { return t.ResponseHeader("Location") }       // http.location
func (t *Tx) Server() []byte         { return t.ResponseHeader("Server") }         // http.server

// ContentType is http.content_type for one direction.
func (t *Tx) ContentType(toServer bool) []byte {
	if toServer {
		return t.RequestHeader("Content-Type")
	}
	return t.ResponseHeader("Content-Type")
}

// ContentLength is http.content_len for one direction (the header value as sent).
func (t *Tx) ContentLength(toServer bool) []byte {
	if toServer {
		return t.RequestHeader("Content-Length")
	}
	return t.ResponseHeader("Content-Length")
}

// ProtocolBuf is http.protocol for one direction.
func (t *Tx) ProtocolBuf(toServer bool) []byte {
	if toServer {
		return t.Protocol
	}
	return t.ResponseProtocol
}

// HeaderRaw is http.header.raw: the header lines exactly as received, including the blank
// line that ends them (and any trailer lines), without the start line.
func (t *Tx) HeaderRaw(toServer bool) []byte {
	if toServer {
		return t.reqRaw
	}
	return t.respRaw
}

// FileData is file.data for HTTP: the response body as inspected (to_client), or the
// request body (to_server).
func (t *Tx) FileData(toServer bool) []byte {
	if toServer {
		return t.RequestBody
	}
	return t.ResponseBody
}

// Header is http.header: every header "Name: Value\r\n" in libhtp's merged order, without the
// start line, without Cookie (to_server) or Set-Cookie (to_client), and without a final CRLF —
// exactly as Suricata 7 builds it.
func (t *Tx) Header(toServer bool) []byte { return t.buffers(toServer).header }

// HeaderNames is http.header_names: "\r\n" then each name followed by "\r\n", then "\r\n".
func (t *Tx) HeaderNames(toServer bool) []byte { return t.buffers(toServer).names }

// Start is http.start: the start line, "\r\n", every header "Name: Value\r\n" (cookies
// included) and the terminating "\r\n".
func (t *Tx) Start(toServer bool) []byte { return t.buffers(toServer).start }

func (t *Tx) buffers(toServer bool) *builtBufs {
	i, hs, line, dirty := 1, t.ResponseHeaders, t.ResponseLine, &t.respDirty
	skip := "Set-Cookie"
	if toServer {
		i, hs, line, dirty, skip = 0, t.RequestHeaders, t.RequestLine, &t.reqDirty, "Cookie"
	}
	b := &t.built[i]
	if b.ok && !*dirty {
		return b
	}
	b.header, b.names, b.start = b.header[:0], b.names[:0], b.start[:0]
	if line != nil {
		b.start = append(append(b.start, line...), '\r', '\n')
	}
	if len(hs) > 0 {
		b.names = append(b.names, '\r', '\n')
	}
	for _, h := range hs {
		b.names = append(append(b.names, h.Name...), '\r', '\n')
		b.start = appendField(b.start, h)
		if !equalFold(h.Name, skip) {
			b.header = appendField(b.header, h)
		}
	}
	if len(hs) > 0 {
		b.names = append(b.names, '\r', '\n')
		b.start = append(b.start, '\r', '\n')
	}
	b.ok, *dirty = true, false
	return b
}

func appendField(dst []byte, h Header) []byte {
	dst = append(dst, h.Name...)
	dst = append(dst, ':', ' ')
	dst = append(dst, h.Value...)
	return append(dst, '\r', '\n')
}

// EVE is what Suricata 7 writes in an EVE "http" object by default; the field comments give
// the JSON names. Absent fields are nil / 0 / -1 and are omitted by the writer.
type EVE struct {
	Hostname    []byte // hostname
	Port        int    // http_port (-1: absent)
	URL         []byte // url
	UserAgent   []byte // http_user_agent
	ContentType []byte // http_content_type (response Content-Type up to the first ';')
	Refer       []byte // http_refer
	Method      []byte // http_method
	Protocol    []byte // protocol
	Status      int    // status (0: absent)
	// StatusString is the status code as it came when it is not a number (Suricata 8's
	// status_string); nil otherwise.
	StatusString []byte
	Redirect     []byte // redirect (response Location)
	Length       int64  // length (response body bytes after dechunking)
}

// FillEVE fills e without allocating.
func (t *Tx) FillEVE(e *EVE) {
	ct := t.ResponseHeader("Content-Type")
	for i, c := range ct {
		if c == ';' {
			ct = ct[:i]
			break
		}
	}
	*e = EVE{
		Hostname: t.Host, Port: t.Port, URL: t.URIRaw, UserAgent: t.UserAgent(),
		ContentType: ct, Refer: t.Referer(), Method: t.Method, Protocol: t.Protocol,
		Status: t.Status, Redirect: t.Location(), Length: t.ResponseBodyLen,
	}
	if t.Status == 0 && len(t.StatusCode) > 0 {
		e.StatusString = t.StatusCode
	}
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if lower(b[i]) != lower(s[i]) {
			return false
		}
	}
	return true
}

// containsFold reports whether s (lowercase) occurs in b ignoring case.
func containsFold(b []byte, s string) bool {
	for i := 0; i+len(s) <= len(b); i++ {
		if equalFold(b[i:i+len(s)], s) {
			return true
		}
	}
	return false
}
