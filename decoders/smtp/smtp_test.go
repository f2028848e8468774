package smtp

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// attachment is the content of the test message's attachment.
var attachment = bytes.Repeat([]byte("Added a line of text, and another one.\n"), 9)

// conversation is a session as a client and a server send it: greeting, EHLO with a
// multi-line reply, AUTH, one mail with a multipart message (a quoted-printable text part
// with URLs, a base64 attachment, a dot-stuffed line), then QUIT.
func conversation() (client, server string) {
	b64 := base64.StdEncoding.EncodeToString(attachment)
	var enc strings.Builder
	for len(b64) > 76 {
		enc.WriteString(b64[:76] + "\r\n")
		b64 = b64[76:]
	}
	enc.WriteString(b64 + "\r\n")
	client = "EHLO GP\r\n" +
		"AUTH LOGIN\r\n" +
		"Z3VycGFydGFwQHBhdHJpb3RzLmlu\r\n" +
		"cHVuamFiQDEyMw==\r\n" +
		"MAIL FROM: <gurpartap@patriots.in> SIZE=1234\r\n" +
		"RCPT TO: <raj@yahoo.co.in>\r\n" +
		"RCPT TO:<second@example.com>\r\n" +
		"DATA\r\n" +
		"From: \"Gurpartap Singh\" <gurpartap@patriots.in>\r\n" +
		"To: <raj@yahoo.co.in>, \"Doe, John\" <jd@example.com>\r\n" +
		"Subject: NEWS\r\n" +
		" folded\r\n" +
		"Content-Type: multipart/mixed;\r\n" +
		"\tboundary=\"----=_NextPart_000_0004\"\r\n" +
		"\r\n" +
		"This is a multi-part message in MIME format.\r\n" +
		"\r\n" +
		"------=_NextPart_000_0004\r\n" +
		"Content-Type: text/plain; charset=us-ascii\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n" +
		"\r\n" +
		"See http://example.com/a?b=3D1 and =\r\n" +
		"HTTP://Other.example/x>.\r\n" +
		"..leading dot\r\n" +
		"\r\n" +
		"------=_NextPart_000_0004\r\n" +
		"Content-Type: text/plain;\r\n" +
		"\tname=\"NEWS.txt\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n" +
		"Content-Disposition: attachment;\r\n" +
		"\tfilename=\"NEWS.txt\"\r\n" +
		"\r\n" +
		enc.String() +
		"\r\n" +
		"------=_NextPart_000_0004--\r\n" +
		"\r\n" +
		".\r\n" +
		"QUIT\r\n"
	server = "220-xc90.websitewelcome.com ESMTP Exim 4.69\r\n" +
		"220 and/or bulk e-mail.\r\n" +
		"250-xc90.websitewelcome.com Hello GP\r\n" +
		"250-SIZE 52428800\r\n" +
		"250-AUTH PLAIN LOGIN\r\n" +
		"250-STARTTLS\r\n" +
		"250 HELP\r\n" +
		"334 VXNlcm5hbWU6\r\n" +
		"334 UGFzc3dvcmQ6\r\n" +
		"235 Authentication succeeded\r\n" +
		"250 OK\r\n" +
		"250 Accepted\r\n" +
		"250 Accepted\r\n" +
		"354 Enter message, ending with \".\" on a line by itself\r\n" +
		"250 OK id=1Mugho-0003Dg-Un\r\n" +
		"221 closing connection\r\n"
	return client, server
}

// play feeds a conversation in lock step, as the reassembler hands it over: each client
// command, then the server's reply to it; the message goes after the 354. Pieces are n bytes.
func play(p *Parser, client, server string, n int) { playTo(p.Feed, client, server, n) }

