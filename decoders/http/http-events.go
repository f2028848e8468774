package http

import "math/bits"

// Event is an HTTP app-layer event. Names are Suricata 7's (app-layer-event:http.…) so rules,
// EVE anomaly records and stats read the same; the numbering is Nightjar's own.
type Event uint8

// Events. Nightjar raises the subset libhtp's parser can observe without multipart, range,
// auth or LZMA parsing.
const (
	EventNone Event = iota
	EventUnknownError
	EventGzipDecompressionFailed
	EventRequestFieldMissingColon
	EventResponseFieldMissingColon
	EventInvalidRequestChunkLen
	EventInvalidResponseChunkLen
	EventInvalidTransferEncodingValueInRequest
	EventInvalidTransferEncodingValueInResponse
	EventInvalidContentLengthFieldInRequest
	EventInvalidContentLengthFieldInResponse
	EventDuplicateContentLengthFieldInRequest
	EventDuplicateContentLengthFieldInResponse
	Event100ContinueAlreadySeen
	EventUnableToMatchResponseToRequest
	EventInvalidServerPortInRequest
	EventInvalidAuthorityPort
	EventRequestHeaderInvalid
	EventResponseHeaderInvalid
	EventMissingHostHeader
	EventHostHeaderAmbiguous
	EventInvalidRequestFieldFolding
	EventInvalidResponseFieldFolding
	EventRequestFieldTooLong
	EventResponseFieldTooLong
	EventRequestLineInvalid
	EventRequestBodyUnexpected
	EventRequestURIHostInvalid
	EventRequestHeaderHostInvalid
	EventRequestHeaderRepetition
	EventResponseHeaderRepetition
	EventURIDelimNonCompliant
	EventMethodDelimNonCompliant
	EventRequestLineLeadingWhitespace
	EventTooManyEncodingLayers
	EventAbnormalCEHeader
	EventResponseAbnormalTransferEncoding
	EventResponseChunkedOldProto
	EventResponseInvalidProtocol
	EventResponseInvalidStatus
	EventRequestLineIncomplete
	EventCompressionBomb
	EventRequestChunkExtension
	EventRequestLineMissingProtocol
	EventRequestTooManyHeaders
	EventResponseTooManyHeaders
	numEvents
)

var eventNames = [numEvents]string{
	EventNone:                                   "",
	EventUnknownError:                           "http.unknown_error",
	EventGzipDecompressionFailed:                "http.gzip_decompression_failed",
	EventRequestFieldMissingColon:               "http.request_field_missing_colon",
	EventResponseFieldMissingColon:              "http.response_field_missing_colon",
	EventInvalidRequestChunkLen:                 "http.invalid_request_chunk_len",
	EventInvalidResponseChunkLen:                "http.invalid_response_chunk_len",
	EventInvalidTransferEncodingValueInRequest:  "http.invalid_transfer_encoding_value_in_request",
	EventInvalidTransferEncodingValueInResponse: "http.invalid_transfer_encoding_value_in_response",
	EventInvalidContentLengthFieldInRequest:     "http.invalid_content_length_field_in_request",
	EventInvalidContentLengthFieldInResponse:    "http.invalid_content_length_field_in_response",
	EventDuplicateContentLengthFieldInRequest:   "http.duplicate_content_length_field_in_request",
	EventDuplicateContentLengthFieldInResponse:  "http.duplicate_content_length_field_in_response",
	Event100ContinueAlreadySeen:                 "http.100_continue_already_seen",
	EventUnableToMatchResponseToRequest:         "http.unable_to_match_response_to_request",
	EventInvalidServerPortInRequest:             "http.invalid_server_port_in_request",
	EventInvalidAuthorityPort:                   "http.invalid_authority_port",
	EventRequestHeaderInvalid:                   "http.request_header_invalid",
	EventResponseHeaderInvalid:                  "http.response_header_invalid",
	EventMissingHostHeader:                      "http.missing_host_header",
	EventHostHeaderAmbiguous:                    "http.host_header_ambiguous",
	EventInvalidRequestFieldFolding:             "http.invalid_request_field_folding",
	EventInvalidResponseFieldFolding:            "http.invalid_response_field_folding",
	EventRequestFieldTooLong:                    "http.request_field_too_long",
	EventResponseFieldTooLong:                   "http.response_field_too_long",
	EventRequestLineInvalid:                     "http.request_line_invalid",
	EventRequestBodyUnexpected:                  "http.request_body_unexpected",
	EventRequestURIHostInvalid:                  "http.request_uri_host_invalid",
	EventRequestHeaderHostInvalid:               "http.request_header_host_invalid",
	EventRequestHeaderRepetition:                "http.request_header_repetition",
	EventResponseHeaderRepetition:               "http.response_header_repetition",
	EventURIDelimNonCompliant:                   "http.uri_delim_non_compliant",
	EventMethodDelimNonCompliant:                "http.method_delim_non_compliant",
	EventRequestLineLeadingWhitespace:           "http.request_line_leading_whitespace",
	EventTooManyEncodingLayers:                  "http.too_many_encoding_layers",
	EventAbnormalCEHeader:                       "http.abnormal_ce_header",
	EventResponseAbnormalTransferEncoding:       "http.response_abnormal_transfer_encoding",
	EventResponseChunkedOldProto:                "http.response_chunked_old_proto",
	EventResponseInvalidProtocol:                "http.response_invalid_protocol",
	EventResponseInvalidStatus:                  "http.response_invalid_status",
	EventRequestLineIncomplete:                  "http.request_line_incomplete",
	EventCompressionBomb:                        "http.compression_bomb",
	EventRequestChunkExtension:                  "http.request_chunk_extension",
	EventRequestLineMissingProtocol:             "http.request_line_missing_protocol",
	EventRequestTooManyHeaders:                  "http.request_too_many_headers",
	EventResponseTooManyHeaders:                 "http.response_too_many_headers",
}

