/* test_netgate.c - unit tests for the SSRF gate (netgate.h): both edges of
 * every refused range, parsing and formatting, and resolving without a
 * network (numeric hosts, localhost from /etc/hosts, a .invalid name). */
#include "compat.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include "error.h"
#include "netgate.h"
#include "unit.h"

/* The range that refuses s, or NULL when s is public. */
static const char *special(const char *s)
{
	struct sockaddr_storage ss;
	socklen_t len;

	assert_int_equal(ks_addr_parse(s, &ss, &len), 0);
	return ks_addr_special((const struct sockaddr *)&ss, len);
}

static void is_public(const char *s)
{
	const char *r = special(s);

	if (r)
		fail_msg("%s refused as %s, expected public", s, r);
}

/* Refused, and by a range whose name contains want. */
static void is_refused(const char *s, const char *want)
{
	const char *r = special(s);

	if (!r)
		fail_msg("%s passed the gate, expected %s", s, want);
	if (!strstr(r, want))
		fail_msg("%s refused as '%s', expected '%s'", s, r, want);
}

static void test_v4_edges(void **state)
{
	(void)state;
	/* 0/8 */
	is_refused("0.0.0.0", "this network");
	is_refused("0.255.255.255", "this network");
	is_public("1.0.0.0");
	/* 10/8 */
	is_public("9.255.255.255");
	is_refused("10.0.0.0", "RFC 1918");
	is_refused("10.255.255.255", "RFC 1918");
	is_public("11.0.0.0");
	/* 100.64/10 */
	is_public("100.63.255.255");
	is_refused("100.64.0.0", "CGNAT");
	is_refused("100.127.255.255", "CGNAT");
	is_public("100.128.0.0");
	/* 127/8 */
	is_public("126.255.255.255");
	is_refused("127.0.0.0", "loopback");
	is_refused("127.0.0.1", "loopback");
	is_refused("127.255.255.255", "loopback");
	is_public("128.0.0.0");
	/* 169.254/16 */
	is_public("169.253.255.255");
	is_refused("169.254.0.0", "link-local");
	is_refused("169.254.169.254", "link-local"); /* cloud metadata */
	is_refused("169.254.255.255", "link-local");
	is_public("169.255.0.0");
	/* 172.16/12 */
	is_public("172.15.255.255");
	is_refused("172.16.0.0", "RFC 1918");
	is_refused("172.31.255.255", "RFC 1918");
	is_public("172.32.0.0");
	/* 192.0.0/24, 192.0.2/24 */
	is_public("191.255.255.255");
	is_refused("192.0.0.0", "IETF");
	is_refused("192.0.0.255", "IETF");
	is_public("192.0.1.0");
	is_public("192.0.1.255");
	is_refused("192.0.2.0", "documentation");
	is_refused("192.0.2.255", "documentation");
	is_public("192.0.3.0");
	/* 192.168/16 */
	is_public("192.167.255.255");
	is_refused("192.168.0.0", "RFC 1918");
	is_refused("192.168.255.255", "RFC 1918");
	is_public("192.169.0.0");
	/* 198.18/15 */
	is_public("198.17.255.255");
	is_refused("198.18.0.0", "benchmarking");
	is_refused("198.19.255.255", "benchmarking");
	is_public("198.20.0.0");
	/* 198.51.100/24, 203.0.113/24 */
	is_public("198.51.99.255");
	is_refused("198.51.100.0", "documentation");
	is_refused("198.51.100.255", "documentation");
	is_public("198.51.101.0");
	is_public("203.0.112.255");
	is_refused("203.0.113.0", "documentation");
	is_refused("203.0.113.255", "documentation");
	is_public("203.0.114.0");
	/* 224/4, 240/4, broadcast */
	is_public("223.255.255.255");
	is_refused("224.0.0.0", "multicast");
	is_refused("239.255.255.255", "multicast");
	is_refused("240.0.0.0", "reserved");
	is_refused("255.255.255.254", "reserved");
	is_refused("255.255.255.255", "broadcast");
	/* well-known public resolvers */
	is_public("8.8.8.8");
	is_public("1.1.1.1");
}

static void test_v6_edges(void **state)
{
	(void)state;
	is_refused("::", "unspecified");
	is_refused("::1", "loopback");
	is_refused("::2", "IPv4-compatible");
	is_refused("::8.8.8.8", "IPv4-compatible");
	/* v4-mapped: refused whatever the IPv4 inside */
	is_refused("::ffff:8.8.8.8", "IPv4-mapped");
	is_refused("::ffff:127.0.0.1", "IPv4-mapped");
	is_refused("::ffff:0.0.0.0", "IPv4-mapped");
	is_refused("::ffff:255.255.255.255", "IPv4-mapped");
	is_public("::1:0:0:0");	/* just past ::/96 and ::ffff:0:0/96 */
	is_public("::fffe:ffff:ffff");
	/* NAT64 */
	is_public("64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff");
	is_refused("64:ff9b::", "NAT64");
	is_refused("64:ff9b::1", "NAT64");
	is_refused("64:ff9b::ffff:ffff", "NAT64");
	is_public("64:ff9b:0:0:0:1::");
	is_refused("64:ff9b:1::", "NAT64");
	is_refused("64:ff9b:1:ffff:ffff:ffff:ffff:ffff", "NAT64");
	is_public("64:ff9b:2::");
	/* discard */
	is_public("ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	is_refused("100::", "discard");
	is_refused("100::ffff:ffff:ffff:ffff", "discard");
	is_public("100:0:0:1::");
	/* 2001::/23 and 2001:db8::/32 */
	is_public("2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	is_refused("2001::", "IETF special");
	is_refused("2001:0:4136:e378:8000:63bf:3fff:fdd2", "IETF special");
	is_refused("2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", "IETF special");
	is_public("2001:200::");
	is_public("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff");
	is_refused("2001:db8::", "documentation");
	is_refused("2001:db8::1", "documentation");
	is_refused("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "documentation");
	is_public("2001:db9::");
	/* 2002::/16 */
	is_public("2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	is_refused("2002::", "6to4");
	is_refused("2002::1", "6to4");
	is_refused("2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "6to4");
	is_public("2003::");
	/* fc00::/7 */
	is_public("fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	is_refused("fc00::", "unique local");
	is_refused("fc00::1", "unique local");
	is_refused("fd12::1", "unique local");
	is_refused("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "unique local");
	is_public("fe00::");
	is_public("fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	/* fe80::/10, fec0::/10 */
	is_refused("fe80::", "link-local");
	is_refused("fe80::1", "link-local");
	is_refused("febf::1", "link-local");
	is_refused("fec0::", "site-local");
	is_refused("fec0::1", "site-local");
	is_refused("feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "site-local");
	/* ff00::/8 */
	is_refused("ff00::", "multicast");
	is_refused("ff02::1", "multicast");
	is_refused("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "multicast");
	/* public */
	is_public("2606:4700::1111");
	is_public("2a00:1450:4001:80b::200e");
	is_public("2000::");
}

/* Every range name is a short constant; unknown families and short
 * lengths are refused. */
static void test_not_ip(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in in;
	socklen_t len;
	const char *r;

	(void)state;
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	r = ks_addr_special((const struct sockaddr *)&ss, sizeof(ss));
	assert_non_null(r);
	assert_string_equal(r, "not IP");
	assert_string_equal(ks_addr_special(NULL, 0), "not IP");
	assert_int_equal(ks_addr_parse("8.8.8.8", &ss, &len), 0);
	assert_int_equal(len, sizeof(in));
	assert_string_equal(ks_addr_special((const struct sockaddr *)&ss,
					    len - 1),
			    "not IP");
	assert_false(ks_addr_is_loopback((const struct sockaddr *)&ss, 2));
}

static bool loopback(const char *s)
{
	struct sockaddr_storage ss;
	socklen_t len;

	assert_int_equal(ks_addr_parse(s, &ss, &len), 0);
	return ks_addr_is_loopback((const struct sockaddr *)&ss, len);
}

static void test_loopback(void **state)
{
	(void)state;
	assert_true(loopback("127.0.0.1"));
	assert_true(loopback("127.0.0.0"));
	assert_true(loopback("127.255.255.255"));
	assert_true(loopback("::1"));
	assert_false(loopback("126.255.255.255"));
	assert_false(loopback("128.0.0.1"));
	assert_false(loopback("::"));
	assert_false(loopback("::2"));
	assert_false(loopback("::ffff:127.0.0.1"));
	assert_false(loopback("8.8.8.8"));
	assert_false(loopback("0.0.0.0"));
}

static void test_parse_format(void **state)
{
	static const char *const ok[] = { "192.0.2.1", "2001:db8::1", "::",
					  "::ffff:127.0.0.1", "8.8.8.8" };
	static const char *const bad[] = {
		"",	      "localhost", "[::1]",	  "1.2.3.4:80",
		"1.2.3",      "256.1.1.1", "1.2.3.4 ", " 1.2.3.4",
		"::1%lo",     "fe80::1::", "0x7f.0.0.1", "2130706433",
	};
	struct sockaddr_storage ss;
	socklen_t len;
	char out[INET6_ADDRSTRLEN], tiny[4];
	size_t i;

	(void)state;
	for (i = 0; i < KS_ARRAY_SIZE(ok); i++) {
		assert_int_equal(ks_addr_parse(ok[i], &ss, &len), 0);
		ks_addr_format((const struct sockaddr *)&ss, len, out,
			       sizeof(out));
		assert_string_equal(out, ok[i]);
	}
	for (i = 0; i < KS_ARRAY_SIZE(bad); i++) {
		assert_int_equal(ks_addr_parse(bad[i], &ss, &len),
				 KS_EINVALID);
		assert_int_equal(len, 0);
	}
	assert_int_equal(ks_addr_parse(NULL, &ss, &len), KS_EINVALID);
	/* leading zeros and upper case are normalised */
	assert_int_equal(ks_addr_parse("2001:0DB8:0:0::01", &ss, &len), 0);
	ks_addr_format((const struct sockaddr *)&ss, len, out, sizeof(out));
	assert_string_equal(out, "2001:db8::1");
	/* too small a buffer gives "?", never an overflow */
	ks_addr_format((const struct sockaddr *)&ss, len, tiny, sizeof(tiny));
	assert_string_equal(tiny, "?");
}

static void test_resolve(void **state)
{
	char out[INET6_ADDRSTRLEN];

	(void)state;
	/* numeric hosts need no resolver */
	assert_int_equal(ks_resolve_public("8.8.8.8", out, sizeof(out)), 0);
	assert_string_equal(out, "8.8.8.8");
	assert_int_equal(
		ks_resolve_public("2606:4700::1111", out, sizeof(out)), 0);
	assert_string_equal(out, "2606:4700::1111");

	assert_int_equal(ks_resolve_public("127.0.0.1", out, sizeof(out)),
			 KS_EINVALID);
	assert_string_equal(out, "");
	assert_non_null(strstr(ks_error_last(), "'127.0.0.1'"));
	assert_non_null(strstr(ks_error_last(), "loopback"));

	assert_int_equal(ks_resolve_public("::ffff:8.8.8.8", out, sizeof(out)),
			 KS_EINVALID);
	assert_non_null(strstr(ks_error_last(), "IPv4-mapped"));
	assert_int_equal(ks_resolve_public("169.254.169.254", out,
					   sizeof(out)),
			 KS_EINVALID);
	assert_non_null(strstr(ks_error_last(), "link-local"));

	/* localhost comes from /etc/hosts (or nss-myhostname) */
	assert_int_equal(ks_resolve_public("localhost", out, sizeof(out)),
			 KS_EINVALID);
	assert_non_null(strstr(ks_error_last(), "'localhost'"));
	assert_non_null(strstr(ks_error_last(), "loopback"));
	/* the message names the range, never the addresses */
	assert_null(strstr(ks_error_last(), "127.0.0.1"));

	/* .invalid never resolves (RFC 6761) */
	assert_int_equal(ks_resolve_public("no-such-host.invalid", out,
					   sizeof(out)),
			 KS_ENOTFOUND);
	assert_non_null(strstr(ks_error_last(), "'no-such-host.invalid'"));

	assert_int_equal(ks_resolve_public("", out, sizeof(out)), KS_EINVALID);
	assert_int_equal(ks_resolve_public(NULL, out, sizeof(out)),
			 KS_EINVALID);
	assert_int_equal(ks_resolve_public("8.8.8.8", out, 8), KS_EINVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_edges),
		cmocka_unit_test(test_v6_edges),
		cmocka_unit_test(test_not_ip),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_resolve),
	};

	t_seed("test_netgate");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
