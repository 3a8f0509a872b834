/*
 * session.c - driving one simulated world for the TUI (see session.h).
 *
 * Events arrive through one subscription.  Between runs it asks only for
 * the rare kinds (traps, port accesses, ring changes); during a run that
 * must see every instruction it adds EV_INSN, which makes the simulator
 * call back once per instruction (about 17 times slower on a tight loop,
 * so free running never asks for it).
 *
 * Stopping "before" an instruction: the callback sees the instruction only
 * after it ran.  It notes the position (instructions run so far), asks the
 * world to stop, and once the run has returned the session *lands* there:
 * history_seek to one instruction earlier, then one recorded step, so the
 * record of the last instruction and the world agree exactly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "session.h"
#include "status.h"
#include "trace.h"
#include "vm.h"

/*
 * Instructions between checkpoints (history.h).  Going back replays at
 * most this many instructions: a few milliseconds for ordinary code, up
 * to a second or so for code doing port I/O all the time.  Each checkpoint
 * copies every guest page ever written (about 1 MiB for the bundled
 * guests, 1-3 ms): at one per million instructions, free running went at
 * a fifth of headless speed; at one per ten million, at about half
 * (make bench).
 */
#define SESSION_INTERVAL 10000000u

/* Instructions of other VMs a step may run before the focused VM's. */
#define STEP_SEARCH 20000

#define BASE_MASK (EVENT_MASK(EV_TRAP) | EVENT_MASK(EV_IO) | \
		   EVENT_MASK(EV_RING))
#define ALL_MASK (BASE_MASK | EVENT_MASK(EV_INSN))

/* ---- events ------------------------------------------------------------- */

static void stop_at(struct session *s, uint64_t pos)
{
	s->run.stopping = true;
	s->run.stop_pos = pos;
	sim_request_stop(s->sim);
}

/*
 * An instruction begins a new step record (its trap, I/O and ring switch
 * follow); with a tape running (animate), the record goes on it too.
 */
static void begin_record(struct session *s, struct step_record *r,
			 const struct event *ev)
{
	memset(r, 0, sizeof *r);
	r->valid = true;
	r->insn = *ev;
	if (s->tape) {
		s->tape_head = (s->tape_head + 1) % s->tape_cap;
		s->tape_len += s->tape_len < s->tape_cap;
		s->tape[s->tape_head] = *r;
	}
}

/*
 * A trap event of the latest instruction.  An exception the VMM injects
 * (after the trap, the callout or the VM exit that brought it the
 * instruction) is the answer, not how the VMM got control: the record
 * keeps the way in, which the explanation gives.
 */
static void record_trap(struct step_record *r, const struct event *ev)
{
	if (r->has_trap && ev->u.trap.action == TRAP_INJECTED)
		return;
	r->has_trap = true;
	r->trap = *ev;
}

/*
 * The last instruction of a VM the views do not show: kept as it comes,
 * so that showing that VM later (session_focus) can explain it at once.
 */
static void note_other(struct session *s, const struct event *ev)
{
	struct step_record *r;

	if (ev->vm >= SIM_MAX_VMS)
		return;
	r = &s->last_of[ev->vm];
	switch (ev->kind) {
	case EV_INSN:
		begin_record(s, r, ev);
		break;
	case EV_TRAP:
		record_trap(r, ev);
		break;
	case EV_IO:
		r->has_io = true;
		r->io = *ev;
		break;
	case EV_RING:
		r->has_ring = true;
		r->ring = *ev;
		break;
	default:
		break;
	}
}

static void on_event(void *ctx, const struct event *ev)
{
	struct session *s = ctx;
	struct step_record *r = &s->run.rec;

	if (!s->run.active)
		return;	/* replaying (seek): nothing to note */
	if (ev->kind == EV_INSN)
		s->run.count++;		/* positions count every VM's */
	if (ev->vm != s->focus) {
		note_other(s, ev);	/* another VM: its own last instruction */
		return;
	}
	switch (ev->kind) {
	case EV_INSN:
		if (s->run.stopping) {
			s->run.overshoot = true;	/* undone by landing */
			return;
		}
		if (s->run.opts.stop_before &&
		    (s->run.count > 1 || !s->run.opts.skip_first) &&
		    s->run.opts.stop_before(s->run.opts.ctx, ev)) {
			s->run.stop_why = RUN_BREAK;
			stop_at(s, s->run.pos0 + s->run.count - 1);
			return;
		}
		begin_record(s, r, ev);
		break;
	case EV_TRAP:
	case EV_IO:
	case EV_RING:
		/*
		 * What happened to the latest instruction.  After a stop
		 * *before* an instruction, events are that instruction's: not
		 * recorded.  After a stop on a trap, the same instruction may
		 * still report more (binary translation: the I/O, then the
		 * callout that made it).
		 */
		if (s->run.overshoot ||
		    (s->run.stopping && s->run.stop_why == RUN_BREAK))
			return;
		if (ev->kind == EV_TRAP) {
			record_trap(r, ev);
		} else if (ev->kind == EV_IO) {
			r->has_io = true;
			r->io = *ev;
		} else {
			r->has_ring = true;
			r->ring = *ev;
		}
		if (s->tape && s->tape_len > 0)
			s->tape[s->tape_head] = *r;
		if (ev->kind != EV_RING && s->run.opts.stop_on_trap &&
		    !s->run.stopping) {
			s->run.stop_why = RUN_TRAP;
			stop_at(s, s->run.pos0 + s->run.count);
		}
		break;
	default:
		break;
	}
}

