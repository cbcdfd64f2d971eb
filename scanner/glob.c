/* glob.c - gitignore-style path patterns, matched by automaton simulation.
 *
 * A pattern compiles to a small NFA whose states are the nodes below, in
 * pattern order. Epsilon moves only go forward, so one pass in index order
 * closes a state set. The path is read once, byte by byte; before each '/'
 * (and at the end) an accepting set means the pattern matched that prefix,
 * i.e. the path or one of its leading directories.
 */
#include "compat.h"
#include "glob.h"
#include "error.h"
#include "xalloc.h"

enum node_type {
	N_BYTE,	   /* one given byte */
	N_ANY,	   /* "?": one byte but '/' */
	N_CLASS,   /* "[...]": one byte of the set, never '/' */
	N_STAR,	   /* "*": loops on bytes but '/'; epsilon to next */
	N_ANYSTAR, /* trailing "**": loops on any byte; epsilon to next */
	N_DS_A,	   /* "**" + "/": at a component start; epsilon past N_DS_B */
	N_DS_B,	   /* "**" + "/": inside a component */
	N_END,	   /* accept */
};

struct node {
	enum node_type type;
	unsigned char c; /* N_BYTE */
	size_t cls;	 /* N_CLASS: index into ks_glob.cls */
};

struct ks_glob {
	struct node *node;
	size_t nr, alloc;
	unsigned char (*cls)[32]; /* 256-bit sets, negation applied */
	size_t cls_nr, cls_alloc;
	bool dir_only;
};

static void add_node(struct ks_glob *g, enum node_type type, unsigned char c,
		     size_t cls)
{
	ALLOC_GROW(g->node, g->nr + 1, g->alloc);
	g->node[g->nr].type = type;
	g->node[g->nr].c = c;
	g->node[g->nr].cls = cls;
	g->nr++;
}

static void set_bit(unsigned char *set, unsigned c)
{
	set[c >> 3] |= (unsigned char)(1u << (c & 7));
}

static bool has_bit(const unsigned char *set, unsigned c)
{
	return set[c >> 3] & (1u << (c & 7));
}

/* ASCII-only POSIX classes, independent of the locale. */
static bool in_posix_class(const char *name, size_t len, unsigned c)
{
	bool upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z';
	bool digit = c >= '0' && c <= '9', alpha = upper || lower;
	bool graph = c > 32 && c < 127;

#define IS(s) (len == sizeof(s) - 1 && !memcmp(name, s, len))
	if (IS("alnum"))
		return alpha || digit;
	if (IS("alpha"))
		return alpha;
	if (IS("blank"))
		return c == ' ' || c == '\t';
	if (IS("cntrl"))
		return c < 32 || c == 127;
	if (IS("digit"))
		return digit;
	if (IS("graph"))
		return graph;
	if (IS("lower"))
		return lower;
	if (IS("print"))
		return graph || c == ' ';
	if (IS("punct"))
		return graph && !alpha && !digit;
	if (IS("space"))
		return c == ' ' || (c >= '\t' && c <= '\r');
	if (IS("upper"))
		return upper;
	if (IS("xdigit"))
		return digit || (c >= 'a' && c <= 'f') ||
		       (c >= 'A' && c <= 'F');
#undef IS
	return false;
}

static bool posix_class_known(const char *name, size_t len)
{
	static const char *const names[] = { "alnum", "alpha", "blank",
		"cntrl", "digit", "graph", "lower", "print", "punct", "space",
		"upper", "xdigit" };
	size_t i;

	for (i = 0; i < KS_ARRAY_SIZE(names); i++)
		if (strlen(names[i]) == len && !memcmp(names[i], name, len))
			return true;
	return false;
}

static int invalid(const char *pattern, const char *why)
{
	return ks_error_set(KS_EINVALID, "invalid pattern '%s': %s", pattern,
			    why);
}

/* Parses the class starting at p[*pos] == '[' (p ends at p[end]) into a
 * new set; on success *pos is the index of its closing ']'. Follows git's
 * wildmatch: a ']' right after "[" or "[!" is a member, "-" between two
 * members is a range, "\" escapes, "[:name:]" is a POSIX class. */
