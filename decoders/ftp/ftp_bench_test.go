package ftp

import "testing"

// BenchmarkSession measures the steady state of a control connection: a whole login,
// transfer and listing exchange per iteration, its transactions released as the app layer
// does after logging them. It must not allocate.
func BenchmarkSession(b *testing.B) {
	p := NewParser(Config{})
	var size int64
	for _, m := range session {
		size += int64(len(m.data))
	}
	msgs := make([][]byte, len(session))
	for i, m := range session {
		msgs[i] = []byte(m.data)
	}
	run := func() {
		p.Reset()
		for i, m := range session {
			p.Feed(m.toServer, msgs[i])
			p.TakeDataChannels()
			if txs := p.Txs(); len(txs) > 0 {
				p.ReleaseDone(txs[len(txs)-1].ID)
			}
		}
	}
	run() // warm the pools
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		run()
	}
}

// BenchmarkSplitLines feeds replies cut mid-line, the path through the line buffer.
func BenchmarkSplitLines(b *testing.B) {
	p := NewParser(Config{})
	p.Feed(true, []byte("HELP\r\n"))
	p.Feed(false, []byte("214-The following commands are recognized.\r\n"))
	line := []byte(" USER PASS ACCT CWD CDUP SMNT QUIT REIN PORT PASV TYPE\r\n")
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		p.Feed(false, line[:20])
		p.Feed(false, line[20:])
	}
}
