package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/nightjar-ids/nightjar/decoders"
	"github.com/nightjar-ids/nightjar/sensor/capture"
)

// ReplayOptions says how to write a capture file into the lab's sender end.
type ReplayOptions struct {
	PPS      int           // frames a second, all senders together; 0: as fast as the sockets take them
	Loops    int           // passes over the file; ignored when Duration is set; 0: one
	Duration time.Duration // >0: loop over the file until this much time has gone
	// Senders is how many threads write at once, each with its own socket and its share of
	// the flows (by the sensor's symmetric flow hash), so each flow's frames keep their order.
	// 0: one.
	Senders int
}

// ReplayResult is what a replay sent.
type ReplayResult struct {
	Sent    uint64 // frames
	Bytes   uint64 // their bytes, link-layer headers included
	Elapsed time.Duration
}

// Rate is the achieved send rate in frames a second.
func (r ReplayResult) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Sent) / r.Elapsed.Seconds()
}

// Gbps is the achieved send rate in link-layer gigabits a second.
func (r ReplayResult) Gbps() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Bytes) * 8 / r.Elapsed.Seconds() / 1e9
}

// sendBatch is how many frames one sendmmsg call hands the kernel: enough to make the system
// call's cost small beside the per-frame work in the veth driver, small enough to pace finely.
const sendBatch = 32

// arenaSize holds a batch of the largest frames a veth takes (64 KiB MTU) and more: a batch
// flushes early when its next frame would not fit, as the iovecs point into the arena.
const arenaSize = 4 << 20

