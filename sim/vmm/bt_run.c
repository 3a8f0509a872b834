/*
 * bt_run.c - running translated code: choosing the mode, callouts,
 * chaining, faults inside the TC, stepping.
 *
 * While the guest runs translated code, the real CPU executes in the VMM's
 * area with the VMM's own code segment (flat, at the guest's real CPL), and
 * the guest's CS lives in v->run.bt_cs.  Everything the guest can observe - its
 * EIP in an exception frame, the return address a CALL pushes, CS as MOV
 * reads it - is the guest's own, because the translator and the callouts
 * make it so.
 */
#include <string.h>

#include "vmm/bt_priv.h"
#include "vmm/cost.h"
#include "status.h"
#include "vm.h"
#include "vmm/vmm_priv.h"

#define TC_BASE (VMM_BASE + BT_TC_OFF)

static const char *const reason_names[MODE_REASON_COUNT] = {
	[MODE_WHY_KERNEL] = "guest kernel code is translated",
	[MODE_WHY_USER] = "user code with interrupts on runs directly",
	[MODE_WHY_USER_IF_OFF] = "user code with interrupts off is translated",
	[MODE_WHY_USER_IOPL3] = "user code with IOPL 3 is translated",
	[MODE_WHY_SEGMENT] = "a code segment with a non-zero base: trap-and-emulate",
};

const char *mode_reason_name(enum mode_reason r)
{
	return (unsigned)r < MODE_REASON_COUNT ? reason_names[r] : "?";
}

static void mode_event(struct vcpu *v, enum exec_mode to,
		       enum mode_reason why, uint32_t eip)
{
	struct event ev = { .kind = EV_MODE };

	if (v->exec == to)
		return;
	ev.u.mode.from = v->exec;
	ev.u.mode.to = (uint8_t)to;
	ev.u.mode.reason = (uint8_t)why;
	ev.u.mode.eip = eip;
	v->exec = (uint8_t)to;
	vm_emit(v->vm, v->id, &ev);
}

/* The VMM's flat code segment for running the TC at a real CPL. */
static uint16_t tc_cs(int cpl)
{
	static const uint16_t cs[4] = {
		VMM_SEL_CS0, VMM_SEL_CS1, VMM_SEL_CS2, VMM_SEL_CS3
	};
	return cs[cpl & 3];
}

/*
 * Bugnion et al. (TOCS 2012) give the rule: direct execution only for
 * user code (CPL 3) with interrupts enabled and IOPL below 3; binary
 * translation for everything else.
 */
void bt_place(struct vcpu *v, const struct vmm_target *t, uint16_t *cs,
	      uint32_t *eip)
{
	int vring = (int)X86_SEL_RPL(t->cs);
	unsigned iopl = (t->eflags & X86_FL_IOPL) >> X86_FL_IOPL_SHIFT;
	enum mode_reason why = MODE_WHY_KERNEL;
	uint64_t raw;
	struct x86_desc d;
	struct frag *f;

	if (vring == 3) {
		if (!(t->eflags & X86_FL_IF))
			why = MODE_WHY_USER_IF_OFF;
		else if (iopl == 3)
			why = MODE_WHY_USER_IOPL3;
		else
			why = MODE_WHY_USER;
	}
	if (why == MODE_WHY_USER) {
		v->run.in_bt = false;
		mode_event(v, MODE_DIRECT, why, t->eip);
		return;
	}
	/* the TC runs with a flat code segment: the guest's must be flat too */
	if (vmm_peek_desc(v, t->cs, &raw)) {
		x86_desc_decode(raw, &d);
		if (d.base != 0) {
			v->run.in_bt = false;
			mode_event(v, MODE_TE, MODE_WHY_SEGMENT, t->eip);
			return;
		}
	}
	f = bt_lookup(v->bt, t->eip);
	v->run.in_bt = true;
	v->run.bt_cs = t->cs;
	mode_event(v, MODE_BT, why, t->eip);
	*cs = tc_cs(vmm_real_cpl(vring));
	if (f == NULL) {	/* nothing there: the VMM runs it */
		*eip = t->eip;
		vmm_guard_nothing_at(v, t->eip);
		return;
	}
	*eip = TC_BASE + f->tc;
}

/*
 * Is TC offset off the start of a guest instruction's translation?  If so
 * *i is its index.  Elsewhere (an exit stub, the jump to the next unit)
 * the CPU is between guest instructions.
 */
static bool at_insn_start(const struct frag *f, uint32_t off, int *i)
{
	for (int k = 0; k < f->n; k++)
		if (f->view[k].tc == off) {
			*i = k;
			return true;
		}
	return false;
}

/*
 * Where TC offset off of fragment f stands in the guest; *between: the
 * guest instruction before it is done (false inside the translation of
 * one, which has not finished).
 */
