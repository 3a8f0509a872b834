/*
 * vmm_trap.c - what the VMM does once it has control of an instruction.
 *
 * The VMM gets control in one of three ways, one per execution mode:
 *
 *   trap     (te)  the deprivileged guest ran a privileged instruction and
 *                  the CPU raised #GP: trap-and-emulate
 *   callout  (bt)  the binary translator replaced the instruction by a call
 *                  into the VMM: no fault, far cheaper than a trap
 *   VM exit, hw:   hardware assist: the CPU left the guest because the VMM
 *                  asked to be told about this kind of instruction
 *
 * Whatever the way in, the instruction is then carried out the same way
 * (vmm_emulate: what ring-0 hardware would do, on the virtual state), and
 * its outcome applied: continue, jump, deliver an interrupt or the guest's
 * own fault, or halt.  vmm_exception_hook() below is where every exception
 * and INT n raised by the CPU arrives; vmm_handle_exception() decides in
 * three tests: an INT n is delivered through the guest's IDT, a #GP from
 * an instruction the deprivileged guest may not run is emulated, and any
 * other fault is the guest's own, reflected to it.  The trap events that
 * tell all this (EV_TRAP, vmm_trap_event) are built here too.
 */
#include "vmm/bt.h"
#include "vmm/cost.h"
#include "vm.h"
#include "vmm/vmm_priv.h"
#include "vmm/vmm_devices.h"

/* An EV_TRAP, built once for vmm_trap_event and vmm_trap_event_emu. */
static void trap_event(struct vcpu *v, const struct x86_instruction *in,
		       int vector, enum trap_action action, bool has_error,
		       uint32_t error, uint32_t a, uint32_t b,
		       uint8_t exit_reason, bool faulted)
{
	struct event ev = { .kind = EV_TRAP };

	ev.u.trap.eip = in ? in->addr : vmm_guest_eip(v);
	ev.u.trap.op = in ? in->op : X86_OP_OTHER;
	ev.u.trap.vector = (uint8_t)vector;
	ev.u.trap.action = (uint8_t)action;
	ev.u.trap.vring = (uint8_t)v->vring;
	ev.u.trap.cpl = (uint8_t)v->cpl;
	ev.u.trap.has_error = has_error;
	ev.u.trap.error = error;
	ev.u.trap.a = a;
	ev.u.trap.b = b;
	ev.u.trap.exit_reason = exit_reason;
	ev.u.trap.vm_exit = action == TRAP_VM_EXIT ||
			    (action == TRAP_NO_MEMORY && v->exec == MODE_HW);
	ev.u.trap.faulted = faulted;
	vm_emit(v->vm, v->id, &ev);
}

void vmm_trap_event(struct vcpu *v, const struct x86_instruction *in, int vector,
		    enum trap_action action, bool has_error, uint32_t error,
		    uint32_t a, uint32_t b, uint8_t exit_reason)
{
	trap_event(v, in, vector, action, has_error, error, a, b, exit_reason,
		   false);
}

void vmm_trap_event_emu(struct vcpu *v, const struct x86_instruction *in,
			int vector, enum trap_action action,
			const struct emu *e, uint8_t exit_reason)
{
	trap_event(v, in, vector, action, false, 0, e->a, e->b, exit_reason,
		   e->result == EMU_FAULT);
}

static bool is_int_op(enum x86_op op)
{
	return op == X86_OP_INT || op == X86_OP_INT3 || op == X86_OP_INTO;
}

/* Is bi an INT n (INT3, INTO) that the CPU left EIP after, at eip? */
static bool soft_int_ends_at(const struct block_insn *bi, uint32_t eip)
{
	return is_int_op((enum x86_op)bi->x.op) &&
	       bi->x.addr + bi->x.len == eip;
}

/*
 * Give the guest an exception.  Two kinds, told apart in the trace:
 *
 *   reflected  the hardware raised it (or would have: the guest's own
 *              fault); the VMM, which owns the real IDT, passes it on
 *              through the guest's IDT.  injected = false.
 *   injected   the hardware raised nothing of the kind: the VMM's
 *              emulation of the instruction decided the guest gets it
 *              (RDPMC's #UD, a bad MOV to CR0's #GP, a far jump to a
 *              not-present segment's #NP).  injected = true.  Under
 *              hardware assist the VMM injects it on the VM entry
 *              (VM-entry interruption-information field, SDM vol. 3C
 *              24.8.3); under te and bt it builds the frame itself, as
 *              it does for a reflection, but the fault is its decision,
 *              not the CPU's: the CPU trapped with #GP (te) or raised
 *              nothing at all (bt's callout).
 *
 * Either way it is the VMM's work, so an event - except the guest's own
 * faults under hardware assist, which the CPU delivers in non-root mode.
 */
