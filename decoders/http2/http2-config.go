package http2

// Config bounds what one flow may cost. Zero fields take the defaults, chosen like the HTTP/1
// parser's (decoders/http Config) where the two protocols share the notion.
type Config struct {
	// RequestBodyLimit and ResponseBodyLimit cap the body bytes stored per transaction for
	// inspection (100 KiB, as HTTP/1's request-body-limit and response-body-limit).
	RequestBodyLimit, ResponseBodyLimit int
	// MaxHeaderBytes caps the decoded header names and values stored per message (64 KiB);
	// fields past it are decoded (the HPACK state must follow) but not kept.
	MaxHeaderBytes int
	// MaxHeaders caps the fields stored per message (1024, libhtp's header limit).
	MaxHeaders int
	// MaxFieldLen is the longest HPACK string accepted (64 KiB): past it the block is
	// undecodable (http2.invalid_header), which bounds the decoder's buffer.
	MaxFieldLen int
	// MaxStreams caps the live transactions of a flow (Suricata's http2 max-streams, 4096);
	// past it the oldest finished one, else the oldest, is dropped (http2.too_many_streams).
	MaxStreams int
	// MaxTableSize caps the HPACK dynamic table a peer may ask for (Suricata's 65536).
	MaxTableSize uint32
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	var c Config
	c.fill()
	return c
}

func (c *Config) fill() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.RequestBodyLimit, 100<<10)
	def(&c.ResponseBodyLimit, 100<<10)
	def(&c.MaxHeaderBytes, 64<<10)
	def(&c.MaxHeaders, 1024)
	def(&c.MaxFieldLen, 64<<10)
	def(&c.MaxStreams, 4096)
	if c.MaxTableSize == 0 {
		c.MaxTableSize = 65536
	}
}
