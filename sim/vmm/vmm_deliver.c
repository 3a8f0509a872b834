/*
 * vmm_deliver.c - delivering interrupts the way the CPU would have.
 *
 * Unicorn hands every exception and INT n to the VMM and delivers nothing
 * itself, which is exactly a VMM's position on real hardware: the real IDT
 * belongs to the VMM, so the VMM must deliver the guest's interrupts
 * through the guest's own (virtual) IDT in software.  vmm_deliver() follows
 * the SDM's description of interrupt delivery in protected mode (vol. 3A,
 * 6.12 "Exception and interrupt handling"): gate checks, a stack switch
 * from the guest's TSS when the privilege level changes, the frame push,
 * and IF cleared for interrupt gates.
 *
 * The pushed frame holds what the guest would see on real hardware: its
 * *virtual* CS (RPL 0 for the kernel, not the real RPL 1) and its virtual
 * EFLAGS (its own IF and IOPL).  When the guest later returns with IRET to
 * that RPL-0 CS, the real CPU at CPL 1 refuses (#GP), and the VMM emulates
 * the IRET (vmm_far.c): ring aliasing kept invisible.
 */
#include "sim.h"
#include "vm.h"
#include "vmm/vmm_priv.h"

/* ---- interrupt delivery --------------------------------------------------- */

struct fault {
	int vector;
	uint32_t error;
};

static int raise(struct fault *f, int vector, uint32_t error)
{
	f->vector = vector;
	f->error = error;
	return -1;
}

static int deliver_once(struct vcpu *v, int vector, enum deliver_kind kind,
			bool has_error, uint32_t error, uint32_t return_eip,
			struct fault *f)
{
	uint32_t ext = kind == DELIVER_SOFT ? 0 : 1;
	uint32_t idt_err = (uint32_t)vector * 8 + 2 + ext;
	uint64_t raw;
	struct x86_desc gate, code, stack;
	struct vmm_target t;
	struct vmm_stack s;
	uint32_t old_flags;
	uint16_t sel, new_ss = 0;
	int new_ring, size;

	if ((uint32_t)vector * 8 + 7 > v->virt.idt_limit)
		return raise(f, X86_GP, idt_err);
	raw = (uint64_t)vmm_read32(v, v->virt.idt_base + vector * 8) |
	      (uint64_t)vmm_read32(v, v->virt.idt_base + vector * 8 + 4) << 32;
	x86_desc_decode(raw, &gate);
	if (gate.s || (gate.type != X86_SYS_INTGATE32 &&
		       gate.type != X86_SYS_TRAPGATE32 &&
		       gate.type != X86_SYS_INTGATE16 &&
		       gate.type != X86_SYS_TRAPGATE16))
		return raise(f, X86_GP, idt_err);	/* task gates: not modelled */
	if (kind == DELIVER_SOFT && gate.dpl < v->vring)
		return raise(f, X86_GP, idt_err);
	if (!gate.p)
		return raise(f, X86_NP, idt_err);
	sel = gate.gate_sel;
	if (!vmm_guest_desc(v, sel, &raw))
		return raise(f, X86_GP, (sel & ~3u) + ext);
	x86_desc_decode(raw, &code);
	if (!x86_desc_is_code(&code) || code.dpl > v->vring)
		return raise(f, X86_GP, (sel & ~3u) + ext);
	if (!code.p)
		return raise(f, X86_NP, (sel & ~3u) + ext);
	new_ring = (code.type & X86_TYPE_CONFORMING) ? v->vring : code.dpl;
	size = (gate.type & 8) ? 4 : 2;

