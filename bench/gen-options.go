package bench

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/nightjar-ids/nightjar/sensor"
)

// Kind is one sort of conversation the generator makes.
type Kind uint8

// The conversation kinds, in the order Mix lists their weights.
const (
	KindHTTP Kind = iota
	KindDNS
	KindTLS12
	KindTLS13
	KindSSH
	KindBulkTCP
	KindBulkUDP
	numKinds
)

var kindNames = [numKinds]string{"http", "dns", "tls12", "tls13", "ssh", "tcp", "udp"}

func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "kind" + strconv.Itoa(int(k))
}

// Mix holds the relative weight of each conversation kind among new conversations.
type Mix [numKinds]float64

// DefaultMix is a web-heavy enterprise mix: most conversations are DNS lookups and short web
// exchanges, while the few bulk transfers and media streams carry a good share of the bytes.
var DefaultMix = Mix{KindHTTP: 25, KindDNS: 45, KindTLS12: 5, KindTLS13: 20, KindSSH: 1, KindBulkTCP: 1, KindBulkUDP: 1}

// ParseMix reads "http=30,dns=30,tls13=20,…". Kinds not named get weight 0.
func ParseMix(s string) (Mix, error) {
	var m Mix
	total := 0.0
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return m, fmt.Errorf("mix %q: want kind=weight", part)
		}
		idx := -1
		for i, n := range kindNames {
			if n == k {
				idx = i
			}
		}
		if idx < 0 {
			return m, fmt.Errorf("mix: unknown kind %q (kinds: %s)", k, strings.Join(kindNames[:], ", "))
		}
		w, err := strconv.ParseFloat(v, 64)
		if err != nil || w < 0 {
			return m, fmt.Errorf("mix: weight of %s: want a number ≥ 0, got %q", k, v)
		}
		m[idx] = w
		total += w
	}
	if total <= 0 {
		return m, fmt.Errorf("mix %q: all weights are zero", s)
	}
	return m, nil
}

func (m Mix) String() string {
	parts := make([]string, 0, numKinds)
	for i, w := range m {
		if w > 0 {
			parts = append(parts, kindNames[i]+"="+strconv.FormatFloat(w, 'g', -1, 64))
		}
	}
	return strings.Join(parts, ",")
}

// GenOptions says what traffic to generate. The same options and seed give the same bytes.
type GenOptions struct {
	Seed        uint64
	Size        int64   // target file size in bytes; the file ends once every open flow has closed
	Clients     int     // internal client hosts (10.1.0.0/16)
	Servers     int     // external server hosts (198.18.0.0/15, the benchmarking range)
	Concurrency int     // conversations in flight at once
	Mix         Mix     // weights of new conversations; zero value: DefaultMix
	AttackEvery int     // one attack transaction per this many conversations; 0: none
	Rate        float64 // mean packets per second of packet time
	Start       time.Time
	Progress    io.Writer // a line per second while generating; nil: quiet
}

// DefaultGenOptions are what `nightjar bench gen` uses when a flag is not given.
func DefaultGenOptions() GenOptions {
	return GenOptions{
		Seed: 1, Size: 64 << 20, Clients: 250, Servers: 500, Concurrency: 256,
		Mix: DefaultMix, AttackEvery: 500, Rate: 100_000,
		Start: time.Date(2024, 6, 3, 9, 0, 0, 0, time.UTC),
	}
}

func (o *GenOptions) check() error {
	switch {
	case o.Size <= 0:
		return fmt.Errorf("gen: size must be positive")
	case o.Clients < 1 || o.Clients > 65000:
		return fmt.Errorf("gen: clients %d: want 1…65000", o.Clients)
	case o.Servers < 1 || o.Servers > 100000:
		return fmt.Errorf("gen: servers %d: want 1…100000", o.Servers)
	case o.Concurrency < 1 || o.Concurrency > 1_000_000:
		return fmt.Errorf("gen: concurrency %d: want 1…1000000", o.Concurrency)
	case o.AttackEvery < 0:
		return fmt.Errorf("gen: attack-every must be ≥ 0")
	case o.Rate <= 0:
		return fmt.Errorf("gen: rate must be positive")
	}
	if o.Mix == (Mix{}) {
		o.Mix = DefaultMix
	}
	for _, w := range o.Mix {
		if w < 0 {
			return fmt.Errorf("gen: negative mix weight")
		}
	}
	if o.Start.IsZero() {
		o.Start = DefaultGenOptions().Start
	}
	return nil
}

// ParseSize reads sizes as the sensor's config does ("64mb", "10GB", "1048576").
func ParseSize(s string) (int64, error) {
	v, err := sensor.ParseByteSize(s)
	if err != nil {
		return 0, err
	}
	if v <= 0 {
		return 0, fmt.Errorf("size %q: want a positive size", s)
	}
	return v, nil
}