// playTo is play with the Feed calls going to fn.
func playTo(fn func(toServer bool, b []byte), client, server string, n int) {
	cl := strings.SplitAfter(client, "\r\n")
	sv := strings.SplitAfter(server, "\r\n")
	feed := func(toServer bool, s string) {
		for len(s) > 0 {
			k := min(n, len(s))
			fn(toServer, []byte(s[:k]))
			s = s[k:]
		}
	}
	// The greeting first.
	for len(sv) > 0 && strings.HasPrefix(sv[0], "220") {
		feed(false, sv[0])
		sv = sv[1:]
	}
	for len(cl) > 0 {
		c := cl[0]
		cl = cl[1:]
		feed(true, c)
		if strings.HasPrefix(c, "DATA") {
			feed(false, sv[0]) // 354
			sv = sv[1:]
			var msg strings.Builder
			for len(cl) > 0 {
				msg.WriteString(cl[0])
				done := cl[0] == ".\r\n"
				cl = cl[1:]
				if done {
					break
				}
			}
			feed(true, msg.String())
		}
		// The reply, all its lines.
		for len(sv) > 0 {
			l := sv[0]
			sv = sv[1:]
			feed(false, l)
			if len(l) < 4 || l[3] != '-' {
				break
			}
		}
	}
}

func TestConversation(t *testing.T) {
	client, server := conversation()
	for _, n := range []int{1, 2, 3, 7, 64, 1 << 20} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			p := NewParser(Config{})
			play(p, client, server, n)
			checkConversation(t, p)
		})
	}
}

func checkConversation(t *testing.T, p *Parser) {
	t.Helper()
	if p.Failed() || p.TLSUpgrade() {
		t.Fatalf("failed %v, tls %v", p.Failed(), p.TLSUpgrade())
	}
	if string(p.Helo()) != "GP" {
		t.Errorf("helo %q", p.Helo())
	}
	txs := p.Txs()
	// The mail, then QUIT in a transaction of its own (Suricata 8.0.0 makes one).
	if len(txs) != 2 {
		t.Fatalf("%d transactions", len(txs))
	}
	tx := txs[0]
	if !tx.Done() || !tx.Email || tx.ID != 0 || txs[1].ID != 1 || txs[1].Email {
		t.Fatalf("tx0 done %v email %v; tx1 %d email %v", tx.Done(), tx.Email, txs[1].ID, txs[1].Email)
	}
	if tx.Events != 0 {
		for e := Event(1); int(e) < NumEvents; e++ {
			if tx.Events.Has(e) {
				t.Errorf("event %v", e)
			}
		}
	}
	if string(tx.MailFrom()) != "<gurpartap@patriots.in>" {
		t.Errorf("mail from %q", tx.MailFrom())
	}
	if tx.NumRcpt() != 2 || string(tx.Rcpt(0)) != "<raj@yahoo.co.in>" || string(tx.Rcpt(1)) != "<second@example.com>" {
		t.Errorf("rcpt %d", tx.NumRcpt())
	}
	// Unfolding drops the continuation's first white space, as Suricata's does.
	if v, _ := tx.Header("subject"); string(v) != "NEWSfolded" {
		t.Errorf("subject %q", v)
	}
	if v, _ := tx.Header("to"); string(v) != `<raj@yahoo.co.in>, "Doe, John" <jd@example.com>` {
		t.Errorf("to %q", v)
	}
	if v, _ := tx.Header("content-type"); string(v) != `multipart/mixed;boundary="----=_NextPart_000_0004"` {
		t.Errorf("content-type %q", v)
	}
	if tx.NumHeaders() != 4 {
		t.Errorf("%d headers", tx.NumHeaders())
	}
	if tx.NumAttachments() != 1 || string(tx.Attachment(0)) != "NEWS.txt" {
		t.Errorf("attachments %d", tx.NumAttachments())
	}
	var urls []string
	for i := range tx.NumURLs() {
		urls = append(urls, string(tx.URL(i)))
	}
	// A text part's URLs are read from its lines as sent (not decoded), as Suricata does.
	if strings.Join(urls, " ") != "example.com/a?b=3D1 Other.example/x" {
		t.Errorf("urls %q", urls)
	}
	files := tx.Files()
	if len(files) != 1 {
		t.Fatalf("%d files", len(files))
	}
	f := files[0]
	if string(f.Name) != "NEWS.txt" || f.State != FileClosed || f.Size != uint64(len(attachment)) || !bytes.Equal(f.Data, attachment) {
		t.Errorf("file %q state %d size %d data %q", f.Name, f.State, f.Size, f.Data)
	}
}

