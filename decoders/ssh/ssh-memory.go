package ssh

import "unsafe"

// Retained is the memory the state holds in bytes: its struct and each side's banner, KEXINIT
// and HASSH buffers, which Reset keeps. The app layer charges it to its memcap.
func (s *State) Retained() int {
	n := int(unsafe.Sizeof(*s)) + cap(s.order)*int(unsafe.Sizeof(Event(0)))
	for _, d := range [2]*side{&s.client, &s.server} {
		n += cap(d.line) + cap(d.kex) + cap(d.ProtoVersion) + cap(d.SoftwareVersion) + cap(d.HASSHString) + cap(d.HASSH)
	}
	return n
}