static uint32_t guest_place(const struct bt *bt, const struct frag *f,
			    uint32_t off, bool *between)
{
	int i;

	*between = true;
	if (at_insn_start(f, off, &i))
		return f->view[i].guest;
	for (i = 0; i < f->nexits; i++) {
		/* an exit stub, or the JMP to it: on the way to the target */
		if (off == f->exits[i].stub ||
		    (off + 1 == f->exits[i].site && bt->tc[off] == 0xe9))
			return f->exits[i].target;
	}
	for (i = f->n - 1; i >= 0; i--) {
		if (off < f->view[i].tc)
			continue;
		if (off < f->view[i].tc + f->view[i].tc_len) {
			/* past a copied store: the jump that ends the block */
			if (f->view[i].ident && off >= f->view[i].tc + f->g[i].x.len)
				return f->view[i].guest + f->g[i].x.len;
			*between = false;
			return f->view[i].guest;	/* inside its translation */
		}
		return f->guest + f->guest_len;	/* past the last one */
	}
	return f->guest;
}

/* Where translated code at TC address eip stands in the guest. */
uint32_t bt_guest_eip(struct vcpu *v, uint32_t eip)
{
	struct bt *bt = v->bt;
	struct frag *f;
	uint32_t off = eip - TC_BASE;
	bool between;

	if (bt == NULL || eip < TC_BASE || (f = bt_find_tc(bt, off)) == NULL)
		return eip;
	return guest_place(bt, f, off, &between);
}

/*
 * The CPU single-stepped translated code (the guest set EFLAGS.TF, which
 * the real CPU runs with): a #DB after each instruction of the TC, which
 * is not the guest's.  The guest's step is done only where the TC is
 * between two of its instructions; there it gets its #DB, with the guest
 * EIP that comes next.  Inside the translation of one (a CALL is a PUSH
 * and a JMP) the #DB is dropped and the TC goes on: passing it on there
 * gave the guest the EIP of an instruction half done, which its IRET then
 * ran again, and stepped again, for ever.
 */
static void single_step(struct vcpu *v, const struct frag *f, uint32_t off)
{
	bool between;
	uint32_t next = guest_place(v->bt, f, off, &between);

	if (between)
		vmm_single_step(v, vmm_current_insn(v, next, false), next, true);
}

/* Continue the guest at guest address `target`, same CS, in the TC. */
void bt_jump_guest(struct vcpu *v, uint32_t target)
{
	struct frag *f = bt_lookup(v->bt, target);

	if (f == NULL) {	/* nothing there: the VMM runs it (vmm_run) */
		cpu_set_reg(v->cpu, X86R_EIP, target);
		vmm_guard_nothing_at(v, target);
		vmm_stop_soon(v);
		return;
	}
	cpu_set_reg(v->cpu, X86R_EIP, TC_BASE + f->tc);
}

/* An exit stub ran: translate the successor, chain the jump, go there. */
static void chain(struct vcpu *v, int fi, int ei)
{
	struct bt *bt = v->bt;
	struct frag_exit e = bt->frags[fi].exits[ei];
	uint64_t flushes = bt->stats.flushes;
	struct frag *to = bt_lookup(bt, e.target);

	if (to == NULL) {	/* nothing there: the VMM runs it (vmm_run) */
		cpu_set_reg(v->cpu, X86R_EIP, e.target);
		vmm_guard_nothing_at(v, e.target);
		vmm_stop_soon(v);
		return;
	}
	if (bt->stats.flushes == flushes) {
		/* the source fragment still exists: patch its jump */
		bt_patch(bt, e.site, to->tc);
		bt->frags[fi].exits[ei].chained = 1;
		bt_smc_chained(bt, fi, ei, to);
		bt->stats.chains++;
		cpu_invalidate_code(v->cpu, TC_BASE + e.site - 2, 6);
	}
	vmm_charge(v, COST_CALLOUT);
	cpu_set_reg(v->cpu, X86R_EIP, TC_BASE + to->tc);
}

/*
 * Near control transfers whose target only the running code knows: RET,
 * and JMP or CALL through a register or memory.  The VMM computes the
 * guest target and continues at its translation.
 */
static void indirect(struct vcpu *v, const struct block_insn *bi)
{
	const struct x86_instruction *in = &bi->x;
	struct vmm_for acting;
	struct vmm_stack s;
	uint32_t target;
	bool steps;

	vmm_for_guest(v, in, in->addr, &acting);
	vmm_stack_of(v, &s);
	if (in->op == X86_OP_RET) {
		target = vmm_pop(v, &s, in->opsize);
		if (in->nops && in->ops[0].kind == X86_OPND_IMM)
			vmm_stack_add(&s, (uint32_t)in->ops[0].imm);
	} else {
		target = vmm_operand_read(v, &in->ops[0]);
		if (in->op == X86_OP_CALL)
			vmm_push(v, &s, in->addr + in->len, in->opsize);
	}
	vmm_for_done(v, &acting);
	steps = vmm_steps_over(v, in);
	if (in->opsize == 2)
		target &= 0xffff;
	cpu_set_reg(v->cpu, X86R_ESP, s.esp);
	vmm_set_path(v, bi, PATH_VMM, WHY_LOOKUP);
	v->stats.callouts++;
	vmm_charge(v, COST_CALLOUT);
	vmm_trap_event(v, in, 0, TRAP_CALLOUT, false, 0, target, 0, 0);
	bt_jump_guest(v, target);
	if (steps && !vmm_guard_in_nothing(v))
		vmm_single_step(v, bi, target, false);	/* the VMM ran it */
}

