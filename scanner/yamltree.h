/* yamltree.h - libyaml event loop into a small node tree, with our own guards.
 *
 * libyaml 0.2.5 has no nesting limit and accepts duplicate keys; this loader
 * rejects nesting deeper than KS_YAML_MAX_DEPTH, aliases, duplicate mapping
 * keys, and more than one document. Errors are "name:line:col: message".
 */
#ifndef KS_YAML_H
#define KS_YAML_H

#include "compat.h"

#define KS_YAML_MAX_DEPTH 64

enum ks_yaml_type {
	KS_YAML_SCALAR,
	KS_YAML_SEQ,
	KS_YAML_MAP,
};

struct ks_yaml_node {
	enum ks_yaml_type type;
	size_t line, col;	/* 1-based position of the node's start */
	char *str;		/* scalar value, NUL-terminated (may hold NUL) */
	size_t len;
	bool plain;		/* scalar was unquoted */
	/* KS_YAML_SEQ: items; KS_YAML_MAP: key, value, key, value, ... */
	struct ks_yaml_node **item;
	size_t item_nr, item_alloc;
};

/* Parses one document. *out is NULL for an empty stream; free with
 * ks_yaml_free(). name labels errors. */
int ks_yaml_parse(struct ks_yaml_node **out, const char *data, size_t len,
		  const char *name);
void ks_yaml_free(struct ks_yaml_node *node);
/* For a map: the value of key, or NULL. */
const struct ks_yaml_node *ks_yaml_get(const struct ks_yaml_node *map,
				       const char *key);
const char *ks_yaml_type_name(enum ks_yaml_type t);

#endif
