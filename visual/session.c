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

#include "vmm/bt.h"
#include "history.h"
#include "session.h"
#include "status.h"
#include "trace.h"
#include "vm.h"
#include "vmm/vmm.h"

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

static void on_event(void *ctx, const struct event *ev)
{
	struct session *s = ctx;
	struct step_record *r = &s->run.rec;

	if (!s->run.active)
		return;	/* replaying (seek): nothing to note */
	switch (ev->kind) {
	case EV_INSN:
		s->run.count++;
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
		memset(r, 0, sizeof *r);
		r->valid = true;
		r->insn = *ev;
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
			r->has_trap = true;
			r->trap = *ev;
		} else if (ev->kind == EV_IO) {
			r->has_io = true;
			r->io = *ev;
		} else {
			r->has_ring = true;
			r->ring = *ev;
		}
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

static void forget_last(struct session *s)
{
	struct step_record none = { .valid = false };

	set_last(s, &none);
}

/* ---- running ------------------------------------------------------------- */

static int fail(struct session *s, int rc, const char *what)
{
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

int session_step(struct session *s, enum run_stop *why)
{
	struct run_opts rec = { .record = true };

	return session_run(s, 1, &rec, why);
}

int session_seek(struct session *s, uint64_t pos)
{
	int rc;

	session_read_regs(s, &s->prev);
	rc = land(s, pos);
	session_read_regs(s, &s->now);
	return rc;
}

int session_back(struct session *s, uint64_t n)
{
	uint64_t pos = session_position(s);

	return session_seek(s, pos > n ? pos - n : 0);
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
	s->focus = vm->id;
	s->cfg = vm->cfg;
	forget_last(s);
	session_read_regs(s, &s->now);
	s->prev = s->now;
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

struct vm *session_vm(struct session *s)
{
	return sim_vm(s->sim, s->focus);
}

struct vcpu *session_vcpu(struct session *s)
{
	return session_vm(s)->vcpu[0];
}

bool session_vm_running(struct session *s)
{
	return session_vm(s)->state == VM_ON;
}

uint64_t session_position(struct session *s)
{
	return sim_insns(s->sim);
}

void session_read_regs(struct session *s, struct regs *r)
{
	struct vcpu *v = session_vcpu(s);
	struct cpu *c = v->cpu;

	memset(r, 0, sizeof *r);
	r->valid = true;
	for (int i = 0; i < 8; i++)
		r->gpr[i] = cpu_reg(c, (enum x86_register)(X86R_EAX + i));
	r->eip = cpu_reg(c, X86R_EIP);
	r->eflags = cpu_reg(c, X86R_EFLAGS);
	for (int i = 0; i < 6; i++)
		r->seg[i] = (uint16_t)cpu_reg(c, (enum x86_register)(X86R_ES + i));
	r->cr[0] = cpu_reg(c, X86R_CR0);
	r->cr[2] = cpu_reg(c, X86R_CR2);
	r->cr[3] = cpu_reg(c, X86R_CR3);
	r->cr[4] = cpu_reg(c, X86R_CR4);
	cpu_get_table(c, CPU_GDTR, &r->gdtr);
	cpu_get_table(c, CPU_IDTR, &r->idtr);
	cpu_get_table(c, CPU_LDTR, &r->ldtr);
	cpu_get_table(c, CPU_TR, &r->tr);
	r->cpl = cpu_cpl(c);
	/*
	 * The guest's own view.  It believes CS's low bits are the ring it is
	 * in.  Under binary translation the real CS and EIP are the VMM's
	 * (translated code in its translation cache): the guest's are the
	 * CS the translation stands for, and the guest address it is at.
	 */
	r->vring = v->vring & 3;
	r->geip = vmm_guest_eip(v);
	r->vcs = vmm_guest_cs(v);
	r->veflags = vmm_guest_eflags(v);
	r->vcr[0] = v->virt.cr0;
	r->vcr[2] = v->virt.cr2;
	r->vcr[3] = v->virt.cr3;
	r->vcr[4] = v->virt.cr4;
	r->vgdt_base = v->virt.gdt_base;
	r->vgdt_limit = v->virt.gdt_limit;
	r->vidt_base = v->virt.idt_base;
	r->vidt_limit = v->virt.idt_limit;
	r->vldtr = v->virt.ldtr;
	r->vtr = v->virt.tr;
}

bool session_decode(struct session *s, uint32_t addr,
		    struct x86_instruction *out)
{
	struct vm *vm = session_vm(s);
	uint32_t len;

	if (addr >= vm->ram_size)
		return false;
	len = vm->ram_size - addr < X86_INSN_MAX ? vm->ram_size - addr
						  : X86_INSN_MAX;
	return disasm_decode(sim_disasm(s->sim), vm->ram + addr, len, addr,
			     out) == SIM_OK;
}

void session_insn_text(struct session *s, const struct x86_instruction *x,
		       char *buf, size_t size)
{
	disasm_text(sim_disasm(s->sim), x, buf, size);
}

/*
 * How an instruction runs, as the code pane labels it:
 *   te            trap-and-emulate (the privileged ones trap);
 *   bt IDENT      binary translation, copied unchanged into the TC;
 *   bt non-IDENT  ... rewritten (a callout to the VMM, or control flow
 *                 kept inside the TC);
 *   bt            ... not translated yet;
 *   direct        guest user code run directly (under bt);
 *   hw / hw exit  hardware assist: privileged and I/O instructions exit.
 * The mode is the vCPU's now: code the guest runs later in another ring
 * may run under another one.
 */
const char *session_mode_label(struct session *s, uint32_t addr, int cls,
			       bool wide)
{
	struct vcpu *v = session_vcpu(s);
	struct bt_view view;

	switch (v->exec) {
	case MODE_BT:
		if (v->bt == NULL || bt_view(v->bt, addr, &view) != SIM_OK)
			return "bt";
		for (int i = 0; i < view.n; i++)
			if (view.insn[i].guest == addr) {
				if (view.insn[i].ident)
					return wide ? "bt IDENT" : "IDENT";
				return wide ? "bt non-IDENT" : "rewr.";
			}
		return "bt";
	case MODE_HW:
		if (cls == CLASS_PRIVILEGED || cls == CLASS_IO)
			return wide ? "hw exit" : "exit";
		return "hw";
	default:
		return exec_mode_name((enum exec_mode)v->exec);
	}
}

/* ---- breakpoints --------------------------------------------------------- */

bool session_break_at(const struct session *s, uint32_t addr)
{
	for (int i = 0; i < s->nbrk; i++)
		if (s->brk[i] == addr)
			return true;
	return false;
}

bool session_break_toggle(struct session *s, uint32_t addr)
{
	for (int i = 0; i < s->nbrk; i++) {
		if (s->brk[i] == addr) {
			s->brk[i] = s->brk[--s->nbrk];
			return false;
		}
	}
	if (s->nbrk == SESSION_MAX_BREAKS)
		return false;
	s->brk[s->nbrk++] = addr;
	return true;
}

void session_break_clear(struct session *s)
{
	s->nbrk = 0;
	s->brk_classes = 0;
}
