/*
 * vmm_deliver.c - doing what the CPU would have done.
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
 * the IRET (vmm_trap.c): ring compression kept invisible.
 */
#include <string.h>

#include "cost.h"
#include "sim.h"
#include "vm.h"
#include "vmm_priv.h"

/* ---- guest memory ------------------------------------------------------ */

void vmm_read_guest(struct vcpu *v, uint32_t addr, void *buf, uint32_t n)
{
	struct vm *vm = v->vm;
	uint8_t *out = buf;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t a = addr + i;	/* wraps at 4 GiB, as the CPU does */

		out[i] = a < vm->ram_size ? vm->ram[a] : 0xff;
	}
}

uint32_t vmm_read32(struct vcpu *v, uint32_t addr)
{
	uint8_t b[4];

	vmm_read_guest(v, addr, b, 4);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

uint16_t vmm_read16(struct vcpu *v, uint32_t addr)
{
	uint8_t b[2];

	vmm_read_guest(v, addr, b, 2);
	return (uint16_t)(b[0] | b[1] << 8);
}

void vmm_write_guest(struct vcpu *v, uint32_t addr, const void *buf,
		     uint32_t n)
{
	struct vm *vm = v->vm;
	const uint8_t *in = buf;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t a = addr + i;

		if (a < vm->ram_size)
			vm->ram[a] = in[i];
	}
	/* the VMM's stores bypass the CPU's write hook: tell the caches */
	vm_touch(vm, addr, n);
	if (blockcache_note_write(vm->code, addr, (int)n))
		for (int i = 0; i < vm->nvcpus; i++)
			cpu_invalidate_code(vm->vcpu[i]->cpu, addr, n);
	vmm_shadow_note_write(v, addr, (int)n);
}

void vmm_write32(struct vcpu *v, uint32_t addr, uint32_t value)
{
	uint8_t b[4] = { (uint8_t)value, (uint8_t)(value >> 8),
			 (uint8_t)(value >> 16), (uint8_t)(value >> 24) };

	vmm_write_guest(v, addr, b, 4);
}

/* ---- the guest's descriptors and operands ------------------------------- */

bool vmm_guest_desc(struct vcpu *v, uint16_t sel, uint64_t *raw)
{
	uint32_t base, limit, off = X86_SEL_INDEX(sel) * 8u;

	if (X86_SEL_TI(sel)) {
		if ((v->virt.ldtr & ~3u) == 0)
			return false;
		base = v->virt.ldt_base;
		limit = v->virt.ldt_limit;
	} else {
		if (X86_SEL_INDEX(sel) == 0)
			return false;	/* the null selector */
		base = v->virt.gdt_base;
		limit = v->virt.gdt_limit;
	}
	if (off + 7 > limit)
		return false;
	*raw = (uint64_t)vmm_read32(v, base + off) |
	       (uint64_t)vmm_read32(v, base + off + 4) << 32;
	return true;
}

uint32_t vmm_seg_base(struct vcpu *v, enum x86_register seg)
{
	uint64_t raw;
	struct x86_desc d;

	if (!vmm_guest_desc(v, (uint16_t)cpu_reg(v->cpu, seg), &raw))
		return 0;
	x86_desc_decode(raw, &d);
	return d.base;
}

uint32_t vmm_operand_addr(struct vcpu *v, const struct x86_operand *op)
{
	uint32_t a = (uint32_t)op->disp;
	enum x86_register seg = (enum x86_register)op->seg;

	if (op->base != X86R_NONE)
		a += cpu_reg(v->cpu, (enum x86_register)op->base);
	if (op->index != X86R_NONE)
		a += cpu_reg(v->cpu, (enum x86_register)op->index) * op->scale;
	if (seg == X86R_NONE)	/* default segment: SS for stack bases */
		seg = op->base == X86R_ESP || op->base == X86R_EBP ?
		      X86R_SS : X86R_DS;
	return a + vmm_seg_base(v, seg);
}

uint32_t vmm_operand_read(struct vcpu *v, const struct x86_operand *op)
{
	uint32_t a;

	switch (op->kind) {
	case X86_OPND_REG:
		return cpu_reg(v->cpu, (enum x86_register)op->reg);
	case X86_OPND_IMM:
		return (uint32_t)op->imm;
	case X86_OPND_MEM:
		a = vmm_operand_addr(v, op);
		if (op->size == 1) {
			uint8_t b;

			vmm_read_guest(v, a, &b, 1);
			return b;
		}
		return op->size == 2 ? vmm_read16(v, a) : vmm_read32(v, a);
	default:
		return 0;
	}
}