func TestDotStuffingAndPlainAttachment(t *testing.T) {
	p := NewParser(Config{})
	p.Feed(false, []byte("220 hi\r\n"))
	p.Feed(true, []byte("HELO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"))
	p.Feed(false, []byte("250 a\r\n250 b\r\n250 c\r\n354 go\r\n"))
	p.Feed(true, []byte("Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n"+
		"Content-Disposition: attachment; filename*0=\"a\"; filename*1=b.txt\r\n\r\n"+
		"line one\r\n..two\r\n.\r\n"))
	tx := p.Txs()[0]
	f := tx.Files()
	if len(f) != 1 || string(f[0].Name) != "ab.txt" {
		t.Fatalf("files %+v", f)
	}
	// The message ended inside the part: the file closes with it, without the last line end.
	if string(f[0].Data) != "line one\r\n.two" || f[0].State != FileClosed || !tx.Done() {
		t.Errorf("data %q state %d", f[0].Data, f[0].State)
	}
}

func TestPipelining(t *testing.T) {
	p := NewParser(Config{})
	p.Feed(false, []byte("220 hi\r\n"))
	p.Feed(true, []byte("EHLO x\r\n"))
	p.Feed(false, []byte("250-hi\r\n250-PIPELINING\r\n250 SIZE 100\r\n"))
	// Everything in one go: the server announced PIPELINING, so the message follows DATA
	// without waiting for the 354.
	p.Feed(true, []byte("MAIL FROM:<u@d.com>\r\nRCPT TO:<j@e.com>\r\nDATA\r\nSubject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n"))
	p.Feed(false, []byte("250 Ok\r\n250 Ok\r\n354 End\r\n250 queued\r\n221 bye\r\n"))
	txs := p.Txs()
	if len(txs) != 2 || !txs[0].Done() || string(txs[0].MailFrom()) != "<u@d.com>" {
		t.Fatalf("%d txs", len(txs))
	}
	if v, _ := txs[0].Header("subject"); string(v) != "hi" {
		t.Errorf("subject %q", v)
	}
	if p.Failed() || len(p.pending) != 0 {
		t.Errorf("failed %v, %d pending", p.Failed(), len(p.pending))
	}
}

func TestStartTLS(t *testing.T) {
	p := NewParser(Config{})
	p.Feed(false, []byte("220 hi\r\n"))
	p.Feed(true, []byte("EHLO desktop.unx.ca\r\n"))
	p.Feed(false, []byte("250-hi\r\n250 STARTTLS\r\n"))
	p.Feed(true, []byte("STARTTLS\r\n"))
	if p.TLSUpgrade() {
		t.Fatal("upgraded before the reply")
	}
	p.Feed(false, []byte("220 go ahead\r\n"))
	if !p.TLSUpgrade() || len(p.Txs()) != 1 || !p.Txs()[0].Done() {
		t.Fatalf("upgrade %v", p.TLSUpgrade())
	}
	p.Feed(true, []byte{0x16, 3, 1, 0, 5, 'M', 'A', 'I', 'L', '\n'})
	if len(p.Txs()) != 1 {
		t.Errorf("TLS bytes parsed as commands")
	}
}

