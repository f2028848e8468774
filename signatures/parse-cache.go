package signatures

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc64"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"unsafe"

	"github.com/google/gonids"
)

// Parsed-rule cache. gonids costs about three quarters of loading ET Open (its lexer runs a
// goroutine and a 4096-item channel per rule), and what the rule builder reads of its output
// is small: the header fields, msg, and the decoded contents and pcres. gonids is a pure
// function of the rule text, so for a rule file of many rules that digest is kept in the
// cache directory, keyed by the file's bytes, the gonids version and the digest layout; a
// later load of the same file reads the digests instead of running gonids. Everything after
// gonids (variables, classifications, keyword checks) runs as on a cold load, so the cache
// can never make a rule differ from a cold load of the same text.

// gonidsDigest is what the rule builder reads of gonids's parse of one rule.
type gonidsDigest struct {
	input       uint64   // textHash of the text gonids parsed: a cached digest serves only that text
	err         string   // gonids refused the rule: its message; nothing else is set
	unknown     []string // keywords gonids does not know, lower-cased
	protocol    string
	bidir       bool
	src, dst    gonidsEnd
	description string
	contents    []gonidsContent
	pcres       []gonidsPCRE
}

type gonidsEnd struct {
	negNets, negPorts bool
	nets, ports       []string
}

type gonidsContent struct {
	pattern []byte
	negate  bool
}

type gonidsPCRE struct {
	pattern, options []byte
	negate           bool
}

// gonidsMu serialises gonids, which keeps its parser state in package variables.
var gonidsMu sync.Mutex

// gonids's lexer allocates a 4096-item channel per rule, about 100 KB of garbage each: over a
// large file the collector would run every few hundred rules, and it took a quarter of a cold
// ET Open load. While gonids parses a large file, the garbage collector's target is raised
// (GOGC 400, unless it is already higher or off); concurrent loads share one raise and the
// last to finish restores the setting.
const (
	gonidsGCReliefBytes   = 1 << 20
	gonidsGCReliefPercent = 400
)

var gcRelief struct {
	sync.Mutex
	users int
	prev  int
}

func gonidsGCRelief() func() {
	gcRelief.Lock()
	if gcRelief.users == 0 {
		gcRelief.prev = debug.SetGCPercent(gonidsGCReliefPercent)
		if gcRelief.prev < 0 || gcRelief.prev >= gonidsGCReliefPercent {
			debug.SetGCPercent(gcRelief.prev)
		}
	}
	gcRelief.users++
	gcRelief.Unlock()
	return func() {
		gcRelief.Lock()
		gcRelief.users--
		if gcRelief.users == 0 && gcRelief.prev >= 0 && gcRelief.prev < gonidsGCReliefPercent {
			debug.SetGCPercent(gcRelief.prev)
		}
		gcRelief.Unlock()
	}
}

// runGonids parses text with gonids and keeps the digest.
func runGonids(text string) *gonidsDigest {
	gonidsMu.Lock()
	g, gerr := gonids.ParseRule(text)
	gonidsMu.Unlock()
	d := &gonidsDigest{input: textHash(text)}
	var uerr *gonids.UnsupportedOptionError
	if errors.As(gerr, &uerr) {
		g = uerr.Rule
		for _, o := range uerr.Options {
			d.unknown = append(d.unknown, strings.ToLower(o))
		}
	} else if gerr != nil {
		d.err = gerr.Error()
		return d
	}
	if g == nil {
		d.err = "not a rule"
		return d
	}
	d.protocol, d.bidir, d.description = g.Protocol, g.Bidirectional, g.Description
	d.src = gonidsEnd{g.Source.NegateNets, g.Source.NegatePorts, g.Source.Nets, g.Source.Ports}
	d.dst = gonidsEnd{g.Destination.NegateNets, g.Destination.NegatePorts, g.Destination.Nets, g.Destination.Ports}
	for _, m := range g.Matchers {
		switch m := m.(type) {
		case *gonids.Content:
			d.contents = append(d.contents, gonidsContent{m.Pattern, m.Negate})
		case *gonids.PCRE:
			d.pcres = append(d.pcres, gonidsPCRE{m.Pattern, m.Options, m.Negate})
		}
	}
	return d
}

// textHash is a CRC-64 of the text gonids parsed. It only guards against serving a digest to
// a different text when the file's bytes matched (the code that prepares gonids's input
// changed), so it need not resist collisions on purpose.
func textHash(s string) uint64 {
	return crc64.Update(0, crc64Table, unsafe.Slice(unsafe.StringData(s), len(s)))
}

var crc64Table = crc64.MakeTable(crc64.ECMA)

// parseCacheMinRules is the least number of rules a load needs for its files' digests to be
// cached.
const parseCacheMinRules = 500

// fileDigests are the digests of one rule file's rules, by the rule's position in the file
// (nil where parseRule stopped before gonids).
type fileDigests struct {
	cached []*gonidsDigest // read from the cache; nil on a miss
	made   []*gonidsDigest // this load's, in file order
	fresh  int             // digests gonids made in this load
}

// next returns the digest of the next rule of the file, from the cache or from gonids.
func (f *fileDigests) next(text string) *gonidsDigest {
	i := len(f.made)
	if i < len(f.cached) && f.cached[i] != nil && f.cached[i].input == textHash(text) {
		f.made = append(f.made, f.cached[i])
		return f.cached[i]
	}
	d := runGonids(text)
	f.made = append(f.made, d)
	f.fresh++
	return d
}

// skip records a rule of the file that did not reach gonids.
func (f *fileDigests) skip() { f.made = append(f.made, nil) }

