package sensor

import "github.com/nightjar-ids/nightjar/decoders/http"

// AppLayerConfig is the part of suricata.yaml's app-layer section Nightjar reads: the HTTP
// parser's limits, under libhtp's default-config (per-server personalities are not supported).
type AppLayerConfig struct {
	Protocols struct {
		HTTP struct {
			Libhtp struct {
				DefaultConfig HTTPParserConfig `yaml:"default-config"`
			} `yaml:"libhtp"`
		} `yaml:"http"`
	} `yaml:"protocols"`
}

// HTTPParserConfig are libhtp's per-flow limits. Zero keeps Nightjar's default, which is
// Suricata's (100 KiB bodies, 2 decompression layers).
type HTTPParserConfig struct {
	RequestBodyLimit                 ByteSize `yaml:"request-body-limit"`
	ResponseBodyLimit                ByteSize `yaml:"response-body-limit"`
	ResponseBodyDecompressLayerLimit int      `yaml:"response-body-decompress-layer-limit"`
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