func TestRejectedStartTLSAndData(t *testing.T) {
	p := NewParser(Config{})
	p.Feed(false, []byte("220 hi\r\n"))
	p.Feed(true, []byte("STARTTLS\r\n"))
	p.Feed(false, []byte("501 no\r\n"))
	p.Feed(true, []byte("DATA\r\n"))
	p.Feed(false, []byte("554 no valid recipients\r\n"))
	tx := p.Txs()[0]
	if !tx.Events.Has(EventTLSRejected) || !tx.Events.Has(EventDataCommandRejected) || p.TLSUpgrade() || p.dataMode {
		t.Errorf("events %b", tx.Events)
	}
}

func TestRsetEndsTransaction(t *testing.T) {
	p := NewParser(Config{})
	p.Feed(false, []byte("220 hi\r\n"))
	p.Feed(true, []byte("HELO a\r\nMAIL FROM:<x@y>\r\nRSET\r\n"))
	p.Feed(false, []byte("250 a\r\n250 b\r\n250 reset\r\n"))
	p.Feed(true, []byte("MAIL FROM:<z@y>\r\n"))
	txs := p.Txs()
	if len(txs) != 2 || !txs[0].Done() || string(txs[1].MailFrom()) != "<z@y>" {
		t.Fatalf("%d txs", len(txs))
	}
	p.ReleaseDone(0)
	if len(p.Txs()) != 1 || p.Txs()[0].ID != 1 {
		t.Errorf("release kept %d", len(p.Txs()))
	}
}

func TestInvalidReplyFails(t *testing.T) {
	p := NewParser(Config{})
	p.Feed(false, []byte("220 hi\r\n"))
	p.Feed(true, []byte("HELO a\r\n"))
	p.Feed(false, []byte("999 what\r\n"))
	if !p.Failed() || !p.Txs()[0].Events.Has(EventInvalidReply) {
		t.Fatalf("failed %v", p.Failed())
	}
	p.Feed(true, []byte("MAIL FROM:<a@b>\r\n"))
	if p.Txs()[0].MailFrom() != nil {
		t.Error("parsed after failing")
	}
	// A greeting that is not 220 is flagged but parsing goes on.
	p.Reset()
	p.Feed(true, []byte("HELO a\r\n"))
	p.Feed(false, []byte("554 go away\r\n"))
	if p.Failed() || !p.Txs()[0].Events.Has(EventNoServerWelcomeMessage) {
		t.Errorf("failed %v events %b", p.Failed(), p.Txs()[0].Events)
	}
}

func TestLongCommandTruncated(t *testing.T) {
	p := NewParser(Config{})
	p.Feed(false, []byte("220 hi\r\n"))
	long := "HELO " + strings.Repeat("OBLAH", 1000) + "\r\nMAIL FROM:<a@b>\r\n"
	for i := 0; i < len(long); i += 1000 {
		p.Feed(true, []byte(long[i:min(i+1000, len(long))]))
	}
	tx := p.Txs()[0]
	if len(p.Helo()) != 4096-5 || !tx.Events.Has(EventTruncatedLine) || !tx.Events.Has(EventMaxCommandLineLenExceeded) {
		t.Errorf("helo %d events %b", len(p.Helo()), tx.Events)
	}
	if string(tx.MailFrom()) != "<a@b>" {
		t.Errorf("the line after the cut one was lost: %q", tx.MailFrom())
	}
	// A line of exactly the limit before its LF is cut too, its CR kept (Suricata's helo then
	// ends in "\r").
	p.Reset()
	p.Feed(false, []byte("220 hi\r\n"))
	p.Feed(true, []byte("HELO "+strings.Repeat("x", 4090)+"\r\nQUIT\r\n"))
	tx = p.Txs()[0]
	if h := p.Helo(); len(h) != 4091 || h[len(h)-1] != '\r' || !tx.Events.Has(EventTruncatedLine) || len(p.pending) != 2 {
		t.Errorf("helo %d events %b", len(p.Helo()), tx.Events)
	}
}