// String returns the Suricata rule name, e.g. "http.request_header_invalid".
func (e Event) String() string {
	if e < numEvents {
		return eventNames[e]
	}
	return "http.unknown"
}

// NumEvents is one past the largest Event, for sizing counter arrays.
const NumEvents = int(numEvents)

// EventByName maps a Suricata name (with or without the "http." prefix) to its Event.
func EventByName(name string) (Event, bool) {
	for i := Event(1); i < numEvents; i++ {
		n := eventNames[i]
		if n == name || n[len("http."):] == name {
			return i, true
		}
	}
	return EventNone, false
}

// EventSet holds the events one transaction raised; each is raised at most once per
// transaction, as Suricata's rules fire once per transaction.
type EventSet uint64

// Has reports whether e was raised.
func (s EventSet) Has(e Event) bool { return s&(1<<e) != 0 }

// Len is the number of distinct events.
func (s EventSet) Len() int { return bits.OnesCount64(uint64(s)) }

// Each calls fn for every event in ascending order.
func (s EventSet) Each(fn func(Event)) {
	for v := uint64(s); v != 0; v &= v - 1 {
		fn(Event(bits.TrailingZeros64(v)))
	}
}

func (s *EventSet) add(e Event) bool {
	if s.Has(e) {
		return false
	}
	*s |= 1 << e
	return true
}

// Stats are per-parser counters; the pipeline sums them into its metrics.
type Stats struct {
	Events          [numEvents]uint64 // events raised, by Event
	Txs             uint64            // transactions created
	TxEvicted       uint64            // transactions dropped because MaxTx was reached
	BodyTruncated   uint64            // bodies cut at Request/ResponseBodyLimit
	CompressedCut   uint64            // compressed bodies cut at CompressedBodyLimit
	Gaps            uint64            // Gap calls
	GapBytes        uint64            // bytes reported missing
	Resyncs         uint64            // times a direction lost framing and hunted for the next message
	Tunnels         uint64            // CONNECT/Upgrade tunnels entered
	TunnelBytes     uint64            // bytes passed through tunnels unparsed
	IgnoredBytes    uint64            // bytes dropped: after HTTP/0.9, while resynchronising, after giving up
	GaveUp          uint64            // directions abandoned (a line past FieldLimit)
	ConnectOverflow uint64            // CONNECT waits that overflowed ConnectBuffer
}
