package sensor

import (
	"testing"
)

// newPoolTestWorker is one worker with no rules and EVE written to a temporary directory, with
// the app-layer memcap given (0: the default).
func newPoolTestWorker(t *testing.T, memcap ByteSize) *worker {
	t.Helper()
	cfg, _, err := LoadConfig("", nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.AppLayer.Memcap = memcap
	return testWorker(t, &cfg, nil, true)
}

// liveStates counts the flows holding a state of their own, and the bytes those are charged.
func liveStates(a *appLayer) (n, bytes int) {
	for _, s := range a.flows {
		if s != nil && !s.shared {
			n++
			bytes += s.mem
		}
	}
	return n, bytes
}

// TestAppLayerStateReturnsAtSessionEnd: once both directions of a TCP session are delivered to
// their FIN, the flow's state is back in the pool although the flow stays in the table for its
// closed timeout, and the pool's accounting matches what the live flows hold.
func TestAppLayerStateReturnsAtSessionEnd(t *testing.T) {
	frames := loadFrames(t, "../testdata/demo/http-methods.pcap")
	w := newPoolTestWorker(t, 0)
	for i, f := range frames {
		w.packet(f.data, f.wireLen, f.lt, f.time, uint64(i+1))
	}
	a := w.app
	ended, finished := 0, 0
	for slot, s := range a.flows {
		if s == nil {
			continue
		}
		st := &a.streams[slot]
		if st.Finished(true) && st.Finished(false) {
			finished++
			if !s.shared {
				t.Errorf("slot %d: session over, state still held (proto %d)", slot, s.proto)
			}
		}
		if s.shared && s != &a.refused {
			ended++
			if s.proto != appHTTP {
				t.Errorf("slot %d: ended flow names protocol %d, want http", slot, s.proto)
			}
		}
	}
	if finished == 0 || ended == 0 {
		t.Fatalf("%d sessions finished, %d states released: the capture has no closed session to prove this", finished, ended)
	}
	n, bytes := liveStates(a)
	if a.pool.live != bytes {
		t.Errorf("pool charges %d bytes to live states, they hold %d (%d states)", a.pool.live, bytes, n)
	}
	if len(a.pool.flows.items) == 0 || len(a.pool.https.items) == 0 || a.pool.idle <= 0 {
		t.Errorf("released states not pooled: %d states, %d HTTP parsers, %d idle bytes", len(a.pool.flows.items), len(a.pool.https.items), a.pool.idle)
	}
	t.Logf("%d sessions closed, %d states and %d parsers pooled (%d bytes idle), %d live (%d bytes)", finished,
		len(a.pool.flows.items), len(a.pool.https.items), a.pool.idle, n, bytes)

	// Ending every flow gives every state back, and HTTP events were still written for all.
	w.flows.Expire(frames[len(frames)-1].time + 600e9)
	if n, _ := liveStates(a); n != 0 || a.pool.live != 0 {
		t.Errorf("after every flow ended: %d live states, %d bytes charged", n, a.pool.live)
	}
}

// TestAppLayerMemcap: with an app-layer memcap too small for the HTTP parsers, flows are cut or
// refused and counted, the accounted memory ends within the memcap, and no flow goes missing.
func TestAppLayerMemcap(t *testing.T) {
	frames := loadFrames(t, "../testdata/demo/http-methods.pcap")
	run := func(memcap ByteSize) (*worker, uint64) {
		w := newPoolTestWorker(t, memcap)
		for i, f := range frames {
			w.packet(f.data, f.wireLen, f.lt, f.time, uint64(i+1))
			if memcap > 0 && w.app.pool.use() > int(memcap) {
				t.Fatalf("packet %d: app layer accounts %d bytes, memcap %d", i+1, w.app.pool.use(), memcap)
			}
		}
		w.flows.Expire(frames[len(frames)-1].time + 600e9)
		return w, w.flows.Stats.EndedTimeout
	}
	free, flowsFree := run(0)
	if free.app.pool.cut+free.app.pool.refused != 0 {
		t.Fatalf("default memcap: %d cut, %d refused", free.app.pool.cut, free.app.pool.refused)
	}
	const tight = 12 << 10 // room for a few states, not for a parser that has grown
	capped, flowsCapped := run(tight)
	p := &capped.app.pool
	if p.cut+p.refused == 0 {
		t.Fatalf("memcap %d bytes: no flow cut or refused (peak %d): the test proves nothing", tight, p.peak)
	}
	if flowsCapped != flowsFree {
		t.Errorf("memcap lost flows: %d flow records, %d without it", flowsCapped, flowsFree)
	}
	if capped.app.stats.txHTTP >= free.app.stats.txHTTP {
		t.Errorf("memcap cut parsers but as many HTTP transactions were parsed (%d, %d)", capped.app.stats.txHTTP, free.app.stats.txHTTP)
	}
	t.Logf("memcap %d: %d cut, %d refused, %d of %d HTTP transactions, peak %d bytes", tight, p.cut, p.refused,
		capped.app.stats.txHTTP, free.app.stats.txHTTP, p.peak)
}

// TestAppPoolIdleBudget: the pool keeps idle states up to its budget and lets the rest go.
func TestAppPoolIdleBudget(t *testing.T) {
	p := newAppPool(0)
	p.idleMax = 3 * appFlowBase
	var got []*appFlow
	for range 5 {
		got = append(got, p.take())
	}
	if p.live != 5*appFlowBase {
		t.Fatalf("live %d after 5 takes, want %d", p.live, 5*appFlowBase)
	}
	for _, s := range got {
		p.put(s)
	}
	if len(p.flows.items) != 3 || p.idle != 3*appFlowBase || p.live != 0 {
		t.Errorf("after 5 puts: %d free, %d idle, %d live; want 3, %d, 0", len(p.flows.items), p.idle, p.live, 3*appFlowBase)
	}
	if s := p.take(); s != got[2] {
		t.Errorf("take did not reuse the last pooled state")
	}

	q := newAppPool(2 * appFlowBase)
	a, b, c := q.take(), q.take(), q.take()
	if a == nil || b == nil || c != nil || q.refused != 1 {
		t.Errorf("memcap of two states: takes %v %v %v, %d refused", a != nil, b != nil, c != nil, q.refused)
	}
}
