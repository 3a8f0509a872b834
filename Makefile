# ringside - a teaching simulator of x86 virtualization.
#
#   make          build ./ringside, the sim library and the bundled guests
#   make run      install what is missing, build, play the narrated tour
#   make test     install what is missing, build, run every test
#   make test SAN=1   the same under AddressSanitizer + UBSan
#   make test JOBS=1  one compiler and one test suite at a time (default:
#                 one per core)
#   make bench    performance figures (never part of make test)
#   make golden   rewrite the scenarios' golden traces (tests/golden/)
#   make docs     regenerate the figures docs/ quotes (tests/docs/docs.sh)
#   make bench-docs  write the host times docs/performance.md quotes
#   make fuzz     libFuzzer targets (clang), FUZZ_SECONDS each (default 20)
#   make deps     check (and as root install) the dependencies
#   make install  PREFIX=/usr/local DESTDIR=: the program, the scenarios,
#                 the guests and the man page ringside(1); make uninstall
#
# The library in sim/ is pure C11: no curses, no Lua (checked by `make
# check-layering`, part of `make test`).

CC      ?= cc
# Where `make install` puts things.  The data directory is compiled in
# (an installed ringside finds its scenarios and guests without the
# source tree); RINGSIDE_DATA in the environment overrides it.
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/ringside
MANDIR  ?= $(PREFIX)/share/man/man1
PKGS     = unicorn capstone lua5.4 ncursesw cmocka
WARN     = -Wall -Wextra -Werror
CSTD     = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
OPT     ?= -O2 -g
# How many compilers and test suites `make test` runs at once.
JOBS    ?= $(shell nproc 2>/dev/null || echo 1)

ifeq ($(SAN),1)
BUILD   ?= build/san
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
           -fno-omit-frame-pointer
# LeakSanitizer: a leak is a failure, except libunicorn's own (the file
# says which and why); UBSan: the stack of every report.
export LSAN_OPTIONS = suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS = print_stacktrace=1:halt_on_error=1
else
BUILD   ?= build/rel
SANFLAGS =
endif

# pkg-config is asked once per make.  `make build`, `test`, `run` and
# `bench` run `make deps` first and then a second make, which asks after
# the install.  A module with no .pc file stops the build with a message
# naming it (pkg-check), not with a compiler error about a missing header.
PC_CFLAGS := $(shell pkg-config --cflags unicorn capstone 2>/dev/null)
PC_LIBS   := $(shell pkg-config --libs unicorn capstone 2>/dev/null)
UI_CFLAGS := $(shell pkg-config --cflags ncursesw lua5.4 2>/dev/null)
UI_LIBS   := $(shell pkg-config --libs ncursesw lua5.4 2>/dev/null)
CMOCKA    := $(shell pkg-config --cflags --libs cmocka 2>/dev/null)
PC_MISSING := $(strip $(foreach m,$(PKGS),$(if $(shell pkg-config --exists $(m) 2>/dev/null && echo y),,$(m))))

CFLAGS  += $(CSTD) $(WARN) $(OPT) $(SANFLAGS)
LDFLAGS += $(SANFLAGS)

