package sensor

import (
	"fmt"
	"time"

	"github.com/nightjar-ids/nightjar/sensor/capture"
)

// AFPacketConfig is one entry of the af-packet list, as in suricata.yaml: settings for the
// interface it names, or for every interface when the name is "default". Zero fields take the
// "default" entry's value, then the built-in default.
type AFPacketConfig struct {
	Interface   string `yaml:"interface"`
	ClusterID   int    `yaml:"cluster-id"`   // fanout group id; default 99, +1 per further interface
	ClusterType string `yaml:"cluster-type"` // cluster_flow (hash, default), cluster_cpu, cluster_qm, cluster_ebpf
	Defrag      *bool  `yaml:"defrag"`       // reassemble fragments before the hash (default yes)
	// Ring geometry. block-size and block-timeout are Suricata's keys; block-count and
	// frame-size are Nightjar's (Suricata derives them from ring-size, which is read as a frame
	// count when block-count is absent).
	BlockSize      ByteSize `yaml:"block-size"`    // default 1 MiB
	BlockCount     int      `yaml:"block-count"`   // default 64
	FrameSize      int      `yaml:"frame-size"`    // default 2048
	RingSize       int      `yaml:"ring-size"`     // frames per ring (Suricata); sets block-count when that is 0
	BlockTimeout   int      `yaml:"block-timeout"` // milliseconds, default 10
	BPFFilter      string   `yaml:"bpf-filter"`    // used when no filter is given on the command line
	DisablePromisc *bool    `yaml:"disable-promisc"`
	// Bypass hands bypassed flows to the XDP program of bpf/ (Suricata's af-packet bypass),
	// which drops their packets before the rings and counts them; default no. XDPMode is how
	// it attaches: auto (default: native, else generic), native (driver) or generic (soft).
	Bypass  *bool  `yaml:"bypass"`
	XDPMode string `yaml:"xdp-mode"`
}

// StatsConfig is Suricata's stats section: how often EVE stats events are written.
type StatsConfig struct {
	Enabled  *bool `yaml:"enabled"`  // default yes
	Interval int   `yaml:"interval"` // seconds, default 8
}

// RunAsConfig is Suricata's run-as section: the user (and group) `nightjar run` becomes once
// its packet sockets are open.
type RunAsConfig struct {
	User  string `yaml:"user"`
	Group string `yaml:"group"`
}

const (
	defaultClusterID     = 99
	defaultStatsInterval = 8
)

// statsInterval is how often EVE stats events are due; 0 when they are off.
func (c *Config) statsInterval() time.Duration {
	if c.Stats.Enabled != nil && !*c.Stats.Enabled {
		return 0
	}
	if c.Stats.Interval > 0 {
		return time.Duration(c.Stats.Interval) * time.Second
	}
	return defaultStatsInterval * time.Second
}

// afpacketFor resolves the settings of one interface: its own entry over the "default" entry
// over the built-in defaults. nth is its position on the command line, which offsets the
// default cluster id so that each interface gets a group of its own.
func (c *Config) afpacketFor(iface string, nth int) (AFPacketConfig, error) {
	var own, def AFPacketConfig
	for _, e := range c.AFPacket {
		switch e.Interface {
		case iface:
			own = e
		case "default":
			def = e
		}
	}
	out := AFPacketConfig{Interface: iface}
	for _, e := range []*AFPacketConfig{&def, &own} {
		overlayAFPacket(&out, e)
	}
	if out.ClusterID == 0 {
		out.ClusterID = defaultClusterID + nth
	}
	if out.ClusterID < 1 || out.ClusterID > 0xffff {
		return out, fmt.Errorf("af-packet %s: cluster-id %d out of range 1..65535", iface, out.ClusterID)
	}
	d := capture.DefaultRingOptions()
	if out.BlockSize == 0 {
		out.BlockSize = ByteSize(d.BlockSize)
	}
	if out.FrameSize == 0 {
		out.FrameSize = d.FrameSize
	}
	if out.BlockCount == 0 && out.RingSize > 0 && out.FrameSize > 0 {
		perBlock := max(int(out.BlockSize)/out.FrameSize, 1)
		out.BlockCount = (out.RingSize + perBlock - 1) / perBlock
	}
	if out.BlockCount == 0 {
		out.BlockCount = d.BlockCount
	}
	if out.BlockTimeout == 0 {
		out.BlockTimeout = int(d.BlockTimeout / time.Millisecond)
	}
	return out, nil
}

func overlayAFPacket(dst, src *AFPacketConfig) {
	if src.ClusterID != 0 {
		dst.ClusterID = src.ClusterID
	}
	if src.ClusterType != "" {
		dst.ClusterType = src.ClusterType
	}
	if src.Defrag != nil {
		dst.Defrag = src.Defrag
	}
	if src.BlockSize != 0 {
		dst.BlockSize = src.BlockSize
	}
	if src.BlockCount != 0 {
		dst.BlockCount = src.BlockCount
	}
	if src.FrameSize != 0 {
		dst.FrameSize = src.FrameSize
	}
	if src.RingSize != 0 {
		dst.RingSize = src.RingSize
	}
	if src.BlockTimeout != 0 {
		dst.BlockTimeout = src.BlockTimeout
	}
	if src.BPFFilter != "" {
		dst.BPFFilter = src.BPFFilter
	}
	if src.DisablePromisc != nil {
		dst.DisablePromisc = src.DisablePromisc
	}
	if src.Bypass != nil {
		dst.Bypass = src.Bypass
	}
	if src.XDPMode != "" {
		dst.XDPMode = src.XDPMode
	}
}

// ringOptions turns resolved settings into a ring's options (filter and eBPF program aside).
func (a *AFPacketConfig) ringOptions(fanout capture.FanoutMode) capture.RingOptions {
	return capture.RingOptions{
		Interface:    a.Interface,
		BlockSize:    int(a.BlockSize),
		BlockCount:   a.BlockCount,
		FrameSize:    a.FrameSize,
		BlockTimeout: time.Duration(a.BlockTimeout) * time.Millisecond,
		Promisc:      a.DisablePromisc == nil || !*a.DisablePromisc,
		Fanout: capture.FanoutOptions{
			Group:  uint16(a.ClusterID),
			Mode:   fanout,
			Defrag: a.Defrag == nil || *a.Defrag,
			ProgFD: -1,
		},
	}
}
