/*
 * vmm_run.c - running a vCPU: the fast engine block by block, the step
 * engine one instruction at a time.
 *
 * vmm_run() lets the fast engine run guest code (or translated code) until
 * its budget is spent, a block hook declines a block, or a hook asks it to
 * stop.  A declined block (it does I/O, the budget ends inside it, or under
 * hardware assist it holds something the VT-x model must see) is stepped
 * through with vmm_step(), one instruction at a time.
 */
#include "vmm/cost.h"
#include "vmm/bt.h"
#include "sim.h"
#include "status.h"
#include "vm.h"
#include "vmm/vmm_priv.h"

/* The VMM's privilege-switch stub (not translated code, not the guest's). */
static bool in_stub(uint32_t addr)
{
	return addr >= VMM_BASE + VMM_STUB_OFF &&
	       addr < VMM_BASE + VMM_STUB_OFF + 0x1000;
}

static bool runnable(struct vcpu *v)
{
	return v->vm->state == VM_ON && v->state == VCPU_RUNNING;
}

static enum vmm_stop stopped_why(struct vcpu *v)
{
	return v->vm->state == VM_ON ? VMM_STOP_HALTED : VMM_STOP_OFF;
}

/*
 * What cpu_run reported, once the hooks are done: an invalid opcode
 * becomes #UD for the guest; a touch of memory that does not exist, or a
 * CPU library error, ends the VM.
 */
int vmm_after_run(struct vcpu *v, const struct cpu_exit_info *info)
{
	uint32_t eip = cpu_reg(v->cpu, X86R_EIP);

	switch (info->exit) {
	case CPU_EXIT_STOPPED:
		break;
	case CPU_EXIT_BAD_INSN:
		cpu_exception_ack(v->cpu);
		if (v->run.in_bt && eip >= VMM_BASE + BT_TC_OFF)
			bt_exception(v, X86_UD, 0, eip);
		else
			vmm_handle_exception(v, vmm_current_insn(v, eip, false),
					     X86_UD, 0, eip);
		break;
	case CPU_EXIT_BAD_MEMORY:
		if (info->fault_write == CPU_ACCESS_FETCH &&
		    info->fault_addr == eip && v->run.step_insn == NULL &&
		    blockcache_get(v->vm->code, eip, 0) != NULL) {
			/*
			 * A block in RAM the CPU could not fetch whole: one of
			 * its instructions ends past RAM.  Stepped up to that
			 * one, which the VMM runs (vmm_guard_run_nothing; so
			 * does one stepped that still could not be fetched).
			 */
			v->run.slow_next = 1;
			v->run.slow_lo = eip;
			v->run.slow_hi = v->vm->ram_size;
			break;
		}
		if (info->fault_write == CPU_ACCESS_FETCH &&
		    info->fault_addr == eip) {
			vmm_guard_nothing_at(v, eip);	/* code from nothing */
			break;
		}
		vmm_current_insn(v, vmm_guest_eip(v), false);
		vm_power_off(v->vm, POWER_BAD_MEMORY, info->fault_addr);
		break;
	case CPU_EXIT_ERROR:
		vm_power_off(v->vm, POWER_BAD_INSN, eip);
		return SIM_EINTERNAL;
	}
	vmm_finish_halt(v);
	return SIM_OK;
}

void vmm_finish_halt(struct vcpu *v)
{
	if (v->run.pending_halt) {
		/* HLT trapped: resume after it once woken (EIP not written in hook) */
		v->run.pending_halt = 0;
		cpu_set_reg(v->cpu, X86R_EIP, v->run.halt_next);
	}
}

void vmm_begin_step(struct vcpu *v, const struct block_insn *bi)
{
	v->run.step_insn = bi;
	v->run.step_accounted = 0;
	vmm_count(v, bi, +1);
	v->run.steps_run++;
}

void vmm_end_step(struct vcpu *v)
{
	const struct block_insn *bi = v->run.step_insn;

	if (bi != NULL && !v->run.step_accounted && v->trace_insns)
		vmm_emit_insn(v, bi, vmm_direct_handling(v, bi),
			      v->stats.cycles);
	v->run.step_insn = NULL;
}

