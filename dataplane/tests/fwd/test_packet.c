/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the packet checks and rewrites (fwd/packet.h): verdicts, reasons, RFC 1624 update. */
#include <string.h>

#include <rte_ip.h>

#include "check.h"
#include "packet.h"
#include "policer.h"

static const uint8_t port_mac[6] = {0x02, 0, 0, 0, 1, 1};

/* rte_raw_cksum sums native-order words: its complement is stored as is. */
static void set_cksum(uint8_t *ip, uint32_t hlen)
{
	uint16_t ck;

	ip[10] = ip[11] = 0;
	ck = (uint16_t)~rte_raw_cksum(ip, hlen);
	memcpy(ip + 10, &ck, 2);
}
static uint64_t vlans[64];

struct frame {
	uint8_t b[2048];
	uint32_t len;
	uint32_t l3;
};

/* Ethernet (optional tag) + IPv4 header + payload bytes, valid checksum. */
static void ipv4_frame(struct frame *f, int vlan, uint8_t ttl, uint32_t dst, uint32_t payload)
{
	uint8_t *ip;

	memset(f, 0, sizeof(*f));
	memcpy(f->b, port_mac, 6);
	f->b[6] = 0x02;
	f->l3 = 14;
	if (vlan >= 0) {
		f->b[12] = 0x81;
		f->b[14] = (uint8_t)(vlan >> 8);
		f->b[15] = (uint8_t)vlan;
		f->l3 = 18;
	}
	f->b[f->l3 - 2] = 0x08;
	f->b[f->l3 - 1] = 0x00;
	ip = f->b + f->l3;
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + payload) >> 8);
	ip[3] = (uint8_t)(20 + payload);
	ip[8] = ttl;
	ip[9] = 17;
	ip[12] = 10, ip[13] = 1, ip[14] = 0, ip[15] = 2;
	ip[16] = (uint8_t)(dst >> 24), ip[17] = (uint8_t)(dst >> 16), ip[18] = (uint8_t)(dst >> 8), ip[19] = (uint8_t)dst;
	set_cksum(ip, 20);
	f->len = f->l3 + 20 + payload;
}

static void ipv6_frame(struct frame *f, uint8_t hop, uint8_t next, const uint8_t dst0, uint32_t payload)
{
	uint8_t *ip;

	memset(f, 0, sizeof(*f));
	memcpy(f->b, port_mac, 6);
	f->b[12] = 0x86;
	f->b[13] = 0xdd;
	f->l3 = 14;
	ip = f->b + 14;
	ip[0] = 0x60;
	ip[4] = (uint8_t)(payload >> 8);
	ip[5] = (uint8_t)payload;
	ip[6] = next;
	ip[7] = hop;
	ip[8] = 0x20, ip[9] = 0x01;
	ip[24] = dst0;
	ip[39] = 2;
	f->len = 14 + 40 + payload;
}

static struct hy_pkt parse_offloaded(const struct frame *f, bool ip_sum_good)
{
	struct hy_port_view view;
	struct hy_pkt pkt;

	memcpy(view.mac, port_mac, 6);
	view.vlans = vlans;
	hy_pkt_parse(f->b, f->len, &view, ip_sum_good, &pkt);
	return pkt;
}

static struct hy_pkt parse(const struct frame *f)
{
	return parse_offloaded(f, false);
}

static void test_ipv4_valid_is_routed(void)
{
	struct frame f;
	ipv4_frame(&f, -1, 64, 0x0a020002, 8);
	struct hy_pkt p = parse(&f);
	CHECK_EQ(p.verdict, HY_V_ROUTE4);
	CHECK_EQ(p.dst4, 0x0a020002);
	CHECK_EQ(p.l3_off, 14);
	CHECK_EQ(p.l3_len, 28);
	CHECK_EQ(p.ttl, 64);
	CHECK_EQ(p.fragment, 0);
}

