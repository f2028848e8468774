package ftp

import "testing"

// FuzzFTP feeds arbitrary bytes to both directions, interleaved in pieces of a fuzzed size:
// the parser must not panic and must keep its lines, replies and transactions within the
// configured limits (nothing is released while a case runs, as when the app layer holds every
// finished transaction).
func FuzzFTP(f *testing.F) {
	var c, s []byte
	for _, m := range session {
		if m.toServer {
			c = append(c, m.data...)
		} else {
			s = append(s, m.data...)
		}
	}
	f.Add(c, s, uint8(7))
	f.Add([]byte("EPSV\r\nSTOR x\r\nEPRT |2|::1|2000|\r\nLIST\r\n"), []byte("229 (|||1234|)\r\n200 ok\r\n150 a\r\n"), uint8(3))
	f.Add([]byte("PASV\nRETR a\nAUTH TLS\n"), []byte("227 Entering Passive Mode (1,2,3,4,5,6)\n211-a\n b\n211 c\n234 go\n"), uint8(1))
	f.Add([]byte("\xff\xf4\xff\xf2ABOR\r\nPORT 1,2,3,4,5\r\n"), []byte("123-x\r\n123 y\r\n"), uint8(2))
	cfg := Config{MaxLineLen: 64, MaxTx: 8, MaxReplyLines: 4, MaxReplyBytes: 128}
	p := NewParser(cfg)
	f.Fuzz(func(t *testing.T, c, s []byte, split uint8) {
		p.Reset()
		n := int(split) + 1
		for len(c) > 0 || len(s) > 0 {
			k := min(n, len(c))
			p.Feed(true, c[:k])
			c = c[k:]
			k = min(n, len(s))
			p.Feed(false, s[:k])
			s = s[k:]
			if split%5 == 0 {
				p.Gap(split%2 == 0, 3)
			}
			for _, ch := range p.TakeDataChannels() {
				if ch.Port == 0 || len(ch.FileName) > cfg.MaxLineLen {
					t.Fatalf("bad data channel %+v", ch)
				}
			}
		}
		// Finished transactions not yet released count against twice MaxTx, open ones
		// against MaxTx.
		if len(p.Txs()) > 2*cfg.MaxTx {
			t.Fatalf("%d live transactions", len(p.Txs()))
		}
		open := 0
		for _, tx := range p.Txs() {
			if !tx.Done {
				open++
			}
			if len(tx.Request()) > cfg.MaxLineLen || tx.NumReplies() > cfg.MaxReplyLines ||
				len(tx.arena)-len(tx.Request()) > cfg.MaxReplyBytes {
				t.Fatalf("limits passed: request %d, %d replies, %d bytes", len(tx.Request()),
					tx.NumReplies(), len(tx.arena))
			}
		}
		if open > cfg.MaxTx {
			t.Fatalf("%d open transactions", open)
		}
		if len(p.half[0].buf) > cfg.MaxLineLen || len(p.half[1].buf) > cfg.MaxLineLen {
			t.Fatalf("line buffers %d %d", len(p.half[0].buf), len(p.half[1].buf))
		}
		p.ReleaseDone(^uint64(0))
	})
}
