/* cli.c - option tables, usage errors, size parsing. */
#include "compat.h"
#include <ctype.h>
#include <stdarg.h>
#include <strings.h>
#include <time.h>
#include "cli.h"
#include "buf.h"
#include "error.h"
#include "verify.h"
#include "xalloc.h"

void ks_cli_help(FILE *out, const char *usage, const char *summary,
		 const struct ks_opt *opts, size_t nr)
{
	size_t i;

	fprintf(out, "usage: %s\n\n%s\n", usage, summary);
	if (nr)
		fputs("\noptions:\n", out);
	for (i = 0; i < nr; i++) {
		struct ks_buf b = KS_BUF_INIT;

		if (opts[i].short_name)
			ks_buf_addf(&b, "-%c, ", opts[i].short_name);
		else
			ks_buf_adds(&b, "    ");
		ks_buf_addf(&b, "--%s", opts[i].long_name);
		if (opts[i].arg)
			ks_buf_addf(&b, " %s", opts[i].arg);
		fprintf(out, "  %-28s %s\n", b.ptr, opts[i].help);
		ks_buf_release(&b);
	}
}

int ks_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "keysnare %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'keysnare %s --help')\n", cmd);
	return KS_EXIT_USAGE;
}

int ks_cli_parse(int argc, char **argv, const char *cmd,
		 const struct ks_opt *opts, size_t nr,
		 int (*handle)(int id, const char *arg, void *payload),
		 void *payload)
{
	struct option *lo = xcalloc(nr + 1, sizeof(*lo));
	struct ks_buf shorts = KS_BUF_INIT;
	size_t i;
	int c, ret = -1;

	ks_buf_adds(&shorts, "+:"); /* stop at the first operand; ':' */
	for (i = 0; i < nr; i++) {
		lo[i].name = opts[i].long_name;
		lo[i].has_arg = opts[i].arg ? required_argument : no_argument;
		lo[i].val = opts[i].id;
		if (opts[i].short_name) {
			ks_buf_addch(&shorts, opts[i].short_name);
			if (opts[i].arg)
				ks_buf_addch(&shorts, ':');
		}
	}
	/* operands may come before options ("scan . -f json"): permute by
	 * dropping the leading '+' */
	memmove(shorts.ptr, shorts.ptr + 1, shorts.len);
	shorts.len--;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, shorts.ptr, lo, NULL)) != -1) {
		if (c == '?') {
			if (optopt)
				ks_usage_error(cmd, "unknown option '-%c'",
					       optopt);
			else
				ks_usage_error(cmd, "unknown option '%s'",
					       argv[optind - 1]);
			goto done;
		}
		if (c == ':') {
			ks_usage_error(cmd, "option '%s' needs a value",
				       argv[optind - 1]);
			goto done;
		}
		if (handle(c, optarg, payload))
			goto done;
	}
	ret = optind;
done:
	free(lo);
	ks_buf_release(&shorts);
	return ret;
}

int ks_parse_size(const char *s, size_t *out)
{
	char *end = NULL;
	double v;
	double mult = 1;

	if (!s || !*s || !isdigit((unsigned char)*s))
		return KS_EINVALID;
	/* digits, at most one '.', then a unit: no hex, no exponent */
	if (strspn(s, "0123456789.") != strcspn(s, "kKmMgGbBiI") ||
	    strchr(s, '.') != strrchr(s, '.'))
		return KS_EINVALID;
	v = strtod(s, &end);
	if (!strcmp(end, "") || !strcasecmp(end, "b"))
		mult = 1;
	else if (!strcasecmp(end, "k") || !strcasecmp(end, "kb") ||
		 !strcasecmp(end, "kib"))
		mult = 1024.0;
	else if (!strcasecmp(end, "m") || !strcasecmp(end, "mb") ||
		 !strcasecmp(end, "mib"))
		mult = 1024.0 * 1024;
	else if (!strcasecmp(end, "g") || !strcasecmp(end, "gb") ||
		 !strcasecmp(end, "gib"))
		mult = 1024.0 * 1024 * 1024;
	else
		return KS_EINVALID;
	v *= mult;
	if (v < 1 || v > (double)((size_t)1 << 40))
		return KS_EINVALID;
	*out = (size_t)v;
	return 0;
}

int ks_parse_duration(const char *s, int64_t *out)
{
	char *end = NULL;
	unsigned long long v;
	int64_t unit = 1;

	if (!s || !isdigit((unsigned char)*s))
		return KS_EINVALID;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return KS_EINVALID;
	if (*end && !end[1]) {
		switch (*end) {
		case 's':
			unit = 1;
			break;
		case 'm':
			unit = 60;
			break;
		case 'h':
			unit = 3600;
			break;
		case 'd':
			unit = 86400;
			break;
		default:
			return KS_EINVALID;
		}
	} else if (*end) {
		return KS_EINVALID;
	}
	if (v > (unsigned long long)(10LL * 366 * 86400) / (unsigned long long)unit)
		return KS_EINVALID;
	*out = (int64_t)v * unit;
	return 0;
}

int ks_parse_date(const char *s, int64_t *out)
{
	struct tm tm;
	char *end;
	int n = 0;

	if (s[0] == '@') {
		long long v = strtoll(s + 1, &end, 10);

		if (end == s + 1 || *end)
			return KS_EINVALID;
		*out = v;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &n) != 3)
		return KS_EINVALID;
	if (s[n] == 'T' || s[n] == ' ') {
		int m = 0;

		if (sscanf(s + n + 1, "%2d:%2d:%2d%n", &tm.tm_hour, &tm.tm_min,
			   &tm.tm_sec, &m) != 3)
			return KS_EINVALID;
		n += 1 + m;
		if (s[n] == 'Z')
			n++;
	}
	if (s[n] || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 60)
		return KS_EINVALID;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = (int64_t)timegm(&tm);
	return 0;
}

int ks_verify_cli_opt(const char *cmd, int id, const char *arg,
		      struct ks_verify_opts *o)
{
	char *end = NULL;

	switch (id) {
	case KS_OPT_V_DRY_RUN:
		o->dry_run = true;
		break;
	case KS_OPT_V_BUDGET: {
		long v = strtol(arg, &end, 10);

		if (!*arg || *end || v < 0 || v > 100000)
			return ks_usage_error(cmd,
					      "--verify-budget takes a number from 0 to 100000, not '%s'",
					      arg);
		o->budget = (unsigned)v;
		break;
	}
	case KS_OPT_V_TIMEOUT: {
		double v = strtod(arg, &end);

		if (!*arg || *end || !(v >= 0.1 && v <= 120))
			return ks_usage_error(cmd,
					      "--verify-timeout takes seconds from 0.1 to 120, not '%s'",
					      arg);
		o->timeout_ms = (long)(v * 1000);
		break;
	}
	case KS_OPT_V_CACHE_TTL:
		if (ks_parse_duration(arg, &o->cache_ttl))
			return ks_usage_error(cmd,
					      "bad age '%s' (seconds, or a number with s, m, h or d: 3600, 30m, 12h, 7d)",
					      arg);
		break;
	case KS_OPT_V_NO_CACHE:
		o->no_cache = true;
		break;
	case KS_OPT_V_NO_PROXY:
		o->no_proxy = true;
		break;
	default:
		return ks_usage_error(cmd, "unhandled option");
	}
	return 0;
}
