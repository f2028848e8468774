package sensor

import (
	"unsafe"

	"github.com/nightjar-ids/nightjar/decoders/dcerpc"
	"github.com/nightjar-ids/nightjar/decoders/dns"
	"github.com/nightjar-ids/nightjar/decoders/ftp"
	"github.com/nightjar-ids/nightjar/decoders/http"
	"github.com/nightjar-ids/nightjar/decoders/http2"
	"github.com/nightjar-ids/nightjar/decoders/smb"
	"github.com/nightjar-ids/nightjar/decoders/smtp"
	"github.com/nightjar-ids/nightjar/decoders/ssh"
	"github.com/nightjar-ids/nightjar/decoders/tls"
	"github.com/nightjar-ids/nightjar/export"
	"github.com/nightjar-ids/nightjar/sensor/flow"
)

// App-layer memory. A flow's app-layer state (detection bytes, stream tails, its protocol's
// parser) comes from a per-worker pool when the flow first needs it and goes back when the
// flow's TCP session is over (both directions delivered to their FIN, a RST, or the depth
// reached both ways) or the flow ends, whichever comes first: a closed flow that lingers in
// the flow table for its closed timeout holds no parser. A parser is taken when detection
// settles the flow's protocol. Parsers keep their buffers between flows, so the steady state
// does not allocate; the pool keeps at most idleMax bytes of idle states and parsers and lets
// the rest go to the garbage collector.
//
// Every state is charged what it retains, measured after each delivery to it, against the
// worker's share of app-layer.memcap (live plus idle). When a new flow would pass it the
// flow gets no state ("refused": its stream is still inspected, without a protocol); when a
// live flow's parser grows past it the parser is dropped and the flow goes on without it
// ("cut"), as Suricata's HTTP parser stops at its memcap. Both are counted.

// appMemcapDefault is app-layer.memcap when the config does not set it, for all workers.
const appMemcapDefault = 1 << 30

// appIdleMax bounds the idle state one worker keeps for reuse.
const appIdleMax = 16 << 20

// appFlowBase is what a state costs before any buffer grows.
const appFlowBase = int(unsafe.Sizeof(appFlow{}))

// appPool hands out one worker's app-layer states and parsers and accounts for their memory.
// States and parsers are pooled apart: a DNS-over-UDP flow, which holds its state for minutes,
// must not carry an HTTP parser that grew on an earlier flow.
type appPool struct {
	flows    freeList[*appFlow]
	https    freeList[*http.Parser]
	tlss     freeList[*tls.State]
	sshs     freeList[*ssh.State]
	dnss     freeList[*dns.State]
	http2s   freeList[*http2.Parser]
	smtps    freeList[*smtp.Parser]
	ftps     freeList[*ftp.Parser]
	ftpDatas freeList[*ftpDataState]
	dcerpcs  freeList[*dcerpc.State]
	smbs     freeList[*smb.State]
	idle     int // bytes the free lists retain
	idleMax  int
	live     int // bytes charged to the states handed out, their parsers included
	memcap   int // bound on live+idle; 0: none
	peak     int
	refused  uint64 // flows that got no state: the memcap was reached
	cut      uint64 // flows whose parser was dropped: its growth passed the memcap
	// ftpLive is the part of live that FTP parsers and ftp-data transfers retain, and ftpCut
	// the FTP flows cut (Suricata's ftp.memuse and ftp.memcap counters).
	ftpLive int
	ftpCut  uint64
}

// freeList is a stack of idle objects with what each retains.
type freeList[T any] struct {
	items []T
	sizes []int
}

func (l *freeList[T]) pop() (v T, n int, ok bool) {
	i := len(l.items) - 1
	if i < 0 {
		return v, 0, false
	}
	v, n = l.items[i], l.sizes[i]
	var zero T
	l.items[i] = zero
	l.items, l.sizes = l.items[:i], l.sizes[:i]
	return v, n, true
}

func (l *freeList[T]) push(v T, n int) {
	l.items = append(l.items, v)
	l.sizes = append(l.sizes, n)
}

