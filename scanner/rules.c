/* rules.c - load, validate and compile rule files (YAML). */
#include "compat.h"
#include <pthread.h>
#include <zlib.h>
#include <ctype.h>
#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>
#include "rules.h"
#include "buf.h"
#include "error.h"
#include "xalloc.h"
#include "yamltree.h"

#define MAX_RULE_FILE (16u << 20)

const char *ks_severity_name(enum ks_severity s)
{
	switch (s) {
	case KS_SEV_LOW:
		return "low";
	case KS_SEV_MEDIUM:
		return "medium";
	case KS_SEV_HIGH:
		return "high";
	case KS_SEV_CRITICAL:
		return "critical";
	}
	return "?";
}

int ks_severity_parse(enum ks_severity *out, const char *s)
{
	static const enum ks_severity all[] = { KS_SEV_LOW, KS_SEV_MEDIUM,
						KS_SEV_HIGH, KS_SEV_CRITICAL };
	size_t i;

	for (i = 0; i < KS_ARRAY_SIZE(all); i++)
		if (!strcmp(s, ks_severity_name(all[i]))) {
			*out = all[i];
			return 0;
		}
	return KS_EINVALID;
}

static void diag(struct ks_ruleset *set, const char *name,
		 const struct ks_yaml_node *at, const char *id,
		 const char *fmt, ...) KS_PRINTF(5, 6);

static void diag(struct ks_ruleset *set, const char *name,
		 const struct ks_yaml_node *at, const char *id,
		 const char *fmt, ...)
{
	struct ks_buf b = KS_BUF_INIT;
	va_list ap;

	if (at)
		ks_buf_addf(&b, "%s:%zu:%zu: ", name, at->line, at->col);
	else
		ks_buf_addf(&b, "%s: ", name);
	if (id)
		ks_buf_addf(&b, "%s: ", id);
	va_start(ap, fmt);
	ks_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	ALLOC_GROW(set->diag, set->diag_nr + 1, set->diag_alloc);
	set->diag[set->diag_nr++] = ks_buf_detach(&b, NULL);
}

static void rule_free(struct ks_rule *r)
{
	size_t i;

	if (!r)
		return;
	free(r->id);
	free(r->name);
	free(r->description);
	free(r->pattern);
	free(r->remediation);
	free(r->verify);
	free(r->provider);
	free(r->family);
	free(r->source);
	for (i = 0; i < r->keyword_nr; i++)
		free(r->keyword[i]);
	free(r->keyword);
	for (i = 0; i < r->context_nr; i++)
		free(r->context[i]);
	free(r->context);
	for (i = 0; i < r->tag_nr; i++)
		free(r->tag[i]);
	free(r->tag);
	for (i = 0; i < r->example_nr; i++) {
		free(r->example[i].input);
		free(r->example[i].secret);
	}
	free(r->example);
	for (i = 0; i < r->negative_nr; i++)
		free(r->negative[i].input);
	free(r->negative);
	pcre2_code_free(r->re);
	free(r);
}

void ks_ruleset_release(struct ks_ruleset *set)
{
	size_t i;

	for (i = 0; i < set->rule_nr; i++)
		rule_free(set->rule[i]);
	free(set->rule);
	for (i = 0; i < set->diag_nr; i++)
		free(set->diag[i]);
	free(set->diag);
	memset(set, 0, sizeof(*set));
}

struct ks_rule *ks_ruleset_find(const struct ks_ruleset *set, const char *id)
{
	size_t i;

	for (i = 0; i < set->rule_nr; i++)
		if (!strcmp(set->rule[i]->id, id))
			return set->rule[i];
	return NULL;
}

size_t ks_ruleset_max_captures(const struct ks_ruleset *set)
{
	size_t i, max = 0;

	for (i = 0; i < set->rule_nr; i++)
		max = KS_MAX(max, set->rule[i]->lazy
					  ? (size_t)KS_LAZY_CAPTURES
					  : (size_t)set->rule[i]->capture_nr);
	return max;
}

/* ks_ruleset_load_defaults() for a scan: its rules compile lazily. */
static __thread bool loading_lazy;

/* Context for parsing one rule mapping. */
struct rule_ctx {
	struct ks_ruleset *set;
	const char *name;
	const char *id;
	int errors;
	bool lazy;	/* embedded, for a scan: compile on first use */
};

