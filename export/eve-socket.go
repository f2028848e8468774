package export

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"sync"
	"syscall"
	"time"
)

// EVESocketOptions configures an EVE output to a unix socket: Suricata's eve-log filetype
// unix_stream (lines on a SOCK_STREAM connection) or unix_dgram (one datagram per line).
type EVESocketOptions struct {
	Path     string // the listener's socket path
	Datagram bool   // unix_dgram: one line per datagram, newline included
	// QueueBytes bounds the lines waiting for the socket; past it they are dropped. Default 4 MiB.
	QueueBytes int
	// MinBackoff and MaxBackoff bound the wait between connection attempts, which doubles after
	// each failure. Defaults 100 ms and 5 s.
	MinBackoff, MaxBackoff time.Duration
	// DrainTimeout is how long Close waits for queued lines to reach the socket. Default 2 s.
	DrainTimeout time.Duration
}

// Defaults for EVESocketOptions.
const (
	DefaultEVESocketQueue      = 4 << 20
	DefaultEVESocketMinBackoff = 100 * time.Millisecond
	DefaultEVESocketMaxBackoff = 5 * time.Second
	DefaultEVESocketDrain      = 2 * time.Second
)

// EVESocketStats counts what a socket output did with the lines it was given.
type EVESocketStats struct {
	Sent       uint64 // lines written to the socket
	Dropped    uint64 // lines dropped: socket gone, queue full, or a datagram too large
	Reconnects uint64 // connections made after the first
}

