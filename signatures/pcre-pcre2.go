package signatures

// The PCRE2 binding is written against the library's stable C ABI (the _8 entry points and the
// option bits of pcre2.h 10.x), declared here so that building needs only the runtime library
// libpcre2-8.so.0 that every Debian system carries, not the -dev package.

/*
#cgo LDFLAGS: -l:libpcre2-8.so.0
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct pcre2_real_code_8 pcre2_code_8;
typedef struct pcre2_real_match_data_8 pcre2_match_data_8;
typedef struct pcre2_real_match_context_8 pcre2_match_context_8;

extern pcre2_code_8 *pcre2_compile_8(const uint8_t *pattern, size_t length, uint32_t options,
	int *errorcode, size_t *erroroffset, void *ccontext);
extern int pcre2_jit_compile_8(pcre2_code_8 *code, uint32_t options);
extern void pcre2_code_free_8(pcre2_code_8 *code);
extern int pcre2_pattern_info_8(const pcre2_code_8 *code, uint32_t what, void *where);
extern pcre2_match_data_8 *pcre2_match_data_create_8(uint32_t ovecsize, void *gcontext);
extern void pcre2_match_data_free_8(pcre2_match_data_8 *md);
extern size_t *pcre2_get_ovector_pointer_8(pcre2_match_data_8 *md);
extern int pcre2_match_8(const pcre2_code_8 *code, const uint8_t *subject, size_t length,
	size_t startoffset, uint32_t options, pcre2_match_data_8 *md, pcre2_match_context_8 *mcontext);
extern pcre2_match_context_8 *pcre2_match_context_create_8(void *gcontext);
extern int pcre2_set_match_limit_8(pcre2_match_context_8 *mcontext, uint32_t value);
extern int pcre2_set_depth_limit_8(pcre2_match_context_8 *mcontext, uint32_t value);
extern int pcre2_get_error_message_8(int errorcode, uint8_t *buffer, size_t bufflen);

static uint32_t nj_capture_count(const pcre2_code_8 *code) {
	uint32_t n = 0;
	pcre2_pattern_info_8(code, 4, &n); // PCRE2_INFO_CAPTURECOUNT
	return n;
}
*/
import "C"

import (
	"fmt"
	"runtime"
	"sync"
	"unsafe"
)

// Option bits from pcre2.h (stable across PCRE2 10.x).
const (
	pcre2Anchored      = 0x80000000
	pcre2Caseless      = 0x00000008
	pcre2DollarEndOnly = 0x00000010
	pcre2DotAll        = 0x00000020
	pcre2Extended      = 0x00000080
	pcre2Multiline     = 0x00000400
	pcre2Ungreedy      = 0x00040000
	pcre2JITComplete   = 0x00000001
	pcre2ErrorNoMatch  = -1
)

// Suricata's default pcre.match-limit and pcre.match-limit-recursion: a regex that needs more
// work than this is "no match", exactly as in Suricata, instead of a worker stall.
const (
	pcreMatchLimit = 3500
	pcreDepthLimit = 1500
)

// pcreCode is one compiled regular expression. It is read-only after compilation and so is
// shared by all workers; per-match state lives in a pcreScratch.
type pcreCode struct {
	code     *C.pcre2_code_8
	captures int
	// jit JIT-compiles the expression before its first match rather than at load: most
	// expressions of a large rule set never run, and JIT compiling all of ET Open's took a
	// quarter of a cached start. Every match still runs JIT code, as before.
	jit sync.Once
}

var (
	limitedCtxOnce sync.Once
	limitedCtx     *C.pcre2_match_context_8
)

func limitedMatchContext() *C.pcre2_match_context_8 {
	limitedCtxOnce.Do(func() {
		limitedCtx = C.pcre2_match_context_create_8(nil)
		if limitedCtx != nil {
			C.pcre2_set_match_limit_8(limitedCtx, pcreMatchLimit)
			C.pcre2_set_depth_limit_8(limitedCtx, pcreDepthLimit)
		}
	})
	return limitedCtx
}

func compilePCRE(pattern string, options uint32) (*pcreCode, error) {
	var errCode C.int
	var errOff C.size_t
	p := C.CBytes([]byte(pattern))
	defer C.free(p)
	code := C.pcre2_compile_8((*C.uint8_t)(p), C.size_t(len(pattern)), C.uint32_t(options), &errCode, &errOff, nil)
	if code == nil {
		return nil, fmt.Errorf("pcre compile error at offset %d: %s", int(errOff), pcreErrorMessage(int(errCode)))
	}
	pc := &pcreCode{code: code, captures: int(C.nj_capture_count(code))}
	runtime.SetFinalizer(pc, func(pc *pcreCode) { C.pcre2_code_free_8(pc.code) })
	return pc, nil
}

func pcreErrorMessage(code int) string {
	var buf [256]C.uint8_t
	n := C.pcre2_get_error_message_8(C.int(code), &buf[0], C.size_t(len(buf)))
	if n < 0 {
		return fmt.Sprintf("error %d", code)
	}
	return C.GoStringN((*C.char)(unsafe.Pointer(&buf[0])), n)
}

// pcreScratch is the per-worker match data: one ovector big enough for every expression of
// the rule set, allocated once so a match allocates nothing.
type pcreScratch struct {
	md  *C.pcre2_match_data_8
	ovp *C.size_t
}

func newPCREScratch(maxCaptures int) *pcreScratch {
	md := C.pcre2_match_data_create_8(C.uint32_t(maxCaptures+1), nil)
	if md == nil {
		panic("signatures: pcre2_match_data_create failed (out of memory)")
	}
	s := &pcreScratch{md: md, ovp: C.pcre2_get_ovector_pointer_8(md)}
	runtime.SetFinalizer(s, func(s *pcreScratch) { C.pcre2_match_data_free_8(s.md) })
	return s
}

// emptySubject gives pcre2_match a valid pointer for a zero-length subject.
var emptySubject = [1]byte{}

// match runs the expression over subject from start. It returns the match bounds, or ok=false
// for no match and for a match error (limits hit), which Suricata also treats as no match.
// errored distinguishes the latter so a negated pcre does not turn an error into a match.
func (s *pcreScratch) match(pc *pcreCode, subject []byte, start int, limited bool) (from, to int, ok, errored bool) {
	ptr := &emptySubject[0]
	if len(subject) > 0 {
		ptr = &subject[0]
	}
	// JIT is an optimisation only; an expression the JIT refuses still runs interpreted.
	pc.jit.Do(func() { C.pcre2_jit_compile_8(pc.code, pcre2JITComplete) })
	var mctx *C.pcre2_match_context_8
	if limited {
		mctx = limitedMatchContext()
	}
	rc := C.pcre2_match_8(pc.code, (*C.uint8_t)(unsafe.Pointer(ptr)), C.size_t(len(subject)), C.size_t(start), 0, s.md, mctx)
	runtime.KeepAlive(subject)
	if rc < 0 {
		return 0, 0, false, rc != pcre2ErrorNoMatch
	}
	ov := unsafe.Slice(s.ovp, 2)
	return int(ov[0]), int(ov[1]), true, false
}
