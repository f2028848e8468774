//go:build ignore

// Fanout steering for PACKET_FANOUT_EBPF (af-packet cluster_ebpf, `nightjar run --fanout ebpf`).
//
// The kernel runs this socket filter on each packet arriving at the fanout group and sends the
// packet to ring (return value % rings). It returns a hash of the flow that is the same in both
// directions, so that one worker sees both halves of a conversation, and that looks through what
// the workers' decoder looks through: VLAN and QinQ tags, MPLS labels, and one level of the common
// tunnels (IPIP, 6in4, 4in6, 6in6, GRE with IP or Ethernet inside, VXLAN on UDP 4789). For a
// tunnel it hashes the inner tuple: the sensor keys flows on it, and VXLAN's outer source port
// differs between the directions of one inner flow.
//
// Fragments hash on the addresses alone (a non-first fragment has no ports); with the fanout's
// defrag flag, on by default, the kernel reassembles before this runs. Anything it cannot read
// (not IP, truncated) hashes to 0: such packets all go to the first ring, which keeps them
// together.
//
// Offsets are read relative to the network header with bpf_skb_load_bytes_relative, so the
// program does not depend on where skb->data points when the fanout runs. A tag the receiving
// device took off the frame (skb->vlan_tci) is not part of the hash: both directions of a flow
// carry the same one.
//
// Regenerate the Go bindings and object with `go generate ./bpf` (needs clang and libbpf-dev;
// scripts/install-deps.sh installs them with --bpf). A build needs neither: the output is committed.

#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define ETH_P_QINQ1 0x9100
#define ETH_P_MPLS_UC 0x8847
#define ETH_P_MPLS_MC 0x8848
#define ETH_P_TEB 0x6558
#define VXLAN_PORT 4789
#define MAX_LAYERS 8 // tags, labels and headers looked through before giving up
#define MAX_EXT 4    // IPv6 extension headers skipped

char _license[] SEC("license") = "Dual BSD/GPL";

struct tuple {
	__u32 a, b;   // addresses (IPv6 folded to 32 bits)
	__u16 pa, pb; // ports, 0 when none
	__u8 proto;
	__u8 ok;
};

static __always_inline int load(struct __sk_buff *skb, __u32 off, void *to, __u32 len)
{
	return bpf_skb_load_bytes_relative(skb, off, to, len, BPF_HDR_START_NET);
}

