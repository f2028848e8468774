package decoders

import (
	"os"
	"testing"
	"time"
)

func TestHang(t *testing.T) {
	data, _ := os.ReadFile("/tmp/lastinput.bin")
	d := NewDecoder(DefaultConfig())
	var p Packet
	done := make(chan struct{})
	go func() { d.Decode(&p, data, LinkIPv6, 0, len(data)); close(done) }()
	select {
	case <-done:
		t.Logf("ok layers %#x events %v", p.Layers, p.Events[:p.EventCount])
	case <-time.After(3 * time.Second):
		panic("hang")
	}
}
