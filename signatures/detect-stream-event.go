package signatures

import (
	"fmt"
	"strings"
)

// The stream-event keyword: stream-event:NAME matches a packet on which the TCP stream engine
// raised Suricata's event stream.NAME. The sensor reports the events of each packet in
// PacketInput.StreamEvents. Every name Suricata knows is recognised, but only the events the
// stream engine here raises load: a rule waiting for one it never raises is refused rather than
// loaded dead, as decode-event does.

// StreamEvents is a set of stream events, one bit each.
type StreamEvents uint64

// Stream events the stream engine raises.
const (
	// StreamEventReassemblySeqGap: reassembly moved past data that was acknowledged but never
	// seen (each gap, as Suricata's tcp.reassembly_gap counter).
	StreamEventReassemblySeqGap StreamEvents = 1 << iota
)

// raisedStreamEvents maps the raised events' names (without "stream.") to their bit.
var raisedStreamEvents = map[string]StreamEvents{
	"reassembly_seq_gap": StreamEventReassemblySeqGap,
}

// suricataStreamEvents are the other names of Suricata's stream event table (decode-events.c),
// for an error that tells "not raised here" from a typo.
var suricataStreamEvents = map[string]bool{
	"3whs_ack_in_wrong_dir": true, "3whs_async_wrong_seq": true, "3whs_right_seq_wrong_ack_evasion": true,
	"3whs_synack_in_wrong_direction": true, "3whs_synack_resend_with_different_ack": true,
	"3whs_synack_resend_with_diff_seq": true, "3whs_synack_toserver_on_syn_recv": true,
	"3whs_synack_with_wrong_ack": true, "3whs_synack_flood": true, "3whs_syn_resend_diff_seq_on_syn_recv": true,
	"3whs_syn_toclient_on_syn_recv": true, "3whs_wrong_seq_wrong_ack": true, "3whs_ack_data_inject": true,
	"3whs_synack_tfo_data_ignored": true, "3whs_syn_flood": true, "4whs_synack_with_wrong_ack": true,
	"4whs_synack_with_wrong_syn": true, "4whs_wrong_seq": true, "4whs_invalid_ack": true,
	"closewait_ack_out_of_window": true, "closewait_fin_out_of_window": true,
	"closewait_pkt_before_last_ack": true, "closewait_invalid_ack": true, "closing_ack_wrong_seq": true,
	"closing_invalid_ack": true, "est_packet_out_of_window": true, "est_pkt_before_last_ack": true,
	"est_synack_resend": true, "est_synack_resend_with_different_ack": true,
	"est_synack_resend_with_diff_seq": true, "est_synack_toserver": true, "est_syn_resend": true,
	"est_syn_resend_diff_seq": true, "est_syn_toclient": true, "est_invalid_ack": true,
	"fin_invalid_ack": true, "fin1_ack_wrong_seq": true, "fin1_fin_wrong_seq": true, "fin1_invalid_ack": true,
	"fin2_ack_wrong_seq": true, "fin2_fin_wrong_seq": true, "fin2_invalid_ack": true,
	"fin_but_no_session": true, "fin_out_of_window": true, "fin_syn": true, "lastack_ack_wrong_seq": true,
	"lastack_invalid_ack": true, "rst_but_no_session": true, "timewait_ack_wrong_seq": true,
	"timewait_invalid_ack": true, "shutdown_syn_resend": true, "pkt_invalid_timestamp": true,
	"pkt_invalid_ack": true, "pkt_broken_ack": true, "rst_invalid_ack": true, "pkt_retransmission": true,
	"pkt_spurious_retransmission": true, "pkt_bad_window_update": true, "suspected_rst_inject": true,
	"wrong_thread": true, "reassembly_segment_before_base_seq": true, "reassembly_no_segment": true,
	"reassembly_overlap_different_data": true, "reassembly_depth_reached": true,
	"reassembly_insert_memcap": true, "reassembly_insert_limit": true, "reassembly_insert_invalid": true,
	"reassembly_urgent_oob_limit_reached": true,
}

// streamEvent is stream-event:NAME (Suricata prefixes "stream." itself, so NAME is bare).
func (b *ruleBuilder) streamEvent(val string) error {
	v := strings.TrimSpace(val)
	if bit, ok := raisedStreamEvents[v]; ok {
		b.r.StreamEvents |= bit
		return nil
	}
	if suricataStreamEvents[v] {
		return notSupported("stream-event %s not raised by the stream engine yet", v)
	}
	return fmt.Errorf("unknown stream event %q", v)
}
