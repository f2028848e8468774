package sensor

import (
	"github.com/nightjar-ids/nightjar/decoders/http"
	"github.com/nightjar-ids/nightjar/export"
)

// File tracking of HTTP bodies, as Suricata 7 does it for its EVE fileinfo events: a body becomes
// a file once it delivered a byte of (transfer- and content-decoded) data, or lost one to a
// stream gap (the gap counts in the file's size, and the file closes TRUNCATED). A response
// body is a file named by Content-Disposition's filename= parameter, else by the request's
// normalised URI path. A request body is a file for PUT and for POST that is not
// multipart/form-data, named by the URI path; a form's files are its parts that name a filename
// (applayer-multipart.go). The file's data is the stored body: both stop at the same body
// limit, where Suricata closes the file as TRUNCATED.

// maxFileName is Suricata's SC_FILENAME_MAX: longer names are cut to it.
const maxFileName = 1024

// logFiles writes the fileinfo events of tx: its request file, then its response file.
func (a *appLayer) logFiles(tx *http.Tx) {
	if b := multipartBoundary(tx.RequestHeader("Content-Type")); b != nil && string(tx.Method) == "POST" {
		a.logFormFiles(tx, b)
	} else if len(tx.RequestBody) > 0 || tx.RequestFile.GapBytes > 0 {
		if name := requestFileName(tx); name != nil {
			a.writeFileInfo(tx, true, name, &tx.RequestFile, len(tx.RequestBody))
		}
	}
	if len(tx.ResponseBody) > 0 || tx.ResponseFile.GapBytes > 0 {
		if name := responseFileName(tx); name != nil {
			a.writeFileInfo(tx, false, name, &tx.ResponseFile, len(tx.ResponseBody))
		}
	}
}

// logFormFiles writes a fileinfo event per file part of a multipart/form-data request body.
func (a *appLayer) logFormFiles(tx *http.Tx, boundary []byte) {
	body := tx.RequestBody
	for pos := 0; pos < len(body); {
		f, next, ok := nextFormFile(body, boundary, pos)
		if !ok {
			return
		}
		pos = next
		bf := http.BodyFile{Truncated: !f.closed || tx.RequestFile.Truncated, Gaps: tx.RequestFile.Gaps}
		a.writeFileInfo(tx, true, capName(f.name), &bf, len(f.data))
	}
}

// writeFileInfo writes one file's event. The tuple is oriented as the file travelled: a download
// has the server as src (Suricata's LOG_DIR_FLOW_TOCLIENT).
func (a *appLayer) writeFileInfo(tx *http.Tx, toServer bool, name []byte, bf *http.BodyFile, size int) {
	fillHTTPEvent(&a.httpEv, tx)
	var e export.FileInfoEvent
	a.fillAppHeader(&e.AppHeader, !toServer)
	e.AppProto = appProtoNames[appHTTP]
	e.HTTP = &a.httpEv
	e.File = export.FileInfo{Filename: name, Gaps: bf.Gaps, State: export.FileStateClosed, Size: uint64(size) + uint64(bf.GapBytes),
		TxID: tx.ID}
	if bf.Truncated {
		e.File.State = export.FileStateTruncated
	}
	a.w.eve.FileInfo(&e)
}

// requestFileName names a request body's file; nil: the body is not tracked as a file.
func requestFileName(tx *http.Tx) []byte {
	switch string(tx.Method) {
	case "PUT":
	case "POST":
		if multipartBoundary(tx.RequestHeader("Content-Type")) != nil {
			return nil // its parts are the files (logFormFiles)
		}
	default:
		return nil
	}
	return capName(tx.URIPath)
}

// responseFileName names a response body's file; nil: the body is not tracked as a file (a
// response no request was seen for has no URI to name it by).
func responseFileName(tx *http.Tx) []byte {
	if name, ok := headerParam(tx.ResponseHeader("Content-Disposition"), "filename="); ok {
		return capName(name)
	}
	return capName(tx.URIPath)
}

func capName(b []byte) []byte {
	if len(b) > maxFileName {
		return b[:maxFileName:maxFileName]
	}
	return b
}

// headerParam finds a parameter in a header value such as Content-Disposition the way
// Suricata's HTTPParseContentDispositionHeader does, so that evasions parse alike: the value is
// split at ';' outside double quotes (a quote or ';' after '\' does not count), spaces after a
// ';' are skipped, and the first piece that starts with name (ASCII case-insensitive, '='
// included, nothing allowed around it) and is longer than it gives the value, with one leading
// and one trailing '"' removed. RFC 6266's filename*= is a different name and is not matched,
// as in Suricata. The first piece (the disposition type) is a candidate too.
func headerParam(v []byte, name string) ([]byte, bool) {
	i := 0
	for i < len(v) && isCSpace(v[i]) {
		i++
	}
	line := v[i:]
	quotes, start := 0, 0
	for x := 1; x < len(line); x++ {
		prevEsc := line[x-1] == '\\'
		if !prevEsc && line[x] == '"' {
			quotes++
		}
		last := x+1 == len(line)
		if !((!prevEsc && line[x] == ';') || last) || quotes%2 != 0 {
			continue
		}
		tok := line[start:x]
		if last {
			tok = line[start : x+1]
		}
		start = x + 1
		for start < len(line) && isCSpace(line[start]) {
			x++
			start++
		}
		if len(tok) > len(name) && hasPrefixFold(tok, name) {
			val := tok[len(name):]
			if val[0] == '"' {
				val = val[1:]
			}
			if len(val) > 0 && val[len(val)-1] == '"' {
				val = val[:len(val)-1]
			}
			return val, true
		}
	}
	return nil, false
}

// isCSpace is C's isspace in the "C" locale.
func isCSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

func hasPrefixFold(b []byte, prefix string) bool {
	if len(b) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}
