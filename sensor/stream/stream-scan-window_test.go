package stream

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// scanSink counts the needle's matches the way a detection engine would with Window and Tail:
// each chunk is scanned joined to the direction's tail, and only matches ending in new bytes
// count.
type scanSink struct {
	needle []byte
	w      *Window
	tails  []Tail
	found  int
}

// newScanSink keeps keep bytes of tail: at least len(needle)-1 (a real engine keeps its
// longest pattern's length less one; more is allowed and must not cause double reports).
func newScanSink(needle []byte, keep int) *scanSink {
	return &scanSink{needle: needle, w: NewWindow(keep), tails: NewTails(2, keep)}
}

func (s *scanSink) Data(toServer bool, b []byte) {
	t := &s.tails[di(toServer)]
	for rest := b; len(rest) > 0; {
		var win []byte
		var fresh int
		win, fresh, rest = s.w.Join(t, rest)
		for from := 0; ; {
			i := bytes.Index(win[from:], s.needle)
			if i < 0 {
				break
			}
			if end := from + i + len(s.needle); end > fresh {
				s.found++
			}
			from += i + 1
		}
	}
}

func (s *scanSink) Gap(toServer bool, _ int) { s.tails[di(toServer)].Reset() }

func permutations(n int, f func([]int)) {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	var rec func(k int)
	rec = func(k int) {
		if k == n {
			f(p)
			return
		}
		for i := k; i < n; i++ {
			p[k], p[i] = p[i], p[k]
			rec(k + 1)
			p[k], p[i] = p[i], p[k]
		}
	}
	rec(0)
}

// A needle split across 2 … 5 segments, delivered in every arrival order and under several
// acknowledgement patterns, is found exactly once.
func TestSplitPatternFoundOnce(t *testing.T) {
	needle := []byte("EVIL-PATTERN-0123")
	rng := rand.New(rand.NewPCG(1, 2))
	for k := 2; k <= 5; k++ {
		trials := 6
		if k == 2 {
			trials = len(needle) - 1 // every cut
		}
		for trial := 0; trial < trials; trial++ {
			prefix := bytes.Repeat([]byte{'.'}, rng.IntN(3000))
			suffix := bytes.Repeat([]byte{'_'}, rng.IntN(3000))
			keep := len(needle) - 1
			if trial%2 == 1 {
				keep = 3 * len(needle)
				suffix = suffix[:min(len(suffix), rng.IntN(20))] // the needle is still in the tail when more comes
			}
			stream := append(append(append([]byte{}, prefix...), needle...), suffix...)
			// k-1 distinct cuts inside the needle: every segment holds part of it.
			cuts := rng.Perm(len(needle) - 1)[:k-1]
			if k == 2 {
				cuts[0] = trial
			}
			bounds := []int{0, len(stream)}
			for _, c := range cuts {
				bounds = append(bounds, len(prefix)+c+1)
			}
			sortInts(bounds)
			for mode := 0; mode < 3; mode++ {
				permutations(k, func(order []int) {
					sink := newScanSink(needle, keep)
					r := NewReassembler(DefaultConfig())
					var s Stream
					r.Packet(&s, tcp(syn, 99, 0, ""), true, sink)
					arrived := make([]bool, k)
					for _, i := range order {
						seg := stream[bounds[i]:bounds[i+1]]
						r.Packet(&s, tcp(ack|psh, 100+uint32(bounds[i]), 1, string(seg)), true, sink)
						arrived[i] = true
						if mode == 0 { // a cumulative ACK after every segment
							upTo := 0
							for j := 0; j < k && arrived[j]; j++ {
								upTo = bounds[j+1]
							}
							r.Packet(&s, tcp(ack, 1, 100+uint32(upTo), ""), false, sink)
						}
					}
					if mode == 1 {
						r.Packet(&s, tcp(ack, 1, 100+uint32(len(stream)), ""), false, sink)
					}
					if mode != 2 { // more data in a later chunk
						r.Packet(&s, tcp(ack|psh, 100+uint32(len(stream)), 1, "later"), true, sink)
						r.Packet(&s, tcp(ack, 1, 100+uint32(len(stream))+5, ""), false, sink)
					}
					r.Close(&s, sink) // mode 2: only the flow's end delivers
					if sink.found != 1 {
						t.Fatalf("k=%d cuts %v keep %d order %v mode %d: found %d times", k, cuts, keep, order, mode, sink.found)
					}
				})
			}
		}
	}
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// Join with chunks larger than the window, and a tail without capacity, behave.
func TestWindowJoin(t *testing.T) {
	needle := []byte("abcXYZ")
	s := newScanSink(needle, len(needle)-1)
	big := bytes.Repeat([]byte{'-'}, MaxChunk*2+10)
	copy(big[MaxChunk-3:], needle) // straddles the first window boundary
	copy(big[2*MaxChunk:], needle)
	s.Data(true, big)
	if s.found != 2 {
		t.Fatalf("found %d, want 2", s.found)
	}
	var none Tail
	w := NewWindow(4)
	win, fresh, rest := w.Join(&none, []byte("hello"))
	if string(win) != "hello" || fresh != 0 || len(rest) != 0 || len(none.Bytes()) != 0 {
		t.Fatalf("zero tail: %q %d %q %q", win, fresh, rest, none.Bytes())
	}
	tails := NewTails(1, 4)
	w.Join(&tails[0], []byte("abcdefgh"))
	if string(tails[0].Bytes()) != "efgh" {
		t.Fatalf("tail %q", tails[0].Bytes())
	}
	win, fresh, _ = w.Join(&tails[0], []byte("ij"))
	if string(win) != "efghij" || fresh != 4 {
		t.Fatalf("window %q fresh %d", win, fresh)
	}
}
