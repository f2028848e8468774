package ssh

// SSH message numbers the parser acts on (RFC 4253 §12).
const (
	msgKexInit = 20
	msgNewKeys = 21
)

// Config bounds what one flow buffers.
type Config struct {
	// MaxBanner is the longest identification line kept; longer ones raise ssh.long_banner
	// and are cut. RFC 4253 allows 255 characters plus CR LF. Default 256.
	MaxBanner int
	// MaxLinesBeforeBanner is how many non-"SSH-" lines a server may send before its banner
	// (RFC 4253 §4.2 allows them). Default 16.
	MaxLinesBeforeBanner int
	// MaxKexInit is the largest KEXINIT buffered for HASSH; larger ones are skipped and raise
	// ssh.invalid_record. Default 32 KiB.
	MaxKexInit int
	// MaxPacket is the largest binary packet length accepted before encryption; more is
	// ssh.invalid_record and the direction is given up. Default 256 KiB (OpenSSH's limit).
	MaxPacket int
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{MaxBanner: 256, MaxLinesBeforeBanner: 16, MaxKexInit: 32 << 10, MaxPacket: 256 << 10}
}

// Side is what one endpoint said: EVE ssh.client or ssh.server.
type Side struct {
	ProtoVersion    []byte // EVE proto_version, ssh.proto buffer: "2.0", "1.99"
	SoftwareVersion []byte // EVE software_version, ssh.software buffer: "OpenSSH_8.9p1"
	HASSHString     []byte // EVE hassh.string: "kex;enc;mac;comp" of this side's KEXINIT
	HASSH           []byte // EVE hassh.hash: MD5 of HASSHString, lowercase hex
}

// side is the parse state of one direction.
type side struct {
	Side
	line       []byte // banner line being collected
	lineOver   bool   // the line passed MaxBanner: drop until LF
	skipped    int    // lines before the banner
	bannerDone bool
	v1         bool // SSH-1 (not 1.99): its binary protocol is not followed
	hdr        [6]byte
	hdrN       int
	left       int // bytes of the current packet still to come after the header
	kex        []byte
	kexOn      bool // collecting a KEXINIT
	newKeys    bool
	failed     bool
	packets    uint64
}

func (d *side) reset() {
	*d = side{
		Side: Side{
			ProtoVersion: d.ProtoVersion[:0], SoftwareVersion: d.SoftwareVersion[:0],
			HASSHString: d.HASSHString[:0], HASSH: d.HASSH[:0],
		},
		line: d.line[:0], kex: d.kex[:0],
	}
}

// State is the SSH parse state of one flow, reused across flows with Reset. Byte slices it
// returns are valid until the next Feed or Reset.
type State struct {
	cfg    Config
	client side
	server side
	events [NumEvents]uint32
	order  []Event
}

// New returns a State with cfg's limits; zero fields take their defaults.
func New(cfg Config) *State {
	def := DefaultConfig()
	if cfg.MaxBanner <= 0 {
		cfg.MaxBanner = def.MaxBanner
	}
	if cfg.MaxLinesBeforeBanner <= 0 {
		cfg.MaxLinesBeforeBanner = def.MaxLinesBeforeBanner
	}
	if cfg.MaxKexInit <= 0 {
		cfg.MaxKexInit = def.MaxKexInit
	}
	if cfg.MaxPacket <= 0 {
		cfg.MaxPacket = def.MaxPacket
	}
	return &State{cfg: cfg, order: make([]Event, 0, 8)}
}

// Reset clears the state for a new flow, keeping its buffers.
func (s *State) Reset() {
	s.client.reset()
	s.server.reset()
	s.events = [NumEvents]uint32{}
	s.order = s.order[:0]
}

func (s *State) side(toServer bool) *side {
	if toServer {
		return &s.client
	}
	return &s.server
}

func (s *State) event(e Event) {
	if s.events[e] == 0 && len(s.order) < cap(s.order) {
		s.order = append(s.order, e)
	}
	s.events[e]++
}

// Client and Server are EVE ssh.client and ssh.server; empty until the banner is complete.
func (s *State) Client() *Side { return &s.client.Side }

// Server is what the server said.
func (s *State) Server() *Side { return &s.server.Side }

// BannerDone reports that one side's identification line has been read.
func (s *State) BannerDone(toServer bool) bool { return s.side(toServer).bannerDone }

// Encrypted reports that both sides have sent SSH_MSG_NEWKEYS: the rest is ciphertext and the
// flow may be bypassed (Suricata's encryption-handling).
func (s *State) Encrypted() bool { return s.client.newKeys && s.server.newKeys }

// Done reports that neither side will yield anything more (encrypted, SSH-1 or failed).
func (s *State) Done() bool {
	return s.client.finished() && s.server.finished()
}

func (d *side) finished() bool { return d.newKeys || d.failed || d.v1 && d.bannerDone }

// Failed reports that a side stopped being parsed.
func (s *State) Failed(toServer bool) bool { return s.side(toServer).failed }

// Events returns the distinct events raised, in the order first seen (at most 8).
func (s *State) Events() []Event { return s.order }

// EventCount returns how often e was raised.
func (s *State) EventCount(e Event) uint32 {
	if e >= NumEvents {
		return 0
	}
	return s.events[e]
}

// Packets counts the binary packets seen before encryption in one direction.
func (s *State) Packets(toServer bool) uint64 { return s.side(toServer).packets }

// Feed parses the next in-order bytes of one direction.
func (s *State) Feed(toServer bool, data []byte) {
	d := s.side(toServer)
	for len(data) > 0 && !d.finished() {
		if !d.bannerDone {
			data = s.banner(d, toServer, data)
			continue
		}
		data = s.packet(d, data)
	}
}

// Gap tells the parser n bytes of one direction were lost. Before the keys change framing is
// lost for good, so the direction is given up; after, nothing was being parsed anyway.
func (s *State) Gap(toServer bool, n int) {
	d := s.side(toServer)
	if n <= 0 || d.finished() {
		return
	}
	d.failed = true
	s.event(EventStreamGap)
}