static void deliver_fault(struct vcpu *v, const struct x86_instruction *in,
			  int vector, uint32_t error, uint32_t eip,
			  bool injected)
{
	bool has_error = x86_vector_has_error_code(vector);
	bool exits = v->exec == MODE_HW;

	if (injected) {
		if (!exits)	/* no VM entry to do it: the VMM's frame */
			vmm_charge(v, COST_REFLECT);
		vmm_trap_event(v, in, vector, TRAP_INJECTED, has_error, error,
			       exits ? INJECT_ON_ENTRY : INJECT_BY_VMM, 0, 0);
	} else if (!exits || vector == X86_PF) {
		/*
		 * Under hardware assist the CPU delivers the guest's own
		 * faults through the guest's IDT by itself, with no exit and
		 * no VMM (ringside's model still does the delivery, but it is
		 * the hardware's work: no event, no cost) - except those the
		 * exception bitmap names.  A VMM of 2006 (no EPT, shadow page
		 * tables) sets #PF there: each page fault exits (reason 0,
		 * exception or NMI), the VMM finds it is the guest's own and
		 * injects it on the VM entry.
		 */
		v->stats.reflected++;
		if (exits)
			vmm_hw_count_exit(v, 0);	/* exception or NMI */
		else
			vmm_charge(v, COST_REFLECT);
		vmm_trap_event(v, in, vector,
			       exits ? TRAP_VM_EXIT : TRAP_REFLECTED,
			       has_error, error, 0, 0, 0);
	}
	vmm_deliver(v, vector, DELIVER_EXCEPTION, has_error, error, eip, eip);
}

/*
 * An exception the guest takes by itself (real hardware would raise it
 * too), with eip in its frame: guest > vmm > guest.  raised: the CPU
 * raised it (reflected); false for a callout, where translated code called
 * the VMM and no fault was raised: the VMM's emulation refuses the
 * instruction as the CPU would, and the #GP is of its making (injected).
 */
static void guest_exception(struct vcpu *v, const struct block_insn *bi,
			    int vector, uint32_t error, bool raised,
			    uint32_t eip)
{
	if (v->exec == MODE_HW && vector == X86_PF)	/* the bitmap's */
		vmm_set_path(v, bi, PATH_VMM, WHY_EXIT);
	else if (v->exec == MODE_HW)	/* the CPU delivers it: no exit */
		vmm_set_path(v, bi, PATH_DIRECT, WHY_NONROOT);
	else
		vmm_set_path(v, bi, PATH_VMM, WHY_REFLECT);
	deliver_fault(v, bi ? &bi->x : NULL, vector, error, eip, !raised);
}

/* A fault: the frame holds the faulting instruction's EIP. */
static void guest_fault(struct vcpu *v, const struct block_insn *bi,
			int vector, uint32_t error, bool raised)
{
	guest_exception(v, bi, vector, error, raised,
			bi ? bi->x.addr : vmm_guest_eip(v));
}

/*
 * Single-stepping (EFLAGS.TF, Intel SDM vol. 3B 17.3.1.4): with TF set
 * when an instruction begins, the CPU raises a debug exception (#DB, a
 * trap: the frame holds the next instruction's EIP) once it has run, and
 * sets DR6.BS to say why (17.2.3).  Not after an instruction that raised
 * an exception or entered a handler (INT n: the gate clears TF), nor after
 * MOV SS or POP SS, which hold it back until after the next instruction
 * (6.8.3), as QEMU does (tests/guests/tfstep.S).
 *
 * Where the CPU runs the guest's instruction, the CPU raises the #DB and
 * the VMM passes it on.  Where the VMM carries the instruction out (te's
 * trap, bt's callout, hw's exit or the VT-x model), no CPU ran it: the VMM
 * must raise the #DB itself, or a debugger in the guest loses a step.
 * Under VT-x a VMM does it with the VMCS's pending debug exceptions field
 * (BS set, SDM vol. 3C 24.4.2), as KVM's kvm_vcpu_do_singlestep
 * (arch/x86/kvm/x86.c) does after skipping an emulated instruction.
 * Reading EFLAGS for every instruction the VMM carries out has a price
 * [measured: bench_cpu build/guests/traps.elf, 200,000 CLI and STI, best
 * of 3 alternating with the code before (7c874f7): te 0.116 -> 0.126 s,
 * bt 0.109 -> 0.117 s, hw 0.070 -> 0.077 s, on 2 cores shared with other
 * builds]: kept, since TF set natively (POPF at CPL 1 under te) is not
 * the VMM's to know otherwise, and a lost step is a wrong answer.
 */
