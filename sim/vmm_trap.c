/*
 * vmm_trap.c - what the VMM does when the hardware hands it control.
 *
 * Every exception and every INT n lands in vmm_exception_hook().  The VMM
 * finds the instruction responsible and decides, as a real VMM must:
 *
 *   INT n, INT3, INTO         deliver through the guest's IDT (the hardware
 *                             never reads it: the VMM owns the real one)
 *   #GP on a privileged       at virtual ring 0: the VMKernel virtualizes
 *   instruction               it; anywhere else: the guest's own #GP
 *   #GP on IRET, far RET,     ring compression showing through (the guest
 *   MOV/POP/LSS to SS         kernel's RPL-0 selectors at real CPL 1): the
 *                             VMM performs the instruction itself
 *   #GP on RDTSC              time is virtual: the VMM answers
 *   anything else             the guest's own fault: reflect it
 *
 * The dispatch is a switch over these cases (the shape of xv6's syscall
 * table): each branch is one policy a student can read on its own.
 */
#include "cost.h"
#include "vm.h"
#include "vmkernel.h"
#include "vmm_priv.h"

static bool is_int_op(enum x86_op op)
{
	return op == X86_OP_INT || op == X86_OP_INT3 || op == X86_OP_INTO;
}

/* Give the guest an exception as hardware would have (guest > vmm > guest). */
static void reflect(struct vcpu *v, const struct block_insn *bi, int vector,
		    uint32_t error)
{
	bool has_error = x86_vector_has_error_code(vector);
	uint32_t eip = bi ? bi->x.addr : cpu_reg(v->cpu, X86R_EIP);

	vmm_set_path(v, bi, PATH_REFLECT);
	v->stats.reflected++;
	vmm_charge(v, COST_REFLECT);
	vmm_trap_event(v, bi ? &bi->x : NULL, vector, TRAP_REFLECTED,
		       has_error, error, 0, 0);
	vmm_deliver(v, vector, DELIVER_EXCEPTION, has_error, error, eip, eip);
}

static void soft_interrupt(struct vcpu *v, const struct block_insn *bi,
			   int vector, uint32_t next_eip)
{
	vmm_set_path(v, bi, PATH_REFLECT);
	v->stats.soft_ints++;
	vmm_charge(v, COST_REFLECT);
	vmm_trap_event(v, &bi->x, vector, TRAP_SOFT_INT, false, 0,
		       next_eip, 0);
	vmm_deliver(v, vector, DELIVER_SOFT, false, 0, next_eip, bi->x.addr);
}

/* ---- privileged instructions -------------------------------------------- */

static void privileged(struct vcpu *v, const struct block_insn *bi)
{
	const struct x86_instruction *in = &bi->x;
	struct vmk_outcome out;
	bool allowed;

	/* CLI/STI obey IOPL; the others need ring 0 */
	if (in->op == X86_OP_CLI || in->op == X86_OP_STI)
		allowed = v->vring <= v->virt.iopl;
	else
		allowed = v->vring == 0;
	if (!allowed) {
		reflect(v, bi, X86_GP, 0);
		return;
	}
	vmm_set_path(v, bi, PATH_PRIVILEGED);
	v->stats.traps++;
	vmm_charge(v, COST_TRAP);
	vmkernel_virtualize(v, in, &out);
	switch (out.result) {
	case VMK_DONE:
		vmm_trap_event(v, in, X86_GP, TRAP_EMULATED, false, 0,
			       out.before, out.after);
		cpu_set_reg(v->cpu, X86R_EIP, in->addr + in->len);
		break;
	case VMK_FAULT:
		vmm_trap_event(v, in, out.vector, TRAP_REFLECTED,
			       x86_vector_has_error_code(out.vector), out.error,
			       0, 0);
		v->stats.reflected++;
		vmm_deliver(v, out.vector, DELIVER_EXCEPTION,
			    x86_vector_has_error_code(out.vector), out.error,
			    in->addr, in->addr);
		break;
	case VMK_HALT:
		vmm_trap_event(v, in, X86_GP, TRAP_HALTED, false, 0,
			       out.before, out.after);
		if (!v->virt.iflag)
			vm_power_off(v->vm, POWER_HALT, in->addr);
		else
			v->state = VCPU_HALTED;
		/* EIP moves past HLT after the run stops (not in the hook) */
		v->pending_halt = 1;
		vmm_stop_soon(v);
		break;
	}
}

/* ---- sensitive instructions that trap because of ring compression ------- */

