// Package flow is the per-worker flow table: it maps every decoded packet to its bidirectional
// flow (Suricata's keying, ICMP errors included), tracks enough TCP state to report Suricata's
// flow.state and tcp.state and Zeek's conn_state and history, times flows out by packet time,
// and hands each ending flow to a callback that fills an export.FlowRecord.
//
// A Table belongs to one worker goroutine: no locks, a pool that grows in chunks up to what a
// memcap pays for, and no allocation per packet once it has grown.
package flow
