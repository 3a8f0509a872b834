/*
 * session.h - one simulated world as the TUI drives it: step it, run it,
 * take it back, and remember what the last instruction did.
 *
 * The session owns the world (struct sim), its history (checkpoints for
 * stepping back) and one subscription to its events.  It knows nothing of
 * curses: the TUI's commands call it, and so can tests and, later, Lua.
 *
 * Going back uses the simulator's determinism (history.h): the world is
 * put back to the last checkpoint before the target and run forward again,
 * so "back N, forward N" lands on the identical state.  The session uses
 * the same trick to stop *before* an instruction although events arrive
 * only *after* one has run: it notes the position, and seeks back to it.
 */
#ifndef VISUAL_SESSION_H
#define VISUAL_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "cpu/disasm.h"
#include "event.h"
#include "sim.h"

/* What one executed instruction did: its event and what came with it. */
struct step_record {
	bool valid;		/* false: nothing has run yet */
	struct event insn;	/* its EV_INSN: eip, bytes, class, path, rings */
	uint16_t op;		/* enum x86_op, decoded from the bytes */
	char text[X86_TEXT_MAX];	/* capstone's text ("cli") */
	bool has_trap;		/* the VMM took a trap on it ... */
	struct event trap;	/* ... this one */
	bool has_io;		/* it reached a device ... */
	struct event io;	/* ... this access (the last, for rep) */
	bool has_ring;		/* the guest changed rings ... */
	struct event ring;	/* ... so */
};

/*
 * The registers a student compares: the real CPU's (the VMM's truth) and
 * the virtual CPU's (what the guest believes).
 */
struct regs {
	bool valid;
	uint32_t gpr[8];	/* EAX ECX EDX EBX ESP EBP ESI EDI */
	uint32_t eip, eflags;	/* real: under binary translation EIP is in
				   the VMM's translation cache */
	uint32_t geip;		/* the guest's EIP (the address it runs) */
	uint16_t seg[6];	/* ES CS SS DS FS GS, real selectors */
	uint32_t cr[5];		/* CR0, (CR1 unused), CR2, CR3, CR4 */
	struct cpu_table_reg gdtr, idtr, ldtr, tr;
	int cpl;		/* real privilege level */
	/* the guest's view, kept by the VMM (vcpu.h) */
	uint16_t vcs;		/* CS with RPL = the ring it believes */
	uint32_t veflags;	/* EFLAGS with the virtual IF and IOPL */
	uint32_t vcr[5];
	uint32_t vgdt_base, vidt_base;
	uint16_t vgdt_limit, vidt_limit, vldtr, vtr;
	int vring;
};

/* Why a run returned. */
enum run_stop {
	RUN_DONE = 0,		/* ran the instructions asked for */
	RUN_TRAP,		/* stopped after a trap or port access */
	RUN_BREAK,		/* stopped before an instruction asked for */
	RUN_OFF,		/* the VM is off or halted: nothing can run */
	RUN_ERROR		/* the simulator failed (message in err) */
};

/* Decides, after an instruction ran, whether to stop *before* it. */
typedef bool session_stop_fn(void *ctx, const struct event *insn);

struct run_opts {
	bool record;		/* keep the last instruction (EV_INSN on: slower) */
	bool stop_on_trap;	/* stop right after an EV_TRAP or EV_IO */
	session_stop_fn *stop_before;	/* or NULL */
	void *ctx;
	/*
	 * Never stop before the first instruction: a run that starts on a
	 * breakpoint must be able to leave it.
	 */
	bool skip_first;
};

#define SESSION_MAX_BREAKS 32
#define SESSION_GUEST_MAX 4096

struct session {
	struct sim *sim;
	struct history *hist;		/* NULL for an attached world */
	bool attached;			/* the world is someone else's (a scenario) */
	int focus;			/* id of the VM the views show */
	int shown_vcpu;			/* ... and which of its vCPUs (CPU view) */
	struct vm_config cfg;		/* how the VM was made (for restart) */
	enum host_kind kind;		/* ... on what kind of host */
	char guest[SESSION_GUEST_MAX];	/* cfg.guest points here */
	int sub;			/* event subscription, -1 if none */
	unsigned sub_mask;		/* its kinds */

	struct step_record last;	/* the focused VM's instruction run last */
	/* every other VM's, as watched runs saw them (by VM id) */
	struct step_record last_of[SIM_MAX_VMS];
	uint64_t last_gen;		/* bumped whenever `last` changes */
	struct regs prev, now;		/* before and after the last command */

	uint32_t brk[SESSION_MAX_BREAKS];	/* address breakpoints */
	int nbrk;
	unsigned brk_classes;		/* bit per enum insn_class */