/* A stack the VMM pops from on the guest's behalf. */
struct gstack {
	uint32_t base, esp;
	int size;		/* 2 or 4 */
};

static uint32_t pop(struct vcpu *v, struct gstack *s)
{
	uint32_t val = s->size == 4 ? vmm_read32(v, s->base + s->esp)
				    : vmm_read16(v, s->base + s->esp);

	s->esp += (uint32_t)s->size;
	return val;
}

/*
 * Check a code selector a far return (IRET, RETF) goes back to, as the
 * CPU would.  Returns 0, or the vector of the guest's fault (*err set).
 */
static int check_return_cs(struct vcpu *v, uint16_t cs, uint32_t *err)
{
	uint64_t raw;
	struct x86_desc d;
	unsigned rpl = X86_SEL_RPL(cs);

	*err = cs & ~3u;
	if ((cs & ~3u) == 0 || rpl < (unsigned)v->vring ||
	    !vmm_guest_desc(v, cs, &raw))
		return X86_GP;
	x86_desc_decode(raw, &d);
	if (!x86_desc_is_code(&d))
		return X86_GP;
	if ((d.type & X86_TYPE_CONFORMING) ? d.dpl > rpl : d.dpl != rpl)
		return X86_GP;
	if (!d.p)
		return X86_NP;
	return 0;
}

/* Check a stack selector for ring `ring`. */
static int check_ss(struct vcpu *v, uint16_t ss, unsigned ring, uint32_t *err)
{
	uint64_t raw;
	struct x86_desc d;

	*err = ss & ~3u;
	if ((ss & ~3u) == 0 || X86_SEL_RPL(ss) != ring ||
	    !vmm_guest_desc(v, ss, &raw))
		return X86_GP;
	x86_desc_decode(raw, &d);
	if (!x86_desc_is_data(&d) || !(d.type & X86_TYPE_WRITABLE) ||
	    d.dpl != ring)
		return X86_GP;
	if (!d.p)
		return X86_SS;
	return 0;
}

/*
 * Returning to an outer ring, the CPU nulls data segment registers the new
 * ring may not use (SDM 3A, IRET/RET pages): judged by the guest's DPLs.
 */
static uint16_t outer_seg(struct vcpu *v, uint16_t sel, unsigned ring)
{
	uint64_t raw;
	struct x86_desc d;

	if (!vmm_guest_desc(v, sel, &raw))
		return sel;
	x86_desc_decode(raw, &d);
	if ((x86_desc_is_data(&d) || !(d.type & X86_TYPE_CONFORMING)) &&
	    d.dpl < ring)
		return 0;
	return sel;
}

/* Finish a far return to cs:eip (and ss:esp if outer), as the CPU would. */
static void far_return(struct vcpu *v, const struct block_insn *bi,
		       uint32_t eip, uint16_t cs, uint32_t esp, uint16_t ss,
		       uint32_t real_flags)
{
	unsigned ring = X86_SEL_RPL(cs);
	int real = vmm_real_cpl((int)ring);
	struct vmm_target t;

	vmm_current_target(v, &t);
	t.eip = eip;
	t.cs = (uint16_t)((cs & ~3u) | (unsigned)real);
	t.esp = esp;
	t.eflags = real_flags;
	if (ring > (unsigned)v->vring) {
		t.ss = (uint16_t)((ss & ~3u) | (unsigned)real);
		t.ds = outer_seg(v, t.ds, ring);
		t.es = outer_seg(v, t.es, ring);
		t.fs = outer_seg(v, t.fs, ring);
		t.gs = outer_seg(v, t.gs, ring);
	}
	vmm_set_path(v, bi, PATH_REFLECT);
	v->stats.vmm_emulated++;
	vmm_charge(v, COST_TRAP);
	vmm_trap_event(v, &bi->x, X86_GP, TRAP_VMM_EMULATED, false, 0, eip, cs);
	vmm_switch(v, &t);
}

#define IRET_FLAGS (X86_FL_CF | X86_FL_PF | X86_FL_AF | X86_FL_ZF | \
		    X86_FL_SF | X86_FL_TF | X86_FL_DF | X86_FL_OF | \
		    X86_FL_NT | X86_FL_RF | X86_FL_AC | X86_FL_ID)

static bool emulate_iret(struct vcpu *v, const struct block_insn *bi)
{
	struct gstack s = { vmm_seg_base(v, X86R_SS),
			    cpu_reg(v->cpu, X86R_ESP), bi->x.opsize };
	uint32_t eip, flags, esp, real, err;
	uint16_t cs, ss = 0;
	int vec;

	if (vmm_guest_eflags(v) & X86_FL_NT)
		return false;		/* task return: not modelled */
	eip = pop(v, &s);
	cs = (uint16_t)pop(v, &s);
	flags = pop(v, &s);
	if (s.size == 2)
		flags = (vmm_guest_eflags(v) & 0xffff0000u) | (flags & 0xffff);
	if (flags & X86_FL_VM)
		return false;		/* virtual-8086 mode: not modelled */
	if ((vec = check_return_cs(v, cs, &err)) != 0) {
		reflect(v, bi, vec, err);
		return true;
	}
	esp = s.esp;
	if (X86_SEL_RPL(cs) > (unsigned)v->vring) {
		esp = pop(v, &s);
		ss = (uint16_t)pop(v, &s);
		if ((vec = check_ss(v, ss, X86_SEL_RPL(cs), &err)) != 0) {
			reflect(v, bi, vec, err);
			return true;
		}
	}
	/* IF and IOPL: only as privileged as the guest's current ring allows */
	if (v->vring <= v->virt.iopl)
		v->virt.iflag = (flags & X86_FL_IF) != 0;
	if (v->vring == 0)
		v->virt.iopl = (uint8_t)((flags & X86_FL_IOPL) >> X86_FL_IOPL_SHIFT);
	real = (flags & IRET_FLAGS) | X86_FL_RSVD1 | X86_FL_IF;
	if (s.size == 2)
		eip &= 0xffff;
	far_return(v, bi, eip, cs, esp, ss, real);
	return true;
}

static bool emulate_retf(struct vcpu *v, const struct block_insn *bi)
{
	struct gstack s = { vmm_seg_base(v, X86R_SS),
			    cpu_reg(v->cpu, X86R_ESP), bi->x.opsize };
	uint32_t imm = bi->x.nops && bi->x.ops[0].kind == X86_OPND_IMM ?
		       (uint32_t)bi->x.ops[0].imm : 0;
	uint32_t eip, esp, err;
	uint16_t cs, ss = 0;
	int vec;

	eip = pop(v, &s);
	cs = (uint16_t)pop(v, &s);
	if ((vec = check_return_cs(v, cs, &err)) != 0) {
		reflect(v, bi, vec, err);
		return true;
	}
	s.esp += imm;			/* RET imm16 releases parameters */
	esp = s.esp;
	if (X86_SEL_RPL(cs) > (unsigned)v->vring) {
		esp = pop(v, &s) + imm;
		ss = (uint16_t)pop(v, &s);
		if ((vec = check_ss(v, ss, X86_SEL_RPL(cs), &err)) != 0) {
			reflect(v, bi, vec, err);
			return true;
		}
	}
	far_return(v, bi, s.size == 2 ? eip & 0xffff : eip, cs, esp, ss,
		   cpu_reg(v->cpu, X86R_EFLAGS));
	return true;
}

static bool is_lss(const struct x86_instruction *in)
{
	for (int i = 0; i + 1 < in->len; i++)
		if (in->bytes[i] == 0x0f && in->bytes[i + 1] == 0xb2)
			return true;
	return false;
}

/*
 * MOV SS, POP SS and LSS with the guest kernel's own RPL-0 selector fault
 * at CPL 1 (SS's RPL must equal the CPL).  The VMM loads the same segment
 * with RPL 1; a later MOV from SS shows the 1 (a hole).
 */
static bool emulate_load_ss(struct vcpu *v, const struct block_insn *bi)
{
	const struct x86_instruction *in = &bi->x;
	uint32_t esp = cpu_reg(v->cpu, X86R_ESP), new_esp = esp, err, a;
	uint16_t sel;
	int vec;

	switch (in->op) {
	case X86_OP_MOV_TO_SREG:
		if (in->ops[0].reg != X86R_SS)
			return false;
		sel = (uint16_t)vmm_operand_read(v, &in->ops[1]);
		break;
	case X86_OP_POP_SREG:
		if (in->ops[0].reg != X86R_SS)
			return false;
		sel = vmm_read16(v, vmm_seg_base(v, X86R_SS) + esp);
		new_esp = esp + in->opsize;
		break;
	case X86_OP_LOAD_FAR_PTR:
		if (!is_lss(in))
			return false;
		a = vmm_operand_addr(v, &in->ops[1]);
		new_esp = in->opsize == 4 ? vmm_read32(v, a) : vmm_read16(v, a);
		sel = vmm_read16(v, a + in->opsize);
		break;
	default:
		return false;
	}
	if ((vec = check_ss(v, sel, (unsigned)v->vring, &err)) != 0) {
		reflect(v, bi, vec, err);
		return true;
	}
	vmm_set_path(v, bi, PATH_REFLECT);
	v->stats.vmm_emulated++;
	vmm_charge(v, COST_TRAP);
	vmm_trap_event(v, in, X86_GP, TRAP_VMM_EMULATED, false, 0, sel,
		       (sel & ~3u) | (unsigned)vmm_real_cpl(v->vring));
	cpu_set_reg(v->cpu, X86R_SS,
		    (sel & ~3u) | (unsigned)vmm_real_cpl(v->vring));
	cpu_set_reg(v->cpu, X86R_ESP, new_esp);
	cpu_set_reg(v->cpu, X86R_EIP, in->addr + in->len);
	return true;
}

