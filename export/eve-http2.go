package export

// appendHTTP2Object writes the http object of an HTTP/2 transaction as Suricata 7 does:
// version "2", the header lists, the usual fields it takes from the headers, then the http2
// object.
func appendHTTP2Object(dst []byte, e *HTTPEvent) []byte {
	h := e.HTTP2
	dst = appendKey(dst, "http")
	dst = append(dst, '{')
	dst = appendStringField(dst, "version", "2")
	if h.HasRequestHeaders {
		dst = appendHeaderList(dst, "request_headers", h.RequestHeaders)
	}
	if h.HasResponseHeaders {
		dst = appendHeaderList(dst, "response_headers", h.ResponseHeaders)
	}
	dst = appendBytesField(dst, "hostname", e.Hostname)
	dst = appendBytesField(dst, "url", e.URL)
	dst = appendBytesField(dst, "http_user_agent", e.UserAgent)
	dst = appendBytesField(dst, "http_content_type", e.ContentType)
	dst = appendBytesField(dst, "http_method", e.Method)
	if e.Status > 0 {
		dst = appendIntField(dst, "status", int64(e.Status))
	}
	if e.Length >= 0 {
		dst = appendIntField(dst, "length", e.Length)
	}
	dst = appendKey(dst, "http2")
	dst = append(dst, '{')
	dst = appendUintField(dst, "stream_id", uint64(h.StreamID))
	dst = appendHTTP2Side(dst, "request", &h.Request)
	dst = appendHTTP2Side(dst, "response", &h.Response)
	dst = closeObject(dst)
	return closeObject(dst)
}

func appendHeaderList(dst []byte, key string, hs []HTTPHeaderEntry) []byte {
	dst = appendKey(dst, key)
	dst = append(dst, '[')
	for i := range hs {
		dst = append(dst, '{')
		if hs[i].IsSizeUpdate {
			dst = appendUintField(dst, "table_size_update", hs[i].SizeUpdate)
		} else {
			// Written even when empty, as Suricata does.
			dst = appendKey(dst, "name")
			dst = appendJSONBytes(dst, hs[i].Name)
			dst = append(dst, ',')
			dst = appendKey(dst, "value")
			dst = appendJSONBytes(dst, hs[i].Value)
			dst = append(dst, ',')
		}
		dst = closeObject(dst)
	}
	return closeArray(dst)
}

func appendHTTP2Side(dst []byte, key string, s *HTTP2Side) []byte {
	dst = appendKey(dst, key)
	dst = append(dst, '{')
	if len(s.Settings) > 0 {
		dst = appendKey(dst, "settings")
		dst = append(dst, '[')
		for _, st := range s.Settings {
			dst = append(dst, '{')
			dst = appendStringField(dst, "settings_id", st.ID)
			dst = appendUintField(dst, "settings_value", uint64(st.Value))
			dst = closeObject(dst)
		}
		dst = closeArray(dst)
	}
	if s.ErrorCode != "" {
		dst = appendStringField(dst, "error_code", s.ErrorCode)
	}
	if s.Priority >= 0 {
		dst = appendIntField(dst, "priority", int64(s.Priority))
	}
	if s.HasMultiple != "" {
		dst = appendStringField(dst, "has_multiple", s.HasMultiple)
	}
	return closeObject(dst)
}