	/* the frame holds the guest's view: its CS, SS and EFLAGS */
	vmm_current_target(v, &t);
	old_flags = t.eflags;
	if (new_ring < v->vring) {
		/* inner ring: switch to the stack the guest's TSS names */
		if (!vmm_tss_stack(v, new_ring, &new_ss, &s.esp))
			return raise(f, X86_TS, (v->virt.tr & ~3u) | ext);
		if ((new_ss & ~3u) == 0)
			return raise(f, X86_TS, ext);
		if (!vmm_guest_desc(v, new_ss, &raw))
			return raise(f, X86_TS, (new_ss & ~3u) + ext);
		x86_desc_decode(raw, &stack);
		if (!x86_desc_is_data(&stack) ||
		    !(stack.type & X86_TYPE_WRITABLE) ||
		    stack.dpl != new_ring || X86_SEL_RPL(new_ss) != (unsigned)new_ring)
			return raise(f, X86_TS, (new_ss & ~3u) + ext);
		if (!stack.p)
			return raise(f, X86_SS, (new_ss & ~3u) + ext);
		vmm_stack_at(&s, &stack, s.esp);
		vmm_push(v, &s, t.ss, size);
		vmm_push(v, &s, t.esp, size);
		t.ss = new_ss;
	} else if (!v->run.stub_armed) {
		vmm_stack_of(v, &s);
	} else {	/* the stack the stub is to load, not the CPU's */
		if (!vmm_guest_desc(v, t.ss, &raw))
			return raise(f, X86_SS, 0);
		x86_desc_decode(raw, &stack);
		vmm_stack_at(&s, &stack, t.esp);
	}
	vmm_push(v, &s, old_flags, size);
	vmm_push(v, &s, t.cs, size);
	vmm_push(v, &s, return_eip, size);
	if (has_error)
		vmm_push(v, &s, error, size);

	t.eip = size == 4 ? gate.gate_off : gate.gate_off & 0xffff;
	t.cs = (uint16_t)((sel & ~3u) | (unsigned)new_ring);
	t.esp = s.esp;
	t.eflags &= ~(X86_FL_TF | X86_FL_NT | X86_FL_RF | X86_FL_VM);
	if (gate.type == X86_SYS_INTGATE32 || gate.type == X86_SYS_INTGATE16)
		t.eflags &= ~X86_FL_IF;	/* interrupt gates mask interrupts */
	vmm_switch(v, &t);
	return 0;
}

/* Exceptions that count double (SDM 3A table 6-5). */
static bool contributory(int vector)
{
	return vector == X86_DE || (vector >= X86_TS && vector <= X86_GP);
}

static bool makes_double_fault(int first, int second)
{
	if (contributory(first))
		return contributory(second);
	if (first == X86_PF)
		return contributory(second) || second == X86_PF;
	return false;
}

/* vmm_deliver's work: the vector, or the fault delivering it raises. */
static bool deliver(struct vcpu *v, int vector, enum deliver_kind kind,
		    bool has_error, uint32_t error, uint32_t return_eip,
		    uint32_t fault_eip)
{
	struct fault f, g;

	if (deliver_once(v, vector, kind, has_error, error, return_eip, &f) == 0)
		return true;
	/* delivery itself faulted: the fault saves the faulting EIP */
	if (vector == X86_DF)
		goto triple;
	if (makes_double_fault(vector, f.vector)) {
		f.vector = X86_DF;
		f.error = 0;
	}
	if (deliver_once(v, f.vector, DELIVER_EXCEPTION,
			 x86_vector_has_error_code(f.vector), f.error,
			 fault_eip, &g) == 0)
		return true;
	if (f.vector != X86_DF &&
	    deliver_once(v, X86_DF, DELIVER_EXCEPTION, true, 0, fault_eip,
			 &g) == 0)
		return true;
triple:
	/*
	 * A real CPU shuts down and the board resets it; QEMU's -no-reboot
	 * (the reference set-up) turns that into power-off.
	 */
	vm_power_off(v->vm, POWER_TRIPLE_FAULT, fault_eip);
	vmm_stop_soon(v);
	return false;
}

bool vmm_deliver(struct vcpu *v, int vector, enum deliver_kind kind,
		 bool has_error, uint32_t error, uint32_t return_eip,
		 uint32_t fault_eip)
{
	struct vmm_for acting;
	bool resumes;

	vmm_for_guest(v, NULL, fault_eip, &acting);	/* the CPU's work */
	if (kind != DELIVER_SOFT)	/* (INT n's is the instruction's) */
		v->run.for_guest.delivery = true;
	resumes = deliver(v, vector, kind, has_error, error, return_eip,
			  fault_eip);
	vmm_for_done(v, &acting);
	return resumes;
}
