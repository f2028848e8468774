package smtp

import "testing"

// FuzzSMTP feeds arbitrary bytes to both directions, in pieces of a fuzzed size and
// interleaved: the parser must not panic and must keep within its configured limits.
func FuzzSMTP(f *testing.F) {
	client, server := conversation()
	f.Add([]byte(client), []byte(server), uint8(7))
	f.Add([]byte("EHLO a\r\nBDAT 5 LAST\r\nab\r\ncdRSET\r\nBDAT 0 LAST\r\n"), []byte("220 a\r\n250-PIPELINING\r\n250 x\r\n"), uint8(3))
	f.Add([]byte("DATA\r\nContent-Type: multipart/x; boundary=b\r\n\r\n--b\r\nContent-Type: a; name*0=x; name*1=\"y\r\n"+
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n=4=\r\n--b--\r\n.\r\n"), []byte("220 a\r\n354 go\r\n"), uint8(1))
	cfg := Config{MaxLine: 64, MaxTxs: 4, MaxArena: 256, MaxHeaders: 4, MaxURLs: 4, MaxFiles: 2, MaxRcpt: 4,
		MaxPending: 8, FileDataLimit: 32, TxFileDataLimit: 48, BodyMD5: true}
	p := NewParser(cfg)
	f.Fuzz(func(t *testing.T, c, s []byte, split uint8) {
		p.Reset()
		n := int(split) + 1
		for len(c) > 0 || len(s) > 0 {
			k := min(n, len(s))
			p.Feed(false, s[:k])
			s = s[k:]
			k = min(n, len(c))
			p.Feed(true, c[:k])
			c = c[k:]
		}
		p.Finish()
		if len(p.Txs()) > 4 || len(p.pending) > 8 || len(p.lines[0].buf) > 64 || len(p.lines[1].buf) > 64 {
			t.Fatalf("limits passed: %d txs, %d pending", len(p.Txs()), len(p.pending))
		}
		for _, tx := range p.Txs() {
			stored := 0
			for _, fl := range tx.Files() {
				stored += len(fl.Data)
			}
			if stored > 48 {
				t.Fatalf("files store %d bytes", stored)
			}
			if len(tx.arena) > 256 || tx.NumHeaders() > 4 || tx.NumURLs() > 4 || len(tx.Files()) > 2 || tx.NumRcpt() > 4 {
				t.Fatalf("tx limits passed: arena %d", len(tx.arena))
			}
			for _, fl := range tx.Files() {
				if len(fl.Data) > 32 || uint64(len(fl.Data)) > fl.Size || fl.State == FileOpen {
					t.Fatalf("file %d/%d state %d", len(fl.Data), fl.Size, fl.State)
				}
			}
		}
	})
}
