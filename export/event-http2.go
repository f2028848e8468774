package export

// HTTP2Info is what an HTTP/2 transaction adds to its http object (Suricata 7's
// rust/src/http2/logger.rs layout). Byte fields alias the parser's transaction.
type HTTP2Info struct {
	StreamID uint32
	// RequestHeaders and ResponseHeaders are written when HasRequestHeaders /
	// HasResponseHeaders: the side carried a header block (it may have decoded to nothing).
	RequestHeaders, ResponseHeaders       []HTTPHeaderEntry
	HasRequestHeaders, HasResponseHeaders bool
	Request, Response                     HTTP2Side
}

// HTTPHeaderEntry is one entry of a header list: a field, or an HPACK dynamic table size
// update (IsSizeUpdate), which EVE writes as {"table_size_update": N}.
type HTTPHeaderEntry struct {
	Name, Value  []byte
	SizeUpdate   uint64
	IsSizeUpdate bool
}

// HTTP2Side is the http2.request or http2.response object: the settings, the first error
// code and priority the side sent, and which of those it sent more than one of.
type HTTP2Side struct {
	Settings    []HTTP2Setting
	ErrorCode   string // "" when none
	Priority    int    // -1 when none
	HasMultiple string // "error_code" or "priority"; "" when neither repeated
}

// HTTP2Setting is one SETTINGS parameter with Suricata's name for it.
type HTTP2Setting struct {
	ID    string
	Value uint32
}
