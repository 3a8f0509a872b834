/*
 * testlib.h - helpers the unit tests share: run a guest and keep its
 * events, look up symbols in a guest ELF, run ringside as a process.
 */
#ifndef TESTLIB_H
#define TESTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim.h"
#include "status.h"
#include "vmx/vmx.h"

/* A finished (or paused) run of one guest, with every event it emitted. */
struct tl_run {
	struct sim *sim;
	struct vm *vm;
	struct event *ev;	/* events, EV_INSN included if asked for */
	size_t nev, cap;
	enum sim_stop stop;
	int rc;			/* sim_run's status */
};

/*
 * Create a world with one VM running `guest` and run it for at most
 * max_insns instructions.  insns: also capture EV_INSN events.  Fails the
 * test (cmocka) if the guest cannot be loaded.
 */
void tl_run_guest(const char *guest, bool insns, uint64_t max_insns,
		  struct tl_run *r);

/* Create the world and VM only (no running yet), trap-and-emulate. */
void tl_boot(const char *guest, bool insns, struct tl_run *r);

/* The same in a given execution mode (MODE_TE, MODE_BT, MODE_HW). */
void tl_boot_mode(const char *guest, enum exec_mode mode, bool insns,
		  struct tl_run *r);

/* The same with a whole VM configuration (a disk, a CD-ROM...). */
void tl_boot_cfg(const struct vm_config *cfg, bool insns, struct tl_run *r);

void tl_free(struct tl_run *r);

/* Number of captured events of a kind. */
size_t tl_count(const struct tl_run *r, enum event_kind kind);

/* All serial output of the run's VM, NUL-terminated (static buffer). */
const char *tl_serial(const struct tl_run *r);

/* Address of symbol `name` in an ELF32 file, or 0 if absent. */
uint32_t tl_symbol(const char *elf, const char *name);

/*
 * Run a shell command, capture its stdout (up to size-1 bytes) into out,
 * and return its exit status (-1 if it could not run).
 */
int tl_sh(const char *cmd, char *out, size_t size);
/* The same, with the number of bytes captured in *len (they may hold NULs). */
int tl_sh_len(const char *cmd, char *out, size_t size, size_t *len);

/*
 * A seeded pseudo-random number below n (xorshift64; *state must not be
 * 0): randomized tests that replay the same cases every run.
 */
uint32_t tl_rand(uint64_t *state, uint32_t n);

/*
 * Worked example C (../shared/research/cluster-facts.md) on cluster c:
 * hosts h1..h3 of 4 x 2,500 MHz (10,000 MHz, 64 GiB each); modelled VMs
 * db (1,500 MHz) and app (5,000) on h1, web (5,000) on h2, cache (3,500)
 * on h3, 4 GiB each: host loads 0.65, 0.50, 0.35.  vm (may be NULL)
 * gets the VMs' ids in that order.
 */
struct cluster;
void tl_example_c(struct cluster *c, int vm[4]);

/*
 * ./ringside ARGS (printf-style), run from the repository root as a user
 * would, under `timeout -s KILL 120` as a safety net only (a hang becomes
 * status 137, a failure, not a stuck suite).  stderr is merged into the
 * output unless ARGS redirect it themselves.  The output is in tl_out;
 * the exit status is returned.
 */
extern char tl_out[1 << 20];
int tl_ringside(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Fail unless st is status and tl_out holds needle (NULL: any output). */
void tl_want(int st, int status, const char *needle);
/* A temporary scenario file holding text (tl_temp_file); its path in path. */
void tl_scenario(char *path, size_t size, const char *text);

/* Write text to a file (fails the test if it cannot). */
void tl_write_file(const char *path, const char *text);

/*
 * A suite that cannot run here (a tool is missing) says why and exits
 * with TL_SKIPPED: run-all.sh then reports it skipped, never passed.
 */
#define TL_SKIPPED 77
int tl_skip_suite(const char *why);

/*
 * A new empty file with a unique name ending in suffix (".lua"), in
 * $TMPDIR or /tmp: its path goes into path (size bytes).  The caller
 * unlinks it.  Fails the test if it cannot be made.
 */
void tl_temp_file(char *path, size_t size, const char *suffix);

/*
 * The step engine (one instruction per vmm_step) and the fast engine
 * (sim_run, whole blocks) agree after n instructions of guest in mode:
 * registers, the guest's EIP and CS, the counters, the serial output.  The
 * stretch must hold system calls (INT n), or the check would say little.
 */
void tl_assert_step_equals_run(const char *guest, enum exec_mode mode,
			       uint64_t n);

/* The same, for a stretch that need not hold system calls (!calls). */
void tl_assert_steps_as_runs(const char *guest, enum exec_mode mode,
			     uint64_t n, bool calls);

/* The guest run twice in mode to its end: the same events, byte for byte. */
void tl_assert_deterministic(const char *guest, enum exec_mode mode);

/*
 * What guest prints on qemu-system-i386 (tests/reference/qemu-run.sh with
 * flags, "" for none), and the script's exit status in *status (0: the
 * guest exited 0 through the debug-exit port; see the script).  QEMU is
 * slow to start: each guest and flags runs once per process, later calls
 * get the same answer (the string stays valid until tl_qemu_forget).
 */
const char *tl_qemu(const char *guest, const char *flags, int *status);
/*
 * The same as bytes, *len of them (NULs included, TL_QEMU_MAX at most):
 * flags "--serial-bytes N" stops QEMU when the guest has sent N bytes
 * (status 5), for a guest that would run for minutes.
 */
#define TL_QEMU_MAX (1 << 20)
const char *tl_qemu_bytes(const char *guest, const char *flags, size_t *len,
			  int *status);
void tl_qemu_forget(void);

/* A whole file into a malloc'd, NUL-terminated buffer (NULL on error). */
char *tl_slurp(const char *path, size_t *len);

/*
 * A program in a terminal, for the TUI's tests: a private tmux server
 * per start, a fixed size, keys by send-keys, the screen read by
 * capture-pane and polled (never a bare sleep), so a slow machine only
 * makes a test slower.  tl_tmux_screen holds the last capture.
 */
#define TL_TMUX_WAIT_MS 20000	/* sanitizers on a busy two-core machine */
extern char tl_tmux_screen[1 << 16];

/* A tmux command on the server (its output into tl_tmux_screen if keep). */
int tl_tmux(bool keep, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A new server running the shell command cmd in a COLSxROWS terminal. */
void tl_tmux_start(const char *cmd, int cols, int rows);
/* ./ringside ARGS in a COLSxROWS terminal, in the current directory;
 * "RINGSIDE-EXIT=status" is printed when it ends. */
void tl_tmux_play(const char *args, int cols, int rows);
/* Poll the screen until it shows text; fail with the screen if never. */
void tl_tmux_see(const char *text);
void tl_tmux_press(const char *keys);
void tl_tmux_stop(void);
/* Before a suite's tests: TEST_FILTER=name runs one; TL_SKIPPED if tmux
 * is not installed (tl_skip_suite), else 0. */
int tl_tmux_suite(void);
/* A cmocka teardown: the server stopped. */
int tl_tmux_teardown(void **state);

#endif
