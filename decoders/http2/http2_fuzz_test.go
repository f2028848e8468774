package http2

import "testing"

// FuzzHTTP2 feeds arbitrary bytes to both directions, split at a fuzzed point: the parser must
// not panic, and must keep its stored headers and bodies within the configured limits.
func FuzzHTTP2(f *testing.F) {
	client, server := conversation()
	f.Add(client, server, uint8(7))
	f.Add([]byte(Preface), []byte{0, 0, 0, 4, 0, 0, 0, 0, 0}, uint8(1))
	f.Add(append([]byte(Preface), frame(FrameHeaders, FlagPadded|FlagPriority, 1, []byte{200, 1})...), []byte{}, uint8(3))
	f.Add(append([]byte(Preface), frame(FrameContinuation, FlagEndHeaders, 5, []byte{0x82})...), frame(FramePushPromise, FlagEndHeaders, 1, []byte{0, 0, 0, 2, 0x82}), uint8(2))
	cfg := Config{MaxHeaders: 16, MaxHeaderBytes: 512, RequestBodyLimit: 64, ResponseBodyLimit: 64, MaxStreams: 8}
	p := NewParser(cfg)
	f.Fuzz(func(t *testing.T, c, s []byte, split uint8) {
		p.Reset()
		n := int(split) + 1
		feedSplit(p, true, c, n)
		feedSplit(p, false, s, n)
		if len(p.Txs()) > 8 {
			t.Fatalf("%d live transactions", len(p.Txs()))
		}
		for _, tx := range p.Txs() {
			for d := range tx.Side {
				if len(tx.Side[d].Headers) > 16 || len(tx.Side[d].Body) > 64 {
					t.Fatalf("limits passed: %d headers, %d body bytes", len(tx.Side[d].Headers), len(tx.Side[d].Body))
				}
			}
		}
	})
}
