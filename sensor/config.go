package sensor

import (
	"errors"
	"fmt"
	"github.com/nightjar-ids/nightjar/signatures"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Config is the sensor's whole configuration. Keys follow suricata.yaml where Suricata has the
// same setting, so a Suricata user's config (and suricata-verify's --set overrides) mostly carry
// over; keys Nightjar does not know are reported and ignored. docs/config.md documents every key.
type Config struct {
	Vars          Vars          `yaml:"vars"`
	DefaultLogDir string        `yaml:"default-log-dir"`
	Workers       int           `yaml:"workers"` // 0: one per CPU
	SensorName    string        `yaml:"sensor-name"`
	Outputs       Outputs       `yaml:"outputs"`
	PcapFile      PcapFile      `yaml:"pcap-file"`
	Decoder       DecoderConfig `yaml:"decoder"`
	Defrag        DefragConfig  `yaml:"defrag"`
	Flow          FlowConfig    `yaml:"flow"`
	FlowTimeouts  FlowTimeouts  `yaml:"flow-timeouts"`
	Stream        StreamConfig  `yaml:"stream"`

	// Live capture (nightjar run), as suricata.yaml names it (sensor/live-config.go).
	AFPacket []AFPacketConfig `yaml:"af-packet"`
	Stats    StatsConfig      `yaml:"stats"`
	RunAs    RunAsConfig      `yaml:"run-as"`

	// Rules, as suricata.yaml names them (sensor/config-detect.go).
	DefaultRulePath     string       `yaml:"default-rule-path"`
	RuleFiles           []string     `yaml:"rule-files"`
	ClassificationFile  string       `yaml:"classification-file"`
	ReferenceConfigFile string       `yaml:"reference-config-file"`
	ThresholdFile       string       `yaml:"threshold-file"`
	Detect              DetectConfig `yaml:"detect"`

	// Datasets, as suricata.yaml names them (sensor/config-datasets.go): data-dir is where
	// rules' dataset save and state files go.
	DataDir      string         `yaml:"data-dir"`
	Datasets     DatasetsConfig `yaml:"datasets"`
	datasetState *datasetsHolder

	// App-layer parser settings, as suricata.yaml names them (sensor/applayer-config.go).
	AppLayer AppLayerConfig `yaml:"app-layer"`
}

// Vars holds the address and port groups rules refer to ($HOME_NET …).
type Vars struct {
	AddressGroups map[string]string `yaml:"address-groups"`
	PortGroups    map[string]string `yaml:"port-groups"`
}

// Outputs says what is written into the log directory.
type Outputs struct {
	EVE   EVEOutput   `yaml:"eve-log"`
	Arrow ArrowOutput `yaml:"arrow"`
	Fast  FastOutput  `yaml:"fast"`
	// Flight sends the same Arrow batches to a collector (sensor/outputs.go, export.FlightSink).
	Flight FlightOutput `yaml:"flight"`
}

// FlightOutput configures the Arrow Flight export to a collector.
type FlightOutput struct {
	Enabled      bool     `yaml:"enabled"`
	Address      string   `yaml:"address"`   // host:port, grpc:// or grpc+tls://
	Token        string   `yaml:"token"`     // bearer token
	CAFile       string   `yaml:"ca-file"`   // PEM CA bundle; turns TLS on
	SpoolDir     string   `yaml:"spool-dir"` // relative to the log directory unless absolute
	SpoolMax     ByteSize `yaml:"spool-max-bytes"`
	QueueBatches int      `yaml:"queue-batches"`
	InFlight     ByteSize `yaml:"in-flight-bytes"`
	DrainTimeout int      `yaml:"drain-timeout"` // seconds to wait for acknowledgements at exit
}

// EVEOutput configures eve.json.
type EVEOutput struct {
	Enabled bool `yaml:"enabled"`
	// Filetype is Suricata's: regular (a file, the default), unix_stream or unix_dgram (Filename
	// is then a socket path; lines that cannot be sent are dropped and counted, never waited for).
	Filetype string `yaml:"filetype"`
	Filename string `yaml:"filename"`
	// Rotation of a regular file, both off by default (logrotate and SIGHUP still work): past
	// RotateBytes, or RotateInterval after it was started, the file becomes <filename>.<UTC time>.
	RotateBytes    ByteSize `yaml:"rotate-bytes"`
	RotateInterval string   `yaml:"rotate-interval"` // 30s, 5m, 1h, 1d, minute, hour, day, or seconds
	Anomaly        bool     `yaml:"anomaly"`         // decoder anomalies as EVE anomaly events
	Flow           bool     `yaml:"flow"`
	Stats          bool     `yaml:"stats"`
	Alert          bool     `yaml:"alert"`
	// TaggedPackets writes the packets rules tagged (the tag keyword) as EVE packet events
	// (Suricata's eve-log alert option tagged-packets, on in its shipped configuration).
	TaggedPackets bool `yaml:"tagged-packets"`
	// App-layer events, as Suricata's eve-log types http, dns, tls, ssh, dhcp, smtp, ftp, smb and dcerpc.
	HTTP bool       `yaml:"http"`
	DNS  EVEDNSLog  `yaml:"dns"` // a bool, or Suricata's dns options (version, formats …)
	TLS  bool       `yaml:"tls"`
	SSH  bool       `yaml:"ssh"`
	DHCP EVEDHCPLog `yaml:"dhcp"` // a bool, or Suricata's dhcp options (extended)
	SMTP EVESMTPLog `yaml:"smtp"` // a bool, or Suricata's smtp options (extended)
	// FTP is Suricata's eve-log type "ftp": ftp events per control-channel transaction and
	// ftp_data events per data connection.
	FTP bool `yaml:"ftp"`
	// SMB and DCERPC are Suricata's eve-log types smb (SMB transactions, DCERPC over named
	// pipes inside them) and dcerpc (DCERPC over TCP).
	SMB    bool `yaml:"smb"`
	DCERPC bool `yaml:"dcerpc"`
	// Files is Suricata's eve-log type "files": a fileinfo event per HTTP request or response
	// body, per SMTP attachment and per FTP data transfer.
	Files bool `yaml:"files"`
}

// EVEDNSLog is eve-log's dns setting. `dns: false` turns the events off; a mapping takes the
// options of Suricata's eve-log dns type, each defaulting as there.
type EVEDNSLog struct {
	Enabled bool `yaml:"enabled"`
	// Version is the event layout: 3 (Suricata 8's default) or 2 (Suricata 7's). 0 means
	// $SURICATA_EVE_DNS_VERSION when set, as Suricata 8 reads it, else 3.
	Version   int      `yaml:"version"`
	Requests  bool     `yaml:"requests"`  // log requests (queries)
	Responses bool     `yaml:"responses"` // log responses (answers)
	Formats   []string `yaml:"formats"`   // detailed, grouped; none listed: both
}

// UnmarshalYAML takes a bool or a mapping (see unmarshalEVEType).
func (d *EVEDNSLog) UnmarshalYAML(n *yaml.Node) error {
	type plain EVEDNSLog
	return unmarshalEVEType(n, "dns", &d.Enabled, func(n *yaml.Node) error { return n.Decode((*plain)(d)) })
}

// EVEDHCPLog is eve-log's dhcp setting, a bool or a mapping like dns.
type EVEDHCPLog struct {
	Enabled bool `yaml:"enabled"`
	// Extended logs every message with all the options Suricata knows; off (Suricata's shipped
	// setting), only acknowledgements are logged, with what maps a MAC address to an IP address.
	Extended bool `yaml:"extended"`
}

// UnmarshalYAML takes a bool or a mapping (see unmarshalEVEType).
func (d *EVEDHCPLog) UnmarshalYAML(n *yaml.Node) error {
	type plain EVEDHCPLog
	return unmarshalEVEType(n, "dhcp", &d.Enabled, func(n *yaml.Node) error { return n.Decode((*plain)(d)) })
}

// EVESMTPLog is eve-log's smtp setting, a bool or a mapping like dhcp.
type EVESMTPLog struct {
	Enabled bool `yaml:"enabled"`
	// Extended adds the email's subject, message_id, x_mailer, date and received headers (off in
	// Suricata's shipped configuration).
	Extended bool `yaml:"extended"`
}

// UnmarshalYAML takes a bool or a mapping (see unmarshalEVEType).
func (d *EVESMTPLog) UnmarshalYAML(n *yaml.Node) error {
	type plain EVESMTPLog
	return unmarshalEVEType(n, "smtp", &d.Enabled, func(n *yaml.Node) error { return n.Decode((*plain)(d)) })
}

// unmarshalEVEType reads an eve-log event type that Suricata configures either as a bare name
// or with options: a bool turns it on or off with the other options as they were; a mapping
// (decoded by decode, into a type without this method) turns it on unless it says enabled: false.
func unmarshalEVEType(n *yaml.Node, name string, enabled *bool, decode func(*yaml.Node) error) error {
	if n.Kind == yaml.ScalarNode {
		var on bool
		if err := n.Decode(&on); err != nil {
			return fmt.Errorf("eve-log %s: line %d: want a bool or a mapping: %w", name, n.Line, err)
		}
		*enabled = on
		return nil
	}
	*enabled = true
	if err := decode(n); err != nil {
		return fmt.Errorf("eve-log %s: %w", name, err)
	}
	return nil
}

// ArrowOutput configures the Arrow IPC stream files.
type ArrowOutput struct {
	Enabled       bool   `yaml:"enabled"`
	FlowsDir      string `yaml:"flows-dir"`
	AlertsDir     string `yaml:"alerts-dir"`
	AnomaliesDir  string `yaml:"anomalies-dir"`
	StatsDir      string `yaml:"stats-dir"`
	BatchRows     int    `yaml:"batch-rows"`
	BatchAgeMs    int    `yaml:"batch-age-ms"` // a batch is cut once its first row has waited this long
	RotateBytes   int64  `yaml:"rotate-bytes"`
	RotateSeconds int    `yaml:"rotate-seconds"`
}

// PcapFile holds settings for reading capture files.
type PcapFile struct {
	ChecksumChecks string `yaml:"checksum-checks"` // auto, yes, no
}

// DecoderConfig holds tunnel decoding settings (Suricata's decoder section).
type DecoderConfig struct {
	MaxLayers      int `yaml:"max-layers"`
	RecursionLevel struct {
		// UseForTracking keys flows on the tunnel depth too (default true, as in Suricata).
		UseForTracking bool `yaml:"use-for-tracking"`
	} `yaml:"recursion-level"`
	VXLAN  TunnelPorts  `yaml:"vxlan"`
	Geneve TunnelPorts  `yaml:"geneve"`
	Teredo TunnelPorts  `yaml:"teredo"`
	GTPU   TunnelPorts  `yaml:"gtpu"`
	ERSPAN ERSPANConfig `yaml:"erspan"`
}

// TunnelPorts enables a UDP tunnel decoder on a set of ports.
type TunnelPorts struct {
	Enabled bool     `yaml:"enabled"`
	Ports   PortList `yaml:"ports"`
}

// ERSPANConfig holds ERSPAN settings. TypeI.Enabled is read for compatibility only: Suricata
// 6.0 made type I decoding unconditional and ignores it, as Nightjar does.
type ERSPANConfig struct {
	TypeI struct {
		Enabled bool `yaml:"enabled"`
	} `yaml:"typeI"`
}

// DefragConfig bounds IP reassembly.
type DefragConfig struct {
	Memcap   ByteSize `yaml:"memcap"`
	Trackers int      `yaml:"trackers"`
	Timeout  int      `yaml:"timeout"` // seconds
}

// FlowConfig bounds the flow table.
type FlowConfig struct {
	Memcap            ByteSize `yaml:"memcap"`
	EmergencyRecovery int      `yaml:"emergency-recovery"` // percent
	// ElephantThreshold bypasses a flow once it has carried this many bytes, both directions
	// together (0, the default: never). Nightjar's; Suricata has no such key.
	ElephantThreshold ByteSize `yaml:"elephant-threshold"`
	// BypassMapSize is how many flows the XDP bypass map holds (default 65536); past it the
	// kernel evicts the least recently used, whose packets then come back to the rings.
	BypassMapSize int `yaml:"bypass-map-size"`
}

// FlowTimeouts are Suricata's flow-timeouts, in seconds, per protocol.
type FlowTimeouts struct {
	Default ProtoTimeouts `yaml:"default"`
	TCP     ProtoTimeouts `yaml:"tcp"`
	UDP     ProtoTimeouts `yaml:"udp"`
	ICMP    ProtoTimeouts `yaml:"icmp"`
}

// ProtoTimeouts are one protocol's timeouts in seconds.
type ProtoTimeouts struct {
	New                  int `yaml:"new"`
	Established          int `yaml:"established"`
	Closed               int `yaml:"closed"`
	Bypassed             int `yaml:"bypassed"`
	EmergencyNew         int `yaml:"emergency-new"`
	EmergencyEstablished int `yaml:"emergency-established"`
	EmergencyClosed      int `yaml:"emergency-closed"`
	EmergencyBypassed    int `yaml:"emergency-bypassed"`
}

// StreamConfig holds TCP stream settings.
type StreamConfig struct {
	Memcap    ByteSize `yaml:"memcap"`
	Midstream bool     `yaml:"midstream"`
	// Bypass bypasses a TCP flow once reassembly is done with both directions and the depth
	// ended at least one (Suricata's stream.bypass; default no).
	Bypass bool `yaml:"bypass"`
	// AsyncOneside: sessions seen from one side only still establish (stream.async-oneside).
	AsyncOneside bool `yaml:"async-oneside"`
	// Inline: stream data is inspected as it arrives instead of once acknowledged
	// (stream.inline; Suricata's IPS mode, also used by its tests to pin alerts to packets).
	Inline     bool `yaml:"inline"`
	Reassembly struct {
		Memcap ByteSize `yaml:"memcap"`
		Depth  ByteSize `yaml:"depth"`
	} `yaml:"reassembly"`
}

// DefaultConfig is the configuration with no file: Suricata's shipped defaults (DESIGN.md).
func DefaultConfig() Config {
	var c Config
	c.Vars.AddressGroups = signatures.DefaultAddressGroups()
	c.Vars.PortGroups = signatures.DefaultPortGroups()
	c.DefaultLogDir = "."
	c.SensorName = hostnameOr("nightjar")
	c.Outputs.EVE = EVEOutput{Enabled: true, Filename: "eve.json", Anomaly: true, Flow: true, Stats: true, Alert: true,
		TaggedPackets: true, HTTP: true, DNS: EVEDNSLog{Enabled: true, Requests: true, Responses: true}, TLS: true, SSH: true, Files: true,
		DHCP: EVEDHCPLog{Enabled: true}, SMTP: EVESMTPLog{Enabled: true}, FTP: true, SMB: true, DCERPC: true}
	c.Outputs.Arrow = ArrowOutput{Enabled: true, FlowsDir: "flows", AlertsDir: "alerts", AnomaliesDir: "anomalies", StatsDir: "stats",
		BatchRows: 65536, BatchAgeMs: 1000, RotateBytes: 256 << 20, RotateSeconds: 300}
	c.Outputs.Fast = FastOutput{Enabled: true, Filename: "fast.log"}
	c.Outputs.Flight = FlightOutput{SpoolDir: "flight-spool", SpoolMax: 1 << 30, QueueBatches: 64, InFlight: 64 << 20, DrainTimeout: 30}
	c.PcapFile.ChecksumChecks = "auto"
	c.Decoder.MaxLayers = 16
	c.Decoder.RecursionLevel.UseForTracking = true
	c.Decoder.VXLAN = TunnelPorts{Enabled: true, Ports: PortList{4789}}
	c.Decoder.Geneve = TunnelPorts{Enabled: true, Ports: PortList{6081}}
	c.Decoder.Teredo = TunnelPorts{Enabled: true, Ports: PortList{3544}}
	c.Decoder.GTPU = TunnelPorts{Enabled: true, Ports: PortList{2152}}
	c.Defrag = DefragConfig{Memcap: 32 << 20, Trackers: 65535, Timeout: 60}
	c.Flow = FlowConfig{Memcap: 128 << 20, EmergencyRecovery: 30}
	c.FlowTimeouts = FlowTimeouts{
		Default: ProtoTimeouts{New: 30, Established: 300, Closed: 0, Bypassed: 100, EmergencyNew: 10, EmergencyEstablished: 100, EmergencyClosed: 0, EmergencyBypassed: 50},
		TCP:     ProtoTimeouts{New: 60, Established: 600, Closed: 60, Bypassed: 100, EmergencyNew: 5, EmergencyEstablished: 100, EmergencyClosed: 10, EmergencyBypassed: 50},
		UDP:     ProtoTimeouts{New: 30, Established: 300, Bypassed: 100, EmergencyNew: 10, EmergencyEstablished: 100, EmergencyBypassed: 50},
		ICMP:    ProtoTimeouts{New: 30, Established: 300, Bypassed: 100, EmergencyNew: 10, EmergencyEstablished: 100, EmergencyBypassed: 50},
	}
	c.Stream.Memcap = 64 << 20
	c.Stream.Reassembly.Memcap = 256 << 20
	c.Stream.Reassembly.Depth = 1 << 20
	c.Detect.CacheDir = defaultCacheDir()
	c.datasetState = &datasetsHolder{}
	return c
}

func hostnameOr(def string) string {
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return def
}

// LoadConfig builds the configuration: defaults, then the YAML file (if any), then each
// "key=value" override in order. Keys Nightjar does not know are returned as warnings, never
// as errors, so Suricata configs and overrides can be passed as they are.
func LoadConfig(file string, overrides []string) (Config, []string, error) {
	cfg := DefaultConfig()
	tree := map[string]any{}
	if file != "" {
		raw, err := os.ReadFile(file)
		if err != nil {
			return cfg, nil, fmt.Errorf("config: %w", err)
		}
		if err := yaml.Unmarshal(stripYAMLDirective(raw), &tree); err != nil {
			return cfg, nil, fmt.Errorf("config %s: %w", file, err)
		}
		if tree == nil {
			tree = map[string]any{}
		}
	}
	var warnings []string
	for _, o := range overrides {
		k, v, ok := strings.Cut(o, "=")
		if !ok || k == "" {
			return cfg, warnings, fmt.Errorf("--set %q: want key=value", o)
		}
		setPath(tree, strings.Split(k, "."), parseScalar(v))
		if !knownKey(reflect.TypeOf(cfg), strings.Split(k, ".")) {
			warnings = append(warnings, fmt.Sprintf("--set %s: unknown key, ignored", k))
		}
	}
	if file != "" {
		var unknown []string
		collectUnknown(reflect.TypeOf(cfg), tree, "", &unknown)
		if len(unknown) > 0 {
			sort.Strings(unknown)
			warnings = append(warnings, fmt.Sprintf("config %s: %d unknown keys ignored (%s)", file, len(unknown), abbreviate(unknown, 8)))
		}
	}
	pruneUnknown(reflect.TypeOf(cfg), tree)
	merged, err := yaml.Marshal(tree)
	if err != nil {
		return cfg, warnings, fmt.Errorf("config: %w", err)
	}
	if err := yaml.Unmarshal(merged, &cfg); err != nil {
		return cfg, warnings, fmt.Errorf("config: %w", err)
	}
	p := &cfg.AppLayer.Protocols
	if err := errors.Join(p.TLS.validate("tls"), p.SSH.validate("ssh")); err != nil {
		return cfg, warnings, fmt.Errorf("config: %w", err)
	}
	return cfg, warnings, nil
}

// stripYAMLDirective drops suricata.yaml's "%YAML 1.1" line, which yaml.v3 refuses.
func stripYAMLDirective(b []byte) []byte {
	s := string(b)
	if strings.HasPrefix(s, "%YAML") {
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			return []byte(s[i+1:])
		}
	}
	return b
}

