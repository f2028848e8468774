package signatures

// Hyperscan runtime binding. gohs (github.com/flier/gohs/hyperscan) compiles and serializes the
// per-group databases; scanning goes through this small binding instead of gohs's Scan, whose
// per-call cgo.Handle and interface boxing allocate on every packet. The match callback is C: it
// appends the pattern id to a per-Matcher C array, so a scan never calls back into Go and
// allocates nothing. The database gohs built is moved over as its serialized form, which is
// also what the on-disk cache stores.

/*
#cgo pkg-config: libhs
#include <stdlib.h>
#include <hs.h>

typedef struct {
	unsigned int *ids;
	unsigned int n;
	unsigned int cap;
} nj_hits;

static int nj_on_match(unsigned int id, unsigned long long from, unsigned long long to,
		unsigned int flags, void *ctx) {
	nj_hits *h = (nj_hits *)ctx;
	if (h->n < h->cap) {
		h->ids[h->n++] = id;
	}
	return 0;
}

static int nj_scan(const hs_database_t *db, const char *data, unsigned int len,
		hs_scratch_t *scratch, nj_hits *h) {
	h->n = 0;
	return hs_scan(db, data, len, 0, scratch, nj_on_match, h);
}

static nj_hits *nj_hits_new(unsigned int cap) {
	nj_hits *h = calloc(1, sizeof(nj_hits));
	if (h == NULL) {
		return NULL;
	}
	h->ids = calloc(cap ? cap : 1, sizeof(unsigned int));
	if (h->ids == NULL) {
		free(h);
		return NULL;
	}
	h->cap = cap;
	return h;
}

static void nj_hits_free(nj_hits *h) {
	if (h != NULL) {
		free(h->ids);
		free(h);
	}
}
*/
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"
)

// hsDB is one deserialized block-mode database owned by an Engine.
type hsDB struct {
	db *C.hs_database_t
}

// hsVersion is the library version string; it is part of every cache key because serialized
// databases are only valid for the version (and platform) that built them.
func hsVersion() string { return C.GoString(C.hs_version()) }

// loadHSDB deserializes a database produced by gohs's Marshal (or read from the cache).
func loadHSDB(data []byte) (*hsDB, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("empty serialized database")
	}
	var db *C.hs_database_t
	cdata := C.CBytes(data)
	defer C.free(cdata)
	if rc := C.hs_deserialize_database((*C.char)(cdata), C.size_t(len(data)), &db); rc != C.HS_SUCCESS {
		return nil, fmt.Errorf("hs_deserialize_database: error %d", int(rc))
	}
	h := &hsDB{db: db}
	runtime.SetFinalizer(h, func(h *hsDB) { C.hs_free_database(h.db) })
	return h, nil
}

// hsScanner is one worker's Hyperscan scratch and hit buffer, big enough for every database of
// an engine. Not safe for concurrent use.
type hsScanner struct {
	scratch *C.hs_scratch_t
	hits    *C.nj_hits
	ids     []C.uint // view of hits->ids
}

func newHSScanner(dbs []*hsDB, maxPatterns int) (*hsScanner, error) {
	s := &hsScanner{}
	for _, d := range dbs {
		if rc := C.hs_alloc_scratch(d.db, &s.scratch); rc != C.HS_SUCCESS {
			if s.scratch != nil {
				C.hs_free_scratch(s.scratch)
			}
			return nil, fmt.Errorf("hs_alloc_scratch: error %d", int(rc))
		}
	}
	s.hits = C.nj_hits_new(C.uint(maxPatterns))
	if s.hits == nil {
		if s.scratch != nil {
			C.hs_free_scratch(s.scratch)
		}
		return nil, fmt.Errorf("out of memory for the hit buffer")
	}
	s.ids = unsafe.Slice(s.hits.ids, max(maxPatterns, 1))
	runtime.SetFinalizer(s, func(s *hsScanner) {
		if s.scratch != nil {
			C.hs_free_scratch(s.scratch)
		}
		C.nj_hits_free(s.hits)
	})
	return s, nil
}

// scan runs db over data and returns the ids of the patterns that matched (each once, as every
// pattern is compiled with HS_FLAG_SINGLEMATCH). The slice is valid until the next scan.
func (s *hsScanner) scan(db *hsDB, data []byte) []C.uint {
	if len(data) == 0 || len(data) > 1<<31-1 {
		return nil
	}
	rc := C.nj_scan(db.db, (*C.char)(unsafe.Pointer(&data[0])), C.uint(len(data)), s.scratch, s.hits)
	runtime.KeepAlive(data)
	runtime.KeepAlive(db)
	if rc != C.HS_SUCCESS {
		return nil
	}
	return s.ids[:s.hits.n]
}