bool vmm_steps_over(struct vcpu *v, const struct x86_instruction *in)
{
	bool loads_ss = (in->op == X86_OP_MOV_TO_SREG ||
			 in->op == X86_OP_POP_SREG) &&
			in->nops > 0 && in->ops[0].kind == X86_OPND_REG &&
			in->ops[0].reg == X86R_SS;

	return (vmm_guest_eflags(v) & X86_FL_TF) && !loads_ss;
}

/*
 * Where the VMM carried bi out (raised false), it has listed and counted
 * bi already (vmm_do's set_handling, bt's indirect): the #DB after it is
 * a trap, delivered, and bi is not listed again.  Stepped (te's trap,
 * hw's exit) a second listing was dropped anyway (step_accounted); on
 * bt's fast engine, where callouts run, nothing dropped it: every PUSHF
 * and POPF under TF was listed twice [measured: tests/guests/smcstep.S,
 * bt 445 instructions listed where QEMU ran 425, 10006f and 100077 twice
 * an iteration; test_smccount own_bytes_step].
 */
void vmm_single_step(struct vcpu *v, const struct block_insn *bi,
		     uint32_t next, bool raised)
{
	v->virt.dr[6] |= X86_DR6_BS;
	if (raised)
		guest_exception(v, bi, X86_DB, 0, true, next);
	else
		deliver_fault(v, bi ? &bi->x : NULL, X86_DB, 0, next, true);
}

/* The CPU's fault, passed on to the guest (guest_fault). */
static void reflect(struct vcpu *v, const struct block_insn *bi, int vector,
		    uint32_t error)
{
	guest_fault(v, bi, vector, error, true);
}

/*
 * May the ring the guest is in execute this?  Privileged instructions need
 * ring 0, except CLI and STI, which need a ring within IOPL, as port I/O
 * does (IOPL only: the TSS I/O permission bitmap is not modelled).
 * Elsewhere the hardware itself refuses them with #GP(0) (Intel SDM vol.
 * 3A, "Privileged Instructions"; vol. 1, "I/O Privilege Level"): the
 * guest's own fault, whatever mode the VMM is in.  RDPMC, sensitive, is
 * refused the same way outside ring 0 unless the guest's CR4.PCE allows
 * it.  The one place this rule is written.
 */
bool vmm_ring_allows(const struct vcpu *v, enum insn_class cls,
		     const struct x86_instruction *in)
{
	switch (cls) {
	case CLASS_PRIVILEGED:
		return in->op == X86_OP_CLI || in->op == X86_OP_STI ?
		       v->vring <= v->virt.iopl : v->vring == 0;
	case CLASS_IO:
		return v->vring <= v->virt.iopl;
	default:
		/* RDPMC outside ring 0 needs CR4.PCE (SDM vol. 2B, RDPMC) */
		return in->op != X86_OP_RDPMC || v->vring == 0 ||
		       (v->virt.cr4 & X86_CR4_PCE) != 0;
	}
}

/*
 * Who handles the instruction once the VMM has it (handler_owner: the VMM
 * emulates; for HLT the VMKernel then blocks the world; the VMX answers its
 * devices' ports), and how the VMM got it.  Under hardware assist, what
 * does not exit is non-root mode's alone.
 */
static void set_handling(struct vcpu *v, const struct block_insn *bi,
			 enum vmm_entry how)
{
	static const enum handler_why why[] = {
		[ENTRY_TRAP] = WHY_TRAP, [ENTRY_CALLOUT] = WHY_CALLOUT,
		[ENTRY_EXIT] = WHY_EXIT, [ENTRY_HARDWARE] = WHY_NONROOT,
	};
	bool vmm_port = bi->cls == CLASS_IO &&
			vmm_devices_owns_port(vmm_insn_port(v, &bi->x));

	enum handler_kind kind = handler_kind_of(&bi->x, vmm_port);