static void test_ipv4_drops(void)
{
	struct frame f;
	struct hy_pkt p;

	ipv4_frame(&f, -1, 64, 0x0a020002, 8);
	f.len = 14 + 19;
	p = parse(&f);
	CHECK(p.verdict == HY_V_DROP && p.reason == HY_DROP_SHORT);

	ipv4_frame(&f, -1, 64, 0x0a020002, 8);
	f.b[14] = 0x55;
	p = parse(&f);
	CHECK(p.verdict == HY_V_DROP && p.reason == HY_DROP_IP_VERSION);

	ipv4_frame(&f, -1, 64, 0x0a020002, 8);
	f.b[14] = 0x44;
	p = parse(&f);
	CHECK(p.verdict == HY_V_DROP && p.reason == HY_DROP_IP_IHL);

	ipv4_frame(&f, -1, 64, 0x0a020002, 8);
	f.len -= 4; /* total length now beyond the frame */
	p = parse(&f);
	CHECK(p.verdict == HY_V_DROP && p.reason == HY_DROP_IP_LENGTH);

	ipv4_frame(&f, -1, 64, 0x0a020002, 8);
	f.b[14 + 11] ^= 0x40;
	p = parse(&f);
	CHECK(p.verdict == HY_V_DROP && p.reason == HY_DROP_IP_CHECKSUM);

	ipv4_frame(&f, -1, 0, 0x0a020002, 8);
	p = parse(&f);
	CHECK(p.verdict == HY_V_DROP && p.reason == HY_DROP_TTL_ZERO);
	p = parse_offloaded(&f, true); /* a NIC's checksum verdict skips only the sum */
	CHECK(p.verdict == HY_V_DROP && p.reason == HY_DROP_TTL_ZERO);

	ipv4_frame(&f, -1, 64, 0x0a020002, 8);
	f.b[0] = 0x04; /* unicast to someone else */
	p = parse(&f);
	CHECK(p.verdict == HY_V_DROP && p.reason == HY_DROP_NOT_FOR_US);

	ipv4_frame(&f, 200, 64, 0x0a020002, 8); /* VLAN 200 is not declared */
	p = parse(&f);
	CHECK(p.verdict == HY_V_DROP && p.reason == HY_DROP_VLAN_UNKNOWN);
}

