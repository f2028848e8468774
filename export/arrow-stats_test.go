package export

import (
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestStatsArrowRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := NewStatsBatcher(BatchOptions{Allocator: mem})
	first := sampleStats()
	second := &Stats{Timestamp: first.Timestamp + 8e9, Uptime: first.Uptime + 8, Counters: []Counter{
		{"decoder.pkts", 2000}, {"", 5}, {"capture.kernel_drops", math.MaxUint64},
	}}
	empty := &Stats{Timestamp: second.Timestamp + 8e9, Uptime: second.Uptime + 8}
	in := []*Stats{first, second, empty}
	for _, s := range in {
		b.Append(s)
	}
	rows := writeAndRead(t, "stats", StatsSchema, b.Flush)
	counters := make([]map[string]int64, len(rows))
	for i, r := range rows {
		counters[i], _ = r["counters"].(map[string]int64)
	}
	b.Release()
	if len(rows) != len(in) {
		t.Fatalf("read %d rows, want %d", len(rows), len(in))
	}
	for i, s := range in {
		if rows[i]["timestamp"] != s.Timestamp/1000 || rows[i]["uptime"] != s.Uptime {
			t.Errorf("row %d: timestamp %v uptime %v, want %d %d", i, rows[i]["timestamp"], rows[i]["uptime"], s.Timestamp/1000, s.Uptime)
		}
		want := map[string]int64{}
		for _, c := range s.Counters {
			if c.Name != "" {
				want[c.Name] = clampInt64(c.Value)
			}
		}
		if len(counters[i]) != len(want) {
			t.Errorf("row %d: %d counters, want %d (%v)", i, len(counters[i]), len(want), counters[i])
		}
		for k, v := range want {
			if counters[i][k] != v {
				t.Errorf("row %d: counters[%q] = %d, want %d", i, k, counters[i][k], v)
			}
		}
	}
	if counters[1]["capture.kernel_drops"] != math.MaxInt64 {
		t.Errorf("a counter past 2^63 was not clamped: %d", counters[1]["capture.kernel_drops"])
	}
}
