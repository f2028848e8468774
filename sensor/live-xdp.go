package sensor

import (
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"

	"github.com/nightjar-ids/nightjar/bpf"
	"github.com/nightjar-ids/nightjar/sensor/flow"
)

// xdpBypass is the XDP bypass of a live run (af-packet bypass: yes): one program and one flow
// map, attached to every interface that asks for it, shared by all workers. Each worker calls
// it once per bypassed flow and once when such a flow ends; the map calls are safe to make
// from several goroutines.
type xdpBypass struct {
	b     *bpf.Bypass
	modes map[string]bpf.XDPMode // interfaces attached, and how
}

// XDPAttachment is one interface the bypass program is attached to.
type XDPAttachment struct {
	Interface string
	Mode      string // native or generic
}

// openXDPBypass loads and attaches the bypass program to the interfaces whose af-packet entry
// has bypass: yes. A bad xdp-mode is a configuration error; a kernel or driver that cannot
// load or attach the program is not: the run goes on with bypassed flows skipped in user space
// (local bypass), and the log says why. It returns nil when no interface has the program.
func openXDPBypass(cfg *Config, ifaces []string, log *slog.Logger) (*xdpBypass, error) {
	type want struct {
		iface string
		mode  bpf.XDPMode
	}
	var wants []want
	for j, iface := range ifaces {
		ac, err := cfg.afpacketFor(iface, j)
		if err != nil {
			return nil, err
		}
		if ac.Bypass == nil || !*ac.Bypass {
			continue
		}
		mode, err := bpf.ParseXDPMode(ac.XDPMode)
		if err != nil {
			return nil, fmt.Errorf("af-packet %s: %w", iface, err)
		}
		wants = append(wants, want{iface, mode})
	}
	if len(wants) == 0 {
		return nil, nil
	}
	b, err := bpf.LoadBypass(cfg.Flow.BypassMapSize)
	if err != nil {
		log.Warn("XDP bypass unavailable, bypassed flows are skipped in user space instead (it needs CAP_BPF and CAP_NET_ADMIN, or root, and an XDP-capable kernel)", "err", err)
		return nil, nil
	}
	x := &xdpBypass{b: b, modes: map[string]bpf.XDPMode{}}
	for _, w := range wants {
		got, err := b.Attach(w.iface, w.mode)
		if err != nil {
			log.Warn("XDP bypass not attached, bypassed flows on this interface are skipped in user space instead", "interface", w.iface, "err", err)
			continue
		}
		x.modes[w.iface] = got
		log.Info("XDP bypass attached", "interface", w.iface, "mode", got.String(), "multi-buffer", b.Frags())
	}
	if len(x.modes) == 0 {
		return nil, b.Close()
	}
	return x, nil
}

// attachments lists the interfaces the program is attached to, by name.
func (x *xdpBypass) attachments() []XDPAttachment {
	if x == nil {
		return nil
	}
	out := make([]XDPAttachment, 0, len(x.modes))
	for iface, m := range x.modes {
		out = append(out, XDPAttachment{Interface: iface, Mode: m.String()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Interface < out[j].Interface })
	return out
}

// attached reports whether the program drops bypassed flows arriving on iface.
func (x *xdpBypass) attached(iface string) bool {
	if x == nil {
		return false
	}
	_, ok := x.modes[iface]
	return ok
}

func (x *xdpBypass) close() error {
	if x == nil {
		return nil
	}
	return x.b.Close()
}

func xdpTuple(f *flow.Flow) bpf.Tuple {
	c, cp := f.Client()
	s, sp := f.Server()
	return bpf.Tuple{Client: c, ClientPort: cp, Server: s, ServerPort: sp, Proto: f.Proto()}
}

func (x *xdpBypass) add(f *flow.Flow) error { return x.b.Add(xdpTuple(f)) }

func (x *xdpBypass) remove(f *flow.Flow) (captureCounts, bool, error) {
	c, ok, err := x.b.Remove(xdpTuple(f))
	return captureCounts{pktsTS: c.PktsToServer, pktsTC: c.PktsToClient, bytesTS: c.BytesToServer, bytesTC: c.BytesToClient, last: c.Last}, ok, err
}

func (x *xdpBypass) lastSeen(f *flow.Flow) int64 {
	c, ok, err := x.b.Lookup(xdpTuple(f))
	if err != nil || !ok {
		return 0
	}
	return c.Last
}

// useCapture gives a worker the capture bypass: its flow table asks the map, before ending a
// capture-bypassed flow as idle, whether the kernel still drops packets of it.
func (w *worker) useCapture(c captureBypass) {
	w.byp.capture = c
	w.flows.SetBypassLastSeen(c.lastSeen)
}

var _ captureBypass = (*xdpBypass)(nil)

// printBypass writes the bypass line of the live summary, when anything was bypassed or the
// program was attached.
func (s *LiveSummary) printBypass(w io.Writer) {
	flows := s.Counter("bypass.stream_depth") + s.Counter("bypass.rule") + s.Counter("bypass.elephant")
	if flows == 0 && len(s.XDP) == 0 {
		return
	}
	where := "not attached: skipped in user space"
	if len(s.XDP) > 0 {
		parts := make([]string, len(s.XDP))
		for i, a := range s.XDP {
			parts[i] = a.Interface + " " + a.Mode
		}
		where = "XDP " + strings.Join(parts, ", ")
	}
	fmt.Fprintf(w, "  bypass (%s): %d flows, %d in XDP; XDP dropped %d packets (%s) of %d ended flows\n",
		where, flows, s.Counter("bypass.capture"), s.Counter("flow_bypassed.pkts"),
		humanBytes(s.Counter("flow_bypassed.bytes")), s.Counter("flow_bypassed.closed"))
}
