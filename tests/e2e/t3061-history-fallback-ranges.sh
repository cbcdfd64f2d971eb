#!/usr/bin/env bash
# The range tests (boundary trees, --since/--until) on the provenance
# fallback: see t3060.
KEYSNARE_TREE_GRAPH_MAX=0 exec bash "$(dirname "$0")/t3020-history-ranges.sh" "$@"
