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
/* Prints "keysnare <cmd>: <msg>" and a help hint; returns KS_EXIT_USAGE. */
int ks_usage_error(const char *cmd, const char *fmt, ...) KS_PRINTF(2, 3);

#endif