/*
 * A privilege switch leaves the CPU at the VMM's stub (vmm_switch): run the
 * stub's few instructions on the step engine until the guest is back.
 */
int vmm_settle(struct vcpu *v)
{
	struct cpu_exit_info info;
	int rc = SIM_OK;

	uint32_t eip;

	for (int i = 0; i < 16 && rc == SIM_OK &&
	     in_stub(eip = cpu_reg(v->cpu, X86R_EIP)); i++) {
		if (!vmm_guard_fetch(v, eip, 1))
			break;	/* the guest jumped there: powered off */
		cpu_run(v->cpu, CPU_STEP, 1, &info);
		rc = vmm_after_run(v, &info);
	}
	return rc;
}

/*
 * Whether the instruction at bi must be translated alone (cpu_step_one,
 * which costs a translation, so only these are).  One with a memory
 * operand in the code Unicorn translates with it (blockcache_reach: up
 * to the next jump): such a store into the code being run is restarted
 * for ever by Unicorn 2.0.1 when it runs on the step engine [measured:
 * tests/guests/smcself.S].  One near the end of RAM, where what follows
 * may end past it, which Unicorn cannot fetch (tests/guests/badmem.S).
 * Not one whose operand is only further on in the page, as data after
 * the code often is: each translation alone costs Unicorn memory it
 * keeps, and a loop of them once grew it past a gigabyte and crashed it
 * [measured: tests/guests/x87smc.S; Unicorn issue #1946].
 */
static bool step_alone(struct vcpu *v, const struct block_insn *bi)
{
	uint32_t next = bi->x.addr + bi->x.len;
	uint32_t reach = 0;

	if (next + X86_INSN_MAX > v->vm->ram_size)
		return true;

	for (int i = 0; i < bi->x.nops; i++) {
		const struct x86_operand *op = &bi->x.ops[i];
		uint32_t a;

		if (op->kind != X86_OPND_MEM)
			continue;
		a = vmm_operand_addr(v, op);
		if (a + (uint32_t)op->size <= next ||
		    a >= next + BLOCK_TB_BYTES + X86_INSN_MAX)
			continue;	/* before it, or past any block */
		if (reach == 0)
			reach = blockcache_reach(v->vm->code, bi->x.addr);
		if (a < reach)
			return true;
	}
	return false;
}

/*
 * Whether the instruction at bi stores into its own bytes (a memory
 * operand that overlaps them) and cannot go elsewhere than the next one:
 * stepped with no count (cpu_step_own), or the step engine gives it up
 * and stops before its retry for ever.  One that ends blocks (a CALL
 * pushing onto itself) keeps its count, as its target is not next.
 */
static bool stores_into_itself(struct vcpu *v, const struct block_insn *bi)
{
	uint32_t next = bi->x.addr + bi->x.len;

	if (x86_op_ends_block((enum x86_op)bi->x.op))
		return false;
	for (int i = 0; i < bi->x.nops; i++) {
		const struct x86_operand *op = &bi->x.ops[i];
		uint32_t a;

		if (op->kind != X86_OPND_MEM)
			continue;
		a = vmm_operand_addr(v, op);
		if (a < next && (uint64_t)a + (uint32_t)op->size > bi->x.addr)
			return true;
	}
	return false;
}

/*
 * What a guest store means besides its bytes: vmm.c's write hook calls
 * this for every store Unicorn reports, vmm_smc_next_block for the one it
 * does not (the contract is in vmm_priv.h).
 */