func parseScalar(v string) any {
	var out any
	if err := yaml.Unmarshal([]byte(v), &out); err != nil || out == nil {
		return v
	}
	switch out.(type) {
	case map[string]any, []any:
		return out
	}
	return out
}

func setPath(tree map[string]any, path []string, v any) {
	for i, p := range path {
		if i == len(path)-1 {
			tree[p] = v
			return
		}
		next, ok := tree[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			tree[p] = next
		}
		tree = next
	}
}

// fieldByTag finds the struct field whose yaml tag is name, else the inline map that takes
// the keys no field names (datasets: the sets by name).
func fieldByTag(t reflect.Type, name string) (reflect.StructField, bool) {
	var inline *reflect.StructField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if tag == name && tag != "" {
			return f, true
		}
		if tag == "" && opts == "inline" && f.Type.Kind() == reflect.Map {
			inline = &f
		}
	}
	if inline != nil {
		return *inline, true
	}
	return reflect.StructField{}, false
}

func knownKey(t reflect.Type, path []string) bool {
	for _, p := range path {
		switch t.Kind() {
		case reflect.Map:
			t = t.Elem()
			continue
		case reflect.Struct:
			f, ok := fieldByTag(t, p)
			if !ok {
				return false
			}
			t = f.Type
		default:
			return false
		}
	}
	return true
}

