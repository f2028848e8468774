// Package ssh parses the cleartext start of SSH per flow: each side's identification banner
// ("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3" gives proto_version 2.0 and software_version
// OpenSSH_8.9p1), then the binary packet framing up to SSH_MSG_NEWKEYS, reading KEXINIT for
// HASSH. Once both sides have switched keys it reports the flow encrypted so it can be
// bypassed. Fields map onto EVE ssh and the ssh.proto, ssh.software and ssh.hassh* keywords.
package ssh