/* RDTSC traps because the VMM keeps the real CR4.TSD set: time is virtual. */
static bool emulate_rdtsc(struct vcpu *v, const struct block_insn *bi)
{
	uint64_t tsc = v->stats.cycles + v->virt.tsc_offset;

	if ((v->virt.cr4 & X86_CR4_TSD) && v->vring > 0)
		return false;		/* the guest forbade it: its own #GP */
	vmm_set_path(v, bi, PATH_REFLECT);
	v->stats.vmm_emulated++;
	vmm_charge(v, COST_TRAP);
	vmm_trap_event(v, &bi->x, X86_GP, TRAP_VMM_EMULATED, false, 0,
		       (uint32_t)tsc, (uint32_t)(tsc >> 32));
	cpu_set_reg(v->cpu, X86R_EAX, (uint32_t)tsc);
	cpu_set_reg(v->cpu, X86R_EDX, (uint32_t)(tsc >> 32));
	cpu_set_reg(v->cpu, X86R_EIP, bi->x.addr + bi->x.len);
	return true;
}

static bool sensitive(struct vcpu *v, const struct block_insn *bi)
{
	switch ((enum x86_op)bi->x.op) {
	case X86_OP_IRET: return emulate_iret(v, bi);
	case X86_OP_RET_FAR: return emulate_retf(v, bi);
	case X86_OP_MOV_TO_SREG:
	case X86_OP_POP_SREG:
	case X86_OP_LOAD_FAR_PTR: return emulate_load_ss(v, bi);
	case X86_OP_RDTSC: return emulate_rdtsc(v, bi);
	default: return false;
	}
}

/* ---- entry points ---------------------------------------------------------- */

void vmm_handle_exception(struct vcpu *v, const struct block_insn *bi,
			  int vector, uint32_t error, uint32_t eip)
{
	if (bi && is_int_op((enum x86_op)bi->x.op) &&
	    eip == bi->x.addr + bi->x.len) {
		soft_interrupt(v, bi, vector, eip);
		return;
	}
	if (vector == X86_GP && bi != NULL) {
		if (bi->cls == CLASS_PRIVILEGED) {
			privileged(v, bi);
			return;
		}
		if (bi->cls == CLASS_SENSITIVE && sensitive(v, bi))
			return;
	}
	reflect(v, bi, vector, error);
}

/* Is the exception at eip the INT n that the block or step ends with? */
static bool soft_int_at(struct vcpu *v, uint32_t eip)
{
	const struct block_insn *bi = v->step_insn;

	if (bi == NULL && v->cur != NULL && v->cur->n > 0)
		bi = &v->cur->insns[v->cur->n - 1];
	return bi != NULL && is_int_op((enum x86_op)bi->x.op) &&
	       bi->x.addr + bi->x.len == eip;
}

void vmm_exception_hook(void *ctx, int vector)
{
	struct vcpu *v = ctx;
	uint32_t error = cpu_exception_ack(v->cpu);
	uint32_t eip = cpu_reg(v->cpu, X86R_EIP);
	const struct block_insn *bi;

	if (eip >= VMM_BASE) {
		/* the VMM's own stub faulted: a ringside bug, stop cleanly */
		vm_power_off(v->vm, POWER_BAD_INSN, eip);
		vmm_stop_soon(v);
		return;
	}
	bi = vmm_current_insn(v, eip, soft_int_at(v, eip));
	vmm_handle_exception(v, bi, vector, error, eip);
}

bool vmm_io_denied(struct vcpu *v)
{
	/* IOPL only: the TSS I/O permission bitmap is not modelled */
	return v->vring > v->virt.iopl;
}