// Replay writes file's frames into the sender end of the veth pair with AF_PACKET sockets
// (qdisc bypassed, sendmmsg in batches), paced to o.PPS, from threads that have entered the
// sender namespace. It stops early, returning what it sent so far, when ctx ends.
func (l *Lab) Replay(ctx context.Context, file string, o ReplayOptions) (ReplayResult, error) {
	senders := max(o.Senders, 1)
	type result struct {
		r   ReplayResult
		err error
	}
	// The clock starts once every sender has its socket: entering the namespace and opening
	// the socket are not sending time (on a loaded machine they can take a good part of a
	// short step).
	opened, res := make(chan error, senders), make(chan result, senders)
	begin := make(chan struct{})
	var start time.Time
	for id := range senders {
		go func() {
			// The thread enters the sender namespace and is never unlocked, so the runtime
			// retires it with the goroutine instead of reusing a thread in the wrong namespace.
			runtime.LockOSThread()
			s := &sender{lab: l, file: file, o: o, id: uint32(id), of: uint32(senders)}
			err := s.open()
			opened <- err
			if err != nil {
				res <- result{err: err}
				return
			}
			defer unix.Close(s.fd)
			<-begin
			s.start = start
			err = s.run(ctx)
			res <- result{ReplayResult{Sent: s.sent, Bytes: s.bytes, Elapsed: time.Since(start)}, err}
		}()
	}
	for range senders {
		<-opened // a sender that failed to open still sends nothing and reports its error below
	}
	start = time.Now()
	close(begin)
	var total ReplayResult
	var errs []error
	for range senders {
		r := <-res
		total.Sent += r.r.Sent
		total.Bytes += r.r.Bytes
		total.Elapsed = max(total.Elapsed, r.r.Elapsed)
		if r.err != nil {
			errs = append(errs, r.err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return total, fmt.Errorf("replay %s: %w", file, err)
	}
	return total, nil
}

// sender is one replay thread: its socket, its share of the flows, its batch.
type sender struct {
	lab    *Lab
	file   string
	o      ReplayOptions
	id, of uint32 // this sender takes the frames whose flow hash % of == id
	start  time.Time
	sent   uint64
	bytes  uint64
	loop   int // the pass over the file (uniqueLoop moves its addresses)

	fd    int
	arena []byte // the batch's frames, copied out of the reader's buffer
	iov   [sendBatch]unix.Iovec
	msgs  [sendBatch]mmsghdr
	n     int // frames in the batch
}

// mmsghdr is struct mmsghdr: x/sys/unix has the type but no sendmmsg wrapper.
type mmsghdr struct {
	hdr unix.Msghdr
	len uint32
	_   [4]byte
}

// run sends the sender's frames from s.start on; the socket is open.
func (s *sender) run(ctx context.Context) error {
	s.arena = make([]byte, 0, arenaSize)
	for i := range s.msgs {
		s.msgs[i].hdr.Iov = &s.iov[i]
		s.msgs[i].hdr.Iovlen = 1
	}
	deadline := s.start.Add(s.o.Duration)
	var f capture.Frame
	for loop := 0; s.o.Duration > 0 || loop < max(s.o.Loops, 1); loop++ {
		s.loop = loop
		src, err := capture.Open(s.file)
		if err != nil {
			return err
		}
		n, done, err := s.pass(ctx, src, &f, deadline)
		src.Close()
		if err != nil || done {
			return err
		}
		if n == 0 && s.of == 1 {
			return errors.New("no frames to send")
		}
		if n == 0 {
			return nil // no flow of the file hashes to this sender
		}
	}
	return nil
}

// open makes the sender's packet socket inside the sender namespace, bound to its end of
// the pair, with the qdisc bypassed: the frames go straight to the veth driver.
func (s *sender) open() error {
	nsf, err := os.Open(filepath.Join("/var/run/netns", s.lab.SenderNS))
	if err != nil {
		return err
	}
	defer nsf.Close()
	if err := unix.Setns(int(nsf.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("setns: %w", err)
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("packet socket: %w", err)
	}
	ifr, err := unix.NewIfreq(s.lab.SenderIf)
	if err == nil {
		err = unix.IoctlIfreq(fd, unix.SIOCGIFINDEX, ifr)
	}
	if err == nil {
		err = unix.Bind(fd, &unix.SockaddrLinklayer{Ifindex: int(ifr.Uint32())})
	}
	if err != nil {
		unix.Close(fd)
		return fmt.Errorf("bind to %s: %w", s.lab.SenderIf, err)
	}
	// Best effort: without it the frames take the qdisc, slower but the same frames.
	_ = unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_QDISC_BYPASS, 1)
	s.fd = fd
	return nil
}

// pass sends this sender's frames of one pass over src; done says the replay is over
// (deadline or ctx).
func (s *sender) pass(ctx context.Context, src capture.Source, f *capture.Frame, deadline time.Time) (n uint64, done bool, err error) {
	for {
		if err := src.Next(f); err != nil {
			if err == io.EOF {
				done, err := s.send(ctx, deadline)
				return n, done, err
			}
			return n, true, err
		}
		if s.of > 1 && decoders.FlowHash(f.Data, f.LinkType)%s.of != s.id {
			continue
		}
		if len(f.Data) > arenaSize {
			return n, true, fmt.Errorf("frame %d: %d bytes is larger than any link takes", f.Index, len(f.Data))
		}
		if len(s.arena)+len(f.Data) > cap(s.arena) {
			if done, err := s.send(ctx, deadline); done || err != nil {
				return n, true, err
			}
		}
		s.add(f.Data)
		n++
		if s.n == sendBatch {
			if done, err := s.send(ctx, deadline); done || err != nil {
				return n, true, err
			}
		}
	}
}

// send paces and flushes the batch unless the replay is over.
func (s *sender) send(ctx context.Context, deadline time.Time) (done bool, err error) {
	if ctx.Err() != nil || (s.o.Duration > 0 && time.Now().After(deadline)) {
		return true, nil
	}
	s.pace()
	return false, s.flush()
}

func (s *sender) add(frame []byte) {
	off := len(s.arena)
	s.arena = append(s.arena, frame...)
	uniqueLoop(s.arena[off:], s.loop)
	s.iov[s.n].Base = &s.arena[off]
	s.iov[s.n].SetLen(len(frame))
	s.n++
}

// pace sleeps until this sender's share of the rate is due the frames now batched.
func (s *sender) pace() {
	if s.o.PPS <= 0 {
		return
	}
	share := float64(s.o.PPS) / float64(s.of)
	due := s.start.Add(time.Duration(float64(s.sent+uint64(s.n)) / share * float64(time.Second)))
	if d := time.Until(due); d > 0 {
		time.Sleep(d)
	}
}

// flush hands the batch to the kernel, retrying the frames it could not take yet.
func (s *sender) flush() error {
	for i := 0; i < s.n; {
		got, _, errno := unix.Syscall6(unix.SYS_SENDMMSG, uintptr(s.fd), uintptr(unsafe.Pointer(&s.msgs[i])), uintptr(s.n-i), 0, 0, 0)
		if errno != 0 {
			if errno == unix.ENOBUFS || errno == unix.EAGAIN || errno == unix.EINTR {
				time.Sleep(100 * time.Microsecond)
				continue
			}
			return fmt.Errorf("sendmmsg frame %d (%d bytes): %w", s.sent+1, s.iov[i].Len, errno)
		}
		for _, v := range s.iov[i : i+int(got)] {
			s.bytes += v.Len
		}
		i += int(got)
		s.sent += uint64(got)
	}
	s.n, s.arena = 0, s.arena[:0]
	return nil
}