static int parse_class(struct ks_glob *g, const char *pattern, const char *p,
		       size_t end, size_t *pos)
{
	unsigned char set[32] = { 0 };
	size_t k = *pos + 1;
	bool negated = false, have_prev = false;
	unsigned prev = 0, c;

	if (k < end && (p[k] == '!' || p[k] == '^')) {
		negated = true;
		k++;
	}
	do {
		if (k >= end)
			return invalid(pattern, "unterminated character class");
		c = (unsigned char)p[k];
		if (c == '\\') {
			if (++k >= end)
				return invalid(pattern,
					       "unterminated character class");
			c = (unsigned char)p[k];
			set_bit(set, c);
			prev = c;
			have_prev = true;
		} else if (c == '-' && have_prev && k + 1 < end &&
			   p[k + 1] != ']') {
			unsigned hi;

			k++;
			if (p[k] == '\\' && ++k >= end)
				return invalid(pattern,
					       "unterminated character class");
			hi = (unsigned char)p[k];
			for (c = prev; c <= hi; c++)
				set_bit(set, c);
			have_prev = false;
		} else if (c == '[' && k + 1 < end && p[k + 1] == ':') {
			size_t s = k + 2, q = s;

			while (q < end && p[q] != ']')
				q++;
			if (q >= end)
				return invalid(pattern,
					       "unterminated character class");
			if (q == s || p[q - 1] != ':') {
				/* no ":]": a plain '[' member */
				set_bit(set, '[');
				prev = '[';
				have_prev = true;
			} else {
				if (!posix_class_known(p + s, q - s - 1))
					return invalid(pattern,
						       "unknown character class name");
				for (c = 0; c < 256; c++)
					if (in_posix_class(p + s, q - s - 1, c))
						set_bit(set, c);
				k = q;
				have_prev = false;
			}
		} else {
			set_bit(set, c);
			prev = c;
			have_prev = true;
		}
		k++;
	} while (k >= end || p[k] != ']');

	if (negated)
		for (c = 0; c < 32; c++)
			set[c] = (unsigned char)~set[c];
	set[(unsigned)'/' >> 3] &= (unsigned char)~(1u << ('/' & 7));
	ALLOC_GROW(g->cls, g->cls_nr + 1, g->cls_alloc);
	memcpy(g->cls[g->cls_nr], set, sizeof(set));
	add_node(g, N_CLASS, 0, g->cls_nr++);
	*pos = k;
	return 0;
}

/* Compiles p[0..end), the pattern without its trailing and leading slash. */
static int compile_body(struct ks_glob *g, const char *pattern, const char *p,
			size_t end)
{
	size_t i;
	int err;

	for (i = 0; i < end; i++) {
		unsigned char c = (unsigned char)p[i];

		switch (c) {
		case '\\':
			if (i + 1 >= end)
				return invalid(pattern, "trailing backslash");
			add_node(g, N_BYTE, (unsigned char)p[++i], 0);
			break;
		case '?':
			add_node(g, N_ANY, 0, 0);
			break;
		case '[':
			err = parse_class(g, pattern, p, end, &i);
			if (err)
				return err;
			break;
		case '*': {
			size_t run = 1;
			bool at_start = i == 0 || p[i - 1] == '/';

			while (i + run < end && p[i + run] == '*')
				run++;
			i += run - 1; /* the last star */
			if (run >= 2 && at_start && i + 1 == end) {
				add_node(g, N_ANYSTAR, 0, 0);
			} else if (run >= 2 && at_start && p[i + 1] == '/') {
				add_node(g, N_DS_A, 0, 0);
				add_node(g, N_DS_B, 0, 0);
				i++; /* the slash belongs to the node */
			} else if (run >= 2 && at_start && p[i + 1] == '\\' &&
				   i + 2 < end && p[i + 2] == '/') {
				add_node(g, N_DS_A, 0, 0);
				add_node(g, N_DS_B, 0, 0);
				i += 2;
			} else {
				add_node(g, N_STAR, 0, 0);
			}
			break;
		}
		default:
			add_node(g, N_BYTE, c, 0);
			break;
		}
	}
	return 0;
}

void ks_glob_free(struct ks_glob *g)
{
	if (!g)
		return;
	free(g->node);
	free(g->cls);
	free(g);
}