static void set_mask(struct session *s, unsigned mask)
{
	struct event_log *log = sim_events(s->sim);

	if (s->sub >= 0 && s->sub_mask == mask)
		return;
	if (s->sub >= 0)
		event_log_unsubscribe(log, s->sub);
	s->sub = event_log_subscribe(log, mask, on_event, s);
	s->sub_mask = mask;
}

/* Decode the record's bytes once, after the run (never in the callback). */
static void set_last(struct session *s, const struct step_record *r)
{
	struct x86_instruction x;

	s->last = *r;
	s->last.op = X86_OP_OTHER;
	s->last.text[0] = '\0';
	if (r->valid &&
	    disasm_decode(sim_disasm(s->sim), r->insn.u.insn.bytes,
			  r->insn.u.insn.len, r->insn.u.insn.eip, &x) == SIM_OK) {
		s->last.op = x.op;
		disasm_text(sim_disasm(s->sim), &x, s->last.text,
			    sizeof s->last.text);
	}
	s->last_gen++;
}

void session_show(struct session *s, const struct step_record *r)
{
	set_last(s, r);
}

int session_tape_start(struct session *s, int n)
{
	free(s->tape);
	s->tape = calloc((size_t)n, sizeof *s->tape);
	s->tape_cap = s->tape ? n : 0;
	s->tape_len = 0;
	s->tape_head = n - 1;
	return s->tape ? SIM_OK : SIM_ENOMEM;
}

int session_tape_take(struct session *s, struct step_record *out, int max)
{
	int n = s->tape_len < max ? s->tape_len : max;

	for (int i = 0; i < n; i++)
		out[i] = s->tape[(s->tape_head - n + 1 + i + s->tape_cap) % s->tape_cap];
	free(s->tape);
	s->tape = NULL;
	s->tape_cap = s->tape_len = 0;
	return n;
}

static void forget_last(struct session *s)
{
	struct step_record none = { .valid = false };

	set_last(s, &none);
}

/* ---- running ------------------------------------------------------------- */

static int fail(struct session *s, int rc, const char *what)
{
	if (rc == SIM_ESTATE && s->hist && history_refusal(s->hist)[0])
		snprintf(s->err, sizeof s->err, "%s", history_refusal(s->hist));
	else
		snprintf(s->err, sizeof s->err, "%s failed: %s", what,
			 sim_strerror(rc));
	return rc;
}

/* history_run with the bookkeeping on; the caller reads s->run after. */
static int raw_run(struct session *s, uint64_t n, const struct run_opts *o)
{
	bool insns = o->record || o->stop_on_trap || o->stop_before;
	enum sim_stop ss;
	int rc;

	set_mask(s, insns ? ALL_MASK : BASE_MASK);
	memset(&s->run, 0, sizeof s->run);
	s->run.active = true;
	s->run.opts = *o;
	s->run.pos0 = session_position(s);
	rc = s->hist ? history_run(s->hist, n, &ss) : sim_run(s->sim, n, &ss);
	s->run.active = false;
	set_mask(s, BASE_MASK);
	return rc;
}

/*
 * Put the world at position pos, with `last` describing instruction number
 * pos (the one that brought it there): seek to pos - 1, then step once,
 * recorded.
 */
