package bench

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nightjar-ids/nightjar/decoders"
	"github.com/nightjar-ids/nightjar/sensor/capture"
)

// TestReplaySendersKeepFlowOrder replays a capture with three senders into a real veth pair
// and reads the receiver end with a packet socket: every frame arrives once, and each flow's
// frames arrive in the file's order, whichever sender wrote them.
func TestReplaySendersKeepFlowOrder(t *testing.T) {
	lab, err := NewLab()
	if errors.Is(err, ErrNoLab) {
		t.Skipf("skipped: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer lab.Close()
	// Generated traffic: many address pairs, so that all three senders have frames to write,
	// and no VLAN tags, which the receiving socket would see stripped.
	file, _ := genFile(t, smallOpts(5, 2<<20))
	want := flowSequences(t, file)

	type recv struct {
		flows map[uint32][][32]byte
		n     int
		err   error
	}
	ready, got := make(chan error, 1), make(chan recv, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies in the receiver namespace
		fd, err := lab.receiverSocket()
		ready <- err
		if err != nil {
			return
		}
		defer unix.Close(fd)
		r := recv{flows: map[uint32][][32]byte{}}
		buf := make([]byte, 1<<16)
		for {
			n, _, err := unix.Recvfrom(fd, buf, 0)
			if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
				break // quiet for the socket's timeout: the replay is over
			}
			if err != nil {
				r.err = err
				break
			}
			h := decoders.FlowHash(buf[:n], decoders.LinkEthernet)
			r.flows[h] = append(r.flows[h], sha256.Sum256(buf[:n]))
			r.n++
		}
		got <- r
	}()
	if err := <-ready; err != nil {
		t.Fatal(err)
	}
	res, err := lab.Replay(context.Background(), file, ReplayOptions{PPS: 20000, Senders: 3})
	if err != nil {
		t.Fatal(err)
	}
	r := <-got
	if r.err != nil {
		t.Fatal(r.err)
	}
	total := 0
	for _, s := range want {
		total += len(s)
	}
	if res.Sent != uint64(total) || r.n != total {
		t.Fatalf("file has %d frames; sent %d, received %d", total, res.Sent, r.n)
	}
	for h, seq := range want {
		g := r.flows[h]
		if len(g) != len(seq) {
			t.Fatalf("flow %08x: %d frames received, file has %d", h, len(g), len(seq))
		}
		for i := range seq {
			if g[i] != seq[i] {
				t.Fatalf("flow %08x: frame %d arrived out of the file's order", h, i)
			}
		}
	}
	t.Logf("%d frames of %d address pairs, 3 senders, %.0f frames/s", total, len(want), res.Rate())
}

// receiverSocket is a packet socket on the receiver end that gives up after a quiet second.
func (l *Lab) receiverSocket() (int, error) {
	nsf, err := os.Open(filepath.Join("/var/run/netns", l.ReceiverNS))
	if err != nil {
		return -1, err
	}
	defer nsf.Close()
	if err := unix.Setns(int(nsf.Fd()), unix.CLONE_NEWNET); err != nil {
		return -1, err
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
	if err != nil {
		return -1, err
	}
	ifr, err := unix.NewIfreq(l.ReceiverIf)
	if err == nil {
		err = unix.IoctlIfreq(fd, unix.SIOCGIFINDEX, ifr)
	}
	if err == nil {
		err = unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: int(ifr.Uint32())})
	}
	if err == nil {
		err = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 64<<20)
	}
	if err == nil {
		tv := unix.NsecToTimeval(int64(time.Second))
		err = unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	}
	if err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// flowSequences is each flow's frames of file, as digests, in the file's order.
func flowSequences(t *testing.T, file string) map[uint32][][32]byte {
	src, err := capture.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	flows := map[uint32][][32]byte{}
	var f capture.Frame
	for {
		err := src.Next(&f)
		if err == io.EOF {
			return flows
		}
		if err != nil {
			t.Fatal(err)
		}
		h := decoders.FlowHash(f.Data, f.LinkType)
		flows[h] = append(flows[h], sha256.Sum256(f.Data))
	}
}