	/* bookkeeping of the run in progress (session.c) */
	struct {
		bool active;		/* a run is in progress */
		struct run_opts opts;
		uint64_t pos0, count;	/* start, EV_INSN seen since */
		bool stopping;		/* a stop was asked for ... */
		bool overshoot;		/* ... and instructions ran past it */
		uint64_t stop_pos;	/* ... to land at this position */
		enum run_stop stop_why;	/* ... for this reason */
		struct step_record rec;	/* the latest instruction */
	} run;
	char err[256];			/* the last failure, in words */

	/*
	 * Exploring a scenario's world at a pause (session_explore.c): the
	 * history that lets the student go back, and the world as the
	 * lesson left it, to come back to.
	 */
	uint64_t hist_start;		/* nothing before this can be reached */
	/* the tape: the focused VM's last tape_cap instructions (a ring) */
	struct step_record *tape;
	int tape_cap, tape_len, tape_head;
	struct {
		bool on;
		uint64_t pos;		/* where the lesson was */
		struct step_record last;
		struct regs now, prev;
	} explore;
};

/*
 * Create a world with one VM from cfg (cfg->guest is copied) and start its
 * history.  On failure returns a status and writes a one-line message.
 */
int session_create(const struct vm_config *cfg, struct session **out,
		   char *err, int errlen);
void session_destroy(struct session *s);

/*
 * A session over a world made elsewhere (a Lua scenario's), showing VM
 * `vm`, which must run a guest.  The caller keeps the world; there is no
 * history, so nothing can go back in time (back, breakpoints, restart).
 */
int session_attach(struct sim *sim, struct vm *vm, struct session **out,
		   char *err, int errlen);

/*
 * Show another VM (one running a guest) of the same world.  Its last
 * instruction comes back if a watched run saw it: the views describe the
 * VM on screen, never another one (events of other VMs are kept apart).
 */
void session_focus(struct session *s, struct vm *vm);

/* The ids of the VMs that can be shown (they run a guest), in order. */
int session_vms_shown(struct session *s, int *ids, int max);

/*
 * The world ran without the session (a scenario's run): read the
 * registers again, and forget the last instruction, which it did not see.
 */
void session_refresh(struct session *s);

/*
 * Start again from power-on with another execution mode.  If the new
 * world cannot be made (the mode is not built yet), the old one is kept
 * and err says why.
 */
int session_restart(struct session *s, enum exec_mode mode, char *err,
		    int errlen);

/*
 * Start again from power-on on another kind of host (ESX or hosted), in
 * the same mode.  Refused for a scenario's world.
 */
int session_set_host_kind(struct session *s, enum host_kind kind,
			  char *err, int errlen);

struct vm *session_vm(struct session *s);
struct vcpu *session_vcpu(struct session *s);
bool session_vm_running(struct session *s);
uint64_t session_position(struct session *s);	/* instructions run */

/* Run at most n instructions; *why says why it returned. */
int session_run(struct session *s, uint64_t n, const struct run_opts *o,
		enum run_stop *why);

/* Run exactly one instruction, keeping its record. */
int session_step(struct session *s, enum run_stop *why);

/* Go back n instructions (to the start at most), keeping the record. */
int session_back(struct session *s, uint64_t n);

/* Go to instruction position pos (forwards or backwards). */
int session_seek(struct session *s, uint64_t pos);

/* Fill `last` for the current position (after a run that did not record). */
int session_recover_last(struct session *s);

/* Read the registers now (the model is not changed). */
void session_read_regs(struct session *s, struct regs *out);

/*
 * Decode the guest instruction at addr from guest RAM without touching any
 * cache.  Returns false if addr is outside RAM or the bytes do not decode.
 */
bool session_decode(struct session *s, uint32_t addr,
		    struct x86_instruction *out);
void session_insn_text(struct session *s, const struct x86_instruction *x,
		       char *buf, size_t size);

/*
 * The execution mode an instruction runs under, as the code pane shows it:
 * in full ("bt non-IDENT") or short for narrow panes ("rewr.").
 */
const char *session_mode_label(struct session *s, uint32_t addr, int cls,
			       bool wide);

/*
 * Exploring a scenario's world (it has no history of its own): begin
 * takes a checkpoint where the lesson is, so the student can step, go
 * back (to that point at most), run to a trap; end puts the world back
 * exactly where the lesson left it (events too), and the lesson goes on.
 */
int session_explore_begin(struct session *s);
int session_explore_end(struct session *s);

/*
 * The tape: while on, watched runs keep the focused VM's last n
 * instructions (with what each did), so a player can replay them hop by
 * hop after a fast run (run{animate=N}).  take copies them out, oldest
 * first, and stops the tape; returns how many.
 */
int session_tape_start(struct session *s, int n);
int session_tape_take(struct session *s, struct step_record *out, int max);

/* Show a record as the last instruction (a replay); the world is unchanged. */
void session_show(struct session *s, const struct step_record *r);

/* Breakpoints.  Toggle returns true if the address now has one. */
bool session_break_toggle(struct session *s, uint32_t addr);
bool session_break_at(const struct session *s, uint32_t addr);
void session_break_clear(struct session *s);

#endif