/* A callout: guest instruction i of fragment fi asks the VMM to act. */
static void callout(struct vcpu *v, int fi, int i)
{
	struct bt *bt = v->bt;
	struct frag *f = &bt->frags[fi];
	const struct block_insn *bi = vmm_current_insn(v, f->g[i].x.addr, false);
	uint32_t next;

	if (bi == NULL) {	/* not in the accounting view: use a copy */
		v->run.step_copy = f->g[i];
		bi = &v->run.step_copy;
	}
	switch ((enum x86_op)bi->x.op) {
	case X86_OP_RET: case X86_OP_JMP: case X86_OP_CALL:
		indirect(v, bi);
		return;
	default:
		break;
	}
	if (i + 1 < f->n) {
		next = TC_BASE + f->view[i].tc + f->view[i].tc_len;
	} else {
		/* the unit ended here (HLT, INTO...): the next unit, translated */
		struct frag *n = bt_lookup(bt, bi->x.addr + bi->x.len);

		next = n ? TC_BASE + n->tc : bi->x.addr + bi->x.len;
	}
	vmm_do(v, bi, ENTRY_CALLOUT, 0, next);
}

void bt_exception(struct vcpu *v, int vector, uint32_t error, uint32_t eip)
{
	struct bt *bt = v->bt;
	uint32_t off = eip - TC_BASE;
	struct frag *f;
	int fi;

	if (eip < TC_BASE || (f = bt_find_tc(bt, off - (vector == X86_BP))) == NULL) {
		vm_power_off(v->vm, POWER_BAD_INSN, eip);	/* a ringside bug */
		vmm_stop_soon(v);
		return;
	}
	fi = (int)(f - bt->frags);
	if (vector == X86_DB) {
		single_step(v, f, off);
		return;
	}
	if (vector == X86_BP) {	/* an INT3 the translator placed */
		for (int i = 0; i < f->nexits; i++)
			if (f->exits[i].stub == off - 1) {
				chain(v, fi, i);
				return;
			}
		for (int i = 0; i < f->n; i++)
			if (f->view[i].callout && f->view[i].tc + f->view[i].tc_len == off) {
				callout(v, fi, i);
				return;
			}
	}
	/* a fault raised by copied (IDENT) code: the guest's own */
	for (int i = f->n - 1; i >= 0; i--) {
		if (off < f->view[i].tc)
			continue;
		vmm_handle_exception(v, vmm_current_insn(v, f->g[i].x.addr, false),
				     vector, error, f->g[i].x.addr);
		return;
	}
}

int bt_step(struct vcpu *v)
{
	struct bt *bt = v->bt;
	struct cpu_exit_info info;
	uint32_t eip = 0, off = 0, lo, hi;
	struct frag *f = NULL;
	int i = 0, guard;

	/*
	 * Between guest instructions (an exit stub that chains, the jump to
	 * the next unit): run that glue first, it is not a guest instruction.
	 */
	for (guard = 0; guard < 8; guard++) {
		eip = cpu_reg(v->cpu, X86R_EIP);
		off = eip - TC_BASE;
		if (!v->run.in_bt)
			return SIM_OK;	/* the glue left translated code */
		if ((f = bt_find_tc(bt, off)) == NULL)
			return SIM_EINTERNAL;
		if (at_insn_start(f, off, &i))
			break;
		cpu_run(v->cpu, CPU_STEP, 1, &info);
		if (vmm_after_run(v, &info) != SIM_OK)
			return SIM_EINTERNAL;
	}
	if (guard == 8)
		return SIM_EINTERNAL;
	lo = TC_BASE + f->view[i].tc;
	hi = lo + f->view[i].tc_len;
	/* a copy: translating during the step may move the fragments */
	v->run.step_copy = f->g[i];
	vmm_begin_step(v, &v->run.step_copy);
	for (int n = 0; n < 8; n++) {
		cpu_run(v->cpu, CPU_STEP, 1, &info);
		if (vmm_after_run(v, &info) != SIM_OK)
			return SIM_EINTERNAL;
		eip = cpu_reg(v->cpu, X86R_EIP);
		if (!v->run.in_bt || v->vm->state != VM_ON || eip < lo || eip >= hi)
			break;
	}
	vmm_end_step(v);
	return SIM_OK;
}