void vmm_operand_write(struct vcpu *v, const struct x86_operand *op,
		       uint32_t value)
{
	uint8_t b[4] = { (uint8_t)value, (uint8_t)(value >> 8),
			 (uint8_t)(value >> 16), (uint8_t)(value >> 24) };

	if (op->kind == X86_OPND_REG)
		cpu_set_reg(v->cpu, (enum x86_register)op->reg, value);
	else if (op->kind == X86_OPND_MEM)
		vmm_write_guest(v, vmm_operand_addr(v, op), b,
				op->size ? op->size : 4);
}

/* ---- privilege switches -------------------------------------------------- */

void vmm_current_target(struct vcpu *v, struct vmm_target *t)
{
	t->eip = cpu_reg(v->cpu, X86R_EIP);
	t->esp = cpu_reg(v->cpu, X86R_ESP);
	t->eflags = cpu_reg(v->cpu, X86R_EFLAGS);
	t->cs = (uint16_t)cpu_reg(v->cpu, X86R_CS);
	t->ss = (uint16_t)cpu_reg(v->cpu, X86R_SS);
	t->ds = (uint16_t)cpu_reg(v->cpu, X86R_DS);
	t->es = (uint16_t)cpu_reg(v->cpu, X86R_ES);
	t->fs = (uint16_t)cpu_reg(v->cpu, X86R_FS);
	t->gs = (uint16_t)cpu_reg(v->cpu, X86R_GS);
}

/*
 * CPL 1 holds only the guest kernel and CPL 3 only user code; CPL 2 holds
 * guest rings 1 and 2, told apart by the DPL of the guest's own
 * descriptor for CS.
 */
int vmm_vring_at(struct vcpu *v, int cpl, uint16_t cs)
{
	uint64_t raw;

	if (cpl <= 1)
		return 0;
	if (cpl == 3)
		return 3;
	if (vmm_guest_desc(v, cs, &raw) && x86_raw_dpl(raw) == 1)
		return 1;
	return 2;
}

static void set_seg(struct vcpu *v, enum x86_register r, uint16_t sel)
{
	if (cpu_reg(v->cpu, r) == sel)
		return;
	if (cpu_set_reg(v->cpu, r, sel) != 0)
		cpu_set_reg(v->cpu, r, 0);	/* not loadable here: null */
}

/*
 * Through the stub: from the current ring, a far call through the VMM's
 * call gate reaches ring 0 in the VMM's area; there the stub loads the
 * data segments and IRETs to the target frame the VMM wrote.  IRET from
 * ring 0 may enter any outer ring, and nulls data segments the new ring
 * may not use, exactly as for the guest's own IRET.
 */
static void switch_via_stub(struct vcpu *v, const struct vmm_target *t)
{
	uint32_t frame = VMM_FRAME_OFF;
	static const uint16_t stub_cs[4] = {
		VMM_SEL_CS0, VMM_SEL_CS1, VMM_SEL_CS2, VMM_SEL_CS3
	};
	uint32_t vals[9] = { t->eip, t->cs, t->eflags, t->esp, t->ss,
			     t->ds, t->es, t->fs, t->gs };
	int cur = cpu_cpl(v->cpu);

	memcpy(v->vmm_area + frame, vals, sizeof vals);
	cpu_set_reg(v->cpu, X86R_CS, stub_cs[cur]);
	cpu_set_reg(v->cpu, X86R_EIP, VMM_BASE + VMM_STUB_OFF +
		    (cur == 0 ? VMM_STUB_GATE : VMM_STUB_LCALL));
	v->stats.ring_switches++;
	vmm_charge(v, COST_RING_SWITCH);
}