	if (how == ENTRY_HARDWARE)
		vmm_set_path(v, bi, PATH_DIRECT, WHY_NONROOT);
	else if (kind == HK_SOFT_INT)	/* INT n: delivered, not emulated */
		vmm_set_path(v, bi, PATH_VMM, WHY_DELIVER);
	else
		vmm_set_path(v, bi, handler_owner(kind), why[how]);
}

void vmm_do(struct vcpu *v, const struct block_insn *bi, enum vmm_entry how,
	    uint32_t code, uint32_t next)
{
	const struct x86_instruction *in = &bi->x;
	/* te's trap: the CPU raised #GP(code); SYSENTER enters by its MSRs */
	bool raised_gp = how == ENTRY_TRAP && in->op != X86_OP_SYSENTER;
	uint8_t exit_reason = how == ENTRY_EXIT ? (uint8_t)code : 0;
	enum trap_action action;
	struct vmm_for acting;
	struct emu e;
	bool steps = vmm_steps_over(v, in);

	if (!vmm_ring_allows(v, bi->cls, &bi->x)) {
		/* the CPU's #GP, except after a callout, which raised none:
		 * the translated code did call the VMM, and that is paid */
		if (how == ENTRY_CALLOUT) {
			v->stats.callouts++;
			vmm_charge(v, COST_CALLOUT);
		}
		guest_fault(v, bi, X86_GP, 0, how != ENTRY_CALLOUT);
		return;
	}
	set_handling(v, bi, how);
	vmm_for_guest(v, in, in->addr, &acting);	/* its accesses, the VMM's */
	switch (how) {
	case ENTRY_TRAP:
		action = bi->cls == CLASS_PRIVILEGED ? TRAP_EMULATED
						     : TRAP_VMM_EMULATED;
		if (bi->cls == CLASS_PRIVILEGED)
			v->stats.traps++;
		else
			v->stats.vmm_emulated++;
		vmm_charge(v, COST_TRAP);
		break;
	case ENTRY_CALLOUT:
		action = TRAP_CALLOUT;
		v->stats.callouts++;
		vmm_charge(v, COST_CALLOUT);
		break;
	case ENTRY_EXIT:
		action = TRAP_VM_EXIT;
		vmm_hw_count_exit(v, exit_reason);
		break;
	default:
		action = TRAP_ACTION_COUNT;	/* the hardware's: no event */
		break;
	}
	vmm_emulate(v, bi, in, &e);
	if (action != TRAP_ACTION_COUNT && e.result != EMU_INT)
		/* a vector only where one was raised: the te trap's #GP */
		vmm_trap_event_emu(v, in, raised_gp ? X86_GP : 0, action, &e,
				   exit_reason);
	switch (e.result) {
	case EMU_NEXT:
		cpu_set_reg(v->cpu, X86R_EIP, next);
		break;
	case EMU_JUMP:
		vmm_switch(v, &e.target);
		break;
	case EMU_INT:
		v->stats.soft_ints++;
		if (how != ENTRY_HARDWARE) {
			vmm_charge(v, COST_REFLECT);
			vmm_trap_event(v, in, e.vector, TRAP_SOFT_INT, false, 0,
				       in->addr + in->len, 0, 0);
		}
		vmm_deliver(v, e.vector, DELIVER_SOFT, false, 0,
			    in->addr + in->len, in->addr);
		break;
	case EMU_FAULT:
		/*
		 * The VMM's verdict (injected), unless non-root mode ran it
		 * alone, or it is the very #GP the CPU raised for te's trap
		 * (a bad MOV to CR0 at CPL 1: #GP(0) either way), passed on.
		 */
		deliver_fault(v, in, e.vector, e.error, in->addr,
			      how != ENTRY_HARDWARE &&
			      !(raised_gp && e.vector == X86_GP &&
				e.error == code));
		break;
	case EMU_HALT:
		if (!v->virt.iflag) {
			vm_power_off(v->vm, POWER_HALT, in->addr);
		} else if (vmm_devices_irq_pending(v->vm, v->id)) {
			/* an interrupt is already waiting: HLT ends at once */
			cpu_set_reg(v->cpu, X86R_EIP, next);
			break;
		} else {
			v->state = VCPU_HALTED;
		}
		/* EIP moves past HLT after the run stops (not in the hook) */
		v->run.pending_halt = 1;
		v->run.halt_next = next;
		vmm_stop_soon(v);
		break;
	}
	vmm_for_done(v, &acting);
	/*
	 * TF was set: the step's #DB (vmm_single_step), the VMM's to raise;
	 * under VT-x, after what non-root mode ran without an exit, the
	 * CPU's own (no event).  TF as the instruction began, not as it left
	 * it (SDM vol. 3B 17.3.1.4): an IRET that pops TF set is not
	 * stepped, one that pops it clear is.  A jump that changes ring
	 * (IRET or far RET to ring 3, SYSENTER, SYSEXIT) is stepped too, in
	 * its new ring: the #DB comes before the target's first instruction,
	 * its frame the state the VMM's stub was to IRET to
	 * (vmm_current_target; tests/guests/tfring.S, as on QEMU).
	 */
	if (steps && v->vm->state == VM_ON &&
	    (e.result == EMU_NEXT || e.result == EMU_JUMP))
		vmm_single_step(v, bi, e.result == EMU_NEXT ?
				in->addr + in->len : e.target.eip,
				how == ENTRY_HARDWARE);
	vmm_irq_window_check(v, in);
}

