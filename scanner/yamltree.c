/* yamltree.c - libyaml event loop with depth, alias and duplicate-key guards. */
#include "compat.h"
#include <yaml.h>
#include "yamltree.h"
#include "error.h"
#include "xalloc.h"

static struct ks_yaml_node *node_new(enum ks_yaml_type type,
				     const yaml_mark_t *mark)
{
	struct ks_yaml_node *n = xcalloc(1, sizeof(*n));

	n->type = type;
	n->line = mark->line + 1;
	n->col = mark->column + 1;
	return n;
}

void ks_yaml_free(struct ks_yaml_node *node)
{
	size_t i;

	if (!node)
		return;
	for (i = 0; i < node->item_nr; i++)
		ks_yaml_free(node->item[i]);
	free(node->item);
	free(node->str);
	free(node);
}

const char *ks_yaml_type_name(enum ks_yaml_type t)
{
	switch (t) {
	case KS_YAML_SCALAR:
		return "a scalar";
	case KS_YAML_SEQ:
		return "a list";
	case KS_YAML_MAP:
		return "a mapping";
	}
	return "?";
}

const struct ks_yaml_node *ks_yaml_get(const struct ks_yaml_node *map,
				       const char *key)
{
	size_t i;

	if (!map || map->type != KS_YAML_MAP)
		return NULL;
	for (i = 0; i + 1 < map->item_nr; i += 2) {
		const struct ks_yaml_node *k = map->item[i];

		if (k->type == KS_YAML_SCALAR && !strcmp(k->str, key))
			return map->item[i + 1];
	}
	return NULL;
}

static void node_append(struct ks_yaml_node *parent, struct ks_yaml_node *c)
{
	ALLOC_GROW(parent->item, parent->item_nr + 1, parent->item_alloc);
	parent->item[parent->item_nr++] = c;
}

/* A mapping key must be a scalar and unique within its mapping. */
static int check_key(const struct ks_yaml_node *map,
		     const struct ks_yaml_node *key, const char *name)
{
	size_t i;

	if (key->type != KS_YAML_SCALAR)
		return ks_error_set(KS_EINVALID,
				    "%s:%zu:%zu: mapping key must be a scalar",
				    name, key->line, key->col);
	for (i = 0; i + 1 < map->item_nr; i += 2) {
		const struct ks_yaml_node *k = map->item[i];

		if (k->len == key->len && !memcmp(k->str, key->str, k->len))
			return ks_error_set(KS_EINVALID,
					    "%s:%zu:%zu: duplicate key '%s'",
					    name, key->line, key->col,
					    key->str);
	}
	return 0;
}

/* Adds a finished node c under the stack top (or as the root). */
static int attach(struct ks_yaml_node **stack, size_t depth,
		  struct ks_yaml_node **root, struct ks_yaml_node *c,
		  const char *name)
{
	struct ks_yaml_node *parent;

	if (!depth) {
		if (*root) {
			ks_yaml_free(c);
			return ks_error_set(KS_EINVALID,
					    "%s: more than one YAML document",
					    name);
		}
		*root = c;
		return 0;
	}
	parent = stack[depth - 1];
	if (parent->type == KS_YAML_MAP && parent->item_nr % 2 == 0) {
		int err = check_key(parent, c, name);

		if (err) {
			ks_yaml_free(c);
			return err;
		}
	}
	node_append(parent, c);
	return 0;
}

int ks_yaml_parse(struct ks_yaml_node **out, const char *data, size_t len,
		  const char *name)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	struct ks_yaml_node *stack[KS_YAML_MAX_DEPTH];
	struct ks_yaml_node *root = NULL;
	size_t depth = 0, i;
	int err = 0, done = 0;

	*out = NULL;
	if (!yaml_parser_initialize(&parser))
		return ks_error_set(KS_ERROR, "%s: cannot initialise YAML parser",
				    name);
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);

	while (!done) {
		struct ks_yaml_node *n = NULL;

		if (!yaml_parser_parse(&parser, &ev)) {
			err = ks_error_set(KS_EINVALID, "%s:%zu:%zu: %s", name,
					   parser.problem_mark.line + 1,
					   parser.problem_mark.column + 1,
					   parser.problem ? parser.problem
							  : "YAML syntax error");
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_ALIAS_EVENT:
			err = ks_error_set(KS_EINVALID,
					   "%s:%zu:%zu: YAML aliases are not allowed",
					   name, ev.start_mark.line + 1,
					   ev.start_mark.column + 1);
			break;
		case YAML_SCALAR_EVENT:
			n = node_new(KS_YAML_SCALAR, &ev.start_mark);
			n->str = xmemdupz(ev.data.scalar.value,
					  ev.data.scalar.length);
			n->len = ev.data.scalar.length;
			n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			err = attach(stack, depth, &root, n, name);
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (depth == KS_YAML_MAX_DEPTH) {
				err = ks_error_set(KS_EINVALID,
						   "%s:%zu:%zu: nesting deeper than %d",
						   name, ev.start_mark.line + 1,
						   ev.start_mark.column + 1,
						   KS_YAML_MAX_DEPTH);
				break;
			}
			n = node_new(ev.type == YAML_SEQUENCE_START_EVENT
					     ? KS_YAML_SEQ
					     : KS_YAML_MAP,
				     &ev.start_mark);
			stack[depth++] = n;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			n = stack[--depth];
			err = attach(stack, depth, &root, n, name);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		if (err)
			break;
	}
	yaml_parser_delete(&parser);
	if (err) {
		/* open nodes are not attached to a parent until closed */
		for (i = 0; i < depth; i++)
			ks_yaml_free(stack[i]);
		ks_yaml_free(root);
		return err;
	}
	*out = root;
	return 0;
}
