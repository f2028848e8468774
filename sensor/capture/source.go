package capture

import (
	"fmt"

	"github.com/nightjar-ids/nightjar/decoders"
)

// Frame is one captured packet as a source hands it over. Data aliases the source's buffer and
// is valid only until the next call to Next on the same source.
type Frame struct {
	Data     []byte
	WireLen  int               // length on the wire; larger than len(Data) when the capture snapped it
	Time     int64             // capture time, Unix nanoseconds
	LinkType decoders.LinkType // per frame: pcapng interfaces may differ
	Index    uint64            // 1-based position in the input (Suricata's pcap_cnt)
	Offset   int64             // byte offset of the record in the file (files only)
}

// Source yields frames. Next returns io.EOF at the clean end of input, a *CorruptError when the
// input is damaged (frames before the damage have all been returned), or another error.
type Source interface {
	Next(f *Frame) error
	Close() error
}

// CorruptError says where a capture file stops making sense.
type CorruptError struct {
	File   string
	Offset int64 // byte offset of the damaged record or block
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("%s: corrupt at byte offset %d: %s", e.File, e.Offset, e.Reason)
}
