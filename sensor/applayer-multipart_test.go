package sensor

import (
	"fmt"
	"strings"
	"testing"
)

func TestFormFiles(t *testing.T) {
	const bnd = "----x42"
	body := "--" + bnd + "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nfield value\r\n" +
		"--" + bnd + "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"one.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n" +
		"bytes\r\nwith --" + bnd + "x inside\r\n" +
		"--" + bnd + "\r\ncontent-disposition: form-data; name=\"g\"; filename=\"two.txt\"\n\nsecond\n" +
		"--" + bnd + "\r\nContent-Disposition: form-data; filename=\"cut.txt\"\r\n\r\nno end"
	ct := []byte("multipart/form-data; boundary=" + bnd)
	b := multipartBoundary(ct)
	if string(b) != bnd {
		t.Fatalf("boundary %q", b)
	}
	var got []string
	for pos := 0; pos < len(body); {
		f, next, ok := nextFormFile([]byte(body), b, pos)
		if !ok {
			break
		}
		got = append(got, fmt.Sprintf("%s=%q/%v", f.name, f.data, f.closed))
		pos = next
	}
	want := []string{`one.bin="bytes\r\nwith --` + bnd + `x inside"/true`, `two.txt="second"/true`, `cut.txt="no end"/false`}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("files\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if multipartBoundary([]byte("text/plain; boundary=x")) != nil {
		t.Error("a boundary outside multipart/form-data taken")
	}
}
