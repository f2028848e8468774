package export

import "github.com/apache/arrow-go/v18/arrow/array"

// tupleColumns are the addressing columns an event schema carries in EVE's order: vlan, src_ip,
// src_port, dest_ip, dest_port, proto, icmp_type, icmp_code. Event types whose tuple may be
// missing altogether (an anomaly on a packet that failed below IP) append it through here, so the
// presence rules are EVE's header rules in one place.
type tupleColumns struct {
	vlan               *array.ListBuilder
	vlanID             *array.Uint16Builder
	srcIP, destIP      *array.StringBuilder
	srcPort, destPort  *array.Uint16Builder
	proto              *array.StringBuilder
	icmpType, icmpCode *array.Uint8Builder
}

// newTupleColumns finds the tuple's builders, which start at column first.
func newTupleColumns(rb *array.RecordBuilder, first int) tupleColumns {
	col := rb.Field
	t := tupleColumns{
		vlan:     col(first).(*array.ListBuilder),
		srcIP:    col(first + 1).(*array.StringBuilder),
		srcPort:  col(first + 2).(*array.Uint16Builder),
		destIP:   col(first + 3).(*array.StringBuilder),
		destPort: col(first + 4).(*array.Uint16Builder),
		proto:    col(first + 5).(*array.StringBuilder),
		icmpType: col(first + 6).(*array.Uint8Builder),
		icmpCode: col(first + 7).(*array.Uint8Builder),
	}
	t.vlanID = t.vlan.ValueBuilder().(*array.Uint16Builder)
	return t
}

// append writes t as EVE's header does: vlan when tagged; addresses, proto and (by protocol) ports
// or ICMP type and code only when the packet got as far as an IP header.
func (c *tupleColumns) append(core *batchCore, t *Tuple) {
	if n := min(int(t.VLANCount), len(t.VLAN)); n > 0 {
		c.vlan.Append(true)
		for i := 0; i < n; i++ {
			c.vlanID.Append(t.VLAN[i])
		}
	} else {
		c.vlan.AppendNull()
	}
	addrs := t.SrcIP.IsValid() || t.DestIP.IsValid()
	if !addrs {
		c.srcIP.AppendNull()
		c.destIP.AppendNull()
		c.proto.AppendNull()
	} else {
		// EVE writes both addresses once either is known; an unset one becomes null here.
		core.appendAddr(c.srcIP, t.SrcIP)
		core.appendAddr(c.destIP, t.DestIP)
		c.proto.BinaryBuilder.Append(appendProtoName(core.scratch[:0], t.Proto))
	}
	ports := addrs && hasPorts(t.Proto)
	appendOptUint16(c.srcPort, t.SrcPort, ports)
	appendOptUint16(c.destPort, t.DestPort, ports)
	icmp := addrs && isICMP(t.Proto)
	appendOptUint8(c.icmpType, t.ICMPType, icmp)
	appendOptUint8(c.icmpCode, t.ICMPCode, icmp)
}
