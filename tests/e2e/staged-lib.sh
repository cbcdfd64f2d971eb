# shellcheck shell=bash
# staged-lib.sh - helpers shared by the `keysnare staged` tests (t50xx),
# sourced after lib.sh:
#
#	new_repo DIR                an empty repository (branch main)
#	commit_all DIR MSG          stage everything in DIR's work tree and commit
#	newkey FAMILY               a fresh fake key (genkey), also appended to
#	                            ./keys for check_no_leak
#	in_dir DIR CMD...           run CMD with DIR as its working directory
#	staged_in DIR ARGS...       `keysnare staged ARGS` run from DIR (the way a
#	                            hook runs it: the repository comes from the
#	                            working directory and the environment)
#	install_hook REPO           a minimal pre-commit hook that execs
#	                            `$KEYSNARE staged` (in REPO's common git dir)
#	head_of REPO                HEAD's commit id, or "unborn"
#	loose_path REPO OBJECT-ID   the loose object file of OBJECT-ID
#	gated_rule FILE             a custom rule acme-gated: acme_ + 32 lowercase
#	                            alnum, reported only when the blob holds the
#	                            context word "acmegw"
#	$SCHEMA                     ci/keysnare-report.schema.json

# shellcheck disable=SC2034 # used by the scripts that source this file
SCHEMA=$SRC_DIR/ci/keysnare-report.schema.json

new_repo() {
	git init -q -b main "$1"
}

commit_all() {
	git -C "$1" add -A &&
	git -C "$1" commit -q -m "$2"
}

newkey() {
	local k
	k=$(genkey "$1") || return 1
	printf '%s\n' "$k" >>keys
	printf '%s\n' "$k"
}

in_dir() {
	(cd "$1" && shift && exec "$@")
}

staged_in() {
	local d=$1
	shift
	(cd "$d" && exec "$KEYSNARE" staged "$@")
}

install_hook() {
	local hooks
	hooks=$(git -C "$1" rev-parse --path-format=absolute --git-common-dir)/hooks || return 1
	mkdir -p "$hooks" &&
	printf '#!/bin/sh\nexec "%s" staged\n' "$KEYSNARE" >"$hooks/pre-commit" &&
	chmod +x "$hooks/pre-commit"
}

head_of() {
	git -C "$1" rev-parse -q --verify HEAD || echo unborn
}

loose_path() {
	local gd
	gd=$(git -C "$1" rev-parse --path-format=absolute --git-common-dir) || return 1
	echo "$gd/objects/$(echo "$2" | cut -c1-2)/$(echo "$2" | cut -c3-)"
}

gated_rule() {
	cat >"$1" <<-\EOF
	# an acme_ token that only counts in a blob that names "acmegw"
	rules:
	  - id: acme-gated
	    name: Acme gateway token
	    description: Acme gateway token, reported only when the blob names acmegw.
	    pattern: '\b(acme_[a-z0-9]{32})\b'
	    keywords: [acme_]
	    context: [acmegw]
	    secret_group: 1
	    min_entropy: 3.0
	    severity: high
	    tags: [internal]
	    remediation: Revoke it at https://acme.invalid/tokens and load it from the environment.
	    examples:
	      - input: '# acmegw settings\nGW_TOKEN={{secret}}'
	        secret: 'acme_{{lalnum:32}}'
	      - input: 'acmegw: {{secret}}'
	        secret: 'acme_{{lalnum:32}}'
	    negative_examples:
	      - 'GW_TOKEN=acme_{{lalnum:32}}'
	      - 'acmegw: acme_{{lalnum:31}}'
	EOF
}
