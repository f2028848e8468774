package signatures

// Hyperscan binding: compile, serialize, load and scan, through cgo directly. Fast patterns are
// compiled as regexes (every byte escaped) without per-pattern offset windows (hs_expr_ext):
// with windows, Hyperscan spent over a minute on ET Open's patterns; without, a fifth of a
// second. The match callback applies the windows instead. The callback is C: it appends the
// pattern id to a per-Matcher C array, so a scan never calls back into Go and allocates
// nothing.
//
// The literal API (hs_compile_lit_multi) would suit plain byte strings but is not used: in
// Hyperscan 5.4 a database that holds a long literal with a long run of one byte (ET Open has
// base64 "AAAA…" ones) misses every match in buffers shorter than about 35 bytes, and some in
// longer ones (TestPrefilterScanMatchesNaive, run against it, fails within a few dozen
// rounds). It compiled no faster than the escaped regexes here anyway.

/*
#cgo pkg-config: libhs
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <hs.h>

// nj_window bounds where a pattern's match may end; max 0 means unbounded.
typedef struct {
	unsigned long long min, max;
} nj_window;

typedef struct {
	unsigned int *ids;     // distinct ids of this scan
	unsigned int n;
	unsigned int cap;      // patterns in the database: ids are < cap
	unsigned char *seen;   // one byte per id, all zero between scans
	const nj_window *win;  // the scanned database's windows
} nj_hits;

// Windowed patterns are compiled without HS_FLAG_SINGLEMATCH: the first occurrence may fall
// outside the window and a later one inside, so every occurrence comes here and seen keeps the
// list distinct.
static int nj_on_match(unsigned int id, unsigned long long from, unsigned long long to,
		unsigned int flags, void *ctx) {
	nj_hits *h = (nj_hits *)ctx;
	if (id >= h->cap || h->seen[id]) {
		return 0;
	}
	const nj_window *w = &h->win[id];
	if (to < w->min || (w->max != 0 && to > w->max)) {
		return 0;
	}
	h->seen[id] = 1;
	h->ids[h->n++] = id;
	return 0;
}

// nj_scan takes its C-memory pointers as integers: cgo checks every pointer argument for Go
// pointers to Go pointers on each call, which cost about 2% of the packet path. data stays a
// pointer, so that the buffer is known to escape (a stack buffer could move under an integer).
static int nj_scan(uintptr_t db, uintptr_t win, const char *data, unsigned int len,
		uintptr_t scratch, uintptr_t hits) {
	nj_hits *h = (nj_hits *)hits;
	h->n = 0;
	h->win = (const nj_window *)win;
	int rc = hs_scan((const hs_database_t *)db, data, len, 0,
		(hs_scratch_t *)scratch, nj_on_match, h);
	for (unsigned int i = 0; i < h->n; i++) {
		h->seen[h->ids[i]] = 0;
	}
	return rc;
}

static nj_hits *nj_hits_new(unsigned int cap) {
	nj_hits *h = calloc(1, sizeof(nj_hits));
	if (h == NULL) {
		return NULL;
	}
	h->ids = calloc(cap ? cap : 1, sizeof(unsigned int));
	h->seen = calloc(cap ? cap : 1, 1);
	if (h->ids == NULL || h->seen == NULL) {
		free(h->ids);
		free(h->seen);
		free(h);
		return NULL;
	}
	h->cap = cap;
	return h;
}

static void nj_hits_free(nj_hits *h) {
	if (h != NULL) {
		free(h->ids);
		free(h->seen);
		free(h);
	}
}

// nj_compile compiles n literals laid end to end in buf (lens[i] bytes each, id i) as regexes
// with every byte escaped as \xHH, so no byte is ever read as regex syntax.
static hs_error_t nj_compile(const char *buf, const size_t *lens, const unsigned *flags,
		unsigned n, hs_database_t **db, int *bad, char *msg, size_t msgcap) {
	static const char hex[] = "0123456789abcdef";
	const char **exprs = calloc(n ? n : 1, sizeof(char *));
	unsigned *ids = malloc((n ? n : 1) * sizeof(unsigned));
	hs_error_t rc = HS_NOMEM;
	hs_compile_error_t *err = NULL;
	*bad = -1;
	msg[0] = 0;
	if (exprs == NULL || ids == NULL) {
		goto out;
	}
	size_t off = 0;
	for (unsigned i = 0; i < n; i++) {
		char *e = malloc(4 * lens[i] + 1);
		if (e == NULL) {
			goto out;
		}
		for (size_t j = 0; j < lens[i]; j++) {
			unsigned char c = (unsigned char)buf[off + j];
			e[4 * j] = '\\';
			e[4 * j + 1] = 'x';
			e[4 * j + 2] = hex[c >> 4];
			e[4 * j + 3] = hex[c & 15];
		}
		e[4 * lens[i]] = 0;
		exprs[i] = e;
		ids[i] = i;
		off += lens[i];
	}
	rc = hs_compile_multi(exprs, flags, ids, n, HS_MODE_BLOCK, NULL, db, &err);
	if (err != NULL) {
		*bad = err->expression;
		if (err->message != NULL) {
			strncpy(msg, err->message, msgcap - 1);
			msg[msgcap - 1] = 0;
		}
		hs_free_compile_error(err);
	}
out:
	if (exprs != NULL) {
		for (unsigned i = 0; i < n; i++) {
			free((void *)exprs[i]);
		}
	}
	free(exprs);
	free(ids);
	return rc;
}

static unsigned long long nj_platform(unsigned int *tune) {
	hs_platform_info_t p;
	if (hs_populate_platform(&p) != HS_SUCCESS) {
		*tune = 0;
		return 0;
	}
	*tune = p.tune;
	return p.cpu_features;
}
*/
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"
)

