package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sort"
	"time"
)

// GenStats is what a generation made: the figures a run over the file should reproduce.
type GenStats struct {
	Packets  uint64            `json:"packets"`
	Bytes    int64             `json:"file_bytes"`
	Flows    uint64            `json:"flows"`
	TCPFlows uint64            `json:"tcp_flows"`
	UDPFlows uint64            `json:"udp_flows"`
	Kinds    map[string]uint64 `json:"conversations"`
	Attacks  uint64            `json:"attack_transactions"`
	Alerts   []ExpectedAlert   `json:"-"` // in Expected.Alerts
	Elapsed  time.Duration     `json:"-"`
}

type generator struct {
	opt      GenOptions
	rng      *rand.Rand
	out      *pcapWriter
	now      int64
	meanGap  float64
	active   []*conv
	pool     []*conv
	cports   []uint16
	textFill []byte
	binFill  []byte
	frame    [maxFrame]byte
	mixCum   [numKinds]float64
	bodyCap  int
	draining bool
	started  uint64
	stats    GenStats
	kinds    [numKinds]uint64
	alerts   map[alertKey]uint64
	scratch  []byte
}

// Generate writes a pcap of synthetic traffic to w. The output depends only on opts (not
// on time, map order or the machine), and memory stays flat whatever opts.Size is.
func Generate(w io.Writer, opts GenOptions) (*GenStats, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	g := &generator{
		opt:     opts,
		rng:     rand.New(rand.NewPCG(opts.Seed, 0x6e696768746a6172)), // "nightjar"
		now:     opts.Start.UnixNano(),
		meanGap: 1e9 / opts.Rate,
		cports:  make([]uint16, opts.Clients),
		alerts:  map[alertKey]uint64{},
	}
	// Cap any single body so that the flows still open when the size is reached cannot
	// overshoot it by much; at 10 GB and 256 flows in flight the cap (20 MB) changes nothing.
	g.bodyCap = int(min(max(opts.Size/int64(2*opts.Concurrency), 4096), 64<<20))
	total := 0.0
	for i, wt := range opts.Mix {
		total += wt
		g.mixCum[i] = total
	}
	g.makeFillers()
	for i := range g.cports {
		g.cports[i] = uint16(32768 + g.rng.IntN(20000))
	}
	out, err := newPcapWriter(w, 1) // LINKTYPE_ETHERNET
	if err != nil {
		return nil, err
	}
	g.out = out
	start := time.Now()
	if err := g.run(); err != nil {
		return nil, err
	}
	if err := out.flush(); err != nil {
		return nil, err
	}
	g.stats.Bytes = out.written
	g.stats.Elapsed = time.Since(start)
	g.stats.Kinds = map[string]uint64{}
	for k, n := range g.kinds {
		if n > 0 {
			g.stats.Kinds[Kind(k).String()] = n
		}
	}
	g.stats.Alerts = sortedAlerts(g.alerts)
	return &g.stats, nil
}

// GenerateFile writes the pcap to path and the attack ground truth to path+".expected.json".
func GenerateFile(path string, opts GenOptions) (*GenStats, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("gen: %w", err)
	}
	st, err := Generate(f, opts)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("gen: %w", cerr)
	}
	if err != nil {
		return nil, err
	}
	exp := newExpected(opts, st)
	data, err := json.MarshalIndent(exp, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("gen: expected alerts: %w", err)
	}
	if err := os.WriteFile(path+".expected.json", append(data, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("gen: expected alerts: %w", err)
	}
	return st, nil
}

func (g *generator) run() error {
	var p *progress
	if g.opt.Progress != nil {
		p = newProgress(g.opt.Progress, func(el time.Duration) string {
			mb := float64(g.out.written) / 1e6
			return fmt.Sprintf("gen: %.0f of %.0f MB (%.0f%%), %.0f MB/s, %d packets, %d flows",
				mb, float64(g.opt.Size)/1e6, 100*float64(g.out.written)/float64(g.opt.Size),
				mb/el.Seconds(), g.stats.Packets, g.stats.Flows)
		})
		defer p.stop()
	}
	for {
		if !g.draining && g.out.written >= g.opt.Size {
			g.draining = true
		}
		for !g.draining && len(g.active) < g.opt.Concurrency {
			g.active = append(g.active, g.startConv())
		}
		if len(g.active) == 0 {
			return nil
		}
		i := g.rng.IntN(len(g.active))
		c := g.active[i]
		var done bool
		var err error
		if c.tcp {
			done, err = g.stepTCP(c)
		} else {
			done, err = g.stepUDP(c)
		}
		if err != nil {
			return err
		}
		if done {
			last := len(g.active) - 1
			g.active[i] = g.active[last]
			g.active[last] = nil
			g.active = g.active[:last]
			g.pool = append(g.pool, c)
		}
		if p != nil && g.stats.Packets&4095 == 0 {
			p.poll()
		}
	}
}

