package dhcp

import (
	"bytes"
	"errors"
	"testing"
	"unsafe"
)

// FuzzDHCP checks that Parse never panics, keeps its bounds and never hands out bytes from
// outside the datagram.
func FuzzDHCP(f *testing.F) {
	f.Add(message(OpRequest, true, nil, nil, requestOpts))
	f.Add(message(OpReply, true, []byte{OptDNSServers, 4, 10, 0, 0, 1, OptEnd}, []byte{OptRouters, 8, 1, 2, 3, 4, 5, 6, 7, 8},
		[]byte{OptOverload, 1, 3, OptLeaseTime, 4, 0, 0, 14, 16, OptEnd}))
	f.Add(message(OpRequest, true, nil, nil, []byte{OptHostname, 200, 'x'}))
	f.Add(message(OpRequest, false, nil, nil, nil))
	f.Add(bytes.Repeat([]byte{OptHostname, 0}, 200))
	f.Add([]byte{})
	var m Message
	f.Fuzz(func(t *testing.T, b []byte) {
		err := m.Parse(b)
		if len(b) < HeaderLen {
			if !errors.Is(err, ErrShort) {
				t.Fatalf("%d bytes: err = %v", len(b), err)
			}
			return
		}
		if len(m.Options) > MaxOptions {
			t.Fatalf("%d options", len(m.Options))
		}
		if len(m.ClientHW()) > 16 || len(m.CHAddr) != 16 {
			t.Fatal("client hardware address out of its field")
		}
		lo := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
		hi := lo + uintptr(len(b))
		for _, o := range m.Options {
			if len(o.Data) == 0 {
				continue
			}
			p := uintptr(unsafe.Pointer(unsafe.SliceData(o.Data)))
			if p < lo || p+uintptr(len(o.Data)) > hi {
				t.Fatalf("option %d's value lies outside the datagram", o.Code)
			}
		}
		if err != nil && !errors.Is(err, ErrBadCookie) && !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrTooManyOptions) {
			t.Fatalf("unexpected error %v", err)
		}
		_ = m.MessageType()
	})
}
