package ssh

import "bytes"

// banner collects one line and, when it is the identification string, parses it.
func (s *State) banner(d *side, toServer bool, data []byte) []byte {
	i := bytes.IndexByte(data, '\n')
	chunk := data
	if i >= 0 {
		chunk = data[:i]
	}
	if !d.lineOver {
		room := s.cfg.MaxBanner - len(d.line)
		if len(chunk) > room {
			d.line = append(d.line, chunk[:room]...)
			d.lineOver = true
			s.event(EventLongBanner)
		} else {
			d.line = append(d.line, chunk...)
		}
	}
	if i < 0 {
		return nil
	}
	line := bytes.TrimSuffix(d.line, []byte{'\r'})
	d.lineOver = false
	if !bytes.HasPrefix(line, []byte("SSH-")) {
		// Servers may send other lines first; a client may not.
		d.skipped++
		if toServer || d.skipped > s.cfg.MaxLinesBeforeBanner {
			d.failed = true
			s.event(EventInvalidBanner)
		}
		d.line = d.line[:0]
		return data[i+1:]
	}
	s.parseBanner(d, line[4:])
	d.bannerDone = true
	d.line = d.line[:0]
	return data[i+1:]
}

// parseBanner splits "protoversion-softwareversion[ SP comments]".
func (s *State) parseBanner(d *side, b []byte) {
	dash := bytes.IndexByte(b, '-')
	if dash <= 0 {
		s.event(EventInvalidBanner)
		d.failed = true
		return
	}
	proto, rest := b[:dash], b[dash+1:]
	if sp := bytes.IndexByte(rest, ' '); sp >= 0 {
		rest = rest[:sp]
	}
	if len(rest) == 0 {
		s.event(EventInvalidBanner)
	}
	d.ProtoVersion = append(d.ProtoVersion[:0], proto...)
	d.SoftwareVersion = append(d.SoftwareVersion[:0], rest...)
	// SSH-1.x other than 1.99 (which means "2.0, or 1 if you must") has a different binary
	// protocol, which is not followed.
	d.v1 = len(proto) > 0 && proto[0] == '1' && !bytes.Equal(proto, []byte("1.99"))
}