static int land(struct session *s, uint64_t pos)
{
	struct run_opts rec = { .record = true };
	int rc;

	if (s->hist == NULL) {
		snprintf(s->err, sizeof s->err,
			 "a scenario's world cannot go back in time");
		return SIM_ESTATE;
	}

	if (s->explore.on && pos <= s->hist_start) {
		/* back where the student began exploring: the lesson's state */
		rc = history_seek(s->hist, s->hist_start);
		s->last = s->explore.last;
		s->last_gen++;
		return rc == SIM_OK ? rc : fail(s, rc, "going back");
	}
	if (pos == 0) {
		rc = history_seek(s->hist, 0);
		forget_last(s);
		return rc == SIM_OK ? rc : fail(s, rc, "going back");
	}
	set_mask(s, BASE_MASK);
	rc = history_seek(s->hist, pos - 1);
	if (rc != SIM_OK)
		return fail(s, rc, "going back");
	rc = raw_run(s, 1, &rec);
	if (rc != SIM_OK)
		return fail(s, rc, "stepping");
	if (s->run.rec.valid)
		set_last(s, &s->run.rec);
	else
		forget_last(s);
	return SIM_OK;
}

int session_run(struct session *s, uint64_t n, const struct run_opts *o,
		enum run_stop *why)
{
	bool insns = o->record || o->stop_on_trap || o->stop_before;
	int rc;

	*why = RUN_DONE;
	session_read_regs(s, &s->prev);
	if (!session_vm_running(s)) {
		*why = RUN_OFF;
		return SIM_OK;
	}
	rc = raw_run(s, n, o);
	if (rc != SIM_OK) {
		*why = RUN_ERROR;
		fail(s, rc, "running");
	} else if (s->run.stopping) {
		*why = s->run.stop_why;
		if (session_position(s) != s->run.stop_pos)
			rc = land(s, s->run.stop_pos);
		else
			set_last(s, &s->run.rec);
	} else {
		if (insns && s->run.rec.valid)
			set_last(s, &s->run.rec);
		else if (!insns)
			forget_last(s);		/* unknown: see recover_last */
	}
	/* the last instruction may have powered the VM off (debug-exit) */
	if (*why != RUN_ERROR && !session_vm_running(s))
		*why = RUN_OFF;
	session_read_regs(s, &s->now);
	return rc;
}

/*
 * One instruction of the VM on screen.  In a world of several VMs the
 * next instruction of the world may be another VM's (the VMKernel
 * schedules them all): run the world one instruction at a time until the
 * focused VM has run one, or STEP_SEARCH have gone by (it is blocked).
 */
int session_step(struct session *s, enum run_stop *why)
{
	struct run_opts rec = { .record = true };
	struct regs before;
	int rc = SIM_OK;

	session_read_regs(s, &before);
	for (int i = 0; i < STEP_SEARCH; i++) {
		rc = session_run(s, 1, &rec, why);
		if (rc != SIM_OK || *why != RUN_DONE || s->run.rec.valid)
			break;
	}
	s->prev = before;
	return rc;
}

int session_seek(struct session *s, uint64_t pos)
{
	int rc;

	session_read_regs(s, &s->prev);
	rc = land(s, pos);
	session_read_regs(s, &s->now);
	return rc;
}

/*
 * Back n instructions, not before the history's start.  In a world of
 * several VMs, going on back until the instruction landed on is the
 * focused VM's (a few at most: the scheduler interleaves quanta).
 */
int session_back(struct session *s, uint64_t n)
{
	uint64_t pos = session_position(s), floor = s->hist_start;
	int rc;

	rc = session_seek(s, pos > floor + n ? pos - n : floor);
	for (int i = 0; rc == SIM_OK && i < STEP_SEARCH && !s->last.valid &&
			session_position(s) > floor; i++)
		rc = session_seek(s, session_position(s) - 1);
	return rc;
}

int session_recover_last(struct session *s)
{
	return land(s, session_position(s));
}

/* ---- the world ----------------------------------------------------------- */

static int build(const struct vm_config *cfg, enum host_kind kind,
		 struct sim **sim, struct history **h, char *err, int errlen)
{
	char msg[GUEST_ERR_MAX];
	struct host_config hc = {
		.name = kind == HOST_HOSTED ? "desktop" : "esx0", .kind = kind
	};
	struct vm_config c = *cfg;
	struct vm *vm;
	int rc;

	*sim = NULL;
	*h = NULL;
	rc = sim_create(NULL, sim);
	if (rc != SIM_OK) {
		snprintf(err, (size_t)errlen, "cannot create the world: %s",
			 sim_strerror(rc));
		return rc;
	}
	c.host = NULL;		/* the one host made here */
	rc = sim_add_host(*sim, &hc, NULL, msg);
	if (rc == SIM_OK)
		rc = sim_add_vm(*sim, &c, &vm, msg);
	if (rc != SIM_OK) {
		snprintf(err, (size_t)errlen, "%s", msg);
		goto out_destroy_sim;
	}
	rc = history_create(*sim, SESSION_INTERVAL, 0, h);
	if (rc != SIM_OK) {
		snprintf(err, (size_t)errlen, "cannot record history: %s",
			 sim_strerror(rc));
		goto out_destroy_sim;
	}
	return SIM_OK;

out_destroy_sim:
	sim_destroy(*sim);
	*sim = NULL;
	return rc;
}

