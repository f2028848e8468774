package dns

import "unsafe"

// Retained is the memory a DNS-over-TCP state holds in bytes: its struct, the buffers of
// messages split across segments and the parser's name buffer, which Reset keeps. The
// parser's record lists are bounded by one message and left out. The app layer charges it to
// its memcap.
func (s *State) Retained() int {
	return int(unsafe.Sizeof(*s)) + cap(s.ts.buf) + cap(s.tc.buf) + cap(s.names)
}
