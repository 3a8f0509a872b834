/*
 * bt.h - binary translation: VMware's answer to the x86 holes.
 *
 * Trap-and-emulate fails on x86 because eighteen sensitive instructions do
 * not trap.  VMware's VMM (Adams & Agesen, ASPLOS 2006; Bugnion et al.,
 * TOCS 2012) therefore never runs guest *kernel* code as it is: it
 * translates it first, a "translation unit" of at most 12 instructions (or
 * up to the first control transfer) at a time, into a "fragment" in a
 * translation cache (TC) that the CPU really executes:
 *
 *   IDENT      innocuous instructions are copied unchanged - most code;
 *   non-IDENT  privileged and sensitive instructions become a *callout* to
 *              the VMM, which does what ring-0 hardware would from the
 *              virtual state (no trap, no wrong answer); control transfers
 *              are rewritten so they stay inside the TC: a direct jump goes
 *              to the translation of its target, a call pushes the *guest*
 *              return address; indirect ones ask the VMM where to go.
 *
 * Fragments are chained: a jump to an untranslated target first calls the
 * VMM, which translates the target and patches the jump to go straight
 * there next time.  The TC lives in the VMM's area at the top of the
 * address space, out of the guest's (truncated) segments.  When the guest
 * writes to code that has been translated, the units holding the written
 * bytes are dropped, and translated again when next reached (bt_smc.c).
 *
 * Guest *user* code runs directly on the CPU (direct execution) whenever
 * that is safe: ring 3, interrupts on, IOPL below 3 (Bugnion et al.).
 */
#ifndef SIM_BT_H
#define SIM_BT_H

#include <stdint.h>

#include "vmm/vcpu.h"

struct vmm_target;

#define BT_UNIT_MAX 12		/* instructions per translation unit */
#define BT_TC_OFF   0x100000u	/* the TC: VMM_BASE + 1 MiB ... */
#define BT_TC_SIZE  0x300000u	/* ... to the top of the VMM's area */

/* How a translation unit ends (EV_TRANSLATE). */
enum unit_end {
	UNIT_LIMIT = 0,		/* 12 instructions, no control transfer */
	UNIT_JUMP,		/* direct JMP */
	UNIT_BRANCH,		/* Jcc, LOOP, JECXZ: two successors */
	UNIT_CALL,		/* direct CALL */
	UNIT_INDIRECT,		/* RET, JMP/CALL through a register or memory */
	UNIT_VMM,		/* far transfer, INT, IRET, HLT...: the VMM */
	UNIT_END_COUNT
};

const char *unit_end_name(enum unit_end e);

/* Why the VMM switched between translation and direct execution. */
enum mode_reason {
	MODE_WHY_KERNEL = 0,	/* guest kernel code: translate */
	MODE_WHY_USER,		/* user code, interrupts on: run it directly */
	MODE_WHY_USER_IF_OFF,	/* user code with interrupts off: translate */
	MODE_WHY_USER_IOPL3,	/* user code with IOPL 3: translate */
	MODE_WHY_SEGMENT,	/* code segment not flat: trap-and-emulate */
	MODE_REASON_COUNT
};

const char *mode_reason_name(enum mode_reason r);

/* Translation cache statistics (the --compare table). */
struct bt_stats {
	uint64_t units;		/* translation units translated */
	uint64_t ident;		/* instructions copied unchanged */
	uint64_t non_ident;	/* instructions rewritten */
	uint64_t lookups;	/* guest address -> fragment lookups */
	uint64_t hits;		/* ... found already translated */
	uint64_t chains;	/* jumps patched to go fragment to fragment */
	uint64_t flushes;	/* whole-TC invalidations */
	uint64_t invalidations;	/* guest stores to translated code */
	uint64_t dropped;	/* units dropped by them (bt_smc.c) */
	uint32_t tc_used;	/* bytes of the TC in use */
};

/* One guest instruction inside a fragment, for the translation view. */
struct bt_view_insn {
	uint32_t guest;		/* its guest address */
	uint32_t tc;		/* where its translation starts (absolute) */
	uint16_t tc_len;
	uint8_t ident;		/* copied unchanged */
	uint8_t callout;	/* became a call into the VMM */
};

/* A fragment as the TUI shows it: the guest unit beside its translation. */
struct bt_view {
	uint32_t guest, guest_len;
	uint32_t tc, tc_len;		/* absolute addresses */
	int n;
	enum unit_end end;
	struct bt_view_insn insn[BT_UNIT_MAX];
	const uint8_t *tc_bytes;	/* tc_len bytes (valid until the TC changes) */
};

struct bt;

int bt_create(struct vcpu *v, struct bt **out);
void bt_destroy(struct bt *bt);

/*
 * The guest is about to run guest-view target t: decide between direct
 * execution and translation, translating t->eip if needed, and rewrite the
 * real CS and EIP accordingly.  Emits EV_MODE when the mode changes.
 */
void bt_place(struct vcpu *v, const struct vmm_target *t, uint16_t *cs,
	      uint32_t *eip);

/*
 * Continue the guest at guest address target, same CS, at its translation
 * (nothing there: the VMM runs it, vmm_guard.c).  From a hook, or between
 * runs.
 */
void bt_jump_guest(struct vcpu *v, uint32_t target);

/* The guest address a TC address stands for (EIP itself outside the TC). */
uint32_t bt_guest_eip(struct vcpu *v, uint32_t eip);

/* An exception or INT raised while running translated code. */
void bt_exception(struct vcpu *v, int vector, uint32_t error, uint32_t eip);

/* The accounting view of a CPU block inside the TC (see vmm.c lookup()). */
const struct block *bt_block(struct vcpu *v, uint32_t addr, uint32_t size);

/*
 * A guest store (or the VMM's for the guest) of len bytes at addr, in a
 * chunk of guest memory that holds code: if it overlaps a translated
 * unit, stop the run soon, and drop that unit at bt_settle (bt_smc.c).
 */
void bt_code_written(struct vcpu *v, uint32_t addr, uint32_t len);

/*
 * Between runs: drop the units whose guest bytes were written (EV_INVALIDATE)
 * and re-place the guest.
 */
void bt_settle(struct vcpu *v);

/*
 * Step one guest instruction of translated code on the step engine.
 * Returns SIM_OK or SIM_EINTERNAL.
 */
int bt_step(struct vcpu *v);

void bt_get_stats(const struct bt *bt, struct bt_stats *out);

/* Changes whenever accounting views of TC blocks are retired. */
const uint64_t *bt_view_generation(const struct bt *bt);

/* The fragment translating guest address `guest`, if there is one. */
int bt_view(struct bt *bt, uint32_t guest, struct bt_view *out);

/* Snapshots for history.c: the whole TC and its index. */
struct bt_state;
int bt_state_save(const struct bt *bt, struct bt_state **out);
void bt_state_load(struct vcpu *v, const struct bt_state *st);
void bt_state_free(struct bt_state *st);

#endif