#define RULE_DIAG(c, at, ...)                                    \
	do {                                                     \
		diag((c)->set, (c)->name, (at), (c)->id, __VA_ARGS__); \
		(c)->errors++;                                   \
	} while (0)

static const char *scalar(struct rule_ctx *c, const struct ks_yaml_node *n,
			  const char *field)
{
	if (n->type != KS_YAML_SCALAR) {
		RULE_DIAG(c, n, "'%s' must be a string, not %s", field,
			  ks_yaml_type_name(n->type));
		return NULL;
	}
	if (strlen(n->str) != n->len) {
		RULE_DIAG(c, n, "'%s' contains a NUL byte", field);
		return NULL;
	}
	return n->str;
}

static char *dup_scalar(struct rule_ctx *c, const struct ks_yaml_node *n,
			const char *field)
{
	const char *s = scalar(c, n, field);

	return s ? xstrdup(s) : NULL;
}

/* A list of short lowercase literals (keywords, context, tags). */
static void literal_list(struct rule_ctx *c, const struct ks_yaml_node *n,
			 const char *field, char ***out, size_t *out_nr,
			 size_t min_len, bool lower)
{
	size_t i, alloc = 0;

	if (n->type != KS_YAML_SEQ) {
		RULE_DIAG(c, n, "'%s' must be a list", field);
		return;
	}
	for (i = 0; i < n->item_nr; i++) {
		const char *s = scalar(c, n->item[i], field);
		char *v;
		size_t j;

		if (!s)
			continue;
		if (strlen(s) < min_len || strlen(s) > 64) {
			RULE_DIAG(c, n->item[i],
				  "%s '%s' must be %zu to 64 bytes long",
				  field, s, min_len);
			continue;
		}
		v = xstrdup(s);
		if (lower)
			for (j = 0; v[j]; j++)
				v[j] = (char)tolower((unsigned char)v[j]);
		ALLOC_GROW(*out, *out_nr + 1, alloc);
		(*out)[(*out_nr)++] = v;
	}
}

static void examples(struct rule_ctx *c, const struct ks_yaml_node *n,
		     struct ks_rule *r)
{
	size_t i, alloc = 0;

	if (n->type != KS_YAML_SEQ) {
		RULE_DIAG(c, n, "'examples' must be a list");
		return;
	}
	for (i = 0; i < n->item_nr; i++) {
		const struct ks_yaml_node *e = n->item[i], *in, *sec;
		size_t k;

		if (e->type != KS_YAML_MAP) {
			RULE_DIAG(c, e,
				  "an example must be a mapping with 'input' and 'secret'");
			continue;
		}
		for (k = 0; k + 1 < e->item_nr; k += 2)
			if (strcmp(e->item[k]->str, "input") &&
			    strcmp(e->item[k]->str, "secret"))
				RULE_DIAG(c, e->item[k],
					  "unknown example field '%s'",
					  e->item[k]->str);
		in = ks_yaml_get(e, "input");
		sec = ks_yaml_get(e, "secret");
		if (!in || !sec) {
			RULE_DIAG(c, e, "an example needs 'input' and 'secret'");
			continue;
		}
		if (!scalar(c, in, "input") || !scalar(c, sec, "secret"))
			continue;
		ALLOC_GROW(r->example, r->example_nr + 1, alloc);
		r->example[r->example_nr].input = xstrdup(in->str);
		r->example[r->example_nr].secret = xstrdup(sec->str);
		r->example[r->example_nr].line = e->line;
		r->example_nr++;
	}
}

static void negatives(struct rule_ctx *c, const struct ks_yaml_node *n,
		      struct ks_rule *r)
{
	size_t i, alloc = 0;

	if (n->type != KS_YAML_SEQ) {
		RULE_DIAG(c, n, "'negative_examples' must be a list");
		return;
	}
	for (i = 0; i < n->item_nr; i++) {
		const char *s = scalar(c, n->item[i], "negative_examples");

		if (!s)
			continue;
		ALLOC_GROW(r->negative, r->negative_nr + 1, alloc);
		r->negative[r->negative_nr].input = xstrdup(s);
		r->negative[r->negative_nr].secret = NULL;
		r->negative[r->negative_nr].line = n->item[i]->line;
		r->negative_nr++;
	}
}

