/* netgate.c - the SSRF gate of --verify: special-purpose address ranges,
 * numeric parsing and formatting, and resolving a host once. */
#include "compat.h"
#include <arpa/inet.h>
#include <netdb.h>
#include "error.h"
#include "netgate.h"

/* One refused range: addr/prefix in network byte order. */
struct range {
	unsigned char addr[16];
	unsigned prefix;
	const char *name;
};

/* IANA IPv4 Special-Purpose Address Registry (RFC 6890 and successors),
 * plus multicast and the reserved 240/4; first match names the range. */
static const struct range v4_ranges[] = {
	{ { 0, 0, 0, 0 }, 8, "this network (0.0.0.0/8)" },
	{ { 10, 0, 0, 0 }, 8, "private (RFC 1918)" },
	{ { 100, 64, 0, 0 }, 10, "shared address space (CGNAT)" },
	{ { 127, 0, 0, 0 }, 8, "loopback" },
	{ { 169, 254, 0, 0 }, 16, "link-local" },
	{ { 172, 16, 0, 0 }, 12, "private (RFC 1918)" },
	{ { 192, 0, 0, 0 }, 24, "IETF protocol assignments (192.0.0.0/24)" },
	{ { 192, 0, 2, 0 }, 24, "documentation" },
	{ { 192, 168, 0, 0 }, 16, "private (RFC 1918)" },
	{ { 198, 18, 0, 0 }, 15, "benchmarking (198.18.0.0/15)" },
	{ { 198, 51, 100, 0 }, 24, "documentation" },
	{ { 203, 0, 113, 0 }, 24, "documentation" },
	{ { 224, 0, 0, 0 }, 4, "multicast" },
	{ { 255, 255, 255, 255 }, 32, "broadcast" },
	{ { 240, 0, 0, 0 }, 4, "reserved (240.0.0.0/4)" },
};

/* IANA IPv6 Special-Purpose Address Registry; the exact addresses come
 * before the prefixes that contain them. */
static const struct range v6_ranges[] = {
	{ { 0 }, 128, "unspecified (::)" },
	{ { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 128, "loopback" },
	{ { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff }, 96,
	  "IPv4-mapped IPv6 (::ffff:0:0/96)" },
	{ { 0 }, 96, "IPv4-compatible IPv6 (::/96)" },
	{ { 0, 0x64, 0xff, 0x9b }, 96, "NAT64 (64:ff9b::/96)" },
	{ { 0, 0x64, 0xff, 0x9b, 0, 1 }, 48, "NAT64 (64:ff9b:1::/48)" },
	{ { 1, 0 }, 64, "discard (100::/64)" },
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32, "documentation" },
	{ { 0x20, 0x01 }, 23, "IETF special (2001::/23)" },
	{ { 0x20, 0x02 }, 16, "6to4 (2002::/16)" },
	{ { 0xfc }, 7, "unique local (fc00::/7)" },
	{ { 0xfe, 0x80 }, 10, "link-local" },
	{ { 0xfe, 0xc0 }, 10, "site-local (fec0::/10)" },
	{ { 0xff }, 8, "multicast" },
};

static bool in_range(const unsigned char *a, const struct range *r)
{
	unsigned full = r->prefix / 8, rest = r->prefix % 8;

	if (memcmp(a, r->addr, full))
		return false;
	if (!rest)
		return true;
	return ((a[full] ^ r->addr[full]) & (0xff00u >> rest) & 0xff) == 0;
}

static const char *match(const unsigned char *a, const struct range *r,
			 size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (in_range(a, &r[i]))
			return r[i].name;
	return NULL;
}

const char *ks_addr_special(const struct sockaddr *sa, socklen_t len)
{
	if (!sa || len < (socklen_t)sizeof(sa_family_t))
		return "not IP";
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in in;

		if (len < (socklen_t)sizeof(in))
			return "not IP";
		memcpy(&in, sa, sizeof(in));
		return match((const unsigned char *)&in.sin_addr, v4_ranges,
			     KS_ARRAY_SIZE(v4_ranges));
	}
	if (sa->sa_family == AF_INET6) {
		struct sockaddr_in6 in6;

		if (len < (socklen_t)sizeof(in6))
			return "not IP";
		memcpy(&in6, sa, sizeof(in6));
		return match(in6.sin6_addr.s6_addr, v6_ranges,
			     KS_ARRAY_SIZE(v6_ranges));
	}
	return "not IP";
}

