package bpf

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"
)

// XDPMode is how the bypass program is attached to an interface: in the driver (native), in
// the kernel's generic receive path (slower, works on any device), or auto, native first and
// generic where the driver refuses.
type XDPMode uint8

const (
	XDPAuto XDPMode = iota
	XDPNative
	XDPGeneric
)

func (m XDPMode) String() string {
	switch m {
	case XDPNative:
		return "native"
	case XDPGeneric:
		return "generic"
	}
	return "auto"
}

// ParseXDPMode reads af-packet xdp-mode. Suricata's names are accepted beside Nightjar's:
// driver for native, soft for generic, none (the kernel picks) for auto. hw (offload) is
// refused: the per-CPU LRU map the program counts in cannot be offloaded.
func ParseXDPMode(s string) (XDPMode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto", "none":
		return XDPAuto, nil
	case "native", "driver", "drv":
		return XDPNative, nil
	case "generic", "soft", "skb":
		return XDPGeneric, nil
	case "hw", "offload":
		return XDPAuto, fmt.Errorf("xdp-mode %q: hardware offload is not supported (the bypass map cannot be offloaded); use auto, native or generic", s)
	}
	return XDPAuto, fmt.Errorf("xdp-mode %q: want auto, native (driver) or generic (soft)", s)
}

// DefaultBypassFlows is the size of the bypass map when none is configured.
const DefaultBypassFlows = 65536

// Bypass is the loaded XDP bypass program (bypass.c) and its flow map, attached to any number
// of interfaces. Its methods may be called from several goroutines at once: each is one or two
// map system calls, made once per bypassed flow, never per packet.
type Bypass struct {
	prog  *ebpf.Program
	flows *ebpf.Map
	frags bool // the multi-buffer program was loaded
	ncpu  int

	mu    sync.Mutex
	links map[string]link.Link
}

// LoadBypass loads the bypass program with a map of maxFlows entries (DefaultBypassFlows when
// not positive). It needs CAP_BPF and CAP_NET_ADMIN (or root). It loads the multi-buffer
// variant where the kernel has XDP multi-buffer (5.18), the plain one elsewhere.
func LoadBypass(maxFlows int) (*Bypass, error) { return loadBypassVariant(maxFlows, true) }

func loadBypassVariant(maxFlows int, frags bool) (*Bypass, error) {
	memlockOnce.Do(func() { _ = rlimit.RemoveMemlock() })
	if maxFlows <= 0 {
		maxFlows = DefaultBypassFlows
	}
	ncpu, err := ebpf.PossibleCPU()
	if err != nil {
		return nil, fmt.Errorf("XDP bypass: counting CPUs: %w", err)
	}
	spec, err := loadBypass()
	if err != nil {
		return nil, fmt.Errorf("XDP bypass: %w", err)
	}
	spec.Maps["bypass_flows"].MaxEntries = uint32(maxFlows)
	b := &Bypass{ncpu: ncpu, links: map[string]link.Link{}}
	if err := b.load(spec, frags); err != nil {
		return nil, err
	}
	return b, nil
}

// load tries the multi-buffer program (when allowed), then the plain one. Only the objects
// named in the struct given to LoadAndAssign are loaded, so each variant is tried on its own.
func (b *Bypass) load(spec *ebpf.CollectionSpec, tryFrags bool) error {
	errFrags := errors.New("not tried")
	if tryFrags {
		var frags struct {
			Prog  *ebpf.Program `ebpf:"xdp_bypass_frags"`
			Flows *ebpf.Map     `ebpf:"bypass_flows"`
		}
		if errFrags = spec.LoadAndAssign(&frags, nil); errFrags == nil {
			b.prog, b.flows, b.frags = frags.Prog, frags.Flows, true
			return nil
		}
	}
	var plain struct {
		Prog  *ebpf.Program `ebpf:"xdp_bypass"`
		Flows *ebpf.Map     `ebpf:"bypass_flows"`
	}
	err := spec.LoadAndAssign(&plain, nil)
	if err == nil {
		b.prog, b.flows = plain.Prog, plain.Flows
		return nil
	}
	var verr *ebpf.VerifierError
	if errors.As(err, &verr) {
		return fmt.Errorf("XDP bypass program rejected by the kernel verifier: %+v", verr)
	}
	return fmt.Errorf("loading the XDP bypass program: %w (multi-buffer variant: %v)", err, errFrags)
}

