package http

// Config bounds what one flow may cost. Zero fields take the defaults below, which follow
// Suricata 7's suricata.yaml (libhtp default-config) where it has the setting.
type Config struct {
	// RequestBodyLimit caps the stored request body (request-body-limit, 100 KiB).
	RequestBodyLimit int
	// ResponseBodyLimit caps the stored, decompressed response body (response-body-limit, 100 KiB).
	ResponseBodyLimit int
	// CompressedBodyLimit caps the compressed bytes buffered per body before they are
	// decompressed (Nightjar's own; 1 MiB).
	CompressedBodyLimit int
	// DecompressLayerLimit is how many stacked Content-Encodings are undone
	// (response-body-decompress-layer-limit, 2).
	DecompressLayerLimit int
	// BombLimit and BombRatio: decompression stops with http.compression_bomb once the output
	// passes BombLimit bytes at more than BombRatio times the input (libhtp: 1 MiB, 2048).
	BombLimit int
	BombRatio int
	// FieldLimit caps one request/response/header line (libhtp's hard field limit, 18000).
	FieldLimit int
	// MaxHeaders caps the header lines of one message (libhtp: 1024).
	MaxHeaders int
	// MaxHeaderRepetitions caps repeats of one header name (libhtp: 64).
	MaxHeaderRepetitions int
	// MaxTx caps the live transactions of a flow (pipelined requests not yet answered or not
	// yet released); beyond it the oldest finished-or-abandoned one is evicted (512).
	MaxTx int
	// ConnectBuffer caps request bytes held while a CONNECT waits for its answer (64 KiB).
	ConnectBuffer int
	// NoRequestDecompress turns off request-body decompression (Suricata 7 decompresses).
	NoRequestDecompress bool
	// NoResponseDecompress turns off response-body decompression.
	NoResponseDecompress bool
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
	def(&c.CompressedBodyLimit, 1<<20)
	def(&c.DecompressLayerLimit, 2)
	def(&c.BombLimit, 1<<20)
	def(&c.BombRatio, 2048)
	def(&c.FieldLimit, 18000)
	def(&c.MaxHeaders, 1024)
	def(&c.MaxHeaderRepetitions, 64)
	def(&c.MaxTx, 512)
	def(&c.ConnectBuffer, 64<<10)
}
