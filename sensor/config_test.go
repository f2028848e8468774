package sensor

import "testing"

// DNS detection ports: Suricata 7's per-transport key wins over Suricata 8's shared one, and
// 53 is the default.
func TestDNSDetectionPorts(t *testing.T) {
	var d DNSAppConfig
	if got := d.Ports(true); len(got) != 1 || got[0] != 53 {
		t.Errorf("default %v, want [53]", got)
	}
	d.DetectionPorts.DP = PortList{5353}
	if got := d.Ports(false); len(got) != 1 || got[0] != 5353 {
		t.Errorf("shared key %v, want [5353]", got)
	}
	d.TCP.DetectionPorts.DP = PortList{53, 5300}
	if got := d.Ports(true); len(got) != 2 || got[1] != 5300 {
		t.Errorf("tcp key %v, want [53 5300]", got)
	}
	if got := d.Ports(false); got[0] != 5353 {
		t.Errorf("udp falls back to the shared key, got %v", got)
	}
}