const (
	hsFlagCaseless    = uint32(C.HS_FLAG_CASELESS)
	hsFlagSingleMatch = uint32(C.HS_FLAG_SINGLEMATCH)
)

// hsDB is one block-mode database owned by an Engine, with the end-offset window of each
// pattern id (C memory, read by the match callback).
type hsDB struct {
	db   *C.hs_database_t
	win  *C.nj_window
	nPat int
}

// hsVersion names the library version and the platform the databases are built for; it is part
// of every cache key because serialized databases are only valid for the version and CPU
// features that built them.
func hsVersion() string {
	var tune C.uint
	feat := C.nj_platform(&tune)
	return fmt.Sprintf("%s/tune=%d/features=%#x", C.GoString(C.hs_version()), uint(tune), uint64(feat))
}

// compilePatterns builds the block-mode database for pats (id = index) and its serialized form.
// On a compile error naming one pattern, bad is its index (-1 otherwise).
func compilePatterns(pats []fastPattern) (db *hsDB, data []byte, bad int, err error) {
	n := len(pats)
	if n == 0 {
		return nil, nil, -1, fmt.Errorf("no patterns to compile")
	}
	total := 0
	for i := range pats {
		total += len(pats[i].lit)
	}
	buf := (*C.char)(C.malloc(C.size_t(max(total, 1))))
	lens := (*C.size_t)(C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof(C.size_t(0)))))
	flags := (*C.uint)(C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof(C.uint(0)))))
	defer C.free(unsafe.Pointer(buf))
	defer C.free(unsafe.Pointer(lens))
	defer C.free(unsafe.Pointer(flags))
	if buf == nil || lens == nil || flags == nil {
		return nil, nil, -1, fmt.Errorf("out of memory for %d patterns", n)
	}
	bs := unsafe.Slice((*byte)(unsafe.Pointer(buf)), max(total, 1))
	ls := unsafe.Slice(lens, n)
	fs := unsafe.Slice(flags, n)
	off := 0
	for i := range pats {
		off += copy(bs[off:], pats[i].lit)
		ls[i] = C.size_t(len(pats[i].lit))
		fs[i] = C.uint(pats[i].hsFlags())
	}
	var cdb *C.hs_database_t
	var cbad C.int
	var msg [256]C.char
	rc := C.nj_compile(buf, lens, flags, C.uint(n), &cdb, &cbad, &msg[0], C.size_t(len(msg)))
	if rc != C.HS_SUCCESS {
		if rc == C.HS_COMPILER_ERROR && int(cbad) >= 0 && int(cbad) < n {
			return nil, nil, int(cbad), fmt.Errorf("hyperscan: %s", C.GoString(&msg[0]))
		}
		return nil, nil, -1, fmt.Errorf("hs_compile_multi: error %d: %s", int(rc), C.GoString(&msg[0]))
	}
	var sbytes *C.char
	var slen C.size_t
	if src := C.hs_serialize_database(cdb, &sbytes, &slen); src != C.HS_SUCCESS {
		C.hs_free_database(cdb)
		return nil, nil, -1, fmt.Errorf("hs_serialize_database: error %d", int(src))
	}
	data = C.GoBytes(unsafe.Pointer(sbytes), C.int(slen))
	C.free(unsafe.Pointer(sbytes))
	db, err = newHSDB(cdb, pats)
	return db, data, -1, err
}