/* Source and destination address bytes of an IPv4 frame, checksum recomputed. */
static void ipv4_addresses(struct frame *f, uint32_t src, uint32_t dst)
{
	uint8_t *ip = f->b + f->l3;

	for (int i = 0; i < 4; i++) {
		ip[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		ip[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	set_cksum(ip, 20);
}

static void test_ipv4_martians(void)
{
	static const struct {
		uint32_t src, dst;
		uint8_t verdict, reason;
	} cases[] = {
		{0x7f000001, 0x0a020002, HY_V_DROP, HY_DROP_MARTIAN_SRC},	 /* 127.0.0.1 -> */
		{0x00010203, 0x0a020002, HY_V_DROP, HY_DROP_MARTIAN_SRC},	 /* 0.1.2.3 -> */
		{0xe0000001, 0x0a020002, HY_V_DROP, HY_DROP_MARTIAN_SRC},	 /* 224.0.0.1 -> */
		{0xffffffff, 0x0a020002, HY_V_DROP, HY_DROP_MARTIAN_SRC},	 /* 255.255.255.255 -> */
		{0x0a010002, 0x7f000001, HY_V_DROP, HY_DROP_MARTIAN_DST},	 /* -> 127.0.0.1 */
		{0x0a010002, 0x00000009, HY_V_DROP, HY_DROP_MARTIAN_DST},	 /* -> 0.0.0.9 */
		{0x00000000, 0xffffffff, HY_V_PUNT, HY_PUNT_MULTICAST},	 /* DHCP discover: the kernel's */
		{0x7effffff, 0x80000000, HY_V_ROUTE4, 0},			 /* 126.255.255.255 -> 128.0.0.0 */
		{0x01000000, 0x7e000001, HY_V_ROUTE4, 0},			 /* 1.0.0.0 -> 126.0.0.1 */
		{0x0a010002, 0xf0000001, HY_V_ROUTE4, 0},			 /* class E, routed as Linux does */
	};
	struct frame f;

	for (size_t i = 0; i < RTE_DIM(cases); i++) {
		struct hy_pkt p;

		ipv4_frame(&f, -1, 64, 0, 8);
		ipv4_addresses(&f, cases[i].src, cases[i].dst);
		p = parse(&f);
		if (p.verdict != cases[i].verdict || p.reason != cases[i].reason)
			fprintf(stderr, "IPv4 case %zu: verdict %u reason %u\n", i, p.verdict, p.reason);
		CHECK_EQ(p.verdict, cases[i].verdict);
		CHECK_EQ(p.reason, cases[i].reason);
	}
}

static void test_ipv4_padding_allowed_and_fragment_flag(void)
{
	struct frame f;
	struct hy_pkt p;

	ipv4_frame(&f, -1, 64, 0x0a020002, 8);
	f.len = 60; /* minimum Ethernet frame: 18 padding bytes after the datagram */
	p = parse(&f);
	CHECK_EQ(p.verdict, HY_V_ROUTE4);
	CHECK_EQ(p.l3_len, 28);

	ipv4_frame(&f, -1, 64, 0x0a020002, 8);
	f.b[14 + 6] = 0x20; /* more fragments */
	set_cksum(f.b + 14, 20);
	p = parse(&f);
	CHECK_EQ(p.verdict, HY_V_ROUTE4);
	CHECK_EQ(p.fragment, 1);
}

static void test_punts(void)
{
	struct frame f;
	struct hy_pkt p;

	ipv4_frame(&f, -1, 64, 0xe0000005, 8); /* OSPF multicast */
	p = parse(&f);
	CHECK(p.verdict == HY_V_PUNT && p.reason == HY_PUNT_MULTICAST);

	/* IPv4 options: IHL 6, valid checksum. */
	ipv4_frame(&f, -1, 64, 0x0a020002, 8);
	f.b[14] = 0x46;
	set_cksum(f.b + 14, 24);
	p = parse(&f);
	CHECK(p.verdict == HY_V_PUNT && p.reason == HY_PUNT_OPTIONS);

	memset(&f, 0, sizeof(f));
	memset(f.b, 0xff, 6);
	f.b[12] = 0x08, f.b[13] = 0x06;
	f.len = 42;
	p = parse(&f);
	CHECK(p.verdict == HY_V_PUNT && p.reason == HY_PUNT_ARP);
	CHECK_EQ(hy_punt_classify(f.b, f.len), HY_PUNT_PRIORITY);

	f.b[12] = 0x88, f.b[13] = 0xcc; /* LLDP */
	p = parse(&f);
	CHECK(p.verdict == HY_V_PUNT && p.reason == HY_PUNT_NON_IP);
	CHECK_EQ(hy_punt_classify(f.b, f.len), HY_PUNT_NORMAL);

	ipv4_frame(&f, 100, 64, 0x0a020002, 20); /* tagged on a declared VLAN */
	p = parse(&f);
	CHECK_EQ(p.verdict, HY_V_ROUTE4);
	CHECK_EQ(p.tagged, 1);
	CHECK_EQ(p.vlan, 100);
	CHECK_EQ(p.l3_off, 18);
}

static void test_ipv6(void)
{
	struct frame f;
	struct hy_pkt p;

	ipv6_frame(&f, 64, 17, 0x20, 8);
	p = parse(&f);
	CHECK_EQ(p.verdict, HY_V_ROUTE6);
	CHECK_EQ(p.l3_len, 48);

	ipv6_frame(&f, 0, 17, 0x20, 8);
	p = parse(&f);
	CHECK(p.verdict == HY_V_DROP && p.reason == HY_DROP_TTL_ZERO);

	ipv6_frame(&f, 64, 17, 0x20, 8);
	f.len -= 1;
	p = parse(&f);
	CHECK(p.verdict == HY_V_DROP && p.reason == HY_DROP_IP_LENGTH);

	ipv6_frame(&f, 64, 0, 0x20, 8); /* hop-by-hop */
	p = parse(&f);
	CHECK(p.verdict == HY_V_PUNT && p.reason == HY_PUNT_OPTIONS);

	ipv6_frame(&f, 255, 58, 0xff, 24); /* neighbour solicitation to a multicast group */
	f.b[54] = 135;
	p = parse(&f);
	CHECK(p.verdict == HY_V_PUNT && p.reason == HY_PUNT_ND);
	CHECK_EQ(hy_punt_classify(f.b, f.len), HY_PUNT_PRIORITY);

	ipv6_frame(&f, 64, 17, 0xfe, 8);
	f.b[14 + 25] = 0x80;
	p = parse(&f);
	CHECK(p.verdict == HY_V_PUNT && p.reason == HY_PUNT_LINK_LOCAL);
}

/* A routed IPv6 frame whose source (at 8) or destination (at 24) is replaced by `addr`. */
static struct hy_pkt ipv6_with_address(int at, const char *addr_hex)
{
	struct frame f;

	ipv6_frame(&f, 64, 17, 0x20, 8);
	for (int i = 0; i < 16; i++) {
		unsigned int byte;
		CHECK(sscanf(addr_hex + 2 * i, "%2x", &byte) == 1);
		f.b[14 + at + i] = (uint8_t)byte;
	}
	return parse(&f);
}

static void test_ipv6_martians(void)
{
	static const struct {
		int at;
		const char *addr;
		uint8_t verdict, reason;
	} cases[] = {
		{8, "00000000000000000000000000000001", HY_V_DROP, HY_DROP_MARTIAN_SRC},   /* ::1 -> */
		{8, "00000000000000000000000000000000", HY_V_DROP, HY_DROP_MARTIAN_SRC},   /* :: -> */
		{8, "ff020000000000000000000000000001", HY_V_DROP, HY_DROP_MARTIAN_SRC},   /* ff02::1 -> */
		{24, "00000000000000000000000000000001", HY_V_DROP, HY_DROP_MARTIAN_DST},  /* -> ::1 */
		{24, "00000000000000000000000000000000", HY_V_DROP, HY_DROP_MARTIAN_DST},  /* -> :: */
		{8, "fe800000000000000000000000000099", HY_V_PUNT, HY_PUNT_LINK_LOCAL},    /* fe80::99 -> */
		{8, "febf0000000000000000000000000099", HY_V_PUNT, HY_PUNT_LINK_LOCAL},    /* fe80::/10's last */
		{8, "fec00000000000000000000000000099", HY_V_ROUTE6, 0},                   /* fec0:: is not */
		{8, "00000000000000000000000000000002", HY_V_ROUTE6, 0},                   /* ::2 -> */
		{8, "00000000000000010000000000000001", HY_V_ROUTE6, 0},                   /* ::1:0:0:0:1 -> */
		{24, "01000000000000000000000000000001", HY_V_ROUTE6, 0},                  /* -> 100::1 */
	};

	for (size_t i = 0; i < RTE_DIM(cases); i++) {
		struct hy_pkt p = ipv6_with_address(cases[i].at, cases[i].addr);
		if (p.verdict != cases[i].verdict || p.reason != cases[i].reason)
			fprintf(stderr, "IPv6 case %zu: verdict %u reason %u\n", i, p.verdict, p.reason);
		CHECK_EQ(p.verdict, cases[i].verdict);
		CHECK_EQ(p.reason, cases[i].reason);
	}
}

static void test_ttl_decrement_keeps_checksum_valid(void)
{
	struct frame f;

	/* Every TTL and a spread of header contents: the incremental update must match a full recompute. */
	for (unsigned int ttl = 2; ttl < 256; ttl++) {
		for (uint32_t dst = 0; dst < 0xffffffffu - 0x01010101u * 7; dst += 0x01010101u * 7) {
			ipv4_frame(&f, -1, (uint8_t)ttl, dst, 0);
			hy_ipv4_ttl_decrement(f.b + 14);
			CHECK_EQ(f.b[14 + 8], ttl - 1);
			if (rte_raw_cksum(f.b + 14, 20) != 0xffff) {
				CHECK(!"checksum invalid after decrement");
				return;
			}
		}
	}
}

/* The checksum test reads 32-bit words and folds them: it must accept exactly what rte_raw_cksum accepts. */
static void test_ipv4_checksum_agrees_with_rte_raw_cksum(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned int valid = 0;
	struct frame f;

	for (unsigned int i = 0; i < 200000; i++) {
		uint8_t *ip;
		bool good;

		ipv4_frame(&f, -1, 64, 0x0a000000u | (uint32_t)(i & 0xffffff), 8);
		ip = f.b + 14;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
		ip[1] = (uint8_t)x;		       /* DSCP/ECN, identification, protocol: */
		ip[4] = (uint8_t)(x >> 8);	       /* nothing but the checksum looks at them */
		ip[5] = (uint8_t)(x >> 16);
		ip[9] = (uint8_t)(x >> 24);
		if (i % 2 == 0) { /* half with a valid checksum, half with a random one */
			set_cksum(ip, 20);
		} else {
			ip[10] = (uint8_t)(x >> 32);
			ip[11] = (uint8_t)(x >> 40);
		}
		good = rte_raw_cksum(ip, 20) == 0xffff;
		valid += good;
		struct hy_pkt p = parse(&f);
		if (good != !(p.verdict == HY_V_DROP && p.reason == HY_DROP_IP_CHECKSUM)) {
			CHECK(!"checksum verdict differs from rte_raw_cksum");
			return;
		}
	}
	CHECK(valid >= 100000); /* the valid half at least */
}

/* The NIC verified the header (RTE_MBUF_F_RX_IP_CKSUM_GOOD): the sum is not read again. */
static void test_ipv4_checksum_left_to_the_nic(void)
{
	struct frame f;
	struct hy_pkt p;

	ipv4_frame(&f, -1, 64, 0x0a020002, 8);
	f.b[14 + 11] ^= 0x40;
	p = parse_offloaded(&f, true);
	CHECK_EQ(p.verdict, HY_V_ROUTE4);
	CHECK_EQ(p.dst4, 0x0a020002);
	p = parse_offloaded(&f, false);
	CHECK(p.verdict == HY_V_DROP && p.reason == HY_DROP_IP_CHECKSUM);
}

static void test_flow_hash_separates_flows_and_ignores_ports_of_fragments(void)
{
	struct frame a, b;

	ipv4_frame(&a, -1, 64, 0x0a020002, 8);
	ipv4_frame(&b, -1, 64, 0x0a020002, 8);
	b.b[14 + 20] = 0x12; /* another source port */
	CHECK(hy_flow_hash4(a.b + 14, 28, false) != hy_flow_hash4(b.b + 14, 28, false));
	CHECK_EQ(hy_flow_hash4(a.b + 14, 28, true), hy_flow_hash4(b.b + 14, 28, true));
}

static void test_policer(void)
{
	struct hy_policer p;
	unsigned int passed = 0;

	hy_policer_init(&p, 1000, 10, 1000000, 0);
	for (int i = 0; i < 100; i++)
		passed += hy_policer_allow(&p, 0);
	CHECK_EQ(passed, 10); /* the burst */
	/* 5 ms later at 1000 pps: 5 more tokens. */
	passed = 0;
	for (int i = 0; i < 100; i++)
		passed += hy_policer_allow(&p, 5000);
	CHECK_EQ(passed, 5);
	CHECK_EQ(p.dropped, 185);
	hy_policer_init(&p, 0, 1, 1000000, 0); /* rate 0: not policed */
	CHECK(hy_policer_allow(&p, 0) && hy_policer_allow(&p, 0));
}

int main(void)
{
	vlans[100 >> 6] |= 1ull << (100 & 63);
	test_ipv4_valid_is_routed();
	test_ipv4_drops();
	test_ipv4_martians();
	test_ipv4_padding_allowed_and_fragment_flag();
	test_punts();
	test_ipv6();
	test_ipv6_martians();
	test_ttl_decrement_keeps_checksum_valid();
	test_ipv4_checksum_agrees_with_rte_raw_cksum();
	test_ipv4_checksum_left_to_the_nic();
	test_flow_hash_separates_flows_and_ignores_ports_of_fragments();
	test_policer();
	CHECK_DONE();
}