int ks_glob_new(struct ks_glob **out, const char *pattern)
{
	struct ks_glob *g = NULL;
	size_t len = strlen(pattern), start = 0, i;
	bool anchored = false;
	int err = 0;

	*out = NULL;
	if (!len)
		return invalid(pattern, "empty pattern");
	if (pattern[0] == '!')
		return invalid(pattern,
			       "negation ('!') is not supported; write '\\!' for a literal '!'");
	g = xcalloc(1, sizeof(*g));
	if (pattern[len - 1] == '/') {
		g->dir_only = true;
		len--;
	}
	for (i = 0; i < len; i++) {
		if (pattern[i] != '/')
			continue;
		anchored = true;
		if (i + 1 < len && pattern[i + 1] == '/') {
			err = invalid(pattern,
				      "empty path component ('//') never matches");
			goto done;
		}
	}
	if (len && pattern[0] == '/')
		start = 1;
	if (start >= len) {
		err = invalid(pattern, "empty pattern");
		goto done;
	}
	if (pattern[len - 1] == '/') {
		err = invalid(pattern,
			      "empty path component ('//') never matches");
		goto done;
	}
	if (!anchored) {
		/* no slash: the last component at any depth */
		add_node(g, N_DS_A, 0, 0);
		add_node(g, N_DS_B, 0, 0);
	}
	err = compile_body(g, pattern, pattern + start, len - start);
	if (err)
		goto done;
	add_node(g, N_END, 0, 0);
	*out = g;
	g = NULL;
done:
	ks_glob_free(g);
	return err;
}

/* Adds state i and all states reachable from it by epsilon moves. */
static void closure(const struct ks_glob *g, unsigned char *set)
{
	size_t i;

	for (i = 0; i < g->nr; i++) {
		if (!set[i])
			continue;
		switch (g->node[i].type) {
		case N_STAR:
		case N_ANYSTAR:
			set[i + 1] = 1;
			break;
		case N_DS_A:
			set[i + 2] = 1;
			break;
		default:
			break;
		}
	}
}

/* Moves every state of cur over byte c into next (cleared first); returns
 * whether next is non-empty. */
static bool step(const struct ks_glob *g, const unsigned char *cur,
		 unsigned char *next, unsigned char c)
{
	bool any = false;
	size_t i, to;

	memset(next, 0, g->nr);
	for (i = 0; i < g->nr; i++) {
		const struct node *n = &g->node[i];

		if (!cur[i])
			continue;
		to = SIZE_MAX;
		switch (n->type) {
		case N_BYTE:
			if (c == n->c)
				to = i + 1;
			break;
		case N_ANY:
			if (c != '/')
				to = i + 1;
			break;
		case N_CLASS:
			if (has_bit(g->cls[n->cls], c))
				to = i + 1;
			break;
		case N_STAR:
			if (c != '/')
				to = i;
			break;
		case N_ANYSTAR:
			to = i;
			break;
		case N_DS_A:
			to = c == '/' ? i : i + 1;
			break;
		case N_DS_B:
			to = c == '/' ? i - 1 : i;
			break;
		case N_END:
			break;
		}
		if (to != SIZE_MAX) {
			next[to] = 1;
			any = true;
		}
	}
	if (any)
		closure(g, next);
	return any;
}

bool ks_glob_matches_path(const struct ks_glob *g, const char *path,
			  bool is_dir)
{
	unsigned char small[2 * 128], *cur, *next, *tmp, *heap = NULL;
	size_t n = strlen(path), j;
	bool matched = false;

	while (n && path[n - 1] == '/') {
		is_dir = true;
		n--;
	}
	if (!n)
		return false;
	if (g->nr <= sizeof(small) / 2) {
		cur = small;
	} else {
		heap = xmalloc(st_mult(g->nr, 2));
		cur = heap;
	}
	next = cur + g->nr;
	memset(cur, 0, g->nr);
	cur[0] = 1;
	closure(g, cur);
	for (j = 0; j < n; j++) {
		unsigned char c = (unsigned char)path[j];

		/* a leading directory matched: all below it matches */
		if (c == '/' && j && cur[g->nr - 1]) {
			matched = true;
			goto done;
		}
		if (!step(g, cur, next, c))
			goto done;
		tmp = cur;
		cur = next;
		next = tmp;
	}
	if (cur[g->nr - 1]) {
		matched = is_dir || !g->dir_only;
	} else if (is_dir && !g->dir_only) {
		/* like git, "d/" + "**" or "d/" + "*" covers directory d
		 * itself: every path below it matches, so d can be pruned */
		matched = step(g, cur, next, '/') && next[g->nr - 1];
	}
done:
	free(heap);
	return matched;
}

bool ks_glob_match(const char *pattern, const char *path)
{
	struct ks_glob *g = NULL;
	bool matched;

	if (ks_glob_new(&g, pattern))
		return false;
	matched = ks_glob_matches_path(g, path, false);
	ks_glob_free(g);
	return matched;
}

int ks_glob_check(const char *pattern)
{
	struct ks_glob *g = NULL;
	int err = ks_glob_new(&g, pattern);

	ks_glob_free(g);
	return err;
}
