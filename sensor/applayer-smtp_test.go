package sensor

import (
	"path/filepath"
	"testing"

	"github.com/nightjar-ids/nightjar/decoders/smtp"
	"github.com/nightjar-ids/nightjar/signatures"
)

// TestSMTPCapture reads an SMTP session with a quoted-printable attachment end to end: the
// flow is smtp, the mail and the trailing QUIT are logged as Suricata 8.0.0 logs them (the
// QUIT a transaction of its own), the attachment is a fileinfo event, and rules see the
// envelope, the message's headers and the decoded attachment.
func TestSMTPCapture(t *testing.T) {
	pcap := filepath.Join(verifyTest(t, "bug-3616-smtp"), "input.pcap")
	rules := `alert smtp any any -> any any (smtp.helo; content:"GP"; bsize:2; sid:1;)
alert smtp any any -> any any (smtp.mail_from; content:"<gurpartap@patriots.in>"; sid:2;)
alert smtp any any -> any any (smtp.rcpt_to; content:"yahoo.co.in"; sid:3;)
alert smtp any any -> any any (email.from; content:"Gurpartap Singh"; sid:4;)
alert smtp any any -> any any (file.name; content:"NEWS.txt"; bsize:8; sid:5;)
alert smtp any any -> any any (file_data; content:"Added"; sid:6;)
alert smtp any any -> any any (file.data; content:"=3D"; sid:7;)
alert smtp any any -> any any (smtp.mail_from; content:"spammer"; sid:8;)
alert smtp any any -> any any (app-layer-event:smtp.invalid_reply; sid:9;)
`
	got := alertSIDs(t, pcap, rules)
	// The HELO is the session's: the QUIT's transaction carries it too (Suricata 8.0.0).
	want := map[float64]int{1: 2, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1}
	for sid, n := range want {
		if got[sid] != n {
			t.Errorf("sid %v: %d alerts, want %d (all: %v)", sid, got[sid], n, got)
		}
	}
	// The attachment is decoded (no quoted-printable escapes left); nothing was invalid.
	for _, sid := range []float64{7, 8, 9} {
		if got[sid] != 0 {
			t.Errorf("sid %v alerted", sid)
		}
	}

	sum, out := runRead(t, []string{pcap}, 1)
	var mails, quits, files int
	for _, ev := range readEVE(t, filepath.Join(out, "eve.json")) {
		switch ev["event_type"] {
		case "flow":
			if ev["proto"] == "TCP" && ev["app_proto"] != "smtp" {
				t.Errorf("flow app_proto %v", ev["app_proto"])
			}
		case "smtp":
			s := ev["smtp"].(map[string]any)
			if s["helo"] != "GP" {
				t.Errorf("helo %v", s["helo"])
			}
			email, ok := ev["email"].(map[string]any)
			if !ok {
				quits++
				continue
			}
			mails++
			if ev["tx_id"] != float64(0) || s["mail_from"] != "<gurpartap@patriots.in>" ||
				email["from"] != `"Gurpartap Singh" <gurpartap@patriots.in>` || email["status"] != "PARSE_DONE" {
				t.Errorf("mail event %v", ev)
			}
			if att := email["attachment"].([]any); len(att) != 1 || att[0] != "NEWS.txt" {
				t.Errorf("attachments %v", att)
			}
		case "fileinfo":
			files++
			fi := ev["fileinfo"].(map[string]any)
			// Suricata 8.0.0's size: the decoded file without the line end before the boundary.
			if fi["filename"] != "NEWS.txt" || fi["size"] != float64(10807) || fi["state"] != "CLOSED" || ev["app_proto"] != "smtp" {
				t.Errorf("fileinfo %v", ev)
			}
			if _, ok := ev["email"]; !ok {
				t.Errorf("fileinfo without the email object")
			}
		}
	}
	if mails != 1 || quits != 1 || files != 1 {
		t.Errorf("%d mail events, %d others, %d files", mails, quits, files)
	}
	if sum == nil {
		t.Fatal("no summary")
	}
}

// TestSMTPStartTLS checks an accepted STARTTLS hands the flow to TLS, as Suricata does: the
// SMTP transaction up to it is logged, then the TLS session, and the flow is tls with smtp as
// its original protocol.
func TestSMTPStartTLS(t *testing.T) {
	pcap := filepath.Join(verifyTest(t, "smtp-startssl"), "input.pcap")
	_, out := runRead(t, []string{pcap}, 1, "pcap-file.checksum-checks=no")
	var smtps, tlss int
	for _, ev := range readEVE(t, filepath.Join(out, "eve.json")) {
		switch ev["event_type"] {
		case "smtp":
			smtps++
			if ev["smtp"].(map[string]any)["helo"] != "desktop.unx.ca" || ev["email"] != nil {
				t.Errorf("smtp event %v", ev)
			}
		case "tls":
			tlss++
		case "flow":
			if ev["app_proto"] != "tls" || ev["app_proto_orig"] != "smtp" {
				t.Errorf("flow app_proto %v, orig %v", ev["app_proto"], ev["app_proto_orig"])
			}
		}
	}
	if smtps != 1 || tlss != 1 {
		t.Errorf("%d smtp events, %d tls events", smtps, tlss)
	}
}