func collectUnknown(t reflect.Type, tree map[string]any, prefix string, out *[]string) {
	if t.Kind() != reflect.Struct {
		return
	}
	for k, v := range tree {
		f, ok := fieldByTag(t, k)
		if !ok {
			*out = append(*out, prefix+k)
			continue
		}
		if sub, ok := v.(map[string]any); ok && f.Type.Kind() == reflect.Struct {
			collectUnknown(f.Type, sub, prefix+k+".", out)
		}
	}
}

// pruneUnknown removes keys the Config does not have, and values of the wrong shape for a
// struct, so that decoding the merged tree cannot fail on a Suricata-only section.
func pruneUnknown(t reflect.Type, tree map[string]any) {
	for k, v := range tree {
		f, ok := fieldByTag(t, k)
		if !ok {
			delete(tree, k)
			continue
		}
		if f.Type.Kind() == reflect.Struct && !reflect.PointerTo(f.Type).Implements(yamlUnmarshaler) {
			sub, ok := v.(map[string]any)
			if !ok {
				delete(tree, k)
				continue
			}
			pruneUnknown(f.Type, sub)
		}
	}
}

// yamlUnmarshaler is the interface of struct settings that decode other shapes themselves (a
// bool for a mapping): pruneUnknown leaves their values alone.
var yamlUnmarshaler = reflect.TypeFor[yaml.Unmarshaler]()