int session_create(const struct vm_config *cfg, struct session **out,
		   char *err, int errlen)
{
	struct session *s = calloc(1, sizeof *s);
	int rc;

	if (s == NULL) {
		snprintf(err, (size_t)errlen, "out of memory");
		return SIM_ENOMEM;
	}
	s->cfg = *cfg;
	snprintf(s->guest, sizeof s->guest, "%s", cfg->guest ? cfg->guest : "");
	s->cfg.guest = s->guest;
	s->sub = -1;
	rc = build(&s->cfg, s->kind, &s->sim, &s->hist, err, errlen);
	if (rc != SIM_OK) {
		free(s);
		return rc;
	}
	set_mask(s, BASE_MASK);
	forget_last(s);
	session_read_regs(s, &s->now);
	s->prev = s->now;
	*out = s;
	return SIM_OK;
}

void session_destroy(struct session *s)
{
	if (s == NULL)
		return;
	history_destroy(s->hist);
	free(s->tape);
	if (s->sub >= 0)
		event_log_unsubscribe(sim_events(s->sim), s->sub);
	if (!s->attached)
		sim_destroy(s->sim);
	free(s);
}

int session_attach(struct sim *sim, struct vm *vm, struct session **out,
		   char *err, int errlen)
{
	struct session *s = calloc(1, sizeof *s);

	if (s == NULL) {
		snprintf(err, (size_t)errlen, "out of memory");
		return SIM_ENOMEM;
	}
	s->sim = sim;
	s->attached = true;
	s->cfg = vm->cfg;
	s->sub = -1;
	s->focus = vm->id;
	set_mask(s, BASE_MASK);
	forget_last(s);
	session_read_regs(s, &s->now);
	s->prev = s->now;
	*out = s;
	return SIM_OK;
}

void session_refresh(struct session *s)
{
	s->prev = s->now;
	session_read_regs(s, &s->now);
	if (s->last.valid)
		forget_last(s);
}

void session_focus(struct session *s, struct vm *vm)
{
	if (vm->id == s->focus)
		return;
	if (s->focus < SIM_MAX_VMS)
		s->last_of[s->focus] = s->last;
	s->focus = vm->id;
	s->shown_vcpu = 0;
	s->cfg = vm->cfg;
	/* what this VM ran last, if a watched run saw it */
	set_last(s, &s->last_of[vm->id]);
	session_read_regs(s, &s->now);
	s->prev = s->now;
}

int session_vms_shown(struct session *s, int *ids, int max)
{
	int n = 0;

	for (int i = 0; i < sim_vm_count(s->sim) && n < max; i++)
		if (!sim_vm(s->sim, i)->modelled)
			ids[n++] = i;
	return n;
}

int session_restart(struct session *s, enum exec_mode mode, char *err,
		    int errlen)
{
	struct vm_config cfg = s->cfg;
	struct sim *sim;
	struct history *h;
	int rc;

	if (s->attached) {
		snprintf(err, (size_t)errlen,
			 "the scenario made this world: it cannot be restarted");
		return SIM_ESTATE;
	}
	cfg.mode = mode;
	rc = build(&cfg, s->kind, &sim, &h, err, errlen);
	if (rc != SIM_OK)
		return rc;	/* the old world goes on */
	history_destroy(s->hist);
	sim_destroy(s->sim);
	s->sim = sim;
	s->hist = h;
	s->cfg = cfg;
	s->sub = -1;
	set_mask(s, BASE_MASK);
	forget_last(s);
	session_read_regs(s, &s->now);
	s->prev = s->now;
	return SIM_OK;
}

int session_set_host_kind(struct session *s, enum host_kind kind,
			  char *err, int errlen)
{
	enum host_kind old = s->kind;
	int rc;

	if (s->attached) {
		snprintf(err, (size_t)errlen,
			 "the scenario chose this world's hosts: it cannot be rebuilt");
		return SIM_ESTATE;
	}
	s->kind = kind;
	rc = session_restart(s, s->cfg.mode, err, errlen);
	if (rc != SIM_OK)
		s->kind = old;
	return rc;
}
