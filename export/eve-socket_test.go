package export

import (
	"bufio"
	"encoding/json"
	"net"
	"path/filepath"
	"testing"
	"time"
)

func socketLine(id uint64) []byte {
	r := sampleTCPFlow()
	r.FlowID = id
	return AppendFlowJSON(nil, r)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// unix_stream: lines arrive whole and in order; while the listener is gone they are dropped and
// counted, never blocking Write; once it is back the writer reconnects.
func TestEVESocketStream(t *testing.T) {
	path := filepath.Join(t.TempDir(), "eve.sock")
	lis, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan uint64, 1000)
	conns := make(chan net.Conn, 10)
	serve := func(lis *net.UnixListener) {
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			conns <- c
			go func() {
				defer c.Close()
				sc := bufio.NewScanner(c)
				sc.Buffer(nil, 1<<20)
				for sc.Scan() {
					var ev struct {
						FlowID uint64 `json:"flow_id"`
					}
					if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
						t.Errorf("broken line %q", sc.Text())
						return
					}
					got <- ev.FlowID
				}
			}()
		}
	}
	go serve(lis)
	w, err := OpenEVESocketWriter(EVESocketOptions{Path: path, MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var buf []byte
	for i := uint64(1); i <= 10; i++ {
		buf = append(buf, socketLine(i)...)
	}
	w.Write(buf)
	for i := uint64(1); i <= 10; i++ {
		if id := <-got; id != i {
			t.Fatalf("line %d arrived as flow %d", i, id)
		}
	}

	// The listener goes away: writes neither block nor fail, and the lines are counted dropped.
	lis.Close()
	(<-conns).Close()
	waitFor(t, "the writer to notice the closed socket", func() bool {
		w.Write(socketLine(99))
		st, _ := w.SocketStats()
		return st.Dropped > 0
	})
	start := time.Now()
	for i := 0; i < 1000; i++ {
		if _, err := w.Write(socketLine(100)); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("writes to a gone socket took %v", d)
	}

	// It comes back: the writer reconnects and lines flow again.
	lis2, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer lis2.Close()
	go serve(lis2)
	waitFor(t, "reconnection", func() bool { st, _ := w.SocketStats(); return st.Reconnects > 0 })
	w.Write(socketLine(500))
	for id := range got {
		if id == 500 {
			break
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	st, _ := w.SocketStats()
	if st.Sent < 11 || st.Dropped < 1000 || st.Reconnects != 1 {
		t.Errorf("stats %+v: want at least 11 sent, 1000 dropped, 1 reconnect", st)
	}
	if _, err := w.Write(socketLine(1)); err == nil {
		t.Error("Write after Close succeeded")
	}
}

// unix_dgram: one datagram per line; with no listener at open, lines are dropped until it appears.
func TestEVESocketDatagram(t *testing.T) {
	path := filepath.Join(t.TempDir(), "eve.sock")
	w, err := OpenEVESocketWriter(EVESocketOptions{Path: path, Datagram: true, MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.Write(socketLine(1))
	if st, _ := w.SocketStats(); st.Dropped != 1 || st.Sent != 0 {
		t.Fatalf("with no listener: %+v, want one line dropped", st)
	}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	waitFor(t, "connection", func() bool { st, _ := w.SocketStats(); return st.Reconnects > 0 })
	var buf []byte
	for i := uint64(1); i <= 5; i++ {
		buf = append(buf, socketLine(i)...)
	}
	w.Write(buf)
	pkt := make([]byte, 64<<10)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for i := uint64(1); i <= 5; i++ {
		n, err := conn.Read(pkt)
		if err != nil {
			t.Fatal(err)
		}
		want := socketLine(i)
		if string(pkt[:n]) != string(want) {
			t.Fatalf("datagram %d = %q, want exactly one line %q", i, pkt[:n], want)
		}
	}
	waitFor(t, "sent count", func() bool { st, _ := w.SocketStats(); return st.Sent == 5 })
}