func abbreviate(s []string, n int) string {
	if len(s) <= n {
		return strings.Join(s, ", ")
	}
	return strings.Join(s[:n], ", ") + ", …"
}

// PortList is a list of ports that YAML may give as 4789, "4789", "[4789, 8472]" or a sequence.
type PortList []uint16

// UnmarshalYAML accepts every form Suricata configs use.
func (p *PortList) UnmarshalYAML(n *yaml.Node) error {
	var out PortList
	add := func(s string) error {
		for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '[' || r == ']' || r == ' ' }) {
			v, err := strconv.ParseUint(part, 10, 16)
			if err != nil {
				return fmt.Errorf("line %d: bad port %q", n.Line, part)
			}
			out = append(out, uint16(v))
		}
		return nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if err := add(n.Value); err != nil {
			return err
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if err := add(c.Value); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("line %d: ports: want a port or a list", n.Line)
	}
	*p = out
	return nil
}

// ByteSize is a size that YAML may give as a number or with a unit: 32mb, 1 MiB, 64kb.
type ByteSize int64

// UnmarshalYAML parses Suricata's size notation.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseByteSize(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*b = ByteSize(v)
	return nil
}

// ParseByteSize parses "1048576", "1mb", "1 MiB", "64kb", "2gb".
func ParseByteSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, err := strconv.ParseFloat(t[:i], 64)
	if err != nil {
		return 0, fmt.Errorf("bad size %q", s)
	}
	mult := float64(1)
	switch strings.TrimSpace(t[i:]) {
	case "", "b":
	case "k", "kb", "kib":
		mult = 1 << 10
	case "m", "mb", "mib":
		mult = 1 << 20
	case "g", "gb", "gib":
		mult = 1 << 30
	default:
		return 0, fmt.Errorf("bad size unit in %q", s)
	}
	return int64(num * mult), nil
}