bool ks_rule_id_valid(const char *id)
{
	size_t i;

	if (!id[0] || strlen(id) > 64 ||
	    !(islower((unsigned char)id[0]) || isdigit((unsigned char)id[0])))
		return false;
	for (i = 0; id[i]; i++)
		if (!(islower((unsigned char)id[i]) ||
		      isdigit((unsigned char)id[i]) || id[i] == '-'))
			return false;
	return true;
}

static bool parse_bool(const struct ks_yaml_node *n, bool *out)
{
	if (n->type != KS_YAML_SCALAR)
		return false;
	if (!strcmp(n->str, "true")) {
		*out = true;
		return true;
	}
	if (!strcmp(n->str, "false")) {
		*out = false;
		return true;
	}
	return false;
}

size_t ks_pattern_window(const char *p)
{
	size_t total = 0, i = 0;
	bool in_class = false;

	while (p[i]) {
		char c = p[i];

		if (c == '\\') {
			total++;
			i += p[i + 1] ? 2 : 1;
			continue;
		}
		if (in_class) {
			in_class = c != ']';
			i++;
			continue;
		}
		if (c == '[') {
			in_class = true;
			/* a ']' right after '[' or '[^' is literal */
			i += p[i + 1] == '^' ? 2 : 1;
			if (p[i] == ']')
				i++;
			total++;
			continue;
		}
		if (c == '*' || c == '+')
			return KS_RULE_MAX_WINDOW;
		if (c == '{') {
			char *end;
			unsigned long lo = strtoul(p + i + 1, &end, 10), hi = lo;

			if (end != p + i + 1 && *end == ',') {
				if (end[1] == '}')
					return KS_RULE_MAX_WINDOW;
				hi = strtoul(end + 1, &end, 10);
			}
			if (end != p + i + 1 && *end == '}') {
				total += hi;
				i = (size_t)(end - p) + 1;
				continue;
			}
		}
		total++;
		i++;
	}
	if (total > KS_RULE_MAX_WINDOW / 4)
		return KS_RULE_MAX_WINDOW;
	return KS_MAX((size_t)KS_RULE_MIN_WINDOW, total * 4);
}

/* Length of the leading "(*VERB)" items of a pattern ((*NO_JIT),
 * (*LIMIT_MATCH=n), ...), which must stay at its very start. */
static size_t leading_verbs(const char *p)
{
	size_t n = 0;

	while (p[n] == '(' && p[n + 1] == '*') {
		const char *close = strchr(p + n, ')');

		if (!close)
			break;
		n = (size_t)(close - p) + 1;
	}
	return n;
}

static void compile_rule(struct rule_ctx *c, const struct ks_yaml_node *at,
			 struct ks_rule *r)
{
	int errcode, rc;
	PCRE2_SIZE erroff;
	uint32_t minlen = 0;
	size_t jitsize = 0, verbs;
	struct ks_buf wrapped = KS_BUF_INIT;
	pcre2_code *plain;

	if (strlen(r->pattern) > KS_RULE_MAX_PATTERN) {
		RULE_DIAG(c, at, "pattern is longer than %d bytes",
			  KS_RULE_MAX_PATTERN);
		return;
	}
	if (c->lazy) {
		/* 230 patterns compiled and JIT-compiled twice cost most of
		 * a hook's start-up; a scan needs the few its keywords hit */
		r->lazy = true;
		r->window = ks_pattern_window(r->pattern);
		return;
	}
	/* the pattern as written: errors with exact offsets, and its facts */
	plain = pcre2_compile((PCRE2_SPTR)r->pattern, PCRE2_ZERO_TERMINATED, 0,
			      &errcode, &erroff, NULL);
	if (!plain) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(errcode, msg, sizeof(msg));
		RULE_DIAG(c, at, "bad pattern at offset %zu: %s", (size_t)erroff,
			  (const char *)msg);
		return;
	}
	pcre2_pattern_info(plain, PCRE2_INFO_CAPTURECOUNT, &r->capture_nr);
	pcre2_pattern_info(plain, PCRE2_INFO_MINLENGTH, &minlen);
	pcre2_code_free(plain);
	if (!minlen)
		RULE_DIAG(c, at, "pattern can match the empty string");
	if (r->secret_group > r->capture_nr)
		RULE_DIAG(c, at,
			  "secret_group %u does not exist (pattern has %u groups)",
			  r->secret_group, r->capture_nr);

	/* What runs: a callout in front lets the scanner bound where a match
	 * may start (see scan.c); without a callout function it does
	 * nothing. Leading (*VERB)s stay in front. */
	verbs = leading_verbs(r->pattern);
	ks_buf_add(&wrapped, r->pattern, verbs);
	ks_buf_addf(&wrapped, "(?C1)(?:%s)", r->pattern + verbs);
	r->re = pcre2_compile((PCRE2_SPTR)wrapped.ptr, wrapped.len, 0,
			      &errcode, &erroff, NULL);
	ks_buf_release(&wrapped);
	if (!r->re) {
		RULE_DIAG(c, at, "pattern cannot be wrapped for the prefilter");
		return;
	}
	r->window = ks_pattern_window(r->pattern);
	rc = pcre2_jit_compile(r->re, PCRE2_JIT_COMPLETE);
	if (!rc && !pcre2_pattern_info(r->re, PCRE2_INFO_JITSIZE, &jitsize) &&
	    jitsize > 0)
		r->jit = true;
}

