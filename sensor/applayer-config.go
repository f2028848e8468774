package sensor

import (
	"fmt"

	"github.com/nightjar-ids/nightjar/decoders/http"
	"github.com/nightjar-ids/nightjar/decoders/smtp"
)

// AppLayerConfig is the part of suricata.yaml's app-layer section Nightjar reads: the HTTP
// parser's limits, under libhtp's default-config (per-server personalities are not supported),
// and the ports DNS is detected on; and Nightjar's own memcap.
type AppLayerConfig struct {
	// Memcap bounds the memory of all flows' app-layer state (parsers, detection bytes), shared
	// evenly by the workers; absent or 0: 1 GiB. Suricata has per-protocol memcaps instead
	// (http's is unlimited by default); one bound over every parser is what keeps a sensor's
	// memory flat.
	Memcap    ByteSize `yaml:"memcap"`
	Protocols struct {
		HTTP struct {
			Libhtp struct {
				DefaultConfig HTTPParserConfig `yaml:"default-config"`
			} `yaml:"libhtp"`
		} `yaml:"http"`
		DNS  DNSAppConfig       `yaml:"dns"`
		TLS  EncryptedAppConfig `yaml:"tls"`
		SSH  EncryptedAppConfig `yaml:"ssh"`
		SMTP SMTPAppConfig      `yaml:"smtp"`
		FTP  FTPAppConfig       `yaml:"ftp"`
		SMB  SMBAppConfig       `yaml:"smb"`
	} `yaml:"protocols"`
}

// SMBAppConfig is app-layer.protocols.smb.
type SMBAppConfig struct {
	// StreamDepth is how much of each direction of an SMB session is reassembled, in place of
	// stream.reassembly.depth; 0 (Suricata's default): all of it, as file transfers and
	// DCE/RPC over named pipes run deep into long sessions.
	StreamDepth ByteSize `yaml:"stream-depth"`
}

// SMTPAppConfig is app-layer.protocols.smtp: the MIME decoding of mails. Absent keys keep
// Suricata's shipped values (decode base64 and quoted-printable, extract http URLs without
// their scheme, no body MD5).
type SMTPAppConfig struct {
	MIME struct {
		DecodeBase64 *bool    `yaml:"decode-base64"`
		DecodeQP     *bool    `yaml:"decode-quoted-printable"`
		ExtractURLs  *bool    `yaml:"extract-urls"`
		URLSchemes   []string `yaml:"extract-urls-schemes"`
		LogURLScheme bool     `yaml:"log-url-scheme"`
		BodyMD5      bool     `yaml:"body-md5"`
	} `yaml:"mime"`
}

// smtpConfig is the SMTP parser configuration cfg asks for.
func smtpConfig(cfg *Config) smtp.Config {
	m := &cfg.AppLayer.Protocols.SMTP.MIME
	off := func(b *bool) bool { return b != nil && !*b }
	return smtp.Config{NoDecodeBase64: off(m.DecodeBase64), NoDecodeQP: off(m.DecodeQP), NoExtractURLs: off(m.ExtractURLs),
		URLSchemes: m.URLSchemes, LogURLScheme: m.LogURLScheme, BodyMD5: m.BodyMD5}
}

// EncryptedAppConfig is what to do with a TLS or SSH flow once its session is encrypted
// (Suricata's encryption-handling): "default" (Suricata 8 calls it "track-only") keeps
// parsing and inspecting the protocol's keywords but no longer inspects the payload, which is
// ciphertext; "bypass" stops processing the flow (counted, bypassed like stream.bypass);
// "full" inspects the payload as any other.
type EncryptedAppConfig struct {
	EncryptionHandling string `yaml:"encryption-handling"`
}

// encryptionMode is what to do once a flow is encrypted.
type encryptionMode uint8

const (
	encTrack  encryptionMode = iota // stop payload inspection (Suricata's default)
	encBypass                       // bypass the flow
	encFull                         // keep inspecting everything
)

// mode reads encryption-handling; an unknown value is refused at config load.
func (c EncryptedAppConfig) mode() encryptionMode {
	switch c.EncryptionHandling {
	case "bypass":
		return encBypass
	case "full":
		return encFull
	}
	return encTrack
}

// validate refuses a value Suricata would not take.
func (c EncryptedAppConfig) validate(proto string) error {
	switch c.EncryptionHandling {
	case "", "default", "track-only", "bypass", "full":
		return nil
	}
	return fmt.Errorf("app-layer.protocols.%s.encryption-handling: %q is not default, track-only, bypass or full", proto, c.EncryptionHandling)
}

// HTTPParserConfig are libhtp's per-flow limits. Zero keeps Nightjar's default, which is
// Suricata's (100 KiB bodies, 2 decompression layers).
type HTTPParserConfig struct {
	RequestBodyLimit                 ByteSize `yaml:"request-body-limit"`
	ResponseBodyLimit                ByteSize `yaml:"response-body-limit"`
	ResponseBodyDecompressLayerLimit int      `yaml:"response-body-decompress-layer-limit"`
}

// appMemcap is app-layer.memcap in bytes, for all workers.
func appMemcap(cfg *Config) int {
	if cfg.AppLayer.Memcap <= 0 {
		return appMemcapDefault
	}
	return int(min(cfg.AppLayer.Memcap, 1<<50))
}

// httpConfig is the HTTP parser configuration cfg asks for.
func httpConfig(cfg *Config) http.Config {
	d := &cfg.AppLayer.Protocols.HTTP.Libhtp.DefaultConfig
	return http.Config{
		RequestBodyLimit:     int(min(max(d.RequestBodyLimit, 0), 1<<30)),
		ResponseBodyLimit:    int(min(max(d.ResponseBodyLimit, 0), 1<<30)),
		DecompressLayerLimit: d.ResponseBodyDecompressLayerLimit,
	}
}

// DNSAppConfig says on which server ports DNS is detected. Suricata 8 names one
// detection-ports for both transports; 7 names one per transport (tcp/udp), which wins.
type DNSAppConfig struct {
	DetectionPorts DetectionPorts `yaml:"detection-ports"`
	TCP            struct {
		DetectionPorts DetectionPorts `yaml:"detection-ports"`
	} `yaml:"tcp"`
	UDP struct {
		DetectionPorts DetectionPorts `yaml:"detection-ports"`
	} `yaml:"udp"`
}

// DetectionPorts is an app-layer protocol's detection-ports: dp lists destination ports.
type DetectionPorts struct {
	DP PortList `yaml:"dp"`
}

// Ports are the DNS detection ports of one transport.
func (d *DNSAppConfig) Ports(tcp bool) PortList {
	own := d.UDP.DetectionPorts.DP
	if tcp {
		own = d.TCP.DetectionPorts.DP
	}
	if len(own) > 0 {
		return own
	}
	if len(d.DetectionPorts.DP) > 0 {
		return d.DetectionPorts.DP
	}
	return PortList{53}
}
