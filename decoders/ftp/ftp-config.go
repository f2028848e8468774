package ftp

// Config bounds what one flow may cost. Zero fields take the defaults.
type Config struct {
	// MaxLineLen is the longest line kept (Suricata's app-layer.protocols.ftp.max-line-length,
	// 4096): a longer one is cut there and its transaction marked truncated.
	MaxLineLen int
	// MaxTx caps the live transactions of a flow (Suricata's app-layer.protocols.ftp.max-tx,
	// 1024).
	MaxTx int
	// MaxReplyLines and MaxReplyBytes cap the reply lines and their bytes kept per transaction
	// (512 lines, 64 KiB): a server that answers one command with an endless multi-line reply
	// costs no more than that; the lines past it are counted, not stored.
	MaxReplyLines, MaxReplyBytes int
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
	def(&c.MaxLineLen, 4096)
	def(&c.MaxTx, 1024)
	def(&c.MaxReplyLines, 512)
	def(&c.MaxReplyBytes, 64<<10)
}