void vmm_guest_store(struct vcpu *v, uint32_t addr, int size)
{
	struct vm *vm = v->vm;

	if (vm_touch(vm, addr, (uint32_t)size) > 0) {
		/*
		 * A VMotion trace fault (vm.h): its price is counted but not
		 * acted on here: a stop requested in the middle of a block
		 * would end it early while its instructions are counted
		 * whole.  The next block boundary sees the cycles.
		 */
		v->stats.cycles += COST_TRAP;	/* the VMM's own work: %RUN */
		v->run.limit_block = NULL;
	}
	if (blockcache_note_write(vm->code, addr, size)) {
		/*
		 * Code changed.  The running engine saw the store; every
		 * other engine (this vCPU's idle one, other vCPUs') must
		 * forget its translation of the old bytes.
		 */
		for (int i = 0; i < vm->nvcpus; i++) {
			if (vm->vcpu[i] == v)
				cpu_invalidate_code_idle(v->cpu, addr,
							 (uint32_t)size);
			else
				cpu_invalidate_code(vm->vcpu[i]->cpu, addr,
						    (uint32_t)size);
			bt_code_written(vm->vcpu[i], addr, (uint32_t)size);
		}
	}
	vmm_shadow_note_write(v, addr, size);
}

void vmm_renewed_hook(void *ctx, int engine, uint32_t retranslations)
{
	struct vcpu *v = ctx;
	struct event ev = { .kind = EV_ENGINE };

	ev.u.engine.engine = (uint8_t)engine;
	ev.u.engine.retranslations = retranslations;
	ev.u.engine.eip = cpu_reg(v->cpu, X86R_EIP);
	vm_emit(v->vm, v->id, &ev);
}

/* One guest instruction of the guest's own code (not translated). */
static int step_guest(struct vcpu *v, const struct block *b)
{
	const struct block_insn *bi = &b->insns[0];
	uint32_t eip = bi->x.addr;
	struct cpu_exit_info info;
	int rc = SIM_OK;

	vmm_begin_step(v, bi);
	if (v->exec == MODE_HW && vmm_hw_intercept(v, bi)) {
		/* the VT-x model handled it before it ran (no cpu_run) */
		vmm_finish_halt(v);
	} else if (bi->x.op == X86_OP_ABSENT) {
		/* not on this CPU (disasm.c): #UD, whatever Unicorn would do */
		vmm_handle_exception(v, bi, X86_UD, 0, eip);
	} else if (bi->cls == CLASS_IO && !vmm_ring_allows(v, bi->cls, &bi->x)) {
		/* IOPL forbids it: the hardware would raise #GP(0) instead */
		vmm_handle_exception(v, bi, X86_GP, 0, eip);
	} else {
		if (stores_into_itself(v, bi))
			cpu_step_own(v->cpu, eip + bi->x.len, &info);
		else if (step_alone(v, bi))
			cpu_step_one(v->cpu, eip + bi->x.len, &info);
		else
			cpu_run(v->cpu, CPU_STEP, 1, &info);
		rc = vmm_after_run(v, &info);
	}
	if (rc == SIM_OK)
		rc = vmm_settle(v);
	vmm_end_step(v);
	if (v->run.ring_dirty || (b->flags & BLOCK_FAR_END)) {
		vmm_sync_ring(v);
		v->run.ring_dirty = 0;
	}
	return rc;
}

int vmm_step(struct vcpu *v, enum vmm_stop *why)
{
	const struct block *b;
	uint32_t eip;
	int rc;

	*why = VMM_STOP_BUDGET;
	if (!runnable(v)) {
		*why = stopped_why(v);
		return SIM_OK;
	}
	v->trace_insns = event_log_wants_insns(sim_events(v->vm->sim));
	if ((rc = vmm_settle(v)) != SIM_OK)
		return rc;
	if (v->run.ring_dirty) {
		vmm_sync_ring(v);
		v->run.ring_dirty = 0;
	}
	if (v->run.stub_armed)		/* the guest's code runs */
		vmm_guard_arm(v, false);
	if (vmm_guard_in_nothing(v)) {
		rc = vmm_guard_run_nothing(v);
	} else if (v->run.in_bt) {
		rc = bt_step(v);
	} else {
		eip = cpu_reg(v->cpu, X86R_EIP);
		b = blockcache_get(v->vm->code, eip, 0);
		if (b == NULL)		/* EIP outside RAM */
			rc = vmm_guard_run_nothing(v);
		else
			rc = step_guest(v, b);
	}
	vmm_sync_counters(v);
	v->run.hot = NULL;
	bt_settle(v);
	blockcache_collect(v->vm->code);
	if (!runnable(v))
		*why = stopped_why(v);
	return rc;
}

