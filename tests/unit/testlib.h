/*
 * testlib.h - helpers the unit tests share: run a guest and keep its
 * events, look up symbols in a guest ELF, run ringside as a process.
 */
#ifndef TESTLIB_H
#define TESTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cluster/ha.h"
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

/* ---- a VM paused by a full datastore (testlib_cluster.c) ---- */

#define TL_ROOM_SECTORS 16	/* the datastore's room: the 17th write pauses */

/* Two hosts of 2 pCPUs sharing datastore san0, in a new world *s. */
struct cluster *tl_two_hosts(struct sim **s);
/* Events of kind whose op (disk) or action (cluster, drs, ha) is op. */
size_t tl_count_op(struct sim *s, enum event_kind kind, int op);
/* Writes of sector lba that reached the disk file. */
size_t tl_writes_of(struct sim *s, uint32_t lba);
/* EV_POWER events for reason why. */
size_t tl_count_power(struct sim *s, enum power_reason why);
/*
 * diskfill ("fill", hw) on host 0, its 1 MiB disk with room for
 * TL_ROOM_SECTORS: run until the write after them pauses it.  Its id.
 */
int tl_paused_vm(struct sim *s, struct cluster *c);
/* Retry with room: the held sector is stored once, the guest goes on. */
void tl_retry_stores_once(struct sim *s, struct vm *live);
/* Run diskfill to its end: every sector written once and read back. */
void tl_run_to_the_end(struct sim *s, struct vm *live);

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
 * In a forked child about to exec ringside for a memory measurement:
 * ASan (make test SAN=1) keeps what is freed for a while, its quarantine;
 * cut it to 8 MiB so peak memory follows what the program holds.
 * Without ASan the option is ignored.
 */
void tl_child_small_quarantine(void);

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
/* A cmocka group teardown: tl_qemu_forget. */
int tl_qemu_teardown(void **state);

/*
 * The hostile guests' helpers (testlib_hostile.c).
 *
 * A hostile guest (build/guests/NAME.elf, from tests/guests/NAME.S) and
 * how it must end in every mode: its last power event, within bound
 * instructions (TL_STILL_ON: the bound stopped it, the VM still on).
 */
#define TL_STILL_ON POWER_REASON_COUNT
struct tl_hostile {
	const char *guest;		/* NAME */
	uint64_t bound;			/* instructions at most */
	enum power_reason end;		/* how the VM ends (or TL_STILL_ON) */
	uint32_t status;		/* exit code, or the address touched */
	bool check_status;
	bool qemu;			/* serial output and end as on QEMU */
};

/* The modes' names as the command line spells them, by enum exec_mode. */
extern const char *const tl_modes[];

/* Run h's guest in mode to its end or its bound, which it must reach as
 * h says (fails the test if not); the caller tl_free()s r. */
void tl_hostile_run(const struct tl_hostile *h, enum exec_mode mode,
		    struct tl_run *r);
/* The same, and the guest printed serial (NULL: anything). */
void tl_hostile_expect(const struct tl_hostile *h, enum exec_mode mode,
		       const char *serial);
/* h ends on QEMU as h says it ends under ringside (qemu-run.sh's status:
 * 0 for the debug-exit port written 0, 3 for another value, 4 for a
 * triple fault). */
void tl_ends_as_on_qemu(const struct tl_hostile *h);
/* h in te, bt and hw; if h->qemu, with QEMU's output and end. */
void tl_hostile_check(const struct tl_hostile *h);

/* QEMU's output for build/guests/NAME.elf (tl_qemu, no flags), and
 * qemu-run.sh's status in *end. */
const char *tl_qemu_ran(const char *name, int *end);
const char *tl_qemu_says(const char *name);

/* The run's no-memory traps (the VMM's, for memory that does not exist):
 * loads (access 0), stores (1) or fetches (2) at addresses in [lo, hi]. */
size_t tl_no_memory(const struct tl_run *r, uint32_t access, uint32_t lo,
		    uint32_t hi);
/*
 * Each of the run's no-memory traps is the fault a real VMM takes there in
 * mode m: under te and bt the truncated segment's #GP in the VMM's area
 * and a #PF past RAM; under hw (2006 VT-x, no EPT) a VM exit, reason 0
 * (exception or NMI) for the #PF its shadow page tables give, wherever
 * the address (SDM vol. 3C 25.2, the exception bitmap; table C-1).
 */
void tl_no_memory_faults(enum exec_mode m, const struct tl_run *r);

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

/*
 * An HA cluster under test (sim/cluster/ha*.c): HA, its event log, the
 * VMs' names.  tl_ha_setup creates it (cfg NULL: the defaults);
 * tl_ha_add_hosts adds hosts "host-10".."host-<9+n>" with equal
 * datastores and size; tl_ha_add_vm adds a VM "vm<i>" and powers it on;
 * tl_ha_three_hosts sets up three hosts and runs to the election of
 * host-12 (the highest moid) at T15.  tl_ha_when gives the time in whole
 * seconds of the n-th EV_HA event with this action, host and VM (HA_NONE:
 * any), -1 if there is none; tl_ha_count counts the events of an action.
 */
struct tl_ha {
	struct ha *ha;
	struct event_log *log;
	char names[128][12];
};
void tl_ha_setup(struct tl_ha *w, const struct ha_config *cfg);
void tl_ha_teardown(struct tl_ha *w);
void tl_ha_add_hosts(struct tl_ha *w, uint32_t n, uint32_t mhz, uint32_t mb);
uint32_t tl_ha_add_vm(struct tl_ha *w, uint32_t host, enum ha_priority p,
		      enum ha_isolation iso);
void tl_ha_three_hosts(struct tl_ha *w, const struct ha_config *cfg);
long tl_ha_when(const struct tl_ha *w, enum ha_action a, uint32_t host,
		uint32_t vm, int n);
int tl_ha_count(const struct tl_ha *w, enum ha_action a);

#endif
