// Package dhcp parses BOOTP/DHCP datagrams (RFC 951, RFC 2131, RFC 2132) for the sensor's UDP
// app layer: the fixed BOOTP header, the magic cookie and the options that follow it, including
// options continued in the file and sname fields when option 52 (overload) says so. A Message is
// reused from one datagram to the next and its byte fields alias the datagram, so parsing does
// not allocate. Probe is the detection test Suricata applies on UDP ports 67 and 68. The option
// codes and names here are the ones Suricata's EVE dhcp logger writes.
package dhcp
