package decoders

import "encoding/binary"

// IEEE 802.11 as Wi-Fi monitor captures record it: with a radiotap header (LINKTYPE 127, the
// common case) or bare (LINKTYPE 105). Only data frames carry traffic an IDS inspects; their
// payload is an 802.2 LLC/SNAP header with an EtherType. Management and control frames, and
// data frames whose payload is encrypted (the Protected bit), are recognised and counted under
// the HasWiFi layer without an error: they are normal on a Wi-Fi capture.

const (
	LinkIEEE80211         LinkType = 105 // 802.11 frames, no radiotap
	LinkIEEE80211Radiotap LinkType = 127 // radiotap header, then an 802.11 frame

	radiotapMinLen   = 8
	wifiHeaderLen    = 24 // frame control, duration, three addresses, sequence control
	wifiAddr4Len     = 6  // fourth address when both ToDS and FromDS are set (WDS)
	wifiQoSLen       = 2
	wifiHTControlLen = 4

	wifiTypeData      = 2
	wifiFlagToDS      = 0x01
	wifiFlagFromDS    = 0x02
	wifiFlagProtected = 0x40
	wifiFlagOrder     = 0x80
	wifiSubtypeQoS    = 0x08 // bit of the data subtype that marks QoS data frames
	wifiSubtypeNoData = 0x04 // null-function frames carry no payload
)

// decodeRadiotap skips the radiotap header, whose length is its own little-endian field.
func (d *Decoder) decodeRadiotap(p *Packet, b []byte) {
	if len(b) < radiotapMinLen || b[0] != 0 {
		p.AddEvent(EventIEEE80211PktTooSmall)
		return
	}
	n := int(binary.LittleEndian.Uint16(b[2:]))
	if n < radiotapMinLen || n > len(b) {
		p.AddEvent(EventIEEE80211PktTooSmall)
		return
	}
	// The radiotap flags field (bit 1 of the present word) can say the frame ends in an FCS;
	// the FCS then sits after the payload, past what the IP length fields reach, so it is harmless.
	d.decodeIEEE80211(p, b[n:])
}

// decodeIEEE80211 decodes an 802.11 MAC header and, for unprotected data frames, the LLC/SNAP
// payload behind it.
func (d *Decoder) decodeIEEE80211(p *Packet, b []byte) {
	if len(b) < 2 {
		p.AddEvent(EventIEEE80211PktTooSmall)
		return
	}
	p.Layers |= HasWiFi
	fc0, flags := b[0], b[1]
	if fc0&0x03 != 0 || (fc0>>2)&0x03 != wifiTypeData {
		return // protocol version other than 0, or a management/control frame
	}
	subtype := fc0 >> 4
	hdr := wifiHeaderLen
	if flags&wifiFlagToDS != 0 && flags&wifiFlagFromDS != 0 {
		hdr += wifiAddr4Len
	}
	if subtype&wifiSubtypeQoS != 0 {
		hdr += wifiQoSLen
		if flags&wifiFlagOrder != 0 {
			hdr += wifiHTControlLen
		}
	}
	if len(b) < hdr {
		p.AddEvent(EventIEEE80211PktTooSmall)
		return
	}
	if subtype&wifiSubtypeNoData != 0 || flags&wifiFlagProtected != 0 {
		return // no payload, or an encrypted one
	}
	// Source and destination MACs sit in different address slots depending on ToDS/FromDS.
	switch flags & (wifiFlagToDS | wifiFlagFromDS) {
	case 0:
		copy(p.EthDst[:], b[4:10])
		copy(p.EthSrc[:], b[10:16])
	case wifiFlagToDS:
		copy(p.EthDst[:], b[16:22])
		copy(p.EthSrc[:], b[10:16])
	case wifiFlagFromDS:
		copy(p.EthDst[:], b[4:10])
		copy(p.EthSrc[:], b[16:22])
	}
	d.decodeLLC(p, b[hdr:])
}