// loadHSDB deserializes a database read from the cache; pats must be the patterns it was built
// from (the cache key guarantees it).
func loadHSDB(data []byte, pats []fastPattern) (*hsDB, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("empty serialized database")
	}
	var cdb *C.hs_database_t
	cdata := C.CBytes(data)
	defer C.free(cdata)
	if rc := C.hs_deserialize_database((*C.char)(cdata), C.size_t(len(data)), &cdb); rc != C.HS_SUCCESS {
		return nil, fmt.Errorf("hs_deserialize_database: error %d", int(rc))
	}
	return newHSDB(cdb, pats)
}

// newHSDB takes ownership of cdb and attaches the pattern windows.
func newHSDB(cdb *C.hs_database_t, pats []fastPattern) (*hsDB, error) {
	win := (*C.nj_window)(C.calloc(C.size_t(max(len(pats), 1)), C.size_t(unsafe.Sizeof(C.nj_window{}))))
	if win == nil {
		C.hs_free_database(cdb)
		return nil, fmt.Errorf("out of memory for %d pattern windows", len(pats))
	}
	ws := unsafe.Slice(win, max(len(pats), 1))
	for i := range pats {
		ws[i].min = C.ulonglong(pats[i].minEnd)
		ws[i].max = C.ulonglong(pats[i].maxEnd)
	}
	h := &hsDB{db: cdb, win: win, nPat: len(pats)}
	runtime.SetFinalizer(h, func(h *hsDB) {
		C.hs_free_database(h.db)
		C.free(unsafe.Pointer(h.win))
	})
	return h, nil
}

// hsScanner is one worker's Hyperscan scratch and hit buffer, big enough for every database of
// an engine. Not safe for concurrent use.
type hsScanner struct {
	scratch *C.hs_scratch_t
	hits    *C.nj_hits
	ids     []C.uint // view of hits->ids
}

func newHSScanner(dbs []*hsDB) (*hsScanner, error) {
	s := &hsScanner{}
	nPat := 0
	for _, d := range dbs {
		// hs_alloc_scratch grows an existing scratch to fit each further database.
		if rc := C.hs_alloc_scratch(d.db, &s.scratch); rc != C.HS_SUCCESS {
			if s.scratch != nil {
				C.hs_free_scratch(s.scratch)
			}
			return nil, fmt.Errorf("hs_alloc_scratch: error %d", int(rc))
		}
		nPat = max(nPat, d.nPat)
	}
	s.hits = C.nj_hits_new(C.uint(nPat))
	if s.hits == nil {
		if s.scratch != nil {
			C.hs_free_scratch(s.scratch)
		}
		return nil, fmt.Errorf("out of memory for the hit buffer")
	}
	s.ids = unsafe.Slice(s.hits.ids, max(nPat, 1))
	runtime.SetFinalizer(s, func(s *hsScanner) {
		if s.scratch != nil {
			C.hs_free_scratch(s.scratch)
		}
		C.nj_hits_free(s.hits)
	})
	return s, nil
}

// scan runs db over data and returns the distinct ids of the patterns that matched inside their
// windows. The slice is valid until the next scan. db must be one of the databases the scanner
// was made for: the hit buffer is sized by their pattern counts.
func (s *hsScanner) scan(db *hsDB, data []byte) []C.uint {
	if len(data) == 0 || len(data) > 1<<31-1 {
		return nil
	}
	rc := C.nj_scan(C.uintptr_t(uintptr(unsafe.Pointer(db.db))), C.uintptr_t(uintptr(unsafe.Pointer(db.win))),
		(*C.char)(unsafe.Pointer(&data[0])), C.uint(len(data)),
		C.uintptr_t(uintptr(unsafe.Pointer(s.scratch))), C.uintptr_t(uintptr(unsafe.Pointer(s.hits))))
	runtime.KeepAlive(data)
	runtime.KeepAlive(db)
	if rc != C.HS_SUCCESS {
		return nil
	}
	return s.ids[:s.hits.n]
}