// OpenEVESocketWriter makes an EVE writer that sends lines to the unix socket o.Path. Workers
// are never held up by the socket: Write copies the lines into a bounded queue that a goroutine
// sends; while the socket is absent or too slow, lines are dropped and counted (SocketStats), and
// the goroutine reconnects with exponential backoff. A listener that is not there yet is no error:
// the first attempt is made before returning, so lines written right after open are not lost to a
// listener that was already up.
func OpenEVESocketWriter(o EVESocketOptions) (*EVEWriter, error) {
	if o.Path == "" {
		return nil, errors.New("export: eve socket output: no path")
	}
	if o.QueueBytes <= 0 {
		o.QueueBytes = DefaultEVESocketQueue
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = DefaultEVESocketMinBackoff
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(DefaultEVESocketMaxBackoff, o.MinBackoff)
	}
	if o.DrainTimeout <= 0 {
		o.DrainTimeout = DefaultEVESocketDrain
	}
	s := &eveSocket{o: o, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	s.connect(true)
	go s.run()
	return &EVEWriter{sock: s}, nil
}

// SocketStats reports the socket counters; ok is false for a file or io.Writer output.
func (w *EVEWriter) SocketStats() (st EVESocketStats, ok bool) {
	if w.sock == nil {
		return st, false
	}
	w.sock.mu.Lock()
	defer w.sock.mu.Unlock()
	return w.sock.stats, true
}

// eveSocket is the queue and the sending goroutine behind a socket EVEWriter.
type eveSocket struct {
	o    EVESocketOptions
	wake chan struct{} // lines were queued
	stop chan struct{} // closed by close: drain, then exit
	done chan struct{} // closed when the goroutine has exited

	mu      sync.Mutex
	conn    *net.UnixConn // nil while disconnected; written only by the goroutine (and connect at open)
	queue   [][]byte
	queued  int
	free    [][]byte // chunks already sent, reused so that a steady stream allocates nothing
	stats   EVESocketStats
	stopped bool
}

// enqueue copies lines into the queue, or drops and counts them when the socket is gone or the
// queue is full. The caller (EVEWriter.Write) holds the writer's lock, not s.mu.
func (s *eveSocket) enqueue(lines []byte) {
	if len(lines) == 0 {
		return
	}
	s.mu.Lock()
	if s.conn == nil || s.stopped || s.queued+len(lines) > s.o.QueueBytes {
		s.stats.Dropped += countLines(lines)
		s.mu.Unlock()
		return
	}
	var c []byte
	if n := len(s.free); n > 0 {
		c, s.free = s.free[n-1][:0], s.free[:n-1]
	}
	c = append(c, lines...)
	s.queue = append(s.queue, c)
	s.queued += len(c)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// countLines counts the lines in b, a final line without its newline included.
func countLines(b []byte) uint64 {
	n := uint64(bytes.Count(b, []byte{'\n'}))
	if len(b) > 0 && b[len(b)-1] != '\n' {
		n++
	}
	return n
}

// connect dials the socket once; it reports whether a connection is up.
func (s *eveSocket) connect(first bool) bool {
	network := "unix"
	if s.o.Datagram {
		network = "unixgram"
	}
	c, err := net.DialUnix(network, nil, &net.UnixAddr{Name: s.o.Path, Net: network})
	if err != nil {
		return false
	}
	s.mu.Lock()
	s.conn = c
	if !first {
		s.stats.Reconnects++
	}
	s.mu.Unlock()
	return true
}

// run sends queued chunks until close, reconnecting with backoff whenever the socket goes away.
func (s *eveSocket) run() {
	defer close(s.done)
	backoff := s.o.MinBackoff
	var batch [][]byte
	for {
		s.mu.Lock()
		conn := s.conn
		s.mu.Unlock()
		if conn == nil {
			select {
			case <-s.stop:
				s.mu.Lock()
				for _, c := range s.queue { // queued before the connection failed
					s.stats.Dropped += countLines(c)
				}
				s.queue, s.queued = nil, 0
				s.mu.Unlock()
				return
			case <-time.After(backoff):
			}
			if !s.connect(false) {
				backoff = min(2*backoff, s.o.MaxBackoff)
				continue
			}
			backoff = s.o.MinBackoff
			continue
		}
		s.mu.Lock()
		batch, s.queue = s.queue, batch[:0]
		s.queued = 0
		stopping := s.stopped
		s.mu.Unlock()
		if len(batch) == 0 {
			if stopping {
				conn.Close()
				return
			}
			select {
			case <-s.wake:
			case <-s.stop:
			}
			continue
		}
		s.send(conn, batch)
		s.mu.Lock()
		for i, c := range batch {
			if len(s.free) < 8 {
				s.free = append(s.free, c)
			}
			batch[i] = nil
		}
		s.mu.Unlock()
	}
}

// send writes chunks to conn; on a connection error the rest is dropped and counted, and the
// connection let go so that run reconnects.
func (s *eveSocket) send(conn *net.UnixConn, chunks [][]byte) {
	var sent, dropped uint64
	var failed error
	for _, c := range chunks {
		if failed != nil {
			dropped += countLines(c)
			continue
		}
		if !s.o.Datagram {
			n, err := conn.Write(c)
			if err != nil {
				// The line cut by the failure is lost with the rest: count it as dropped.
				sent += uint64(bytes.Count(c[:n], []byte{'\n'}))
				dropped += countLines(c[n:])
				failed = err
				continue
			}
			sent += countLines(c)
			continue
		}
		for len(c) > 0 {
			line := c
			if i := bytes.IndexByte(c, '\n'); i >= 0 {
				line = c[:i+1]
			}
			c = c[len(line):]
			if _, err := conn.Write(line); err != nil {
				dropped++
				if errors.Is(err, syscall.EMSGSIZE) {
					continue // this line is too big for a datagram; the socket is fine
				}
				dropped += countLines(c)
				failed = err
				break
			}
			sent++
		}
	}
	s.mu.Lock()
	s.stats.Sent += sent
	s.stats.Dropped += dropped
	if failed != nil {
		s.conn = nil
	}
	s.mu.Unlock()
	if failed != nil {
		conn.Close()
	}
}

// close asks the goroutine to send what is queued and exit, and waits for it up to the drain
// timeout; past that a write stuck on a listener that does not read is cut short.
func (s *eveSocket) close() {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return
	}
	s.stopped = true
	s.mu.Unlock()
	close(s.stop)
	select {
	case <-s.done:
		return
	case <-time.After(s.o.DrainTimeout):
	}
	s.mu.Lock()
	if s.conn != nil {
		_ = s.conn.SetWriteDeadline(time.Unix(1, 0))
	}
	s.mu.Unlock()
	<-s.done
}

// String names the output for logs.
func (o EVESocketOptions) String() string {
	kind := "unix_stream"
	if o.Datagram {
		kind = "unix_dgram"
	}
	return fmt.Sprintf("%s:%s", kind, o.Path)
}
