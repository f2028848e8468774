package export

import "encoding/base64"

// Packet is one tagged packet (EVE event_type "packet"): a packet that a rule's `tag`
// keyword marked for logging after it alerted.
type Packet struct {
	Tuple
	Timestamp int64
	PcapCnt   uint64
	PktSrc    string // "wire/pcap" or "stream (flow timeout)" …, as on alerts
	Data      []byte // the frame as captured; written base64 encoded
	LinkType  uint16 // the capture's link type (1: Ethernet)
}

// AppendPacket appends p as one EVE "packet" line:
// {"timestamp":…,"flow_id":…,"pcap_cnt":…,"event_type":"packet",<tuple>,"pkt_src":"wire/pcap",
// "packet":"<base64 of the frame>","packet_info":{"linktype":1}}.
func (f *EVEFormat) AppendPacket(dst []byte, p *Packet) []byte {
	dst = f.appendHeader(dst, p.Timestamp, &p.Tuple, p.PcapCnt, "packet")
	if p.PktSrc != "" {
		dst = appendStringField(dst, "pkt_src", p.PktSrc)
	}
	dst = appendCommunityID(dst, &p.CommunityID)
	dst = appendKey(dst, "packet")
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, p.Data)
	dst = append(dst, '"', ',')
	dst = appendKey(dst, "packet_info")
	dst = append(dst, '{')
	dst = appendUintField(dst, "linktype", uint64(p.LinkType))
	dst = closeObject(dst)
	return endLine(dst)
}

// Packet appends a packet line.
func (b *EVEBuffer) Packet(p *Packet) {
	b.buf = b.format.AppendPacket(b.buf, p)
	b.maybeFlush()
}
