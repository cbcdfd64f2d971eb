/* fuzz_yaml.c - fuzz target: the guarded YAML loader on arbitrary bytes.
 *
 * Oracles: an error leaves no tree and names the input; a tree keeps the
 * loader's promises (depth <= KS_YAML_MAX_DEPTH, scalar keys, no duplicate
 * keys in a mapping, NUL-terminated scalars, 1-based positions).
 */
#include "compat.h"
#include "error.h"
#include "yamltree.h"

#define NAME "fuzz.yml"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct ks_yaml_node *n, size_t depth)
{
	size_t i, j;

	if (!n->line || !n->col)
		abort();
	switch (n->type) {
	case KS_YAML_SCALAR:
		if (!n->str || n->str[n->len] != '\0' || n->item_nr)
			abort();
		return;
	case KS_YAML_SEQ:
		break;
	case KS_YAML_MAP:
		if (n->item_nr % 2)
			abort();
		for (i = 0; i < n->item_nr; i += 2) {
			const struct ks_yaml_node *k = n->item[i];

			if (k->type != KS_YAML_SCALAR)
				abort();
			for (j = 0; j < i; j += 2)
				if (n->item[j]->len == k->len &&
				    !memcmp(n->item[j]->str, k->str, k->len))
					abort();
		}
		break;
	default:
		abort();
	}
	if (depth + 1 > KS_YAML_MAX_DEPTH)
		abort();
	for (i = 0; i < n->item_nr; i++)
		check(n->item[i], depth + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ks_yaml_node *root = NULL;
	int rc;

	rc = ks_yaml_parse(&root, (const char *)data, size, NAME);
	if (rc) {
		if (root || strncmp(ks_error_last(), NAME, strlen(NAME)))
			abort();
		return 0;
	}
	if (root)
		check(root, 0);
	ks_yaml_free(root);
	return 0;
}
