package signatures

import (
	"fmt"
	"strconv"
	"strings"
)

// Tag is one `tag` keyword: after the rule alerts, the packets of its flow (session) or of one
// of its hosts are tagged for logging until the count of packets, bytes or seconds runs out.
type Tag struct {
	Host   bool      // scope host; false: session
	Src    bool      // host scope: the alerting packet's source host; false: its destination
	Count  uint32    // how many of Metric the tag lasts
	Metric TagMetric // what Count counts
}

// TagMetric is what a tag's count counts.
type TagMetric uint8

const (
	TagPackets TagMetric = iota
	TagBytes
	TagSeconds
)

// defaultTagCount is Suricata's count when a tag gives none: 256 packets for either scope.
const defaultTagCount = 256

// tag parses `tag:<session|host>[,<count>,<packets|bytes|seconds>[,<src|dst>]]`. A direction
// needs host scope and a count with its metric, as in Suricata.
func (b *ruleBuilder) tag(val string) error {
	parts := strings.Split(val, ",")
	for i := range parts {
		parts[i] = strings.ToLower(strings.TrimSpace(parts[i]))
	}
	t := Tag{Count: defaultTagCount, Metric: TagPackets}
	switch parts[0] {
	case "session":
	case "host":
		t.Host = true
	default:
		return fmt.Errorf("scope must be session or host, got %q", parts[0])
	}
	switch len(parts) {
	case 1:
	case 3, 4:
		n, err := strconv.ParseUint(parts[1], 10, 32)
		if err != nil || n == 0 {
			return fmt.Errorf("bad count %q", parts[1])
		}
		t.Count = uint32(n)
		switch parts[2] {
		case "packets":
			t.Metric = TagPackets
		case "bytes":
			t.Metric = TagBytes
		case "seconds":
			t.Metric = TagSeconds
		default:
			return fmt.Errorf("metric must be packets, bytes or seconds, got %q", parts[2])
		}
		if len(parts) == 4 {
			if !t.Host {
				return fmt.Errorf("a direction (%s) needs host scope", parts[3])
			}
			switch parts[3] {
			case "src":
				t.Src = true
			case "dst":
			default:
				return fmt.Errorf("direction must be src or dst, got %q", parts[3])
			}
		}
	default:
		return fmt.Errorf("want scope[,count,metric[,direction]], got %q", val)
	}
	b.r.Tags = append(b.r.Tags, t)
	return nil
}
