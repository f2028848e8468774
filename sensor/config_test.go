package sensor

import (
	"os"
	"testing"

	"github.com/nightjar-ids/nightjar/export"
)

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

// outputs.eve-log.dns is a bool or Suricata's dns options; the version resolves as Suricata 8
// does (config, then $SURICATA_EVE_DNS_VERSION, then 3).
func TestEVEDNSLogConfig(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/n.yaml"
	for _, tc := range []struct {
		yaml, env string
		enabled   bool
		version   uint8
		formats   export.DNSFormats
		requests  bool
	}{
		{"", "", true, 3, 0, true},
		{"", "2", true, 2, 0, true},
		{"outputs:\n  eve-log:\n    dns: false\n", "", false, 3, 0, true},
		{"outputs:\n  eve-log:\n    dns:\n      version: 2\n", "", true, 2, 0, true},
		{"outputs:\n  eve-log:\n    dns:\n      version: 3\n", "2", true, 3, 0, true},
		{"outputs:\n  eve-log:\n    dns:\n      formats: [grouped]\n      requests: no\n", "", true, 3, export.DNSGrouped, false},
	} {
		if err := os.WriteFile(file, []byte(tc.yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, _, err := LoadConfig(file, nil)
		if err != nil {
			t.Fatalf("%q: %v", tc.yaml, err)
		}
		d, err := newDNSLog(cfg.Outputs.EVE.DNS, tc.env)
		if err != nil {
			t.Fatalf("%q: %v", tc.yaml, err)
		}
		if cfg.Outputs.EVE.DNS.Enabled != tc.enabled || d.version != tc.version || d.formats != tc.formats ||
			d.requests != tc.requests || !d.responses {
			t.Errorf("%q env %q: enabled %v, %+v", tc.yaml, tc.env, cfg.Outputs.EVE.DNS.Enabled, d)
		}
	}
	cfg, _, err := LoadConfig("", []string{"outputs.eve-log.dns.version=2"})
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := newDNSLog(cfg.Outputs.EVE.DNS, ""); d.version != 2 || !cfg.Outputs.EVE.DNS.Enabled {
		t.Errorf("--set outputs.eve-log.dns.version=2: %+v", cfg.Outputs.EVE.DNS)
	}
	for _, bad := range []EVEDNSLog{{Version: 4}, {Formats: []string{"flat"}}} {
		if _, err := newDNSLog(bad, ""); err == nil {
			t.Errorf("%+v: want an error", bad)
		}
	}
	if _, err := newDNSLog(EVEDNSLog{}, "x"); err == nil {
		t.Error("SURICATA_EVE_DNS_VERSION=x: want an error")
	}
}

// outputs.eve-log.dhcp is a bool or Suricata's dhcp options, on and not extended by default as
// in Suricata's shipped configuration.
func TestEVEDHCPLogConfig(t *testing.T) {
	file := t.TempDir() + "/n.yaml"
	for _, tc := range []struct {
		yaml              string
		enabled, extended bool
	}{
		{"", true, false},
		{"outputs:\n  eve-log:\n    dhcp: false\n", false, false},
		{"outputs:\n  eve-log:\n    dhcp:\n      extended: yes\n", true, true},
		{"outputs:\n  eve-log:\n    dhcp:\n      enabled: no\n      extended: yes\n", false, true},
	} {
		if err := os.WriteFile(file, []byte(tc.yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, warnings, err := LoadConfig(file, nil)
		if err != nil {
			t.Fatalf("%q: %v", tc.yaml, err)
		}
		if d := cfg.Outputs.EVE.DHCP; d.Enabled != tc.enabled || d.Extended != tc.extended || len(warnings) > 0 {
			t.Errorf("%q: %+v, warnings %v", tc.yaml, d, warnings)
		}
	}
	cfg, warnings, err := LoadConfig("", []string{"outputs.eve-log.dhcp.extended=yes"})
	if err != nil || len(warnings) > 0 || !cfg.Outputs.EVE.DHCP.Enabled || !cfg.Outputs.EVE.DHCP.Extended {
		t.Errorf("--set outputs.eve-log.dhcp.extended=yes: %+v, %v, %v", cfg.Outputs.EVE.DHCP, warnings, err)
	}
	if err := os.WriteFile(file, []byte("outputs:\n  eve-log:\n    dhcp: sometimes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadConfig(file, nil); err == nil {
		t.Error("dhcp: sometimes: want an error")
	}
}