static pthread_mutex_t lazy_lock = PTHREAD_MUTEX_INITIALIZER;

int ks_rule_prepare(struct ks_rule *r)
{
	int errcode;
	PCRE2_SIZE erroff;
	size_t jitsize = 0, verbs;
	struct ks_buf wrapped = KS_BUF_INIT;

	if (__atomic_load_n(&r->ready, __ATOMIC_ACQUIRE))
		return r->re ? 0 : KS_EREGEX;
	pthread_mutex_lock(&lazy_lock);
	if (!r->ready) {
		verbs = leading_verbs(r->pattern);
		ks_buf_add(&wrapped, r->pattern, verbs);
		ks_buf_addf(&wrapped, "(?C1)(?:%s)", r->pattern + verbs);
		r->re = pcre2_compile((PCRE2_SPTR)wrapped.ptr, wrapped.len, 0,
				      &errcode, &erroff, NULL);
		ks_buf_release(&wrapped);
		if (r->re) {
			pcre2_pattern_info(r->re, PCRE2_INFO_CAPTURECOUNT,
					   &r->capture_nr);
			if (r->capture_nr > KS_LAZY_CAPTURES ||
			    r->secret_group > r->capture_nr) {
				pcre2_code_free(r->re);
				r->re = NULL;
			}
		}
		if (r->re && !pcre2_jit_compile(r->re, PCRE2_JIT_COMPLETE) &&
		    !pcre2_pattern_info(r->re, PCRE2_INFO_JITSIZE, &jitsize) &&
		    jitsize > 0)
			r->jit = true;
		__atomic_store_n(&r->ready, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&lazy_lock);
	if (!r->re)
		return ks_error_set(KS_EREGEX,
				    "rule '%s' does not compile (see 'keysnare rules check')",
				    r->id);
	return 0;
}

static const char *const known_fields[] = {
	"id",	    "name",	    "description", "pattern",	  "keywords",
	"context",  "generic", "starts_with_keyword", "keywords_case_sensitive",	    "secret_group", "min_entropy", "severity",
	"tags",	    "remediation", "verify",	   "examples",	  "negative_examples",
	"provider",
};

static struct ks_rule *parse_rule(struct rule_ctx *c,
				  const struct ks_yaml_node *m)
{
	struct ks_rule *r = xcalloc(1, sizeof(*r));
	const struct ks_yaml_node *n, *pat_node = m;
	size_t i, k;

	r->line = m->line;
	r->col = m->col;
	r->source = xstrdup(c->name);
	r->enabled = true;

	n = ks_yaml_get(m, "id");
	if (n && n->type == KS_YAML_SCALAR)
		c->id = n->str;
	if (!n) {
		RULE_DIAG(c, m, "missing required field 'id'");
	} else if ((r->id = dup_scalar(c, n, "id")) &&
		   !ks_rule_id_valid(r->id)) {
		RULE_DIAG(c, n,
			  "id must be kebab-case ([a-z0-9][a-z0-9-]*, at most 64 bytes)");
	}

	for (i = 0; i + 1 < m->item_nr; i += 2) {
		const char *key = m->item[i]->str;
		bool known = false;

		for (k = 0; k < KS_ARRAY_SIZE(known_fields); k++)
			if (!strcmp(key, known_fields[k]))
				known = true;
		if (!known)
			RULE_DIAG(c, m->item[i], "unknown field '%s'", key);
	}

	if ((n = ks_yaml_get(m, "name")))
		r->name = dup_scalar(c, n, "name");
	else
		RULE_DIAG(c, m, "missing required field 'name'");
	if ((n = ks_yaml_get(m, "description")))
		r->description = dup_scalar(c, n, "description");
	if ((n = ks_yaml_get(m, "remediation")))
		r->remediation = dup_scalar(c, n, "remediation");
	else
		RULE_DIAG(c, m, "missing required field 'remediation'");
	if ((n = ks_yaml_get(m, "verify")))
		r->verify = dup_scalar(c, n, "verify");
	if ((n = ks_yaml_get(m, "provider")))
		r->provider = dup_scalar(c, n, "provider");
	if ((n = ks_yaml_get(m, "pattern"))) {
		pat_node = n;
		r->pattern = dup_scalar(c, n, "pattern");
	} else {
		RULE_DIAG(c, m, "missing required field 'pattern'");
	}
	if ((n = ks_yaml_get(m, "keywords_case_sensitive")) &&
	    !parse_bool(n, &r->keywords_case_sensitive))
		RULE_DIAG(c, n,
			  "'keywords_case_sensitive' must be true or false");
	if ((n = ks_yaml_get(m, "keywords"))) {
		literal_list(c, n, "keywords", &r->keyword, &r->keyword_nr, 2,
			     !r->keywords_case_sensitive);
		if (!r->keyword_nr)
			RULE_DIAG(c, n, "'keywords' needs at least one literal");
	} else {
		RULE_DIAG(c, m, "missing required field 'keywords'");
	}
	if ((n = ks_yaml_get(m, "context")))
		literal_list(c, n, "context", &r->context, &r->context_nr, 2,
			     true);
	if ((n = ks_yaml_get(m, "tags")))
		literal_list(c, n, "tags", &r->tag, &r->tag_nr, 1, false);
	if ((n = ks_yaml_get(m, "generic")) && !parse_bool(n, &r->generic))
		RULE_DIAG(c, n, "'generic' must be true or false");
	if ((n = ks_yaml_get(m, "starts_with_keyword")) &&
	    !parse_bool(n, &r->starts_with_keyword))
		RULE_DIAG(c, n, "'starts_with_keyword' must be true or false");
	if ((n = ks_yaml_get(m, "severity"))) {
		const char *s = scalar(c, n, "severity");

		if (s && ks_severity_parse(&r->severity, s))
			RULE_DIAG(c, n,
				  "severity must be critical, high, medium or low, not '%s'",
				  s);
	} else {
		RULE_DIAG(c, m, "missing required field 'severity'");
	}
	if ((n = ks_yaml_get(m, "secret_group"))) {
		const char *s = scalar(c, n, "secret_group");
		char *end = NULL;
		long v = s ? strtol(s, &end, 10) : -1;

		if (!s || !*s || *end || v < 0 || v > 99)
			RULE_DIAG(c, n, "secret_group must be a number 0-99");
		else
			r->secret_group = (uint32_t)v;
	}
	if ((n = ks_yaml_get(m, "min_entropy"))) {
		const char *s = scalar(c, n, "min_entropy");
		char *end = NULL;
		double v = s ? strtod(s, &end) : -1;

		if (!s || !*s || *end || !isfinite(v) || v < 0 || v > 8)
			RULE_DIAG(c, n, "min_entropy must be a number 0-8");
		else
			r->min_entropy = v;
	}
	if ((n = ks_yaml_get(m, "examples")))
		examples(c, n, r);
	/* a scan's copy of the embedded rules has no examples (they are
	 * checked on the full copy by `rules check`) */
	if (r->example_nr < 2 && !c->lazy)
		RULE_DIAG(c, n ? n : m, "a rule needs at least 2 examples");
	if ((n = ks_yaml_get(m, "negative_examples")))
		negatives(c, n, r);
	if (r->negative_nr < 2 && !c->lazy)
		RULE_DIAG(c, n ? n : m,
			  "a rule needs at least 2 negative_examples");

	if (r->pattern)
		compile_rule(c, pat_node, r);
	return r;
}

int ks_ruleset_load_node(struct ks_ruleset *set,
			 const struct ks_yaml_node *rules_seq, const char *name)
{
	size_t i, before = set->diag_nr;

	if (!rules_seq || rules_seq->type != KS_YAML_SEQ) {
		diag(set, name, rules_seq, NULL, "a list of rules is expected");
		return KS_EINVALID;
	}
	for (i = 0; i < rules_seq->item_nr; i++) {
		struct rule_ctx c = { set, name, NULL, 0, loading_lazy };
		const struct ks_yaml_node *m = rules_seq->item[i];
		struct ks_rule *r;

		if (m->type != KS_YAML_MAP) {
			diag(set, name, m, NULL, "a rule must be a mapping");
			continue;
		}
		r = parse_rule(&c, m);
		if (!c.errors && r->id && ks_ruleset_find(set, r->id)) {
			const struct ks_rule *o = ks_ruleset_find(set, r->id);

			RULE_DIAG(&c, m, "duplicate rule id (first at %s:%zu)",
				  o->source, o->line);
		}
		if (c.errors) {
			rule_free(r);
			continue;
		}
		r->index = set->rule_nr;
		ALLOC_GROW(set->rule, set->rule_nr + 1, set->rule_alloc);
		set->rule[set->rule_nr++] = r;
	}
	return set->diag_nr > before ? KS_EINVALID : 0;
}

int ks_ruleset_load(struct ks_ruleset *set, const char *data, size_t len,
		    const char *name)
{
	struct ks_yaml_node *root = NULL;
	const struct ks_yaml_node *list, *fam;
	size_t i, first, before = set->diag_nr;

	if (ks_yaml_parse(&root, data, len, name)) {
		ALLOC_GROW(set->diag, set->diag_nr + 1, set->diag_alloc);
		set->diag[set->diag_nr++] = xstrdup(ks_error_last());
		return KS_EINVALID;
	}
	if (!root || root->type != KS_YAML_MAP) {
		diag(set, name, root, NULL,
		     "a rule file must be a mapping with a 'rules' list");
		goto done;
	}
	for (i = 0; i + 1 < root->item_nr; i += 2)
		if (strcmp(root->item[i]->str, "rules") &&
		    strcmp(root->item[i]->str, "family"))
			diag(set, name, root->item[i], NULL,
			     "unknown top-level key '%s' (expected rules, family)",
			     root->item[i]->str);
	list = ks_yaml_get(root, "rules");
	if (!list || list->type != KS_YAML_SEQ) {
		diag(set, name, list ? list : root, NULL,
		     "'rules' must be a list of rules");
		goto done;
	}
	first = set->rule_nr;
	ks_ruleset_load_node(set, list, name);
	fam = ks_yaml_get(root, "family");
	if (fam && (fam->type != KS_YAML_SCALAR || !*fam->str))
		diag(set, name, fam, NULL,
		     "'family' must be a name (\"AI/LLM\", \"Cloud\", ...)");
	else if (fam)
		for (i = first; i < set->rule_nr; i++)
			set->rule[i]->family = xstrdup(fam->str);
done:
	ks_yaml_free(root);
	return set->diag_nr > before ? KS_EINVALID : 0;
}

int ks_ruleset_load_file(struct ks_ruleset *set, const char *path)
{
	struct ks_buf b = KS_BUF_INIT;
	struct stat st;
	int fd, err = 0;
	ssize_t n;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		diag(set, path, NULL, NULL, "cannot open: %s", strerror(errno));
		return KS_EINVALID;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		diag(set, path, NULL, NULL, "not a regular file");
		return KS_EINVALID;
	}
	for (;;) {
		ks_buf_grow(&b, 65536);
		n = read(fd, b.ptr + b.len, b.alloc - b.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			diag(set, path, NULL, NULL, "read error: %s",
			     strerror(errno));
			err = KS_EINVALID;
			break;
		}
		if (!n)
			break;
		ks_buf_setlen(&b, b.len + (size_t)n);
		if (b.len > MAX_RULE_FILE) {
			diag(set, path, NULL, NULL, "larger than %u MiB",
			     MAX_RULE_FILE >> 20);
			err = KS_EINVALID;
			break;
		}
	}
	close(fd);
	if (!err)
		err = ks_ruleset_load(set, b.ptr, b.len, path);
	ks_buf_release(&b);
	return err;
}

