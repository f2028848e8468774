// Package smb is the sensor's SMB support, with Suricata's semantics.
//
// Probe is the protocol-detection test Suricata applies to a TCP direction's first bytes: a
// NetBIOS session message carrying an SMB1, SMB2 or SMB3-transform header, on any port, or on
// the SMB ports (139 and 445, Suricata's shipped detection-ports) a NetBIOS session set-up
// followed by one.
//
// State parses a detected flow: in-order bytes per direction in (Feed, Gap), NetBIOS session
// records framed and gathered across segments (a record too long to buffer is parsed from its
// head and the rest skipped), SMB2 compounds and SMB1 AndX chains split, SMB3 encrypted records
// skipped. It makes Suricata's transactions: negotiate (the client's dialects and GUID, the
// server's choice, GUID and size limits; an SMB1 negotiate answered in SMB2 included), session
// setup (the NTLMSSP user, domain, host and version; SMB1's native OS and LAN manager), tree
// connect (share or named pipe, SMB2 share type, SMB1 services), create (name, disposition,
// delete on close, times, size, file id), ioctl (function), set info (delete on close, rename),
// one per file and direction read or written (named from its create, completed by its close),
// and a generic transaction for the other commands, except those Suricata makes none for
// (reads, writes, info queries, SMB1 trans). Writes, reads and transceive ioctls on a named
// pipe (or, when the tree connect was missed, data that looks like DCE/RPC) carry DCE/RPC: a
// bind or request starts a transaction that the answer read back completes, with the pipe's
// interfaces. A transaction is complete once its response is in (an interim STATUS_PENDING
// answer does not complete it). SMB1 errors without NT status codes keep their DOS class and
// code.
//
// A file transaction tracks its file's size, gaps and whether it was closed (the sensor writes
// its fileinfo event); the contents are not kept (no file.data yet). Memory is bounded
// (maxRecord, maxTxs, maxMaps, maxStub, maxIfaces, maxArena) and reused: a steady-state Feed
// allocates nothing. Malformed records are counted (Stats.Malformed) and never panic.
package smb
