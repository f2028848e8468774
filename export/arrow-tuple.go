package export

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// tupleFields are the tuple's schema fields in EVE's order, the layout tupleColumns expects. Only
// proto's nullability differs between schemas: flows and alerts always carry an IP header, while
// an anomaly may come from a packet that failed below IP.
func tupleFields(protoNullable bool) []arrow.Field {
	return []arrow.Field{
		{Name: "vlan", Type: arrow.ListOf(arrow.PrimitiveTypes.Uint16), Nullable: true},
		{Name: "src_ip", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "src_port", Type: arrow.PrimitiveTypes.Uint16, Nullable: true},
		{Name: "dest_ip", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "dest_port", Type: arrow.PrimitiveTypes.Uint16, Nullable: true},
		{Name: "proto", Type: arrow.BinaryTypes.String, Nullable: protoNullable},
		{Name: "icmp_type", Type: arrow.PrimitiveTypes.Uint8, Nullable: true},
		{Name: "icmp_code", Type: arrow.PrimitiveTypes.Uint8, Nullable: true},
	}
}

// tupleColumns are the addressing columns an event schema carries in EVE's order: vlan, src_ip,
// src_port, dest_ip, dest_port, proto, icmp_type, icmp_code. Every event type appends its tuple
// through here, so the presence rules are EVE's header rules in one place.
type tupleColumns struct {
	vlan               *array.ListBuilder
	vlanID             *array.Uint16Builder
	srcIP, destIP      *array.StringBuilder
	srcPort, destPort  *array.Uint16Builder
	proto              *array.StringBuilder
	icmpType, icmpCode *array.Uint8Builder

	// ipAlways is set when the schema's proto is not nullable: the event type always had an IP
	// header (flows, alerts), so proto, ports and ICMP fields follow the protocol alone and a
	// missing address is just a null address, never a null proto.
	ipAlways bool
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
		ipAlways: !rb.Schema().Field(first + 5).Nullable,
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
	ip := c.ipAlways || t.SrcIP.IsValid() || t.DestIP.IsValid()
	if !ip {
		c.srcIP.AppendNull()
		c.destIP.AppendNull()
		c.proto.AppendNull()
	} else {
		// EVE writes both addresses once either is known; an unset one becomes null here.
		core.appendAddr(c.srcIP, t.SrcIP)
		core.appendAddr(c.destIP, t.DestIP)
		c.proto.BinaryBuilder.Append(appendProtoName(core.scratch[:0], t.Proto))
	}
	ports := ip && hasPorts(t.Proto)
	appendOptUint16(c.srcPort, t.SrcPort, ports)
	appendOptUint16(c.destPort, t.DestPort, ports)
	icmp := ip && isICMP(t.Proto)
	appendOptUint8(c.icmpType, t.ICMPType, icmp)
	appendOptUint8(c.icmpCode, t.ICMPCode, icmp)
}
