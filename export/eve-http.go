package export

// AppendHTTP appends e as one EVE "http" line, newline included, with the fields of Suricata 7's
// default http object in its order. It does not allocate beyond growing dst.
func (f *EVEFormat) AppendHTTP(dst []byte, e *HTTPEvent) []byte {
	dst = f.appendAppHeader(dst, &e.AppHeader, "http")
	dst = appendHTTPObject(dst, e)
	return endLine(dst)
}

// appendHTTPObject writes `"http":{…},`: the http event's object, which fileinfo events of HTTP
// transactions carry too.
func appendHTTPObject(dst []byte, e *HTTPEvent) []byte {
	if e.HTTP2 != nil {
		return appendHTTP2Object(dst, e)
	}
	dst = appendKey(dst, "http")
	dst = append(dst, '{')
	dst = appendBytesField(dst, "hostname", e.Hostname)
	if e.Port >= 0 && e.Port <= 65535 {
		dst = appendIntField(dst, "http_port", int64(e.Port))
	}
	dst = appendBytesField(dst, "url", e.URL)
	dst = appendBytesField(dst, "http_user_agent", e.UserAgent)
	dst = appendBytesField(dst, "http_content_type", e.ContentType)
	dst = appendBytesField(dst, "http_refer", e.Refer)
	dst = appendBytesField(dst, "http_method", e.Method)
	dst = appendBytesField(dst, "protocol", e.Protocol)
	if e.Status > 0 {
		dst = appendIntField(dst, "status", int64(e.Status))
	} else {
		dst = appendBytesField(dst, "status_string", e.StatusString)
	}
	dst = appendBytesField(dst, "redirect", e.Redirect)
	dst = appendIntField(dst, "length", e.Length)
	return closeObject(dst)
}
