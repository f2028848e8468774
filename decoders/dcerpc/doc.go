// Package dcerpc is the sensor's DCE/RPC support, with Suricata's semantics.
//
// Probe is the protocol-detection test Suricata applies to a TCP direction's first bytes: a
// connection-oriented DCE/RPC 5.0 header with a valid data representation.
//
// The PDU functions (ParseHeader, Bind, BindAck, ParseRequest, ResponseStub) decode single
// connection-oriented PDUs in either integer representation; the SMB parser uses them for
// DCE/RPC over named pipes.
//
// State parses DCE/RPC over TCP: in-order bytes per direction in (Feed, Gap), transactions
// out as Suricata's dcerpc parser makes them: a bind or alter-context with its answer, a
// request with its response (fragments joined by call id, the stub kept up to a bound), the
// interfaces binds offered with the answers they got. Like Suricata, a PDU type it does not
// handle, a malformed PDU, or the server speaking while the client's PDU is incomplete stops
// the flow's parsing (counted in Stats.Errors); a gap drops the partial PDU, resyncs on the
// next header and completes, as lost, what it cut short. Buffers are bounded (maxPDU, maxStub,
// maxTxs, maxIfaces) and reused: a steady-state Feed allocates nothing.
package dcerpc