/*
 * Trap-and-emulate: which #GPs are the VMM's business.  Privileged
 * instructions, and the sensitive ones that fault only because the guest
 * kernel's RPL-0 selectors meet the real CPL 1 (IRET and far RET to RPL 0,
 * loads of SS) or because the VMM keeps time and the performance counters
 * virtual (RDTSC with the real CR4.TSD set, RDPMC with the real CR4.PCE
 * clear).  Every other sensitive instruction runs without a trap - the
 * holes.
 */
static bool te_traps(const struct block_insn *bi)
{
	if (bi->cls == CLASS_PRIVILEGED)
		return true;
	switch ((enum x86_op)bi->x.op) {
	case X86_OP_IRET: case X86_OP_RET_FAR: case X86_OP_RDTSC:
	case X86_OP_RDPMC:
	case X86_OP_MOV_TO_SREG: case X86_OP_POP_SREG:
	case X86_OP_LOAD_FAR_PTR:
		return true;
	default:
		return false;
	}
}

/*
 * The vector the real hardware raises where Unicorn raised `vector` for
 * bi, at the CPU's real CPL with its real CR4 (the VMM's, under te and
 * bt's direct execution).  The reference machine is QEMU 7.2, whose
 * helper_rdpmc raises #GP at CPL > 0 unless CR4.PCE is set, and #UD
 * otherwise, having no performance counters; Unicorn (QEMU 5) tests
 * CR4.PCE the wrong way round and so reports nearly every RDPMC as #UD.
 * The real CR4.PCE is always clear (vmm_privop.c), so outside the real
 * ring 0 RDPMC is #GP, which is the VMM's trap (te_traps).  Every other
 * exception is the hardware's as Unicorn raised it.
 */
static int hardware_vector(struct vcpu *v, const struct block_insn *bi,
			   int vector)
{
	uint32_t cpl = cpu_reg(v->cpu, X86R_CS) & 3u;
	uint32_t cr4 = cpu_reg(v->cpu, X86R_CR4);

	if (bi == NULL || bi->x.op != X86_OP_RDPMC)
		return vector;
	return cpl > 0 && !(cr4 & X86_CR4_PCE) ? X86_GP : X86_UD;
}

void vmm_handle_exception(struct vcpu *v, const struct block_insn *bi,
			  int vector, uint32_t error, uint32_t eip)
{
	int hw = hardware_vector(v, bi, vector);

	if (hw != vector) {
		vector = hw;
		error = 0;	/* RDPMC's #GP(0) */
	}
	if (bi && soft_int_ends_at(bi, eip)) {
		/* INT n: the CPU left EIP past it; deliver it as the CPU would */
		struct vmm_for acting;

		vmm_set_path(v, bi, PATH_VMM, WHY_DELIVER);
		v->stats.soft_ints++;
		vmm_charge(v, COST_REFLECT);
		vmm_trap_event(v, &bi->x, vector, TRAP_SOFT_INT, false, 0, eip, 0, 0);
		vmm_for_guest(v, &bi->x, bi->x.addr, &acting);	/* its frame */
		vmm_deliver(v, vector, DELIVER_SOFT, false, 0, eip, bi->x.addr);
		vmm_for_done(v, &acting);
		return;
	}
	if (vector == X86_DB)	/* the real DR7 arms nothing: a step */
		v->virt.dr[6] |= X86_DR6_BS;
	if (vector == X86_GP && bi != NULL && te_traps(bi)) {
		vmm_do(v, bi, ENTRY_TRAP, error, bi->x.addr + bi->x.len);
		return;
	}
	reflect(v, bi, vector, error);
}