bool ks_addr_is_loopback(const struct sockaddr *sa, socklen_t len)
{
	if (!sa || len < (socklen_t)sizeof(sa_family_t))
		return false;
	if (sa->sa_family == AF_INET &&
	    len >= (socklen_t)sizeof(struct sockaddr_in)) {
		struct sockaddr_in in;

		memcpy(&in, sa, sizeof(in));
		return ((const unsigned char *)&in.sin_addr)[0] == 127;
	}
	if (sa->sa_family == AF_INET6 &&
	    len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 in6;

		memcpy(&in6, sa, sizeof(in6));
		return IN6_IS_ADDR_LOOPBACK(&in6.sin6_addr);
	}
	return false;
}

int ks_addr_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in in;
	struct sockaddr_in6 in6;

	memset(ss, 0, sizeof(*ss));
	*len = 0;
	if (!s)
		return ks_error_set(KS_EINVALID, "no address");
	memset(&in, 0, sizeof(in));
	if (inet_pton(AF_INET, s, &in.sin_addr) == 1) {
		in.sin_family = AF_INET;
		memcpy(ss, &in, sizeof(in));
		*len = sizeof(in);
		return 0;
	}
	memset(&in6, 0, sizeof(in6));
	if (inet_pton(AF_INET6, s, &in6.sin6_addr) == 1) {
		in6.sin6_family = AF_INET6;
		memcpy(ss, &in6, sizeof(in6));
		*len = sizeof(in6);
		return 0;
	}
	return ks_error_set(KS_EINVALID, "'%s' is not a numeric IP address",
			    s);
}

void ks_addr_format(const struct sockaddr *sa, socklen_t len, char *out,
		    size_t outsz)
{
	const char *r = NULL;

	if (!outsz)
		return;
	if (sa && sa->sa_family == AF_INET &&
	    len >= (socklen_t)sizeof(struct sockaddr_in)) {
		struct sockaddr_in in;

		memcpy(&in, sa, sizeof(in));
		r = inet_ntop(AF_INET, &in.sin_addr, out, (socklen_t)outsz);
	} else if (sa && sa->sa_family == AF_INET6 &&
		   len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 in6;

		memcpy(&in6, sa, sizeof(in6));
		r = inet_ntop(AF_INET6, &in6.sin6_addr, out, (socklen_t)outsz);
	}
	if (!r)
		snprintf(out, outsz, "?");
}

int ks_resolve_public(const char *host, char *out, size_t outsz)
{
	struct addrinfo hints, *res = NULL, *ai;
	const char *range = NULL;
	int rc, ret = 0;

	if (outsz)
		out[0] = '\0';
	if (!host || !*host)
		return ks_error_set(KS_EINVALID, "no host to resolve");
	if (outsz < INET6_ADDRSTRLEN)
		return ks_error_set(KS_EINVALID,
				    "cannot resolve '%s': buffer too small",
				    host);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc == EAI_SYSTEM)
		return ks_error_set(KS_ENOTFOUND, "cannot resolve '%s': %s",
				    host, strerror(errno));
	if (rc)
		return ks_error_set(KS_ENOTFOUND, "cannot resolve '%s': %s",
				    host, gai_strerror(rc));
	if (!res)
		return ks_error_set(KS_ENOTFOUND,
				    "cannot resolve '%s': no address", host);
	/* Every answer is judged: one special address refuses the host. */
	for (ai = res; ai && !range; ai = ai->ai_next)
		range = ks_addr_special(ai->ai_addr, ai->ai_addrlen);
	if (range) {
		ret = ks_error_set(KS_EINVALID,
				   "refusing host '%s': it resolves to a special address (%s)",
				   host, range);
		goto done;
	}
	ks_addr_format(res->ai_addr, res->ai_addrlen, out, outsz);

done:
	freeaddrinfo(res);
	return ret;
}
