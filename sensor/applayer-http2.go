package sensor

import (
	"math"
	"strconv"

	"github.com/nightjar-ids/nightjar/decoders/http2"
	"github.com/nightjar-ids/nightjar/export"
)

// http2Config is the HTTP/2 parser configuration cfg asks for: bodies are bounded by the same
// limits as HTTP/1's, as both feed the same http.* body buffers.
func http2Config(cfg *Config) http2.Config {
	h := httpConfig(cfg)
	return http2.Config{RequestBodyLimit: h.RequestBodyLimit, ResponseBodyLimit: h.ResponseBodyLimit}
}

// http2EVE is the scratch an HTTP/2 event is built in, reused from event to event.
type http2EVE struct {
	info     export.HTTP2Info
	headers  [2][]export.HTTPHeaderEntry
	settings [2][]export.HTTP2Setting
}

// http2Moved runs after the parser took data (or the flow ended, final): transactions that
// moved are inspected, the finished ones (all of them at the end) are logged, then released.
func (a *appLayer) http2Moved(final bool) {
	s := a.cur
	p := s.http2
	if a.det != nil {
		a.detectHTTP2()
	}
	for _, tx := range p.Txs() {
		if !tx.Done() && !final {
			continue
		}
		// A transaction whose inspection waits for a packet going its way (inspectMark) is
		// logged and released after it.
		if tx.Hold = !final && a.det != nil && a.cur.inspectionWaits(tx.ID, http2Stages(tx)); tx.Hold {
			continue
		}
		// The parser releases a transaction once it is done: each is logged once.
		a.stats.txHTTP2++
		if a.appEVE(a.w.out.eveHTTP) && http2Loggable(tx) {
			a.writeHTTP2(tx)
		}
		a.logHTTP2Anomalies(tx)
	}
	p.ReleaseDone(math.MaxUint64)
}

// http2Loggable is Suricata's rule for writing a transaction: it carried headers, settings,
// an error code or a priority (a lone PING or WINDOW_UPDATE is not logged).
func http2Loggable(tx *http2.Tx) bool {
	for d := range tx.Side {
		s := &tx.Side[d]
		if http2HasHeaders(s) || len(s.Settings) > 0 || len(s.ErrorCodes) > 0 || len(s.Priorities) > 0 {
			return true
		}
	}
	return false
}

func http2HasHeaders(s *http2.Side) bool {
	return s.HasFrame(http2.FrameHeaders) || s.HasFrame(http2.FramePushPromise) || s.HasFrame(http2.FrameContinuation)
}

func (a *appLayer) writeHTTP2(tx *http2.Tx) {
	e := &a.httpEv
	a.fillHTTP2Event(e, tx)
	a.fillAppHeader(&e.AppHeader, false)
	e.TxID, e.HasTxID = tx.ID, true
	a.w.eve.HTTP(e)
}

// fillHTTP2Event sets e from tx as Suricata 7's logger does: the usual http fields come from
// the request's :method, :path, host and user-agent and the response's :status; length is
// the last content-length of either side.
func (a *appLayer) fillHTTP2Event(e *export.HTTPEvent, tx *http2.Tx) {
	h := &a.h2
	*e = export.HTTPEvent{Port: -1, Length: -1, Method: tx.Method(), URL: tx.Path(), Hostname: tx.Get(0, "host"),
		UserAgent: tx.Get(0, "user-agent"), HTTP2: &h.info}
	if st, err := strconv.Atoi(string(tx.Status())); err == nil {
		e.Status = st
	}
	for d := range tx.Side {
		if v, err := strconv.ParseInt(string(tx.Get(d, "content-length")), 10, 64); err == nil {
			e.Length = v
		}
	}
	h.info = export.HTTP2Info{StreamID: tx.StreamID}
	sides := [2]*export.HTTP2Side{&h.info.Request, &h.info.Response}
	for d := range tx.Side {
		s := &tx.Side[d]
		hs := h.headers[d][:0]
		for _, f := range s.Headers {
			hs = append(hs, export.HTTPHeaderEntry{Name: f.Name, Value: f.Value, SizeUpdate: f.SizeUpdate,
				IsSizeUpdate: f.Kind == http2.HeaderSizeUpdate})
		}
		h.headers[d] = hs
		st := h.settings[d][:0]
		for _, x := range s.Settings {
			st = append(st, export.HTTP2Setting{ID: http2.SettingName(x.ID), Value: x.Value})
		}
		h.settings[d] = st
		o := sides[d]
		*o = export.HTTP2Side{Settings: st, Priority: -1}
		if len(s.ErrorCodes) > 0 {
			o.ErrorCode = s.ErrorCodes[0].String()
		}
		if len(s.Priorities) > 0 {
			o.Priority = int(s.Priorities[0])
		}
		switch {
		case len(s.ErrorCodes) > 1:
			o.HasMultiple = "error_code"
		case len(s.Priorities) > 1:
			o.HasMultiple = "priority"
		}
	}
	h.info.RequestHeaders, h.info.HasRequestHeaders = h.headers[0], http2HasHeaders(&tx.Side[0])
	h.info.ResponseHeaders, h.info.HasResponseHeaders = h.headers[1], http2HasHeaders(&tx.Side[1])
}

// logHTTP2Anomalies writes a logged transaction's app-layer events as EVE anomaly events, as
// logHTTPAnomalies does for HTTP/1.
func (a *appLayer) logHTTP2Anomalies(tx *http2.Tx) {
	w := a.w
	if tx.Events == 0 || w.eve == nil || !w.out.eveAnomaly {
		return
	}
	an := a.appAnomaly(appHTTP2)
	for e := http2.Event(1); int(e) < http2.NumEvents; e++ {
		if tx.Events.Has(e) {
			an.Event = e.String()
			w.eve.Anomaly(an)
		}
	}
}