func newAppPool(memcap int) appPool {
	idle := appIdleMax
	if memcap > 0 {
		idle = min(idle, memcap/4)
	}
	return appPool{memcap: memcap, idleMax: idle}
}

// use is the memory the pool accounts for, live and idle.
func (p *appPool) use() int { return p.live + p.idle }

// over reports that the accounted memory passed the memcap, after giving idle objects back to
// the garbage collector first (parsers, the larger, before states).
func (p *appPool) over() bool {
	if p.memcap <= 0 {
		return false
	}
	for p.use() > p.memcap && p.idle > 0 {
		if !shed(p, &p.https) && !shed(p, &p.tlss) && !shed(p, &p.sshs) && !shed(p, &p.dnss) && !shed(p, &p.http2s) &&
			!shed(p, &p.smtps) && !shed(p, &p.ftps) && !shed(p, &p.ftpDatas) && !shed(p, &p.dcerpcs) && !shed(p, &p.smbs) &&
			!shed(p, &p.flows) {
			break
		}
	}
	return p.use() > p.memcap
}

// shed drops one idle object of l, reporting whether there was one.
func shed[T any](p *appPool, l *freeList[T]) bool {
	_, n, ok := l.pop()
	p.idle -= n
	return ok
}

// keep pools an idle object that retains n bytes while the idle budget and the memcap allow;
// otherwise it is left to the garbage collector.
func keep[T any](p *appPool, l *freeList[T], v T, n int) {
	if p.idle+n > p.idleMax || p.memcap > 0 && p.use()+n > p.memcap {
		return
	}
	p.idle += n
	l.push(v, n)
}

// reuse takes an idle object of l, if there is one; its bytes move from idle to the state that
// takes it at that state's next recharge.
func reuse[T any](p *appPool, l *freeList[T]) (T, bool) {
	v, n, ok := l.pop()
	p.idle -= n
	return v, ok
}

// take returns a state for a new flow, or nil when the memcap leaves no room for one.
func (p *appPool) take() *appFlow {
	if s, n, ok := p.flows.pop(); ok {
		p.idle -= n
		p.live += n
		s.mem = n
		return s
	}
	p.live += appFlowBase
	if p.over() {
		p.live -= appFlowBase
		p.refused++
		return nil
	}
	p.peak = max(p.peak, p.use())
	return &appFlow{mem: appFlowBase}
}

// put takes back a state whose flow is done with it: its parser and the state are pooled
// apart, each while the idle budget and the memcap allow.
func (p *appPool) put(s *appFlow) {
	p.live -= s.mem
	p.ftpLive -= s.ftpMem
	if s.http != nil {
		keep(p, &p.https, s.http, s.http.Retained())
	}
	if s.tls != nil {
		keep(p, &p.tlss, s.tls, s.tls.Retained())
	}
	if s.ssh != nil {
		keep(p, &p.sshs, s.ssh, s.ssh.Retained())
	}
	if s.dnsTCP != nil {
		keep(p, &p.dnss, s.dnsTCP, s.dnsTCP.Retained())
	}
	if s.smtp != nil {
		keep(p, &p.smtps, s.smtp, s.smtp.Retained())
	}
	if s.http2 != nil {
		keep(p, &p.http2s, s.http2, s.http2.Retained())
	}
	if s.ftp != nil {
		keep(p, &p.ftps, s.ftp, s.ftp.Retained())
	}
	if s.ftpData != nil {
		keep(p, &p.ftpDatas, s.ftpData, s.ftpData.retained())
	}
	if s.dcerpc != nil {
		keep(p, &p.dcerpcs, s.dcerpc, s.dcerpc.Retained())
	}
	if s.smb != nil {
		keep(p, &p.smbs, s.smb, s.smb.Retained())
	}
	s.reset()
	s.mem = s.retained()
	keep(p, &p.flows, s, s.mem)
}

// recharge measures what s retains now and reports whether the pool passed its memcap.
func (p *appPool) recharge(s *appFlow) bool {
	n := s.retained()
	p.live += n - s.mem
	s.mem = n
	fm := s.ftpRetained()
	p.ftpLive += fm - s.ftpMem
	s.ftpMem = fm
	p.peak = max(p.peak, p.use())
	return p.over()
}