void vmm_switch(struct vcpu *v, const struct vmm_target *t)
{
	int cur = cpu_cpl(v->cpu), tgt = t->cs & 3, old = v->vring;
	bool direct = tgt == cur;

	vmm_sync_counters(v);	/* counted so far in the old ring */
	if (direct && cpu_reg(v->cpu, X86R_CS) != t->cs &&
	    cpu_set_reg(v->cpu, X86R_CS, t->cs) != 0)
		direct = false;		/* e.g. execute-only code: use IRET */
	if (direct) {
		cpu_set_reg(v->cpu, X86R_EFLAGS, t->eflags);
		cpu_set_reg(v->cpu, X86R_ESP, t->esp);
		set_seg(v, X86R_SS, t->ss);
		set_seg(v, X86R_DS, t->ds);
		set_seg(v, X86R_ES, t->es);
		set_seg(v, X86R_FS, t->fs);
		set_seg(v, X86R_GS, t->gs);
		cpu_set_reg(v->cpu, X86R_EIP, t->eip);
	} else {
		switch_via_stub(v, t);
	}
	v->cpl = tgt;
	v->vring = vmm_vring_at(v, tgt, t->cs);
	if (v->vring != old) {
		struct event ev = { .kind = EV_RING };

		ev.u.ring.from = (uint8_t)old;
		ev.u.ring.to = (uint8_t)v->vring;
		ev.u.ring.cpl = (uint8_t)tgt;
		ev.u.ring.eip = t->eip;
		vm_emit(v->vm, v->id, &ev);
	}
}

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

/* Push a 16- or 32-bit value on a stack with the given segment base. */
static void push(struct vcpu *v, uint32_t ss_base, uint32_t *esp,
		 uint32_t value, int size)
{
	*esp -= (uint32_t)size;
	if (size == 4) {
		vmm_write32(v, ss_base + *esp, value);
	} else {
		uint8_t b[2] = { (uint8_t)value, (uint8_t)(value >> 8) };

		vmm_write_guest(v, ss_base + *esp, b, 2);
	}
}

/* The guest's stack for ring `ring`, from its TSS (SDM 3A 7.2.1). */
static int tss_stack(struct vcpu *v, int ring, uint32_t ext, uint16_t *ss,
		     uint32_t *esp, struct fault *f)
{
	struct vcpu_virt *vv = &v->virt;
	uint32_t off = 4 + 8u * (uint32_t)ring;

	if ((vv->tr & ~3u) == 0 || off + 5 > vv->tr_limit)
		return raise(f, X86_TS, (vv->tr & ~3u) | ext);
	*esp = vmm_read32(v, vv->tr_base + off);
	*ss = vmm_read16(v, vv->tr_base + off + 4);
	return 0;
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
	uint32_t ss_base, esp, old_esp, old_flags;
	uint16_t sel, old_cs, old_ss, new_ss = 0;
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

	vmm_current_target(v, &t);
	old_flags = vmm_guest_eflags(v);
	old_cs = (uint16_t)((t.cs & ~3u) | (uint32_t)v->vring);
	old_ss = (uint16_t)((t.ss & ~3u) | (uint32_t)v->vring);
	old_esp = t.esp;
	if (new_ring < v->vring) {
		/* inner ring: switch to the stack the guest's TSS names */
		if (tss_stack(v, new_ring, ext, &new_ss, &esp, f) != 0)
			return -1;
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
		ss_base = stack.base;
		push(v, ss_base, &esp, old_ss, size);
		push(v, ss_base, &esp, old_esp, size);
		t.ss = (uint16_t)((new_ss & ~3u) | (uint32_t)vmm_real_cpl(new_ring));
	} else {
		ss_base = vmm_seg_base(v, X86R_SS);
		esp = old_esp;
	}
	push(v, ss_base, &esp, old_flags, size);
	push(v, ss_base, &esp, old_cs, size);
	push(v, ss_base, &esp, return_eip, size);
	if (has_error)
		push(v, ss_base, &esp, error, size);

	t.eip = size == 4 ? gate.gate_off : gate.gate_off & 0xffff;
	t.cs = (uint16_t)((sel & ~3u) | (uint32_t)vmm_real_cpl(new_ring));
	t.esp = esp;
	t.eflags &= ~(X86_FL_TF | X86_FL_NT | X86_FL_RF | X86_FL_VM);
	if (gate.type == X86_SYS_INTGATE32 || gate.type == X86_SYS_INTGATE16)
		v->virt.iflag = false;	/* interrupt gates mask interrupts */
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

bool vmm_deliver(struct vcpu *v, int vector, enum deliver_kind kind,
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