static __always_inline __u32 mix(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

// sym_hash orders the two endpoints before mixing, so (a, pa, b, pb) and (b, pb, a, pa) hash
// alike, and nothing else is lost.
static __always_inline __u32 sym_hash(const struct tuple *t)
{
	__u32 a = t->a, b = t->b;
	__u16 pa = t->pa, pb = t->pb;
	if (a > b || (a == b && pa > pb)) {
		__u32 x = a;
		a = b;
		b = x;
		__u16 y = pa;
		pa = pb;
		pb = y;
	}
	__u32 h = mix(a * 0x9e3779b1u ^ b);
	return mix(h ^ (((__u32)pa << 16) | pb) ^ ((__u32)t->proto << 8));
}

// ports reads the ports of a TCP, UDP or SCTP header at off (all three start with them).
static __always_inline void ports(struct __sk_buff *skb, __u32 off, struct tuple *t)
{
	__u16 p[2];
	if (t->proto != IPPROTO_TCP && t->proto != IPPROTO_UDP && t->proto != IPPROTO_SCTP)
		return;
	if (load(skb, off, p, sizeof(p)) < 0)
		return;
	t->pa = bpf_ntohs(p[0]);
	t->pb = bpf_ntohs(p[1]);
}

SEC("socket")
int fanout_flow(struct __sk_buff *skb)
{
	struct tuple t = {};
	__u32 off = 0;
	__u16 proto = bpf_ntohs(skb->protocol);
	int tunnels = 1; // tunnel levels still to look into

	for (int i = 0; i < MAX_LAYERS; i++) {
		if (proto == ETH_P_8021Q || proto == ETH_P_8021AD || proto == ETH_P_QINQ1) {
			__u16 tag[2];
			if (load(skb, off, tag, sizeof(tag)) < 0)
				break;
			proto = bpf_ntohs(tag[1]);
			off += 4;
			continue;
		}
		if (proto == ETH_P_MPLS_UC || proto == ETH_P_MPLS_MC) {
			__u8 lse[5];
			if (load(skb, off, lse, sizeof(lse)) < 0)
				break;
			off += 4;
			if (lse[2] & 1) { // bottom of stack: guess the payload from its first nibble
				__u8 v = lse[4] >> 4;
				proto = v == 4 ? ETH_P_IP : v == 6 ? ETH_P_IPV6 : 0;
			}
			continue;
		}

		__u32 l4;
		__u8 next;
		int frag = 0;
		if (proto == ETH_P_IP) {
			__u8 h[20];
			if (load(skb, off, h, sizeof(h)) < 0 || (h[0] >> 4) != 4)
				break;
			l4 = off + (h[0] & 0xf) * 4;
			next = h[9];
			frag = (h[6] & 0x3f) || h[7]; // MF or an offset
			__builtin_memcpy(&t.a, &h[12], 4);
			__builtin_memcpy(&t.b, &h[16], 4);
		} else if (proto == ETH_P_IPV6) {
			__u32 h[10];
			if (load(skb, off, h, sizeof(h)) < 0 || (((__u8 *)h)[0] >> 4) != 6)
				break;
			next = ((__u8 *)h)[6];
			t.a = h[2] ^ h[3] ^ h[4] ^ h[5];
			t.b = h[6] ^ h[7] ^ h[8] ^ h[9];
			l4 = off + 40;
			for (int e = 0; e < MAX_EXT; e++) {
				__u8 x[4];
				if (next != 0 && next != 43 && next != 60 && next != 44)
					break;
				if (load(skb, l4, x, sizeof(x)) < 0)
					break;
				if (next == 44) { // fragment header: 8 bytes
					frag = (x[2] << 8 | x[3]) != 0; // offset or M flag
					next = x[0];
					l4 += 8;
					continue;
				}
				next = x[0];
				l4 += (x[1] + 1) * 8;
			}
		} else {
			break;
		}
		t.proto = next;
		t.ok = 1;
		t.pa = t.pb = 0;
		if (frag)
			break;

		if (tunnels > 0) {
			if (next == IPPROTO_IPIP || next == IPPROTO_IPV6) {
				tunnels--;
				off = l4;
				proto = next == IPPROTO_IPIP ? ETH_P_IP : ETH_P_IPV6;
				continue;
			}
			if (next == IPPROTO_GRE) {
				__u16 g[2];
				if (load(skb, l4, g, sizeof(g)) < 0)
					break;
				__u16 flags = bpf_ntohs(g[0]);
				if ((flags & 7) != 0) // version 0 only (1 is PPTP)
					break;
				__u32 len = 4 + ((flags & 0x8000) ? 4 : 0) + ((flags & 0x2000) ? 4 : 0) + ((flags & 0x1000) ? 4 : 0);
				__u16 gp = bpf_ntohs(g[1]);
				tunnels--;
				off = l4 + len;
				if (gp == ETH_P_TEB) {
					__u16 et;
					if (load(skb, off + 12, &et, sizeof(et)) < 0)
						break;
					proto = bpf_ntohs(et);
					off += 14;
				} else {
					proto = gp;
				}
				continue;
			}
			if (next == IPPROTO_UDP) {
				__u16 udp[2];
				if (load(skb, l4, udp, sizeof(udp)) == 0 && bpf_ntohs(udp[1]) == VXLAN_PORT) {
					__u16 et;
					// UDP 8, VXLAN 8, inner Ethernet 14 (type at 12).
					if (load(skb, l4 + 16 + 12, &et, sizeof(et)) == 0) {
						tunnels--;
						proto = bpf_ntohs(et);
						off = l4 + 16 + 14;
						continue;
					}
				}
			}
		}
		ports(skb, l4, &t);
		break;
	}
	if (!t.ok)
		return 0;
	return sym_hash(&t);
}
