//go:build ignore

// XDP flow bypass (af-packet bypass: yes, `nightjar run`).
//
// User space adds a flow to bypass_flows once it needs no more inspection (stream depth reached,
// a rule's bypass keyword, the elephant-flow threshold). From then on this program drops the
// flow's packets before the capture rings see them and counts them per direction, so the flow
// record still reports every packet; user space reads and deletes the entry when the flow ends.
//
// One entry serves both directions: the key holds the two endpoints in a fixed order (the lower
// address, then port, first), and the value counts [0] packets sent by the first endpoint and
// [1] those sent by the second. IPv4 addresses are stored IPv4-mapped (::ffff:a.b.c.d) so the
// two families never collide.
//
// What it looks through is deliberately little: Ethernet, up to two VLAN tags, IPv4 or IPv6
// (with up to three hop-by-hop, routing or destination-options headers), TCP or UDP. The key
// has no VLAN id, because a NIC that strips tags hands XDP the frame without them. Anything
// else passes to the rings untouched, as do fragments (the ports of non-first fragments are
// unknown, and the sensor's defragmenter needs every piece) and TCP segments carrying SYN, FIN
// or RST: they are few, and they let the sensor see a session end or a port reused.
//
// Two programs share the code: xdp_bypass_frags for kernels with XDP multi-buffer (it counts
// the whole frame with bpf_xdp_get_buff_len, and may attach natively to links whose MTU exceeds
// a page), xdp_bypass for the others.
//
// Regenerate the Go bindings and object with `go generate ./bpf` (clang and libbpf-dev).

#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define ETH_P_QINQ1 0x9100
#define MAX_TAGS 2
#define MAX_EXT 3

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04

char _license[] SEC("license") = "Dual BSD/GPL";

struct bypass_key {
	__u8 addr[2][16]; // endpoints, lower first; IPv4 IPv4-mapped
	__u16 port[2];    // host byte order, same index as addr
	__u8 proto;       // IPPROTO_TCP or IPPROTO_UDP
	__u8 pad[3];
};

struct bypass_val {
	__u64 pkts[2];  // [i]: sent by endpoint i of the key
	__u64 bytes[2]; // frame bytes as XDP sees them
	__u64 last;     // bpf_ktime_get_ns() of the last packet counted
};

// Per-CPU values: the two directions of a flow often arrive on different CPUs, and per-CPU
// slots count without atomics or cache-line bouncing. User space sums them.
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 65536); // the loader sets the configured size
	__type(key, struct bypass_key);
	__type(value, struct bypass_val);
} bypass_flows SEC(".maps");

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

// before reports whether endpoint (a, pa) sorts before (b, pb): addresses compared byte by byte
// (as big-endian words), then ports.
static __always_inline int before(const __u32 *a, __u16 pa, const __u32 *b, __u16 pb)
{
#pragma unroll
	for (int i = 0; i < 4; i++) {
		__u32 x = bpf_ntohl(a[i]), y = bpf_ntohl(b[i]);
		if (x != y)
			return x < y;
	}
	return pa <= pb;
}

static __always_inline int bypass(struct xdp_md *ctx, __u64 len)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	if (data + ETH_HLEN > end)
		return XDP_PASS;
	__u16 proto = bpf_ntohs(*(__be16 *)(data + 12));
	void *cur = data + ETH_HLEN;
#pragma unroll
	for (int i = 0; i < MAX_TAGS; i++) {
		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD && proto != ETH_P_QINQ1)
			break;
		struct vlan_hdr *v = cur;
		if ((void *)(v + 1) > end)
			return XDP_PASS;
		proto = bpf_ntohs(v->proto);
		cur = v + 1;
	}

	__u32 src[4] = {}, dst[4] = {};
	__u8 next;
	if (proto == ETH_P_IP) {
		__u8 *h = cur;
		if ((void *)(h + 20) > end || (h[0] >> 4) != 4)
			return XDP_PASS;
		__u32 ihl = (h[0] & 0xf) * 4;
		if (ihl < 20)
			return XDP_PASS;
		if ((h[6] & 0x3f) || h[7]) // MF or a fragment offset
			return XDP_PASS;
		next = h[9];
		src[2] = dst[2] = bpf_htonl(0xffff);
		src[3] = *(__u32 *)(h + 12);
		dst[3] = *(__u32 *)(h + 16);
		cur = h + ihl;
	} else if (proto == ETH_P_IPV6) {
		__u8 *h = cur;
		if ((void *)(h + 40) > end || (h[0] >> 4) != 6)
			return XDP_PASS;
		next = h[6];
		__builtin_memcpy(src, h + 8, 16);
		__builtin_memcpy(dst, h + 24, 16);
		cur = h + 40;
#pragma unroll
		for (int i = 0; i < MAX_EXT; i++) {
			if (next != 0 && next != 43 && next != 60)
				break;
			__u8 *x = cur;
			if ((void *)(x + 2) > end)
				return XDP_PASS;
			next = x[0];
			cur = x + ((__u32)x[1] + 1) * 8;
		}
	} else {
		return XDP_PASS;
	}
	if (next != IPPROTO_TCP && next != IPPROTO_UDP)
		return XDP_PASS;
	__u8 *l4 = cur;
	if ((void *)(l4 + 14) > end && next == IPPROTO_TCP)
		return XDP_PASS;
	if ((void *)(l4 + 4) > end)
		return XDP_PASS;
	__u16 sp = ((__u16)l4[0] << 8) | l4[1];
	__u16 dp = ((__u16)l4[2] << 8) | l4[3];
	if (next == IPPROTO_TCP && (l4[13] & (TCP_SYN | TCP_FIN | TCP_RST)))
		return XDP_PASS;

	struct bypass_key key = {};
	int dir = 0;
	key.proto = next;
	if (before(src, sp, dst, dp)) {
		__builtin_memcpy(key.addr[0], src, 16);
		__builtin_memcpy(key.addr[1], dst, 16);
		key.port[0] = sp;
		key.port[1] = dp;
	} else {
		__builtin_memcpy(key.addr[0], dst, 16);
		__builtin_memcpy(key.addr[1], src, 16);
		key.port[0] = dp;
		key.port[1] = sp;
		dir = 1;
	}
	struct bypass_val *v = bpf_map_lookup_elem(&bypass_flows, &key);
	if (!v)
		return XDP_PASS;
	v->pkts[dir]++;
	v->bytes[dir] += len;
	v->last = bpf_ktime_get_ns();
	return XDP_DROP;
}

SEC("xdp.frags")
int xdp_bypass_frags(struct xdp_md *ctx)
{
	return bypass(ctx, bpf_xdp_get_buff_len(ctx));
}

SEC("xdp")
int xdp_bypass(struct xdp_md *ctx)
{
	return bypass(ctx, (__u64)(ctx->data_end - ctx->data));
}
