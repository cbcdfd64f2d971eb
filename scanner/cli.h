/* cli.h - option tables shared by the commands: one table drives
 * getopt_long() and the -h text, so they cannot drift apart. */
#ifndef KS_CLI_H
#define KS_CLI_H

#include "compat.h"
#include <getopt.h>

struct ks_opt {
	const char *long_name;
	int short_name;		/* 0: long only; otherwise the letter */
	int id;			/* value getopt_long returns */
	const char *arg;	/* argument name, NULL for a flag */
	const char *help;
};

/* Prints "usage: ..." and the option list to out. */
void ks_cli_help(FILE *out, const char *usage, const char *summary,
		 const struct ks_opt *opts, size_t nr);
/* Parses argv; calls handle(id, optarg, payload) for each option; returns
 * the index of the first operand, or -1 after printing a usage error
 * ("keysnare scan: unknown option '--x'" + hint) to stderr. */
int ks_cli_parse(int argc, char **argv, const char *cmd,
		 const struct ks_opt *opts, size_t nr,
		 int (*handle)(int id, const char *arg, void *payload),
		 void *payload);
/* "50M", "1GiB", "4096", "100k" -> bytes; returns 0 or KS_EINVALID. */
int ks_parse_size(const char *s, size_t *out);
/* "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS[Z]" (UTC) or "@unixtime" -> seconds. */
int ks_parse_date(const char *s, int64_t *out);
/* "3600", "90s", "30m", "12h", "7d" -> seconds (at most 10 years);
 * returns 0 or KS_EINVALID. */
int ks_parse_duration(const char *s, int64_t *out);
/* The options of live verification shared by scan, history, staged and
 * verify: their table rows and one handler for their ids. */
enum {
	KS_OPT_V_FIRST = 1000,
	KS_OPT_V_DRY_RUN = KS_OPT_V_FIRST,
	KS_OPT_V_BUDGET,
	KS_OPT_V_TIMEOUT,
	KS_OPT_V_CACHE_TTL,
	KS_OPT_V_NO_CACHE,
	KS_OPT_V_NO_PROXY,
	KS_OPT_V_END,
};
#define KS_VERIFY_CLI_OPTS \
	{ "verify-dry-run", 0, KS_OPT_V_DRY_RUN, NULL, "list the requests --verify would send (provider, host, path; no key); send nothing" }, \
	{ "verify-budget", 0, KS_OPT_V_BUDGET, "N", "at most N verification requests per run, retries included (default 100)" }, \
	{ "verify-timeout", 0, KS_OPT_V_TIMEOUT, "SECONDS", "give up on a verification request after SECONDS (default 10)" }, \
	{ "verify-cache-ttl", 0, KS_OPT_V_CACHE_TTL, "AGE", "reuse cached answers younger than AGE (e.g. 3600, 30m, 12h, 7d; default 24h)" }, \
	{ "no-verify-cache", 0, KS_OPT_V_NO_CACHE, NULL, "neither read nor write the verification cache" }, \
	{ "no-proxy", 0, KS_OPT_V_NO_PROXY, NULL, "connect to providers directly, ignoring https_proxy and all_proxy" },
struct ks_verify_opts;
/* Applies option id (KS_OPT_V_*) to o; returns 0 or KS_EXIT_USAGE after
 * a usage error. */
int ks_verify_cli_opt(const char *cmd, int id, const char *arg,
		      struct ks_verify_opts *o);
/* Prints "keysnare <cmd>: <msg>" and a help hint; returns KS_EXIT_USAGE. */
int ks_usage_error(const char *cmd, const char *fmt, ...) KS_PRINTF(2, 3);

#endif
