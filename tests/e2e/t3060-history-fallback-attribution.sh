#!/usr/bin/env bash
# Provenance has two implementations: the tree graph the walk records, and,
# when that graph is over its memory budget, a walk that reads the trees
# again. The attribution tests run here a second time with a zero budget,
# so the fallback must attribute every case exactly as the graph does.
KEYSNARE_TREE_GRAPH_MAX=0 exec bash "$(dirname "$0")/t3000-history-attribution.sh" "$@"