// TestSMTPSteadyStateAllocations replays an SMTP capture (a mail with an attachment) through
// one worker as TestAppLayerSteadyStateAllocations does: parsing, MIME decoding, the smtp,
// fileinfo and anomaly events must reuse what the first passes made. Ending a flow allocates
// its record's history string, so a pass may allocate once per flow.
func TestSMTPSteadyStateAllocations(t *testing.T) {
	frames := loadFrames(t, filepath.Join(verifyTest(t, "bug-3616-smtp"), "input.pcap"))
	w := newPoolTestWorker(t, 0)
	replay := replayPasses(w, frames)
	for range 20 {
		replay()
	}
	if w.app.stats.txSMTP == 0 {
		t.Fatal("no SMTP transaction: the test proves nothing")
	}
	ended := w.flows.Stats.EndedTimeout
	allocs := testing.AllocsPerRun(5, replay)
	flowsPerPass := float64(w.flows.Stats.EndedTimeout-ended) / 6
	if allocs > flowsPerPass {
		t.Errorf("a pass allocated %.1f times for %.0f flows: SMTP allocates in the steady state", allocs, flowsPerPass)
	}
	t.Logf("%.1f allocations per pass of %.0f flows", allocs, flowsPerPass)
}

// TestSMTPTxBuffers checks what rules read of an SMTP transaction: the envelope, the headers
// (every Received), the URLs in EVE's order, each attachment's name and decoded data, all on
// the client's side only, and the app-layer events.
func TestSMTPTxBuffers(t *testing.T) {
	p := smtp.NewParser(smtp.Config{})
	p.Feed(false, []byte("220 mx\r\n"))
	p.Feed(true, []byte("HELO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRCPT TO:<e@f>\r\nDATA\r\n"))
	p.Feed(false, []byte("250 a\r\n250 b\r\n250 c\r\n250 d\r\n354 go\r\n"))
	p.Feed(true, []byte("Received: from x by y\r\nReceived: from w by x\r\nSubject: s\r\n"+
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"+
		"http://one.example http://two.example\r\n--b\r\n"+
		"Content-Disposition: attachment; filename=a.txt\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n--b\r\n"+
		"Content-Disposition: attachment; filename=b.txt\r\n\r\nworld\r\n--b--\r\n.\r\n"))
	p.Feed(false, []byte("999 what\r\n"))
	h := &smtpTx{p: p, tx: p.Txs()[0]}
	want := []struct {
		id   signatures.BufferID
		i    int
		want string
	}{
		{signatures.BufSMTPHelo, 0, "c"}, {signatures.BufSMTPMailFrom, 0, "<a@b>"},
		{signatures.BufSMTPRcptTo, 1, "<e@f>"}, {signatures.BufEmailSubject, 0, "s"},
		{signatures.BufEmailReceived, 1, "from w by x"},
		{signatures.BufEmailURL, 0, "two.example"}, {signatures.BufEmailURL, 1, "one.example"},
		{signatures.BufFileName, 1, "b.txt"}, {signatures.BufFileDataFiles, 0, "hello"},
		{signatures.BufFileDataFiles, 1, "world"},
	}
	for _, c := range want {
		if b, ok := h.Buffer(c.id, true, c.i); !ok || string(b) != c.want {
			t.Errorf("%v[%d] = %q %v, want %q", c.id, c.i, b, ok, c.want)
		}
		if _, ok := h.Buffer(c.id, false, c.i); ok {
			t.Errorf("%v present to the client", c.id)
		}
	}
	for _, c := range []struct {
		id signatures.BufferID
		i  int
	}{{signatures.BufSMTPRcptTo, 2}, {signatures.BufEmailURL, 2}, {signatures.BufFileDataFiles, 2}, {signatures.BufEmailCc, 0}} {
		if b, ok := h.Buffer(c.id, true, c.i); ok {
			t.Errorf("%v[%d] = %q, want absent", c.id, c.i, b)
		}
	}
	if !h.Event("smtp.invalid_reply") || h.Event("smtp.tls_rejected") {
		t.Error("events")
	}
}