# sim/ has a folder per component (cpu, vmm, vmkernel, vmx, host, cluster);
# headers are included by that path: #include "vmm/vcpu.h".
SIM_SRC  = $(wildcard sim/*.c sim/*/*.c)
SIM_OBJ  = $(SIM_SRC:%.c=$(BUILD)/%.o)
LIBSIM   = $(BUILD)/libsim.a
APP_SRC  = $(wildcard visual/*.c) $(wildcard lua/*.c)
APP_OBJ  = $(APP_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TESTLIB_SRC = tests/unit/testlib.c tests/unit/testlib_hostile.c tests/unit/testlib_cluster.c
TESTLIB  = $(TESTLIB_SRC) tests/unit/testlib.h
# Small assembly guests the tests run (a guest is the same for SAN=1).
TEST_GUEST_SRC = $(wildcard tests/guests/*.S)
TEST_GUESTS = $(TEST_GUEST_SRC:tests/guests/%.S=build/guests/%.elf)
BENCH_BIN = $(BUILD)/bench/bench_cpu
BENCH_DRSHA = $(BUILD)/bench/bench_drs_ha
# The TUI's unit tests and its benchmark link the program's own objects
# (all but main.o) with ncursesw; sim/ stays free of curses.
VIS_OBJ  = $(filter-out $(BUILD)/visual/main.o,$(APP_OBJ))
UI_TESTS = $(BUILD)/tests/test_layout $(BUILD)/tests/test_keys \
           $(BUILD)/tests/test_explain $(BUILD)/tests/test_cli_parse
# The Lua binding's tests link lua/ (and Lua) with the sim library.
LUA_OBJ  = $(filter $(BUILD)/lua/%,$(APP_OBJ))
LUA_TESTS = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_lua*.c))
TESTLIB_LUA = tests/unit/testlib_lua.c tests/unit/testlib_lua.h
BENCH_TUI = $(BUILD)/bench/bench_tui
BENCH_CLUSTER = $(BUILD)/bench/bench_cluster

include scenarios/guests/guests.mk

.PHONY: all deps build run test tests bench bench-docs clean check-layering help FORCE \
	golden pkg-check pkg-check-tests docs install uninstall fuzz fuzz-targets

all: build

help:
	@sed -n '3,12p' Makefile

deps:
	@sh .ci/deps.sh

# Build in a second make so pkg-config sees what `deps` installed.
build:
	@$(MAKE) --no-print-directory ringside $(GUESTS)

# ./ringside is a copy of the last variant built (SAN=1 or not), put in
# place with a rename so a copy that is running is left alone.
ringside: $(BUILD)/ringside FORCE
	@cmp -s $< $@ || { cp $< $@.new && mv -f $@.new $@; }

FORCE:

# (the program needs all but cmocka; the unit tests need cmocka too)
pkg-check pkg-check-tests:
	@missing="$(if $(filter pkg-check-tests,$@),$(PC_MISSING),$(filter-out cmocka,$(PC_MISSING)))"; \
	if [ -n "$$missing" ]; then \
		echo "ringside: pkg-config finds no .pc file for: $$missing" >&2; \
		echo "ringside: run 'make deps' (it installs them as root, or says how)" >&2; \
		exit 1; fi

$(BUILD)/ringside: $(APP_OBJ) $(LIBSIM)
	$(CC) $(LDFLAGS) -o $@ $(APP_OBJ) $(LIBSIM) $(PC_LIBS) $(UI_LIBS) -lm

$(LIBSIM): $(SIM_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/sim/%.o: sim/%.c | pkg-check
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PC_CFLAGS) -Isim -MMD -MP -c -o $@ $<

$(BUILD)/visual/%.o: visual/%.c | pkg-check
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(UI_CFLAGS) -Isim -Ilua -I$(BUILD) -MMD -MP -c -o $@ $<

# The compiled-in data directory, rewritten only when DATADIR changes.
$(BUILD)/datadir.h: FORCE
	@mkdir -p $(BUILD)
	@echo '#define RINGSIDE_DATADIR "$(DATADIR)"' > $@.new
	@if cmp -s $@.new $@; then rm -f $@.new; else mv -f $@.new $@; fi
$(BUILD)/visual/cli.o: $(BUILD)/datadir.h

$(BUILD)/lua/%.o: lua/%.c | pkg-check
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(UI_CFLAGS) -Isim -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(TESTLIB) $(LIBSIM) | pkg-check-tests
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isim -Itests/unit -o $@ $< $(TESTLIB_SRC) \
		$(LIBSIM) $(PC_LIBS) $(CMOCKA) -lm $(LDFLAGS)

$(UI_TESTS): $(BUILD)/tests/%: tests/unit/%.c $(TESTLIB) $(VIS_OBJ) $(LIBSIM) | pkg-check-tests
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(UI_CFLAGS) -Isim -Ivisual -Itests/unit -o $@ $< \
		$(TESTLIB_SRC) $(VIS_OBJ) $(LIBSIM) $(PC_LIBS) $(UI_LIBS) \
		$(CMOCKA) -lm $(LDFLAGS)

$(LUA_TESTS): $(BUILD)/tests/%: tests/unit/%.c $(TESTLIB) $(TESTLIB_LUA) $(LUA_OBJ) $(LIBSIM) | pkg-check-tests
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(UI_CFLAGS) -Isim -Ilua -Itests/unit -o $@ $< \
		$(TESTLIB_SRC) tests/unit/testlib_lua.c $(LUA_OBJ) $(LIBSIM) \
		$(PC_LIBS) $(UI_LIBS) \
		$(CMOCKA) -lm $(LDFLAGS)

build/guests/%.elf: tests/guests/%.S $(wildcard tests/guests/*.inc) tests/guests/link.ld \
		scenarios/guests/lib/print.inc
	@mkdir -p $(dir $@)
	as --32 -o $(@:.elf=.o) $<
	ld -m elf_i386 -T tests/guests/link.ld -z noexecstack -o $@ $(@:.elf=.o)

# A kernel below 1 MiB: the same, linked at 128 KiB.
build/guests/lowload.elf: tests/guests/lowload.S $(wildcard tests/guests/*.inc) \
		tests/guests/lowload.ld scenarios/guests/lib/print.inc
	@mkdir -p $(dir $@)
	as --32 -o $(@:.elf=.o) $<
	ld -m elf_i386 -T tests/guests/lowload.ld -z noexecstack -o $@ $(@:.elf=.o)

# bench_cpu is two files: the VMM's runs, and what they share with the
# runs of Unicorn alone (bench_lib.c).
$(BENCH_BIN): bench/bench_cpu.c bench/bench_lib.c bench/bench_lib.h $(LIBSIM)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isim -o $@ bench/bench_cpu.c bench/bench_lib.c \
		$(LIBSIM) $(PC_LIBS) -lm $(LDFLAGS)

$(BUILD)/bench/%: bench/%.c $(LIBSIM)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isim -o $@ $< $(LIBSIM) $(PC_LIBS) -lm $(LDFLAGS)

$(BENCH_TUI): bench/bench_tui.c $(VIS_OBJ) $(LIBSIM)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(UI_CFLAGS) -Isim -Ivisual -o $@ $< $(VIS_OBJ) \
		$(LIBSIM) $(PC_LIBS) $(UI_LIBS) -lutil -lm $(LDFLAGS)

# Fuzzing (tests/fuzz/): every parser of outside input, built with clang
# and libFuzzer into build/fuzz, run FUZZ_SECONDS each by tests/fuzz/run.sh
# (which prints the figures docs/bad-input.md quotes).  Not part of `make
# test`: it needs clang (`make deps FUZZ=1` installs it).
FUZZ_SECONDS ?= 20
FUZZ_TARGETS = $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
fuzz:
	@FUZZ=1 sh .ci/deps.sh
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang OPT="-O1 -g" \
		WARN="-Wall -Wextra" LDFLAGS= \
		SANFLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer" \
		ENGINE_SANFLAGS=-fno-sanitize-coverage=trace-cmp \
		fuzz-targets
	@sh tests/fuzz/run.sh build/fuzz $(FUZZ_SECONDS)

fuzz-targets: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)

# The code that runs guests (sim/cpu, vmm, vmkernel, cluster) parses no
# input, so libFuzzer's comparison tracing there (ENGINE_SANFLAGS) guides
# no mutation: without it the scenario target runs guests twice as fast,
# its edges still counted (docs/performance.md, "The scenario fuzz
# target").  The parsers (sim/vmx: the loader, the ISO reader) keep it.
ENGINE_SANFLAGS ?=
$(BUILD)/sim/cpu/%.o $(BUILD)/sim/vmm/%.o $(BUILD)/sim/vmkernel/%.o \
$(BUILD)/sim/cluster/%.o: CFLAGS += $(ENGINE_SANFLAGS)

# the command line's parser (fuzz_cli) needs nothing else of visual/
FUZZ_OBJ = $(LUA_OBJ) $(BUILD)/visual/cli.o
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJ) $(LIBSIM)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(UI_CFLAGS) -Isim -Ilua -Ivisual -fsanitize=fuzzer -o $@ $< \
		$(FUZZ_OBJ) $(LIBSIM) $(PC_LIBS) $(UI_LIBS) -lm

run: deps
	@$(MAKE) --no-print-directory -j$(JOBS) build
	./ringside tour

# Every test: unit tests (cmocka), the QEMU reference comparison, the
# terminal tests.  Each prints cmocka's summary lines.
test: deps
	@$(MAKE) --no-print-directory -j$(JOBS) build
	@$(MAKE) --no-print-directory -j$(JOBS) tests

tests: check-layering $(UNIT_BIN) $(GUESTS) $(TEST_GUESTS) ringside
	@JOBS=$(JOBS) sh tests/run-all.sh $(BUILD)

# Golden traces (tests/golden/NAME.jsonl): what each bundled scenario
# does, event by event.  A test compares every scenario's trace with its
# golden file, so a change of behaviour is a visible diff; once a change
# is understood and intended, `make golden` writes the files again.
golden: build
	@sh tests/golden/golden.sh write

# The figures and captures docs/ quotes, produced by the program (between
# <!-- docs: COMMAND --> markers); test_docs fails when a doc disagrees.
docs: build $(TEST_GUESTS)
	@sh tests/docs/docs.sh write

check-layering:
	@if grep -rlE '#include *[<"](n?curses|ncursesw/|lua|lauxlib|lualib)' sim; then \
		echo "sim/ must not include curses or Lua headers" >&2; exit 1; fi
	@if grep -rnE '\b(exit|_Exit|abort) *\([^()]*\) *;' sim --include='*.c'; then \
		echo "sim/ must not call exit()" >&2; exit 1; fi
	@if grep -rlE '#include *[<"](n?curses|ncursesw/)' lua; then \
		echo "lua/ is a binding over sim/: no curses" >&2; exit 1; fi

bench: deps
	@$(MAKE) --no-print-directory build $(BENCH_BIN) $(BENCH_TUI) $(BENCH_CLUSTER) $(BENCH_DRSHA) build/guests/traps.elf build/guests/ticker.elf build/guests/vmmzero.elf build/guests/x87loop.elf build/guests/smcbench.elf
	@$(BENCH_BIN) scenarios/guests/bench.elf build/guests/traps.elf build/guests/vmmzero.elf scenarios/guests/dirty.elf build/guests/x87loop.elf build/guests/smcbench.elf
	@$(BENCH_TUI) scenarios/guests/tour.elf scenarios/guests/bench.elf
	@$(BENCH_CLUSTER) scenarios/guests/dirty.elf build/guests/ticker.elf
	@$(BENCH_DRSHA)

# The host times docs/ quotes (the <!-- bench: --> blocks of
# docs/performance.md), written by running the benchmarks: they vary
# from run to run, so no test checks them, but none is typed.  Run it on
# a quiet machine and read the diff.
bench-docs: deps
	@$(MAKE) --no-print-directory build $(BENCH_BIN) $(BENCH_TUI) $(BENCH_CLUSTER) $(BENCH_DRSHA) $(TEST_GUESTS)
	@sh tests/docs/docs.sh write bench

# Installed like a Debian tool: DESTDIR for packaging, PREFIX for the rest.
install: build
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/scenarios/guests/build \
		$(DESTDIR)$(DATADIR)/lua $(DESTDIR)$(MANDIR)
	install -m 755 ringside $(DESTDIR)$(BINDIR)/ringside
	install -m 644 scenarios/*.lua $(DESTDIR)$(DATADIR)/scenarios/
	install -m 644 $(GUESTS) $(DESTDIR)$(DATADIR)/scenarios/guests/
	install -m 644 $(GUEST_DISC) $(DESTDIR)$(DATADIR)/scenarios/guests/build/
	install -m 644 lua/ringside.lua $(DESTDIR)$(DATADIR)/lua/
	install -m 644 docs/ringside.1 $(DESTDIR)$(MANDIR)/ringside.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/ringside $(DESTDIR)$(MANDIR)/ringside.1
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build ringside scenarios/guests/build scenarios/guests/*.elf

-include $(SIM_OBJ:.o=.d) $(APP_OBJ:.o=.d)