/*
 * Is the exception (vector) at eip an INT n of the step or the block?
 * INT n and INT3 end a block; INTO, which goes on when OF is clear, may
 * be anywhere in it [measured: tests/guests/pusheip.S], and #OF is its
 * alone (a fault of the instruction after it has the same EIP).
 */
static bool soft_int_at(struct vcpu *v, uint32_t eip, int vector)
{
	const struct block_insn *si = v->run.step_insn;
	const struct block *b = v->run.cur;

	if (si != NULL)
		return soft_int_ends_at(si, eip);
	if (b == NULL || b->n == 0)
		return false;
	if (soft_int_ends_at(&b->insns[b->n - 1], eip))
		return true;
	for (uint32_t i = 0; vector == X86_OF && i < b->n; i++)
		if (b->insns[i].x.op == X86_OP_INTO &&
		    soft_int_ends_at(&b->insns[i], eip))
			return true;
	return false;
}

void vmm_exception_hook(void *ctx, int vector)
{
	struct vcpu *v = ctx;
	uint32_t error = cpu_exception_ack(v->cpu);
	uint32_t eip = cpu_reg(v->cpu, X86R_EIP);
	const struct block_insn *bi;

	if (vmm_guard_nothing_eip(v, eip) != eip) {
		/* the VMM ran it from nothing: the guest's, at its own EIP */
		eip = vmm_guard_nothing_eip(v, eip);
		cpu_set_reg(v->cpu, X86R_EIP, eip);
		vmm_handle_exception(v, v->run.step_insn, vector, error, eip);
		return;
	}
	if (vector == X86_DB && v->run.stub_armed &&
	    eip == VMM_BASE + VMM_STUB_OFF + VMM_STUB_LCALL)
		/*
		 * The CPU's step of a SYSENTER it ran with TF set (te, and
		 * bt's user code run directly): the VMM carried the guest's
		 * out (vmm_sysenter_hook), sent the CPU to its stub and
		 * raised the guest's #DB itself (vmm_do).  The CPU's, at the
		 * stub's entry, is not the guest's: dropped; the stub runs.
		 */
		return;
	if (v->run.in_bt) {
		bt_exception(v, vector, error, eip);
		return;
	}
	if (eip >= VMM_BASE) {
		/* the VMM's own stub faulted: a ringside bug, stop cleanly */
		vm_power_off(v->vm, POWER_BAD_INSN, eip);
		vmm_stop_soon(v);
		return;
	}
	if (v->run.ring_dirty) {
		/*
		 * The block ended in a far transfer the CPU ran itself (te's
		 * IRET from CPL 1 to ring 3) and trapped at once after it: a
		 * #DB from TF set as it began (tests/guests/tfring.S).  The
		 * exception comes from the new ring, not the one the block
		 * began in: delivering it as from ring 0 faulted in the
		 * VMM's stub.
		 */
		vmm_sync_ring(v);
		v->run.ring_dirty = 0;
	}
	bi = vmm_current_insn(v, eip, soft_int_at(v, eip, vector));
	vmm_handle_exception(v, bi, vector, error, eip);
}

/*
 * SYSENTER run by the CPU (te, and guest user code run directly under bt).
 * A real deprivileging VMM keeps the real SYSENTER MSRs pointing at its
 * own entry, so the instruction lands in the VMM, not in the guest kernel;
 * the VMM then does the guest's SYSENTER from the guest's virtual MSRs.
 */
void vmm_sysenter_hook(void *ctx)
{
	struct vcpu *v = ctx;
	uint32_t eip = cpu_reg(v->cpu, X86R_EIP);
	const struct block_insn *bi = v->run.step_insn;

	/*
	 * The fast engine leaves EIP at the start of the block (as for port
	 * I/O); SYSENTER ends a block, so it is the block's last instruction.
	 */
	if (bi == NULL && v->run.cur != NULL && v->run.cur->n > 0)
		bi = vmm_current_insn(v, v->run.cur->insns[v->run.cur->n - 1].x.addr,
				      false);
	if (bi == NULL || bi->x.op != X86_OP_SYSENTER) {
		vm_power_off(v->vm, POWER_BAD_INSN, eip);	/* a ringside bug */
		vmm_stop_soon(v);
		return;
	}
	vmm_do(v, bi, ENTRY_TRAP, 0, bi->x.addr + bi->x.len);
}
