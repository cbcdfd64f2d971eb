# keysnare - leaked-API-key scanner. `make run` and `make test` are the two
# set-up commands (see README.md); both install missing Debian packages.

O ?= build
SANITIZE ?=
PREFIX ?= /usr/local

PKGS = libpcre2-8 libgit2 libcjson yaml-0.1 libcurl libhs zlib
DEBS = gcc make pkg-config git python3 python3-jsonschema clang \
       libclang-rt-14-dev libpcre2-dev libgit2-dev libcjson-dev libyaml-dev \
       libcurl4-openssl-dev libcmocka-dev libvectorscan-dev zlib1g-dev pre-commit \
       libxml2-utils yamllint shellcheck strace openssl curl

CC ?= cc
OPT ?= -O2 -g
KS_CFLAGS := -std=c11 -Iscanner -I$(O)/gen \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
	-Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wvla -Wwrite-strings -Wpointer-arith \
	-Wno-format-nonliteral $(OPT)
KS_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread
ifneq ($(SANITIZE),)
KS_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
KS_LDFLAGS += -fsanitize=$(SANITIZE)
endif
KS_CFLAGS += $(CFLAGS)
KS_LDFLAGS += $(LDFLAGS)

SRCS := $(filter-out scanner/main.c,$(sort $(wildcard scanner/*.c)))
OBJS := $(patsubst scanner/%.c,$(O)/obj/%.o,$(SRCS)) $(O)/obj/rules_default.o \
	$(O)/obj/hooks_default.o
RULES := $(sort $(wildcard rules/*.yml))
HOOKS := hooks/pre-commit hooks/pre-push
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRCS))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAY := $(patsubst tests/fuzz/%.c,$(O)/fuzz/%-replay,$(FUZZ_SRCS))

all: $(O)/keysnare
	@[ "$(O)" != build ] || ln -sf build/keysnare keysnare

$(O)/.flags: FORCE
	@mkdir -p $(O)
	@echo '$(CC) $(KS_CFLAGS) $(KS_LDFLAGS)' | cmp -s - $@ || echo '$(CC) $(KS_CFLAGS) $(KS_LDFLAGS)' > $@

$(O)/gen/rules_default.c: $(RULES) scanner/embed-rules.sh
	@mkdir -p $(O)/gen
	@echo "GEN $@"
	@scanner/embed-rules.sh $@ $(RULES)

$(O)/gen/hooks_default.c: $(HOOKS) scanner/embed-hooks.sh
	@mkdir -p $(O)/gen
	@echo "GEN $@"
	@scanner/embed-hooks.sh $@ $(HOOKS)

$(O)/obj/%.o: scanner/%.c $(O)/.flags
	@mkdir -p $(O)/obj
	@echo "CC $<"
	@$(CC) $(KS_CFLAGS) -MMD -MP -c -o $@ $<

$(O)/obj/rules_default.o: $(O)/gen/rules_default.c $(O)/.flags
	@mkdir -p $(O)/obj
	@echo "CC $<"
	@$(CC) $(KS_CFLAGS) -c -o $@ $<

$(O)/obj/hooks_default.o: $(O)/gen/hooks_default.c scanner/hook.h $(O)/.flags
	@mkdir -p $(O)/obj
	@echo "CC $<"
	@$(CC) $(KS_CFLAGS) -c -o $@ $<

# The embedded rules' keyword database, compiled at build time (a scan
# with the default rules then only loads it).
$(O)/gen-prefilter: scanner/tools/gen-prefilter.c $(OBJS)
	@echo "LINK $@"
	@$(CC) $(KS_CFLAGS) $(KS_LDFLAGS) -o $@ $< $(OBJS) $(KS_LIBS)

$(O)/gen/prefilter_default.c: $(O)/gen-prefilter
	@echo "GEN $@"
	@ASAN_OPTIONS=detect_leaks=0 ./$(O)/gen-prefilter $@.tmp && mv $@.tmp $@

$(O)/obj/prefilter_default.o: $(O)/gen/prefilter_default.c $(O)/.flags
	@mkdir -p $(O)/obj
	@echo "CC $<"
	@$(CC) $(KS_CFLAGS) -c -o $@ $<

$(O)/keysnare: $(O)/obj/main.o $(OBJS) $(O)/obj/prefilter_default.o
	@echo "LINK $@"
	@$(CC) $(KS_LDFLAGS) -o $@ $^ $(KS_LIBS)

$(O)/tests/%: tests/unit/%.c $(OBJS)
	@mkdir -p $(O)/tests
	$(CC) $(KS_CFLAGS) $(shell pkg-config --cflags cmocka 2>/dev/null) $(KS_LDFLAGS) \
		-o $@ $< $(OBJS) $(KS_LIBS) $(shell pkg-config --libs cmocka 2>/dev/null)

# Fuzz targets built as plain programs that replay their corpora.
$(O)/fuzz/%-replay: tests/fuzz/%.c tests/fuzz/standalone.c $(OBJS)
	@mkdir -p $(O)/fuzz
	$(CC) $(KS_CFLAGS) $(KS_LDFLAGS) -o $@ $< tests/fuzz/standalone.c $(OBJS) $(KS_LIBS)

-include $(wildcard $(O)/obj/*.d)

deps:
	@m=$$(for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	command -v npm >/dev/null 2>&1 || m="$$m nodejs npm"; \
	if [ -n "$$m" ]; then \
		if [ "$$(id -u)" != 0 ]; then \
			echo "keysnare: missing packages:$$(echo $$m)" >&2; \
			echo "run: sudo apt-get update && sudo apt-get install -y $$(echo $$m)" >&2; \
			exit 1; \
		fi; \
		echo "installing:" $$m; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$m; \
	fi

run: deps
	$(MAKE) all
	./$(O)/keysnare scan .; rc=$$?; [ $$rc -le 1 ] || exit $$rc

# The SARIF validators of tests/e2e/t7000-sarif.sh, from the lockfile;
# reinstalled only when tests/sarif/package*.json change.
SARIF_NM := tests/sarif/node_modules/.keysnare-stamp
$(SARIF_NM): tests/sarif/package.json tests/sarif/package-lock.json
	@echo "npm ci --prefix tests/sarif"
	@npm ci --prefix tests/sarif --no-audit --no-fund --loglevel=error || \
		{ echo "keysnare: 'npm ci --prefix tests/sarif' failed: make check needs the SARIF validators (ajv, Sarif.Multitool)" >&2; exit 1; }
	@chmod u+x tests/sarif/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
	@touch $@

# Everything `make test` runs, against the build in $(O). The plain build's
# e2e run is traced (nonet.sh: no inet socket without --verify); a sanitizer
# build's is not (LeakSanitizer cannot work under ptrace).
check: all $(UNIT_BINS) $(FUZZ_REPLAY) $(SARIF_NM)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done
	./$(O)/keysnare rules check
	@set -e; for f in $(FUZZ_REPLAY); do \
		n=$$(basename $$f -replay); \
		echo "== $$n corpus replay"; \
		$$f tests/fuzz/corpus/$$n tests/fuzz/regressions/$$n; \
	done
	KEYSNARE=$(abspath $(O)/keysnare) tests/e2e/$(if $(SANITIZE),run.sh,nonet.sh)

test: deps
	$(MAKE) check
	$(MAKE) O=build-asan SANITIZE=address,undefined OPT='-O1 -g' check

# libFuzzer builds (clang): make fuzz FUZZ_TIME=60
FUZZ_TIME ?= 30
fuzz:
	$(MAKE) O=build-fuzz CC=clang SANITIZE=address,undefined OPT='-O1 -g' $(patsubst tests/fuzz/%.c,build-fuzz/obj/rules_default.o,$(firstword $(FUZZ_SRCS))) $(OBJS:$(O)/%=build-fuzz/%)
	@set -e; for f in $(FUZZ_SRCS); do n=$$(basename $$f .c); \
		clang -std=c11 -Iscanner -Ibuild-fuzz/gen -g -O1 -fsanitize=fuzzer,address,undefined \
			-o build-fuzz/$$n $$f $(filter-out $(O)/%,$(OBJS:$(O)/%=build-fuzz/%)) $(KS_LIBS); \
		mkdir -p build-fuzz/corpus-$$n; \
		./build-fuzz/$$n -max_total_time=$(FUZZ_TIME) -timeout=3 build-fuzz/corpus-$$n tests/fuzz/corpus/$$n; \
	done

# README.md's "What it detects" table, from the embedded rules.
readme-table: all
	@./$(O)/keysnare rules table >$(O)/rules-table.md
	@awk -v t=$(O)/rules-table.md '/<!-- rules-table:end -->/ { while ((getline l < t) > 0) print l; skip = 0 } !skip { print } /<!-- rules-table:begin -->/ { skip = 1 }' README.md >README.md.tmp && mv README.md.tmp README.md
	@echo "README.md: rules table updated"

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(O)/keysnare $(DESTDIR)$(PREFIX)/bin/keysnare

clean:
	rm -rf build build-asan build-fuzz build-rules keysnare

.PHONY: all deps run check test fuzz install clean readme-table FORCE
.SECONDARY:
