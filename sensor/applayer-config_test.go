package sensor

import "testing"

func TestHTTPParserConfig(t *testing.T) {
	const pre = "app-layer.protocols.http.libhtp.default-config."
	cfg, warn, err := LoadConfig("", []string{pre + "response-body-limit=1mb", pre + "request-body-limit=4kb",
		pre + "response-body-decompress-layer-limit=3"})
	if err != nil || len(warn) > 0 {
		t.Fatalf("LoadConfig: %v, warnings %v", err, warn)
	}
	h := httpConfig(&cfg)
	if h.ResponseBodyLimit != 1<<20 || h.RequestBodyLimit != 4<<10 || h.DecompressLayerLimit != 3 {
		t.Errorf("http config %+v", h)
	}
	def, _, _ := LoadConfig("", nil)
	if h := httpConfig(&def); h.ResponseBodyLimit != 0 || h.DecompressLayerLimit != 0 {
		t.Errorf("defaults should be left to the parser (zero), got %+v", h)
	}
}