func TestBdat(t *testing.T) {
	p := NewParser(Config{})
	p.Feed(false, []byte("220 hi\r\n"))
	p.Feed(true, []byte("EHLO a\r\nMAIL FROM:<u@d>\r\nRCPT TO:<j@e>\r\n"))
	p.Feed(false, []byte("250-a\r\n250 CHUNKING\r\n250 ok\r\n250 ok\r\n"))
	msg := "Subject: chunked\r\n\r\nhttp://example.org/x\r\n"
	p.Feed(true, []byte(fmt.Sprintf("BDAT %d\r\n%s", 10, msg[:10])))
	p.Feed(true, []byte(fmt.Sprintf("BDAT %d LAST\r\n%s", len(msg)-10, msg[10:])))
	p.Feed(false, []byte("250 ok\r\n250 ok\r\n"))
	tx := p.Txs()[0]
	if !tx.Done() || !tx.Email {
		t.Fatal("BDAT LAST did not end the mail")
	}
	if v, _ := tx.Header("subject"); string(v) != "chunked" || tx.NumURLs() != 1 || string(tx.URL(0)) != "example.org/x" {
		t.Errorf("subject %q, %d urls", v, tx.NumURLs())
	}
	if !tx.Events.Has(EventBdatChunkLenExceeded) {
		t.Error("a chunk ending inside a line is not flagged")
	}
	p.Feed(true, []byte("BDAT x\r\n"))
	if !p.Failed() {
		t.Error("bad BDAT size accepted")
	}
}

func TestMIMEEvents(t *testing.T) {
	p := NewParser(Config{BodyMD5: true})
	p.Feed(false, []byte("220 hi\r\n"))
	p.Feed(true, []byte("DATA\r\n"))
	p.Feed(false, []byte("354 go\r\n"))
	name := strings.Repeat("12characters", 25)
	body := "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
		"--b\r\nContent-Type: application/octet-stream; name=\"" + name + "\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\nQUJD!\r\nREVG\r\n--b\r\n" + // "!REV" is invalid: that line is lost +
		"Content-Disposition: attachment; filename=q.txt\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"a=3Db=zz=\r\nc\r\n--b--\r\n"
	p.Feed(true, []byte(body+".\r\n"))
	tx := p.Txs()[0]
	for _, e := range []Event{EventMIMELongFilename, EventMIMEInvalidBase64, EventMIMEInvalidQP} {
		if !tx.Events.Has(e) {
			t.Errorf("no %v", e)
		}
	}
	f := tx.Files()
	if len(f) != 2 || len(f[0].Name) != 255 || string(f[0].Data) != "ABC" || string(f[1].Data) != "a=bc" {
		t.Fatalf("files %+v", f)
	}
	// The body's MD5 covers the message after its headers, line ends included.
	want := md5.Sum([]byte(body[strings.Index(body, "\r\n\r\n")+4:]))
	if !tx.HasBodyMD5 || tx.BodyMD5 != want {
		t.Errorf("body md5 %x, want %x", tx.BodyMD5, want)
	}
}

// TestEncapsulatedMessage checks a message/rfc822 body is read as a message: its headers name
// the attachment and its encoding, whatever the encapsulating part declared (Suricata bug 8649).
func TestEncapsulatedMessage(t *testing.T) {
	p := NewParser(Config{})
	p.Feed(false, []byte("220 hi\r\n"))
	p.Feed(true, []byte("DATA\r\n"))
	p.Feed(false, []byte("354 go\r\n"))
	p.Feed(true, []byte("Subject: Combined\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n"+
		"Content-Disposition: attachment; filename=\"innocent.txt\"\r\n\r\n"+
		"Subject: Inner\r\nContent-Disposition: attachment; filename=\"malware.exe\"\r\n\r\nEICAR-PAYLOAD\r\n.\r\n"))
	tx := p.Txs()[0]
	f := tx.Files()
	if len(f) != 1 || string(f[0].Name) != "malware.exe" || string(f[0].Data) != "EICAR-PAYLOAD" || f[0].State != FileClosed {
		t.Fatalf("files %+v", f)
	}
	if v, _ := tx.Header("subject"); string(v) != "Combined" {
		t.Errorf("subject %q", v)
	}
}