// Frags reports whether the multi-buffer variant is loaded (it counts whole jumbo frames and
// may attach natively to links whose MTU exceeds a page).
func (b *Bypass) Frags() bool { return b.frags }

// Attach attaches the program to iface in mode and returns the mode it got. Auto tries the
// driver first and falls back to generic. The attachment is a kernel link held by this process:
// it goes when Close (or Detach) runs, or when the process exits, whatever way it exits.
func (b *Bypass) Attach(iface string, mode XDPMode) (XDPMode, error) {
	ifi, err := net.InterfaceByName(iface)
	if err != nil {
		return mode, fmt.Errorf("XDP bypass on %s: %w", iface, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.links[iface]; ok {
		return mode, fmt.Errorf("XDP bypass on %s: already attached", iface)
	}
	try := []XDPMode{mode}
	if mode == XDPAuto {
		try = []XDPMode{XDPNative, XDPGeneric}
	}
	var errs []string
	for _, m := range try {
		flags := link.XDPDriverMode
		if m == XDPGeneric {
			flags = link.XDPGenericMode
		}
		l, err := link.AttachXDP(link.XDPOptions{Program: b.prog, Interface: ifi.Index, Flags: flags})
		if err == nil {
			b.links[iface] = l
			return m, nil
		}
		errs = append(errs, fmt.Sprintf("%s: %v", m, err))
	}
	return mode, fmt.Errorf("XDP bypass cannot attach to %s (%s)", iface, strings.Join(errs, "; "))
}

// Detach takes the program off iface.
func (b *Bypass) Detach(iface string) error {
	b.mu.Lock()
	l, ok := b.links[iface]
	delete(b.links, iface)
	b.mu.Unlock()
	if !ok {
		return nil
	}
	if err := l.Close(); err != nil {
		return fmt.Errorf("XDP bypass: detaching from %s: %w", iface, err)
	}
	return nil
}

// Close detaches the program from every interface and releases the program and its map.
func (b *Bypass) Close() error {
	b.mu.Lock()
	var errs []error
	for iface, l := range b.links {
		if err := l.Close(); err != nil {
			errs = append(errs, fmt.Errorf("XDP bypass: detaching from %s: %w", iface, err))
		}
	}
	b.links = map[string]link.Link{}
	b.mu.Unlock()
	errs = append(errs, b.prog.Close(), b.flows.Close())
	return errors.Join(errs...)
}

// Tuple is a TCP or UDP flow as the sensor orients it: client to server.
type Tuple struct {
	Client, Server         netip.Addr
	ClientPort, ServerPort uint16
	Proto                  uint8 // 6 or 17
}

// Counters are what the program counted for a flow, oriented by its Tuple.
type Counters struct {
	PktsToServer, PktsToClient   uint64
	BytesToServer, BytesToClient uint64
	// Last is when the program counted the flow's last packet (Unix ns, converted from the
	// kernel's monotonic clock); 0 when it counted none.
	Last int64
}

// Packets is the packets counted both ways.
func (c *Counters) Packets() uint64 { return c.PktsToServer + c.PktsToClient }

// key builds the map key of t; clientSecond reports that the client is the key's second
// endpoint, whose counters sit at index 1.
func (t *Tuple) key() (k bypassBypassKey, clientSecond bool, err error) {
	if t.Proto != 6 && t.Proto != 17 {
		return k, false, fmt.Errorf("XDP bypass: protocol %d is neither TCP nor UDP", t.Proto)
	}
	if !t.Client.IsValid() || !t.Server.IsValid() || t.Client.Is4() != t.Server.Is4() {
		return k, false, fmt.Errorf("XDP bypass: bad addresses %v, %v", t.Client, t.Server)
	}
	c, s := t.Client.As16(), t.Server.As16() // IPv4 comes out IPv4-mapped, as the program keys it
	cp, sp := t.ClientPort, t.ServerPort
	clientSecond = bytes.Compare(c[:], s[:]) > 0 || c == s && cp > sp
	if clientSecond {
		c, s, cp, sp = s, c, sp, cp
	}
	k.Addr[0], k.Addr[1] = c, s
	k.Port[0], k.Port[1] = cp, sp
	k.Proto = t.Proto
	return k, clientSecond, nil
}

// Add makes the program drop and count the flow's packets from now on. Where the map is full,
// the kernel evicts its least recently used entry, whose flow then comes back to the rings.
func (b *Bypass) Add(t Tuple) error {
	k, _, err := t.key()
	if err != nil {
		return err
	}
	zero := make([]bypassBypassVal, b.ncpu)
	if err := b.flows.Update(&k, zero, ebpf.UpdateNoExist); err != nil && !errors.Is(err, ebpf.ErrKeyExist) {
		return fmt.Errorf("XDP bypass: adding %v:%d-%v:%d: %w", t.Client, t.ClientPort, t.Server, t.ServerPort, err)
	}
	return nil
}

// Lookup reads the flow's counters; false when the flow is not in the map.
func (b *Bypass) Lookup(t Tuple) (Counters, bool, error) {
	return b.read(t, false)
}

// Remove deletes the flow from the map and returns what was counted for it; false when it
// was not there (never added, or evicted because the map was full).
func (b *Bypass) Remove(t Tuple) (Counters, bool, error) {
	return b.read(t, true)
}

func (b *Bypass) read(t Tuple, remove bool) (Counters, bool, error) {
	k, clientSecond, err := t.key()
	if err != nil {
		return Counters{}, false, err
	}
	vals := make([]bypassBypassVal, b.ncpu)
	if remove {
		err = b.flows.LookupAndDelete(&k, &vals)
		if errors.Is(err, ebpf.ErrNotSupported) {
			// Before 5.14 hash maps cannot do both at once; what the program counts between
			// the two calls is lost.
			if err = b.flows.Lookup(&k, &vals); err == nil {
				err = b.flows.Delete(&k)
			}
		}
	} else {
		err = b.flows.Lookup(&k, &vals)
	}
	if errors.Is(err, ebpf.ErrKeyNotExist) {
		return Counters{}, false, nil
	}
	if err != nil {
		return Counters{}, false, fmt.Errorf("XDP bypass: reading %v:%d-%v:%d: %w", t.Client, t.ClientPort, t.Server, t.ServerPort, err)
	}
	var sum bypassBypassVal
	for i := range vals {
		v := &vals[i]
		sum.Pkts[0] += v.Pkts[0]
		sum.Pkts[1] += v.Pkts[1]
		sum.Bytes[0] += v.Bytes[0]
		sum.Bytes[1] += v.Bytes[1]
		sum.Last = max(sum.Last, v.Last)
	}
	c := Counters{
		PktsToServer: sum.Pkts[0], PktsToClient: sum.Pkts[1],
		BytesToServer: sum.Bytes[0], BytesToClient: sum.Bytes[1],
		Last: wallTime(sum.Last),
	}
	if clientSecond {
		c.PktsToServer, c.PktsToClient = c.PktsToClient, c.PktsToServer
		c.BytesToServer, c.BytesToClient = c.BytesToClient, c.BytesToServer
	}
	return c, true, nil
}

// wallTime turns a bpf_ktime_get_ns reading (CLOCK_MONOTONIC) into Unix ns; 0 stays 0.
func wallTime(mono uint64) int64 {
	if mono == 0 {
		return 0
	}
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return time.Now().UnixNano()
	}
	return time.Now().UnixNano() - (ts.Nano() - int64(mono))
}

// XDP verdicts, as the program returns them.
const (
	XDPDrop uint32 = 1
	XDPPass uint32 = 2
)

// Verdict runs the program on one Ethernet frame in the kernel (BPF_PROG_TEST_RUN) and returns
// its verdict, XDPDrop or XDPPass; a dropped frame is counted in the map as a real one would be.
func (b *Bypass) Verdict(frame []byte) (uint32, error) {
	ret, err := b.prog.Run(&ebpf.RunOptions{Data: frame})
	if err != nil {
		return 0, fmt.Errorf("test run of the XDP bypass program: %w", err)
	}
	return ret, nil
}
