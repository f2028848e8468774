package stream

// Scanning reassembled data chunk by chunk, a pattern can straddle two chunks. The remedy:
// keep the last keep bytes of each direction (a Tail, keep = longest pattern − 1), scan
// tail+chunk as one window, and report only matches that end in the chunk's bytes. A match
// that ends in the tail was reported with the chunk that brought its last byte; one that ends
// in the chunk starts at most keep bytes before it, so inside the window. Each match is thus
// reported exactly once, whatever the segmentation. After a gap no pattern can straddle the
// missing bytes: Reset the tail.
//
//	win, fresh, rest := w.Join(&tails[dir], chunk)
//	for each match of the scanner in win ending at offset e (exclusive):
//		if e > fresh { report }
//	… and Join again with rest while it is not empty.

// Tail is the end of what one direction delivered. Its capacity is fixed when it is made;
// the zero value keeps nothing (patterns straddling chunks are then missed).
type Tail struct{ b []byte }

// NewTails makes n tails of keep bytes each, in one allocation: for a table indexed by flow
// slot and direction.
func NewTails(n, keep int) []Tail {
	if n <= 0 {
		return nil
	}
	keep = max(keep, 0)
	slab := make([]byte, n*keep)
	t := make([]Tail, n)
	for i := range t {
		t[i].b = slab[i*keep : i*keep : (i+1)*keep]
	}
	return t
}

// Reset forgets the tail: at a gap, and when the flow ends.
func (t *Tail) Reset() { t.b = t.b[:0] }

// Bytes is the tail's content.
func (t *Tail) Bytes() []byte { return t.b }

// Window joins tails and chunks for scanning. One per worker: the window it returns is valid
// until the next Join.
type Window struct{ buf []byte }

// NewWindow makes a Window for tails of at most keep bytes.
func NewWindow(keep int) *Window { return &Window{buf: make([]byte, max(keep, 0)+MaxChunk)} }

// Join returns the window to scan, tail followed by as much of chunk as fits (all of it for
// chunks up to MaxChunk), the index in it where the chunk's bytes start, and the rest of chunk
// still to be joined. It updates the tail to the window's last bytes.
func (w *Window) Join(t *Tail, chunk []byte) (win []byte, fresh int, rest []byte) {
	tb := t.b
	if keepW := len(w.buf) - MaxChunk; len(tb) > keepW {
		tb = tb[len(tb)-keepW:] // a tail longer than the window was made for: keep what fits
	}
	fresh = copy(w.buf, tb)
	k := copy(w.buf[fresh:], chunk)
	win = w.buf[:fresh+k]
	keep := min(cap(t.b), len(win))
	t.b = append(t.b[:0], win[len(win)-keep:]...)
	return win, fresh, chunk[k:]
}