/*
 * Every 1024th return of the CPU, the front end's poll (sim_set_poll): a
 * run stays bounded in wall-clock time whatever each instruction costs.
 */
static bool poll_due(struct vcpu *v)
{
	return (++v->run.polls & 1023) == 0 && sim_poll(v->vm->sim);
}

/*
 * Step through the block the block hook declined: [slow_lo, slow_hi), one
 * instruction at a time.
 */
static int step_block(struct vcpu *v)
{
	enum vmm_stop s;
	uint32_t eip = cpu_reg(v->cpu, X86R_EIP);
	int rc = SIM_OK;

	while (rc == SIM_OK && v->run.budget > 0 && runnable(v) &&
	       !v->run.stop_request && eip >= v->run.slow_lo && eip < v->run.slow_hi) {
		if (vmm_slice_left(v) == 0) {	/* as block_hook */
			v->run.cycle_hit = true;
			v->run.stop_request = 1;
			break;
		}
		rc = vmm_step(v, &s);
		eip = cpu_reg(v->cpu, X86R_EIP);
		if (poll_due(v))
			break;
	}
	return rc;
}

/* One instruction in nothing (vmm_guard.c), within the slice. */
static int step_nothing(struct vcpu *v)
{
	enum vmm_stop s;
	int rc;

	if (vmm_slice_left(v) == 0) {	/* as block_hook */
		v->run.cycle_hit = true;
		v->run.stop_request = 1;
		return SIM_OK;
	}
	rc = vmm_step(v, &s);
	poll_due(v);
	return rc;
}

int vmm_run(struct vcpu *v, uint64_t max_insns, struct vmm_ran *out)
{
	struct cpu_exit_info info;
	uint64_t before = v->stats.insns;
	int rc = SIM_OK;

	v->run.budget = vmm_irq_shadow_limit(v, max_insns);
	/*
	 * Never past the slice's end: directly executed instructions cost a
	 * cycle each, so the slice ends where its cycles are used up however
	 * the caller splits its instruction budget (stepping, checkpoints):
	 * on a VM with several vCPUs, where one pCPU's quantum ends decides
	 * what the others see in shared memory.
	 */
	if (v->run.cycle_end != UINT64_MAX) {
		uint64_t left;

		vmm_sync_counters(v);
		left = v->stats.cycles < v->run.cycle_end ?
		       (v->run.cycle_end - v->stats.cycles) / COST_INSN : 0;
		if (left == 0)
			left = 1;	/* each run: at least one instruction */
		if (v->run.budget > left)
			v->run.budget = left;
	}
	v->run.stop_request = 0;
	v->trace_insns = event_log_wants_insns(sim_events(v->vm->sim));
	out->why = VMM_STOP_BUDGET;
	while (rc == SIM_OK && v->run.budget > 0 && runnable(v) &&
	       !v->run.stop_request) {
		if (vmm_guard_in_nothing(v)) {
			rc = step_nothing(v);	/* the VMM runs it */
			continue;
		}
		v->run.slow_next = 0;
		cpu_run(v->cpu, CPU_FAST, 0, &info);
		rc = vmm_after_run(v, &info);
		vmm_finish_block(v);
		poll_due(v);
		vmm_sync_counters(v);
		v->run.hot = NULL;
		bt_settle(v);		/* translated code was written: flush */
		blockcache_collect(v->vm->code);
		if (rc != SIM_OK || !v->run.slow_next)
			continue;
		rc = step_block(v);
	}
	vmm_sync_counters(v);
	if (v->stats.cycles >= v->run.cycle_end)
		v->run.cycle_hit = true;	/* the slice is used up */
	if (!runnable(v))
		out->why = stopped_why(v);
	else if (v->run.budget > 0 && v->run.stop_request)
		out->why = VMM_STOP_REQUESTED;
	out->insns = v->stats.insns - before;
	vmm_irq_shadow_ran(v, out->insns);
	out->irq_window = v->run.irq_window;
	return rc;
}
