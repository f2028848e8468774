package sensor

import (
	"encoding/binary"
	"testing"
)

// TestAppLayerErrorCounters: a DNS datagram that fails to parse counts in
// app_layer.error.dns_udp.parser, a good one does not (Suricata's per-protocol parser errors).
func TestAppLayerErrorCounters(t *testing.T) {
	query := func(id uint16, answers uint16) []byte {
		b := make([]byte, 12)
		binary.BigEndian.PutUint16(b, id)
		binary.BigEndian.PutUint16(b[2:], 0x0100) // standard query, recursion desired
		binary.BigEndian.PutUint16(b[4:], 1)      // one question
		binary.BigEndian.PutUint16(b[6:], answers)
		b = append(b, 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1)
		return b
	}
	c := newDACapture(t)
	c.conv(40000, 53).udp(true, query(1, 0))
	c.conv(40001, 53).udp(true, query(2, 3)) // claims three answers it does not carry
	sum, _ := runReadOpts(t, ReadOptions{Files: []string{c.write()}, Workers: 1})
	got := map[string]uint64{}
	for _, ct := range sum.Counters {
		got[ct.Name] = ct.Value
	}
	if got["app_layer.tx.dns_udp"] != 2 || got["app_layer.error.dns_udp.parser"] != 1 {
		t.Errorf("dns_udp: %d transactions, %d parser errors; want 2 and 1",
			got["app_layer.tx.dns_udp"], got["app_layer.error.dns_udp.parser"])
	}
	if _, ok := got["app_layer.error.http.parser"]; !ok {
		t.Error("no app_layer.error.http.parser counter")
	}
}
