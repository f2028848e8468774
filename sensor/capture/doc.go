// Package capture feeds frames into the sensor: pcap and pcapng files (streamed, zero-copy
// within a read buffer) and AF_PACKET TPACKET_V3 rings (decoded in place in the ring block).
//
// Files: Open (or OpenReader) tells the format by its magic number — classic pcap in either
// byte order with microsecond, nanosecond or Kuznetzov-modified records, and pcapng with any
// number of sections and interfaces — and returns a *FileSource. It reads through one buffer
// with large read(2) calls and hands out Frame.Data as a slice of it, so a frame costs no
// allocation and no copy. Damage ends the stream with a *CorruptError naming the byte offset,
// after every intact frame before it; length fields are checked against fixed ceilings before
// they size anything.
//
// Live: OpenRing opens one packet socket with a TPACKET_V3 ring, classic BPF filter
// (CompileFilter) and PACKET_FANOUT membership; its owner walks filled blocks with Acquire,
// Block.Next and Release, and polls FD when none is ready. Stats reads the kernel's per-ring
// packet, drop and freeze counters; Stop swaps in a drop-all filter so a ring can be drained.
package capture