// emit writes one frame at the next packet time.
func (g *generator) emit(frame []byte) error {
	g.now += int64(g.rng.ExpFloat64() * g.meanGap)
	g.stats.Packets++
	return g.out.write(g.now, frame)
}

// startConv begins a new conversation: an attack every AttackEvery conversations, else one of
// the mix.
func (g *generator) startConv() *conv {
	var c *conv
	if n := len(g.pool); n > 0 {
		c = g.pool[n-1]
		g.pool = g.pool[:n-1]
	} else {
		c = &conv{}
	}
	buf, aux := c.buf[:0], c.aux[:0]
	*c = conv{buf: buf, aux: aux, attack: -1}
	g.started++
	if g.opt.AttackEvery > 0 && g.started%uint64(g.opt.AttackEvery) == 0 {
		g.startAttack(c, int(g.stats.Attacks%uint64(len(attacks))))
		g.stats.Attacks++
	} else {
		x := g.rng.Float64() * g.mixCum[numKinds-1]
		k := Kind(0)
		for k < numKinds-1 && x >= g.mixCum[k] {
			k++
		}
		for g.opt.Mix[k] == 0 { // x landed exactly on a boundary before a zero weight
			k++
		}
		c.kind = k
		g.setupConv(c)
	}
	g.kinds[c.kind]++
	g.stats.Flows++
	if c.tcp {
		g.stats.TCPFlows++
		c.seq[0], c.seq[1] = g.rng.Uint32(), g.rng.Uint32()
		c.tsval[0], c.tsval[1] = g.rng.Uint32(), g.rng.Uint32()
		c.closer = g.rng.IntN(2)
	} else {
		g.stats.UDPFlows++
	}
	c.ipid[0], c.ipid[1] = uint16(g.rng.Uint32()), uint16(g.rng.Uint32())
	c.ttl[0] = 64
	c.ttl[1] = uint8(44 + g.rng.IntN(20))
	c.fill = g.rng.IntN(fillSize)
	return c
}

// client picks a client host and its next ephemeral port, as Linux hands them out in turn.
func (g *generator) client(c *conv) {
	i := g.rng.IntN(g.opt.Clients)
	c.addr[sideClient] = hostAddr(10, 1, 0, i)
	p := g.cports[i] + 1
	if p < 32768 || p > 60999 {
		p = 32768
	}
	g.cports[i] = p
	c.port[sideClient] = p
}

// hostAddr numbers hosts a.b.0.0 + i, skipping .0, .1 and the top of each /24.
func hostAddr(a, b, c byte, i int) [4]byte {
	v := uint32(a)<<24 | uint32(b)<<16 | uint32(c)<<8
	v += uint32(i/250)<<8 + uint32(i%250) + 2
	return [4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
}

// server picks an external server; its index also names it (see serverName).
func (g *generator) server(c *conv) int {
	j := g.rng.IntN(g.opt.Servers)
	c.addr[sideServer] = hostAddr(198, 18, 0, j)
	return j
}

type alertKey struct {
	sid      uint32
	src, dst [4]byte
}

func sortedAlerts(m map[alertKey]uint64) []ExpectedAlert {
	out := make([]ExpectedAlert, 0, len(m))
	for k, n := range m {
		out = append(out, ExpectedAlert{SID: k.sid, Src: ipString(k.src), Dst: ipString(k.dst), Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.SID != b.SID {
			return a.SID < b.SID
		}
		if a.Src != b.Src {
			return a.Src < b.Src
		}
		return a.Dst < b.Dst
	})
	return out
}

func ipString(a [4]byte) string { return fmt.Sprintf("%d.%d.%d.%d", a[0], a[1], a[2], a[3]) }
