package bench

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// A live lab is two private network namespaces joined by a veth pair: frames written into the
// sender end arrive at the receiver end, where `nightjar run` captures. Nothing leaves the two
// namespaces, and the lab removes only the namespaces it made.

// ErrNoLab says the machine cannot host a lab (not root, no iproute2, no network namespaces);
// tests skip on it, the command reports it.
var ErrNoLab = errors.New("live lab unavailable")

// Lab is one sender/receiver namespace pair joined by a veth pair.
type Lab struct {
	SenderNS, ReceiverNS string
	SenderIf, ReceiverIf string
	made                 []string // namespaces to delete on Close
}

// NewLab makes the namespaces and the veth pair. An error wrapping ErrNoLab means the
// machine cannot do it at all; any other error is a failure part way, already cleaned up.
func NewLab() (*Lab, error) {
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("%w: needs root (network namespaces, veth, AF_PACKET)", ErrNoLab)
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return nil, fmt.Errorf("%w: needs iproute2's ip command", ErrNoLab)
	}
	id := fmt.Sprintf("%d%d", os.Getpid()%100000, time.Now().UnixNano()%1000)
	l := &Lab{
		SenderNS: "njsnd" + id, ReceiverNS: "njrcv" + id,
		SenderIf: "njs" + id, ReceiverIf: "njr" + id,
	}
	if err := ipCmd("netns", "add", l.SenderNS); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoLab, err)
	}
	l.made = append(l.made, l.SenderNS)
	steps := [][]string{
		{"netns", "add", l.ReceiverNS},
		// With no addresses and IPv6 off, neither kernel sends anything of its own on the link
		// (no router solicitations, no DAD, no MLD), so every frame on it is one we wrote.
		{"netns", "exec", l.SenderNS, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"},
		{"netns", "exec", l.ReceiverNS, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"},
		{"link", "add", l.SenderIf, "mtu", "9000", "netns", l.SenderNS, "type", "veth", "peer", "name", l.ReceiverIf, "mtu", "9000", "netns", l.ReceiverNS},
		{"-n", l.SenderNS, "link", "set", l.SenderIf, "arp", "off", "up"},
		{"-n", l.ReceiverNS, "link", "set", l.ReceiverIf, "arp", "off", "up"},
	}
	for i, s := range steps {
		if err := ipCmd(s...); err != nil {
			l.Close()
			return nil, fmt.Errorf("live lab: %w", err)
		}
		if i == 0 {
			l.made = append(l.made, l.ReceiverNS)
		}
	}
	return l, nil
}

// newLabWithDir makes a lab and a scratch folder for the sensor's output; done removes both.
func newLabWithDir() (lab *Lab, dir string, done func(), err error) {
	if lab, err = NewLab(); err != nil {
		return nil, "", nil, err
	}
	if dir, err = os.MkdirTemp("", "nightjar-bench-lab-"); err != nil {
		lab.Close()
		return nil, "", nil, err
	}
	return lab, dir, func() { os.RemoveAll(dir); lab.Close() }, nil
}

// Close deletes the namespaces the lab made (and with them the veth pair). It is safe to
// call more than once.
func (l *Lab) Close() {
	for _, ns := range l.made {
		_ = exec.Command("ip", "netns", "del", ns).Run()
	}
	l.made = nil
}

// ReceiverCommand is name args… run inside the receiver namespace.
func (l *Lab) ReceiverCommand(name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", l.ReceiverNS, name}, args...)...)
}

func ipCmd(args ...string) error {
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, bytes2str(out))
	}
	return nil
}

func bytes2str(b []byte) string { return strings.TrimSpace(string(b)) }