int ks_ruleset_load_defaults(struct ks_ruleset *set)
{
	size_t i;
	int err = 0;

	size_t from = set->rule_nr;

	loading_lazy = set->lazy_defaults;
	for (i = 0; i < ks_default_rule_files_nr; i++) {
		/* a scan reads the copy without examples: half the YAML to
		 * parse at start-up */
		const struct ks_embedded_file *f = set->lazy_defaults
			? &ks_scan_rule_files[i] : &ks_default_rule_files[i];

		if (ks_ruleset_load(set, (const char *)f->data, f->len,
				    f->name))
			err = KS_EINVALID;
	}
	loading_lazy = false;
	for (i = from; i < set->rule_nr; i++)
		set->rule[i]->builtin = true;
	return err;
}

/* splitmix64: small, good enough for example generation (not crypto). */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t ks_template_seed(const char *rule_id, size_t index)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *rule_id; rule_id++)
		h = (h ^ (unsigned char)*rule_id) * 1099511628211ULL;
	return h ^ ((uint64_t)index * 0x9e3779b97f4a7c15ULL);
}

static const struct {
	const char *name;
	const char *alphabet;
} generators[] = {
	{ "hex", "0123456789abcdef" },
	{ "HEX", "0123456789ABCDEF" },
	{ "digit", "0123456789" },
	{ "lower", "abcdefghijklmnopqrstuvwxyz" },
	{ "upper", "ABCDEFGHIJKLMNOPQRSTUVWXYZ" },
	{ "alpha", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" },
	{ "alnum",
	  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" },
	{ "lalnum", "abcdefghijklmnopqrstuvwxyz0123456789" },
	{ "ualnum", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" },
	{ "b64",
	  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" },
	{ "b64url",
	  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-" },
};

/* Tries to expand a generator at s ("{{name:N}}"); returns bytes consumed
 * or 0 when s is not one. */
static size_t expand_one(struct ks_buf *out, const char *s, const char *secret,
			 uint64_t *rng)
{
	/* a generator is short: look for its end only nearby, so that a
	 * hostile run of '{' stays linear */
	const char *close = memmem(s + 2, strnlen(s + 2, 24), "}}", 2);
	size_t i, n;
	char *end;
	long count;

	if (!close)
		return 0;
	if (secret && !strncmp(s, "{{secret}}", 10)) {
		ks_buf_adds(out, secret);
		return 10;
	}
	/* {{crc62:N}}: N random base62 characters and their checksum, as
	 * GitHub (2021) and npm tokens end: CRC32 of the N characters in
	 * base62, zero-padded to 6 */
	if (!strncmp(s + 2, "crc62:", 6)) {
		static const char b62[] =
			"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
		size_t from = out->len;
		char sum[7];
		unsigned long c;
		int k;

		count = strtol(s + 8, &end, 10);
		if (end != close || count < 1 || count > 4096)
			return 0;
		for (long j = 0; j < count; j++)
			ks_buf_addch(out, b62[rng_next(rng) % 62]);
		c = crc32(0L, (const Bytef *)out->ptr + from,
			  (uInt)(out->len - from));
		for (k = 5; k >= 0; k--, c /= 62)
			sum[k] = b62[c % 62];
		sum[6] = '\0';
		ks_buf_adds(out, sum);
		return (size_t)(close + 2 - s);
	}
	for (i = 0; i < KS_ARRAY_SIZE(generators); i++) {
		n = strlen(generators[i].name);
		if (strncmp(s + 2, generators[i].name, n) || s[2 + n] != ':')
			continue;
		count = strtol(s + 3 + n, &end, 10);
		if (end != close || count < 1 || count > 4096)
			return 0;
		for (long k = 0; k < count; k++) {
			size_t alen = strlen(generators[i].alphabet);

			ks_buf_addch(out, generators[i].alphabet[rng_next(rng) %
								 alen]);
		}
		return (size_t)(close + 2 - s);
	}
	return 0;
}

void ks_template_expand(struct ks_buf *out, const char *tmpl,
			const char *secret, uint64_t *rng)
{
	while (*tmpl) {
		size_t used = 0;

		if (tmpl[0] == '{' && tmpl[1] == '{')
			used = expand_one(out, tmpl, secret, rng);
		if (used) {
			tmpl += used;
			continue;
		}
		ks_buf_addch(out, *tmpl++);
	}
}
