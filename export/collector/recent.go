package collector

import (
	"bytes"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// recent keeps the last batches of each event type for DoGet, and fans new ones out to live
// DoGet streams. Entries are IPC-serialised copies of at most maxRows rows, so holding them
// pins no sensor batch in memory; a subscriber too slow to keep up loses entries rather than
// slowing the DoPut that produced them.
type recent struct {
	maxBatches, maxRows int

	mu     sync.Mutex
	byType map[string][]recentEntry
	subs   map[*subscriber]struct{}
}

type recentEntry struct {
	sensor string
	data   []byte // an IPC stream: schema and one batch
}

type subscriber struct {
	eventType string
	ch        chan recentEntry
}

func newRecent(maxBatches, maxRows int) *recent {
	return &recent{maxBatches: maxBatches, maxRows: maxRows, byType: map[string][]recentEntry{}, subs: map[*subscriber]struct{}{}}
}

// add remembers the tail of rec and hands it to the live subscribers of its event type.
func (r *recent) add(eventType, sensor string, rec arrow.RecordBatch) {
	if r.maxBatches <= 0 {
		return
	}
	n := rec.NumRows()
	slice := rec
	if n > int64(r.maxRows) {
		slice = rec.NewSlice(n-int64(r.maxRows), n)
		defer slice.Release()
	}
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(rec.Schema()), ipc.WithAllocator(memory.DefaultAllocator))
	if w.Write(slice) != nil || w.Close() != nil {
		return
	}
	e := recentEntry{sensor: sensor, data: buf.Bytes()}
	r.mu.Lock()
	defer r.mu.Unlock()
	ring := append(r.byType[eventType], e)
	if len(ring) > r.maxBatches {
		ring = append(ring[:0:0], ring[len(ring)-r.maxBatches:]...)
	}
	r.byType[eventType] = ring
	for s := range r.subs {
		if s.eventType == eventType {
			select {
			case s.ch <- e:
			default:
			}
		}
	}
}

// snapshot returns the entries held for an event type and, when follow is set, a subscription
// that receives every later one (no gap: both happen under one lock).
func (r *recent) snapshot(eventType string, follow bool) ([]recentEntry, *subscriber) {
	r.mu.Lock()
	defer r.mu.Unlock()
	entries := append([]recentEntry(nil), r.byType[eventType]...)
	if !follow {
		return entries, nil
	}
	s := &subscriber{eventType: eventType, ch: make(chan recentEntry, 256)}
	r.subs[s] = struct{}{}
	return entries, s
}

func (r *recent) unsubscribe(s *subscriber) {
	r.mu.Lock()
	delete(r.subs, s)
	r.mu.Unlock()
}
