// Package decoders decodes frames in place: link layers, VLAN/MPLS/PPPoE, IPv4/IPv6 with
// defragmentation, TCP/UDP/ICMP/SCTP and the common tunnels, without copying or allocating per packet.
// Malformed headers become decoder events (Suricata's names) on the Packet.
package decoders