// retained is the memory the state holds: its struct, the bytes held for detection, the
// stream tails and inspection marks, and its parsers.
func (s *appFlow) retained() int {
	n := appFlowBase + cap(s.held[0]) + cap(s.held[1]) + cap(s.tails[0].Bytes()) + cap(s.tails[1].Bytes()) +
		cap(s.httpMarks)*int(unsafe.Sizeof(txMark{}))
	if s.http != nil {
		n += s.http.Retained()
	}
	if s.tls != nil {
		n += s.tls.Retained()
	}
	if s.ssh != nil {
		n += s.ssh.Retained()
	}
	if s.dnsTCP != nil {
		n += s.dnsTCP.Retained()
	}
	if s.smtp != nil {
		n += s.smtp.Retained()
	}
	if s.http2 != nil {
		n += s.http2.Retained()
	}
	if s.dcerpc != nil {
		n += s.dcerpc.Retained()
	}
	if s.smb != nil {
		n += s.smb.Retained()
	}
	return n + s.ftpRetained()
}

// ftpRetained is what the state's FTP parser or ftp-data transfer retains.
func (s *appFlow) ftpRetained() int {
	n := 0
	if s.ftp != nil {
		n += s.ftp.Retained()
	}
	if s.ftpData != nil {
		n += s.ftpData.retained()
	}
	return n
}

// state returns the flow's app-layer state, taking one from the pool when the flow has none.
// A flow the memcap refuses shares the worker's refused state for its life.
func (a *appLayer) state(f *flow.Flow) *appFlow {
	s := a.flows[f.Slot()]
	if s == nil {
		s = a.pool.take()
		if s == nil {
			s = &a.refused
		}
		a.flows[f.Slot()] = s
	}
	return s
}

// charge re-measures the current flow's state after data reached it; past the memcap its
// parser is dropped.
func (a *appLayer) charge() {
	s := a.cur
	if s.shared || !a.pool.recharge(s) {
		return
	}
	if s.http == nil && s.tls == nil && s.ssh == nil && s.dnsTCP == nil && s.http2 == nil && s.smtp == nil &&
		s.ftp == nil && s.ftpData == nil && s.dcerpc == nil && s.smb == nil {
		return // nothing to drop: the bytes held for detection are bounded (probeLimit, keptLimit)
	}
	if s.ftp != nil || s.ftpData != nil {
		a.pool.ftpCut++
	}
	s.http, s.tls, s.ssh, s.dnsTCP, s.http2, s.smtp, s.ftp, s.ftpData = nil, nil, nil, nil, nil, nil, nil, nil
	s.dcerpc, s.smb = nil, nil
	s.cut = true
	a.pool.cut++
	a.pool.recharge(s)
}

// release ends the app-layer work on the current flow: the state goes back to the pool and the
// flow keeps, for the rest of its life, a shared state that only names its protocol.
func (a *appLayer) release(f *flow.Flow, p appProto) {
	s := a.cur
	if s.shared {
		return
	}
	a.pool.put(s)
	a.flows[f.Slot()] = &a.ended[p]
	a.cur = &a.ended[p]
}

// released reports that s is the stub a flow keeps once its session is over and its own state
// went back to the pool (the refused state is shared too, but its flow is still running).
func (s *appFlow) released() bool { return s.shared && s.proto != appRefused }

// counters names the app-layer memory counters.
func (p *appPool) counters() []export.Counter {
	return []export.Counter{
		{Name: "app_layer.memuse", Value: uint64(max(p.use(), 0))},
		{Name: "app_layer.memuse_peak", Value: uint64(max(p.peak, 0))},
		{Name: "app_layer.memcap_refused", Value: p.refused},
		{Name: "app_layer.memcap_cut", Value: p.cut},
		{Name: "ftp.memuse", Value: uint64(max(p.ftpLive, 0))},
		{Name: "ftp.memcap", Value: p.ftpCut},
	}
}