func TestGapTruncatesFile(t *testing.T) {
	p := NewParser(Config{})
	p.Feed(false, []byte("220 hi\r\n"))
	p.Feed(true, []byte("DATA\r\n"))
	p.Feed(false, []byte("354 go\r\n"))
	p.Feed(true, []byte("Content-Disposition: attachment; filename=a\r\n\r\nxx\r\n"))
	p.Gap(true, 100)
	f := p.Txs()[0].Files()
	if !p.Failed() || len(f) != 1 || f[0].State != FileTruncated || !f[0].Gaps {
		t.Fatalf("failed %v files %+v", p.Failed(), f)
	}
}

func TestFindToken(t *testing.T) {
	m := &mimeState{}
	for _, c := range []struct{ h, name, want string }{
		{`attachment; filename="a;b.txt"`, "filename", "a;b.txt"},
		{`attachment; filename=plain.txt ; size=3`, "filename", "plain.txt"},
		{`attachment; filename=first; filename=second`, "filename", "second"},
		{`attachment; filename*0="long"; filename*1="name"; filename*2=".zip"`, "filename", "longname.zip"},
		{`attachment; filename="unterminated`, "filename", `"unterminated`},
		{`text/plain; name="x\"y"`, "name", `x\"y`},
		{`attachment`, "filename", ""},
		{`text/plain; charset=utf-8`, "name", ""},
	} {
		v, ok := m.findToken([]byte(c.h), c.name)
		if string(v) != c.want || ok != (c.want != "") {
			t.Errorf("%s: %q %v, want %q", c.h, v, ok, c.want)
		}
	}
}

func TestEventByName(t *testing.T) {
	for _, n := range []string{"smtp.invalid_reply", "INVALID_REPLY", "Smtp.Invalid_Reply"} {
		if e, ok := EventByName(n); !ok || e != EventInvalidReply {
			t.Errorf("%s: %v %v", n, e, ok)
		}
	}
	if _, ok := EventByName("smtp.nope"); ok {
		t.Error("unknown event resolved")
	}
	if EventMIMELongFilename.String() != "MIME_LONG_FILENAME" {
		t.Error(EventMIMELongFilename.String())
	}
}

// TestReuse checks a reset parser gives the same result, and that the steady state of a
// second session allocates nothing.
func TestReuse(t *testing.T) {
	client, server := conversation()
	p := NewParser(Config{})
	for range 3 {
		p.Reset()
		play(p, client, server, 1460)
		checkConversation(t, p)
		// What the parser holds counts the attachment it stored, and pooled transactions.
		if n := p.Retained(); n < len(attachment) {
			t.Errorf("retained %d", n)
		}
		p.ReleaseDone(^uint64(0))
		if n := p.Retained(); n < len(attachment) {
			t.Errorf("retained %d after release", n)
		}
	}
}

// TestFileLimits checks stored file data stops at the per-file and per-transaction limits
// while sizes count everything.
func TestFileLimits(t *testing.T) {
	p := NewParser(Config{FileDataLimit: 4, TxFileDataLimit: 6})
	p.Feed(false, []byte("220 hi\r\n"))
	p.Feed(true, []byte("DATA\r\n"))
	p.Feed(false, []byte("354 go\r\n"))
	p.Feed(true, []byte("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"+
		"Content-Disposition: attachment; filename=a\r\n\r\n123456\r\n--b\r\n"+
		"Content-Disposition: attachment; filename=b\r\n\r\nabcdef\r\n--b--\r\n.\r\n"))
	f := p.Txs()[0].Files()
	if len(f) != 2 || string(f[0].Data) != "1234" || string(f[1].Data) != "ab" || f[0].Size != 6 || f[1].Size != 6 {
		t.Fatalf("files %+v", f)
	}
}