// parseCacheTag names everything the digests depend on besides the file's bytes.
var parseCacheTag = sync.OnceValue(func() string {
	v := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == "github.com/google/gonids" {
				v = m.Version
				if m.Replace != nil {
					v = m.Replace.Path + "@" + m.Replace.Version
				}
			}
		}
	}
	return "nightjar-parse-v2\x00gonids " + v + "\x00"
})

func parseCachePath(dir string, data []byte) string {
	h := sha256.New()
	h.Write([]byte(parseCacheTag()))
	h.Write(data)
	return filepath.Join(dir, hex.EncodeToString(h.Sum(nil))+".rules-parse")
}

// loadFileDigests returns the digests cached for a rule file with these bytes (cached nil on
// a miss or a damaged entry).
func loadFileDigests(dir string, data []byte) *fileDigests {
	f := &fileDigests{}
	if dir == "" {
		return f
	}
	if b, err := os.ReadFile(parseCachePath(dir, data)); err == nil {
		if body, ok := unsealCache(b); ok {
			if ds, err := decodeDigests(body); err == nil {
				f.cached = ds
			}
		}
	}
	return f
}

// store writes the digests of a file when gonids had to parse some of its rules. Failing to write costs the
// next load a gonids parse, nothing more.
func (f *fileDigests) store(dir string, data []byte) {
	if dir == "" || f.fresh == 0 {
		return
	}
	_ = writeFileAtomic(parseCachePath(dir, data), sealCache(encodeDigests(f.made)))
}

// Digest encoding: a count, then per rule a presence byte and its fields, strings and byte
// strings as uvarint length + bytes.

func encodeDigests(ds []*gonidsDigest) []byte {
	var b []byte
	str := func(s []byte) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	strs := func(l []string) {
		b = binary.AppendUvarint(b, uint64(len(l)))
		for _, s := range l {
			str([]byte(s))
		}
	}
	flag := func(v bool) {
		if v {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(ds)))
	for _, d := range ds {
		flag(d != nil)
		if d == nil {
			continue
		}
		b = binary.LittleEndian.AppendUint64(b, d.input)
		str([]byte(d.err))
		strs(d.unknown)
		str([]byte(d.protocol))
		flag(d.bidir)
		for _, e := range [2]*gonidsEnd{&d.src, &d.dst} {
			flag(e.negNets)
			flag(e.negPorts)
			strs(e.nets)
			strs(e.ports)
		}
		str([]byte(d.description))
		b = binary.AppendUvarint(b, uint64(len(d.contents)))
		for _, c := range d.contents {
			str(c.pattern)
			flag(c.negate)
		}
		b = binary.AppendUvarint(b, uint64(len(d.pcres)))
		for _, p := range d.pcres {
			str(p.pattern)
			str(p.options)
			flag(p.negate)
		}
	}
	return b
}

var errBadDigests = errors.New("damaged parse cache entry")

// digestReader decodes what encodeDigests wrote; the first problem sticks in err and every
// later read returns zero values.
type digestReader struct {
	b   []byte
	err error
}

func (r *digestReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errBadDigests
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *digestReader) uint64() uint64 {
	if r.err != nil || len(r.b) < 8 {
		r.err = errBadDigests
		return 0
	}
	v := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

func (r *digestReader) bytes() []byte {
	n := r.uvarint()
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.err = errBadDigests
		return nil
	}
	s := bytes.Clone(r.b[:n])
	r.b = r.b[n:]
	if s == nil {
		s = []byte{}
	}
	return s
}

func (r *digestReader) str() string {
	n := r.uvarint()
	if r.err != nil {
		return ""
	}
	if n > uint64(len(r.b)) {
		r.err = errBadDigests
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// count reads a list length, bounded by the bytes left (every element takes at least one).
func (r *digestReader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.err = errBadDigests
		return 0
	}
	return int(n)
}

func (r *digestReader) strs() []string {
	n := r.count()
	if n == 0 {
		return nil
	}
	l := make([]string, n)
	for i := range l {
		l[i] = r.str()
	}
	return l
}

func (r *digestReader) flag() bool {
	if r.err != nil || len(r.b) == 0 {
		r.err = errBadDigests
		return false
	}
	v := r.b[0]
	r.b = r.b[1:]
	if v > 1 {
		r.err = errBadDigests
	}
	return v == 1
}

func decodeDigests(b []byte) ([]*gonidsDigest, error) {
	r := &digestReader{b: b}
	ds := make([]*gonidsDigest, r.count())
	for i := range ds {
		if !r.flag() {
			continue
		}
		d := &gonidsDigest{input: r.uint64()}
		d.err, d.unknown, d.protocol, d.bidir = r.str(), r.strs(), r.str(), r.flag()
		for _, e := range [2]*gonidsEnd{&d.src, &d.dst} {
			e.negNets, e.negPorts = r.flag(), r.flag()
			e.nets, e.ports = r.strs(), r.strs()
		}
		d.description = r.str()
		if n := r.count(); n > 0 {
			d.contents = make([]gonidsContent, n)
			for j := range d.contents {
				d.contents[j] = gonidsContent{r.bytes(), r.flag()}
			}
		}
		if n := r.count(); n > 0 {
			d.pcres = make([]gonidsPCRE, n)
			for j := range d.pcres {
				d.pcres[j] = gonidsPCRE{r.bytes(), r.bytes(), r.flag()}
			}
		}
		if r.err != nil {
			return nil, r.err
		}
		ds[i] = d
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%w: %d trailing bytes", errBadDigests, len(r.b))
	}
	if r.err != nil {
		return nil, r.err
	}
	return ds, nil
}
