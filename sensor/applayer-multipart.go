package sensor

import "bytes"

// Files in multipart/form-data request bodies, as Suricata's HTTP glue extracts them (it parses
// the parts itself, libhtp's multipart parser is off): every part whose Content-Disposition
// names a filename is a file holding the part's content, up to the CRLF before the next
// delimiter. A part the body ends inside (cut by the body limit or the stream) is a truncated
// file. Parts without a filename are form fields, not files.

var (
	crlfCRLF = []byte("\r\n\r\n")
	lfLF     = []byte("\n\n")
)

// formFile is one file part of a multipart body.
type formFile struct {
	name   []byte
	data   []byte
	closed bool // the delimiter after the part was seen
}

// multipartBoundary returns the boundary of a multipart/form-data Content-Type, nil when the
// value is not that or names none.
func multipartBoundary(ct []byte) []byte {
	if !containsFoldASCII(ct, "multipart/form-data") {
		return nil
	}
	b, ok := headerParam(ct, "boundary=")
	if !ok || len(b) == 0 {
		return nil
	}
	return b
}

// nextFormFile finds the first file part of body at or after pos; next is where to look for
// the one after it.
func nextFormFile(body, boundary []byte, pos int) (f formFile, next int, ok bool) {
	for {
		d := findDelimiter(body, boundary, pos)
		if d < 0 {
			return formFile{}, len(body), false
		}
		p := d + 2 + len(boundary)
		if p+1 < len(body) && body[p] == '-' && body[p+1] == '-' {
			return formFile{}, len(body), false // the closing delimiter
		}
		eol := bytes.IndexByte(body[p:], '\n')
		if eol < 0 {
			return formFile{}, len(body), false
		}
		hdrs := body[p+eol+1:]
		end, skip := bytes.Index(hdrs, crlfCRLF), 4
		if lf := bytes.Index(hdrs, lfLF); lf >= 0 && (end < 0 || lf < end) {
			end, skip = lf, 2
		}
		if end < 0 {
			return formFile{}, len(body), false // the part's headers were cut
		}
		start := p + eol + 1 + end + skip
		stop := findDelimiter(body, boundary, start)
		f = formFile{data: body[start:], closed: stop >= 0}
		next = len(body)
		if stop >= 0 {
			next = stop
			e := stop
			// The CRLF before the delimiter belongs to it, not to the content.
			if e > start && body[e-1] == '\n' {
				e--
				if e > start && body[e-1] == '\r' {
					e--
				}
			}
			f.data = body[start:e]
		}
		if name, ok := partFileName(hdrs[:end]); ok {
			f.name = name
			return f, next, true
		}
		pos = next
	}
}

// findDelimiter returns where "--" boundary starts a line at or after pos, -1 if nowhere.
func findDelimiter(body, boundary []byte, pos int) int {
	for pos < len(body) {
		i := bytes.Index(body[pos:], boundary)
		if i < 0 {
			return -1
		}
		at := pos + i - 2
		if at >= 0 && body[at] == '-' && body[at+1] == '-' && (at == 0 || body[at-1] == '\n') {
			return at
		}
		pos += i + 1
	}
	return -1
}

// partFileName reads the filename= of a part's Content-Disposition header.
func partFileName(hdrs []byte) ([]byte, bool) {
	for len(hdrs) > 0 {
		line := hdrs
		if i := bytes.IndexByte(hdrs, '\n'); i >= 0 {
			line, hdrs = hdrs[:i], hdrs[i+1:]
		} else {
			hdrs = nil
		}
		c := bytes.IndexByte(line, ':')
		if c < 0 || !equalFoldASCII(bytes.TrimRight(line[:c], " \t"), "content-disposition") {
			continue
		}
		return headerParam(bytes.TrimRight(line[c+1:], "\r"), "filename=")
	}
	return nil, false
}

func equalFoldASCII(b []byte, s string) bool {
	return len(b) == len(s) && hasPrefixFold(b, s)
}

// containsFoldASCII reports whether s (lower case) occurs in b ignoring ASCII case.
func containsFoldASCII(b []byte, s string) bool {
	for i := 0; i+len(s) <= len(b); i++ {
		if hasPrefixFold(b[i:], s) {
			return true
		}
	}
	return false
}
