package smtp

// Config bounds what one flow may cost and selects the MIME decoding Suricata's
// app-layer.protocols.smtp.mime section selects. Zero fields take the defaults, which are
// those of Suricata's shipped suricata.yaml (decode base64 and quoted-printable, extract
// http:// URLs without their scheme, no body MD5).
type Config struct {
	// MaxLine is the longest line buffered (Suricata's SMTP_LINE_BUFFER_LIMIT, 4096): a
	// command or reply line longer is cut there (smtp.truncated_line) and the rest of it
	// discarded; a message line longer is handed on in pieces of this size.
	MaxLine int
	// NoDecodeBase64 and NoDecodeQP turn off the decoding of those transfer encodings:
	// attachments so encoded then yield no file data.
	NoDecodeBase64, NoDecodeQP bool
	// NoExtractURLs turns off URL extraction; URLSchemes are the schemes looked for
	// ("http" when empty), each followed by "://"; LogURLScheme keeps the scheme in the URL.
	NoExtractURLs bool
	URLSchemes    []string
	LogURLScheme  bool
	// BodyMD5 computes the MD5 of the message body (Suricata's body-md5, off by default).
	BodyMD5 bool
	// FileDataLimit caps the bytes of each attachment stored for inspection (Suricata's
	// content-limit, 100000); past it the file is still counted (Size) but not stored.
	// TxFileDataLimit caps what all the attachments of a transaction store (1 MiB).
	FileDataLimit, TxFileDataLimit int
	// MaxTxs caps the live transactions of a flow (256): past it the oldest is dropped.
	MaxTxs int
	// MaxArena caps the bytes a transaction stores for its envelope, header values,
	// attachment names and URLs (64 KiB); what does not fit is dropped.
	MaxArena int
	// MaxHeaders caps the message headers kept per transaction (256) and MaxURLs the URLs
	// (256), MaxFiles the attachments (64), MaxRcpt the recipients (1024).
	MaxHeaders, MaxURLs, MaxFiles, MaxRcpt int
	// MaxPending caps the commands waiting for their reply (4096, pipelining): past it
	// new commands are not queued and their replies go unmatched.
	MaxPending int
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
	def(&c.MaxLine, 4096)
	def(&c.FileDataLimit, 100000)
	def(&c.TxFileDataLimit, 1<<20)
	def(&c.MaxTxs, 256)
	def(&c.MaxArena, 64<<10)
	def(&c.MaxHeaders, 256)
	def(&c.MaxURLs, 256)
	def(&c.MaxFiles, 64)
	def(&c.MaxRcpt, 1024)
	def(&c.MaxPending, 4096)
	if len(c.URLSchemes) == 0 {
		c.URLSchemes = []string{"http"}
	}
}
