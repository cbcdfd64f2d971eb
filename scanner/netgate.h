/* netgate.h - the SSRF gate of --verify: which addresses a key may be sent
 * to, and resolving a provider's host once to a pinned public address.
 *
 * RELIABILITY.md V3: loopback, 0/8, RFC 1918, 100.64/10 (CGNAT),
 * 169.254/16, 192.0.0/24, 192.0.2/24, 198.18/15, 198.51.100/24,
 * 203.0.113/24, 224/4 multicast, 240/4 (incl. broadcast), and in IPv6 ::,
 * ::1, v4-mapped (::ffff:0:0/96, judged by the IPv4 inside: refused
 * whatever it holds), v4-compatible (::/96), NAT64 (64:ff9b::/96 and
 * the local-use 64:ff9b:1::/48), 100::/64 discard, 2001:db8::/32
 * documentation, 2001::/23 IETF special (Teredo, ORCHID), 2002::/16
 * 6to4, fc00::/7, fe80::/10, fec0::/10, ff00::/8 are all refused.
 */
#ifndef KS_NETGATE_H
#define KS_NETGATE_H

#include "compat.h"
#include <netinet/in.h>
#include <sys/socket.h>

/* NULL when the address is public (a key may go there); else a constant
 * name of the range that refuses it ("loopback", "private (RFC 1918)",
 * "link-local", ...). Unknown families are refused ("not IP"). */
const char *ks_addr_special(const struct sockaddr *sa, socklen_t len);
/* True for 127.0.0.0/8 and ::1 (the test override accepts only these). */
bool ks_addr_is_loopback(const struct sockaddr *sa, socklen_t len);
/* Parses a numeric IPv4 or IPv6 address (no brackets, no port) into ss;
 * returns 0 or KS_EINVALID. */
int ks_addr_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len);
/* Numeric form of an address ("192.0.2.1", "2001:db8::1") into out. */
void ks_addr_format(const struct sockaddr *sa, socklen_t len, char *out,
		    size_t outsz);

/* Resolves host once (getaddrinfo, TCP) and writes the first address in
 * numeric form to out (outsz >= INET6_ADDRSTRLEN). Every address the
 * name resolves to is checked: if any is special, the host is refused
 * (a rebinding answer mixing public and private addresses is refused
 * whole). Returns 0; KS_ENOTFOUND when it does not resolve; KS_EINVALID
 * when refused. The error message (ks_error_last) names the host and the
 * range, never an address list. */
int ks_resolve_public(const char *host, char *out, size_t outsz);

#endif
