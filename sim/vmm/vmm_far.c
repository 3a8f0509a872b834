/*
 * vmm_far.c - segment loads and far transfers, done for the guest.
 *
 * These are the "protection-system" sensitive instructions: what they do
 * depends on the current privilege level, so a guest kernel deprivileged
 * to CPL 1 sees them behave differently (MOV SS with its RPL-0 selector
 * faults; a far call pushes CS with RPL 1; IRET cannot set IF).  Done here
 * with the guest's own ring and descriptors, they behave as on a real
 * ring-0 CPU.  The checks and their error codes follow QEMU's
 * helper_load_seg, helper_ljmp_protected, helper_lcall_protected and
 * helper_ret_protected (Intel SDM 2A/2B, instruction pages).
 *
 * Not modelled: task gates and TSS targets (hardware task switches),
 * returns to virtual-8086 mode, nested-task IRET.  The guest gets #GP.
 */
#include "vm.h"
#include "vmm/vmm_priv.h"

#define IRET_FLAGS (X86_FL_TF | X86_FL_AC | X86_FL_ID | X86_FL_RF | X86_FL_NT)
#define ARITH_FLAGS (X86_FL_CF | X86_FL_PF | X86_FL_AF | X86_FL_ZF | \
		     X86_FL_SF | X86_FL_OF | X86_FL_DF)

/* The guest's descriptor for sel, or false if it has none. */
static bool desc_of(struct vcpu *v, uint16_t sel, struct x86_desc *d,
		    uint64_t *rawp)
{
	uint64_t raw;

	if ((sel & ~3u) == 0 || !vmm_guest_desc(v, sel, &raw))
		return false;
	x86_desc_decode(raw, d);
	if (rawp)
		*rawp = raw;
	return true;
}

/* Set the accessed bit of a descriptor, as the CPU does on a load. */
static void mark_accessed(struct vcpu *v, uint16_t sel, uint64_t raw)
{
	uint32_t base = X86_SEL_TI(sel) ? v->virt.ldt_base : v->virt.gdt_base;
	uint32_t hi = (uint32_t)(raw >> 32);

	if (!(hi & 0x100))
		vmm_write32(v, base + X86_SEL_INDEX(sel) * 8 + 4, hi | 0x100);
}

/* ---- loading DS ES FS GS SS -------------------------------------------- */

/* helper_load_seg's checks at the guest's ring; 0 or the fault's vector. */
static int check_load(struct vcpu *v, enum x86_register seg, uint16_t sel,
		      uint64_t *raw, uint32_t *err)
{
	unsigned cpl = (unsigned)v->vring, rpl = X86_SEL_RPL(sel);
	struct x86_desc d;

	*err = sel & ~3u;
	if ((sel & ~3u) == 0) {
		*err = 0;
		return seg == X86R_SS ? X86_GP : 0;	/* null: SS refuses */
	}
	if (!desc_of(v, sel, &d, raw) || !d.s)
		return X86_GP;
	if (seg == X86R_SS) {
		if (x86_desc_is_code(&d) || !(d.type & X86_TYPE_WRITABLE) ||
		    rpl != cpl || d.dpl != cpl)
			return X86_GP;
	} else {
		if (x86_desc_is_code(&d) && !(d.type & X86_TYPE_READABLE))
			return X86_GP;
		if ((!x86_desc_is_code(&d) || !(d.type & X86_TYPE_CONFORMING)) &&
		    (d.dpl < cpl || d.dpl < rpl))
			return X86_GP;
	}
	if (!d.p)
		return seg == X86R_SS ? X86_SS : X86_NP;
	return 0;
}

/* Load a segment register the guest's way; false after a fault. */
static bool load(struct vcpu *v, enum x86_register seg, uint16_t sel,
		 struct emu *out)
{
	uint64_t raw = 0;
	uint32_t err;
	int vec = check_load(v, seg, sel, &raw, &err);

	if (vec != 0) {
		emu_fault(out, vec, err);
		return false;
	}
	if (sel & ~3u)
		mark_accessed(v, sel, raw);
	out->a = sel;		/* what the guest loaded ... */
	/* SS carries the real CPL in its RPL; data selectors load as they are */
	if (seg == X86R_SS)
		sel = (uint16_t)((sel & ~3u) | (unsigned)vmm_real_cpl(v->vring));
	cpu_set_reg(v->cpu, seg, sel);
	out->b = sel;		/* ... and what the real CPU holds */
	return true;
}

/* The LDS LES LFS LGS LSS opcodes, by their second opcode byte. */
static enum x86_register far_ptr_seg(const struct x86_instruction *in)
{
	for (int i = 0; i + 1 < in->len; i++) {
		if (in->bytes[i] == 0xc5)
			return X86R_DS;
		if (in->bytes[i] == 0xc4)
			return X86R_ES;
		if (in->bytes[i] == 0x0f) {
			switch (in->bytes[i + 1]) {
			case 0xb2: return X86R_SS;
			case 0xb4: return X86R_FS;
			case 0xb5: return X86R_GS;
			default: break;
			}
		}
	}
	return X86R_NONE;
}

void vmm_emu_load_seg(struct vcpu *v, const struct x86_instruction *in,
		      struct emu *out)
{
	struct vmm_stack s;
	enum x86_register seg;
	uint32_t a, off;

	switch ((enum x86_op)in->op) {
	case X86_OP_MOV_TO_SREG:
		load(v, (enum x86_register)in->ops[0].reg,
		     (uint16_t)vmm_operand_read(v, &in->ops[1]), out);
		break;
	case X86_OP_POP_SREG:
		vmm_stack_of(v, &s);
		if (load(v, (enum x86_register)in->ops[0].reg,
			 (uint16_t)vmm_pop(v, &s, in->opsize), out))
			cpu_set_reg(v->cpu, X86R_ESP, s.esp);
		break;
	case X86_OP_LOAD_FAR_PTR:	/* r32, m16:32: offset then selector */
		seg = far_ptr_seg(in);
		a = vmm_operand_addr(v, &in->ops[1]);
		off = in->opsize == 4 ? vmm_read32(v, a) : vmm_read16(v, a);
		if (seg != X86R_NONE &&
		    load(v, seg, vmm_read16(v, a + in->opsize), out))
			vmm_operand_write(v, &in->ops[0], off);
		break;
	default:
		break;
	}
}

/* ---- far JMP and CALL ---------------------------------------------------- */

/* The selector:offset a far JMP or CALL names (ptr16:32 or m16:32). */
static void far_operand(struct vcpu *v, const struct x86_instruction *in,
			uint16_t *sel, uint32_t *off)
{
	uint32_t a;

	if (in->nops >= 2 && in->ops[0].kind == X86_OPND_IMM) {
		*sel = (uint16_t)in->ops[0].imm;
		*off = (uint32_t)in->ops[1].imm;
		return;
	}
	a = vmm_operand_addr(v, &in->ops[0]);
	*off = in->opsize == 4 ? vmm_read32(v, a) : vmm_read16(v, a);
	*sel = vmm_read16(v, a + in->opsize);
}

/* A code segment a far JMP/CALL may enter without a gate. */
static int check_direct_code(struct vcpu *v, uint16_t sel,
			     const struct x86_desc *d, uint32_t off)
{
	unsigned cpl = (unsigned)v->vring;

	if (!x86_desc_is_code(d))
		return X86_GP;
	if (d->type & X86_TYPE_CONFORMING) {
		if (d->dpl > cpl)
			return X86_GP;
	} else if (X86_SEL_RPL(sel) > cpl || d->dpl != cpl) {
		return X86_GP;
	}
	if (!d->p)
		return X86_NP;
	if (off > d->limit)
		return -1;		/* #GP(0) */
	return 0;
}

/*
 * The stack of an inner ring for a call gate: from the TSS, and it must be
 * a writable data segment of that ring; false after a #TS.
 */
static bool inner_stack(struct vcpu *v, unsigned ring, uint16_t *ss,
			uint32_t *esp, struct x86_desc *sd, struct emu *out)
{
	if (!vmm_tss_stack(v, (int)ring, ss, esp)) {
		emu_fault(out, X86_TS, v->virt.tr & ~3u);
		return false;
	}
	if ((*ss & ~3u) == 0 || X86_SEL_RPL(*ss) != ring ||
	    !desc_of(v, *ss, sd, NULL) || sd->dpl != ring || !sd->s ||
	    x86_desc_is_code(sd) || !(sd->type & X86_TYPE_WRITABLE) || !sd->p) {
		emu_fault(out, X86_TS, *ss & ~3u);
		return false;
	}
	return true;
}

static void far_jmp_call(struct vcpu *v, const struct x86_instruction *in,
			 struct emu *out)
{
	bool call = in->op == X86_OP_CALL_FAR;
	unsigned cpl = (unsigned)v->vring, dpl, rpl;
	uint32_t off, next = in->addr + in->len;
	struct x86_desc d, cd, sd;
	struct vmm_stack s;
	uint16_t sel, target_cs, new_ss;
	uint64_t gate_raw = 0;
	int size = in->opsize, vec;

	far_operand(v, in, &sel, &off);
	vmm_current_target(v, &out->target);
	if ((sel & ~3u) == 0 || !desc_of(v, sel, &d, &gate_raw)) {
		emu_fault(out, X86_GP, (sel & ~3u) == 0 ? 0 : sel & ~3u);
		return;
	}
	vmm_stack_of(v, &s);
	if (d.s) {		/* straight to a code segment */
		vec = check_direct_code(v, sel, &d, off);
		if (vec != 0) {
			emu_fault(out, vec < 0 ? X86_GP : vec,
				  vec < 0 ? 0 : sel & ~3u);
			return;
		}
		target_cs = (uint16_t)((sel & ~3u) | cpl);
	} else {		/* through a call gate */
		dpl = d.dpl;
		rpl = X86_SEL_RPL(sel);
		if ((d.type != X86_SYS_CALLGATE32 &&
		     d.type != X86_SYS_CALLGATE16) || dpl < cpl || dpl < rpl) {
			emu_fault(out, X86_GP, sel & ~3u);
			return;
		}
		if (!d.p) {
			emu_fault(out, X86_NP, sel & ~3u);
			return;
		}
		size = d.type == X86_SYS_CALLGATE32 ? 4 : 2;
		off = size == 4 ? d.gate_off : d.gate_off & 0xffff;
		sel = d.gate_sel;
		if ((sel & ~3u) == 0 || !desc_of(v, sel, &cd, NULL) ||
		    !x86_desc_is_code(&cd)) {
			emu_fault(out, X86_GP, sel & ~3u);
			return;
		}
		dpl = cd.dpl;
		if (call ? dpl > cpl
			 : ((cd.type & X86_TYPE_CONFORMING) ? dpl > cpl
							     : dpl != cpl)) {
			emu_fault(out, X86_GP, sel & ~3u);
			return;
		}
		if (!cd.p) {
			emu_fault(out, call ? X86_NP : X86_GP, sel & ~3u);
			return;
		}
		if (call && !(cd.type & X86_TYPE_CONFORMING) && dpl < cpl) {
			/* to an inner ring: the TSS's stack, parameters copied */
			unsigned count = (unsigned)(gate_raw >> 32) & 0x1f;
			struct vmm_stack old = s;
			uint32_t new_esp;

			if (!inner_stack(v, dpl, &new_ss, &new_esp, &sd, out))
				return;
			vmm_stack_at(&s, &sd, new_esp);
			vmm_push(v, &s, out->target.ss, size);
			vmm_push(v, &s, old.esp, size);
			for (unsigned i = count; i-- > 0;) {
				uint32_t a = vmm_stack_addr(&old, (uint32_t)size * i);

				vmm_push(v, &s, size == 4 ? vmm_read32(v, a) :
					 vmm_read16(v, a), size);
			}
			out->target.ss = (uint16_t)((new_ss & ~3u) | dpl);
			cpl = dpl;
		}
		if (off > cd.limit) {
			emu_fault(out, X86_GP, 0);
			return;
		}
		target_cs = (uint16_t)((sel & ~3u) | cpl);
	}
	if (call) {
		vmm_push(v, &s, vmm_guest_cs(v), size);
		vmm_push(v, &s, next, size);
	}
	out->target.cs = target_cs;
	out->target.eip = size == 4 ? off : off & 0xffff;
	out->target.esp = s.esp;
	out->result = EMU_JUMP;
	out->a = out->target.eip;
	out->b = target_cs;
}

/* ---- far RET and IRET ---------------------------------------------------- */

/*
 * IRET with NT set returns from a nested task: to the TSS whose selector
 * is the back link, the first word of the current TSS.  A link in the LDT
 * or to anything but a busy TSS is #TS(link) (SDM 2A IRET; QEMU 7.2
 * helper_iret_protected, the reference); the task switch itself is not
 * modelled (#GP(0)).
 */
static void task_return(struct vcpu *v, struct emu *out)
{
	uint16_t link = vmm_read16(v, v->virt.tr_base);
	struct x86_desc d;

	if (X86_SEL_TI(link) || !desc_of(v, link, &d, NULL) || d.s ||
	    (d.type & 7) != 3)
		emu_fault(out, X86_TS, link & 0xfffc);
	else
		emu_fault(out, X86_GP, 0);	/* a task switch: not modelled */
}

/*
 * Returning to an outer ring, the CPU nulls data segment registers the new
 * ring may not use (QEMU's validate_seg): judged by the guest's DPLs.
 */
static uint16_t outer_seg(struct vcpu *v, uint16_t sel, unsigned ring,
			  bool fs_gs)
{
	struct x86_desc d;

	if ((sel & ~3u) == 0)
		return fs_gs ? sel : 0;
	if (!desc_of(v, sel, &d, NULL))
		return sel;
	if ((!x86_desc_is_code(&d) || !(d.type & X86_TYPE_CONFORMING)) &&
	    d.dpl < ring)
		return 0;
	return sel;
}

static void far_return(struct vcpu *v, const struct x86_instruction *in,
		       struct emu *out)
{
	bool iret = in->op == X86_OP_IRET;
	uint32_t addend = !iret && in->nops && in->ops[0].kind == X86_OPND_IMM ?
			  (uint32_t)in->ops[0].imm : 0;
	unsigned cpl = (unsigned)v->vring, rpl;
	struct vmm_target *t = &out->target;
	uint32_t eip, flags = 0, mask, err;
	struct x86_desc d, sd;
	struct vmm_stack s, outer;
	uint16_t cs, ss;
	int size = in->opsize;

	vmm_current_target(v, t);
	if (iret && (t->eflags & X86_FL_NT)) {
		task_return(v, out);
		return;
	}
	vmm_stack_of(v, &s);
	eip = vmm_pop(v, &s, size);
	cs = (uint16_t)vmm_pop(v, &s, size);
	if (iret) {
		flags = vmm_pop(v, &s, size);
		if (size == 4 && (flags & X86_FL_VM)) {
			emu_fault(out, X86_GP, 0);	/* virtual-8086: not modelled */
			return;
		}
	}
	rpl = X86_SEL_RPL(cs);
	err = cs & ~3u;
	if ((cs & ~3u) == 0 || !desc_of(v, cs, &d, NULL) ||
	    !x86_desc_is_code(&d) || rpl < cpl ||
	    ((d.type & X86_TYPE_CONFORMING) ? d.dpl > rpl : d.dpl != rpl)) {
		emu_fault(out, X86_GP, err);
		return;
	}
	if (!d.p) {
		emu_fault(out, X86_NP, err);
		return;
	}
	vmm_stack_add(&s, addend);
	if (rpl > cpl) {	/* to an outer ring: its stack comes back too */
		t->esp = vmm_pop(v, &s, size);
		ss = (uint16_t)vmm_pop(v, &s, size);
		if ((ss & ~3u) == 0 || X86_SEL_RPL(ss) != rpl ||
		    !desc_of(v, ss, &sd, NULL) || !sd.s ||
		    x86_desc_is_code(&sd) || !(sd.type & X86_TYPE_WRITABLE) ||
		    sd.dpl != rpl) {
			emu_fault(out, X86_GP, ss & ~3u);
			return;
		}
		if (!sd.p) {
			emu_fault(out, X86_NP, ss & ~3u);
			return;
		}
		vmm_stack_at(&outer, &sd, t->esp);
		vmm_stack_add(&outer, addend);
		t->esp = outer.esp;
		t->ss = ss;
		t->ds = outer_seg(v, t->ds, rpl, false);
		t->es = outer_seg(v, t->es, rpl, false);
		t->fs = outer_seg(v, t->fs, rpl, true);
		t->gs = outer_seg(v, t->gs, rpl, true);
	} else {
		t->esp = s.esp;
	}
	if (iret) {
		/* what the returning ring may change (QEMU's eflags_mask) */
		mask = IRET_FLAGS | ARITH_FLAGS;
		if (cpl == 0)
			mask |= X86_FL_IOPL;
		if (cpl <= v->virt.iopl)
			mask |= X86_FL_IF;
		if (size == 2)
			mask &= 0xffff;
		t->eflags = (t->eflags & ~mask) | (flags & mask);
	}
	t->cs = cs;
	t->eip = size == 2 ? eip & 0xffff : eip;
	out->result = EMU_JUMP;
	out->a = t->eip;
	out->b = cs;
}

void vmm_emu_far(struct vcpu *v, const struct x86_instruction *in,
		 struct emu *out)
{
	if (in->op == X86_OP_CALL_FAR || in->op == X86_OP_JMP_FAR)
		far_jmp_call(v, in, out);
	else
		far_return(v, in, out);
}

/*
 * SYSENTER and SYSEXIT (Intel SDM vol. 2B): the fast system-call pair.
 * They load flat segments fixed by IA32_SYSENTER_CS rather than reading
 * descriptors: SYSENTER CS = MSR & ~3, SS = CS + 8, ESP and EIP from their
 * MSRs, and clears IF, RF and VM; SYSEXIT (ring 0 only) CS = MSR + 16 and
 * SS = MSR + 24 with RPL 3, EIP = EDX, ESP = ECX.  A zero CS MSR is #GP(0).
 * As QEMU does (seg_helper.c, helper_sysenter and helper_sysexit).
 */
void vmm_emu_sysenter(struct vcpu *v, struct emu *out)
{
	uint16_t cs = (uint16_t)v->virt.msr[VMSR_SYSENTER_CS];

	if ((cs & 0xfffc) == 0) {
		emu_fault(out, X86_GP, 0);
		return;
	}
	vmm_current_target(v, &out->target);
	out->target.cs = cs & 0xfffc;
	out->target.ss = (uint16_t)((cs + 8) & 0xfffc);
	out->target.esp = (uint32_t)v->virt.msr[VMSR_SYSENTER_ESP];
	out->target.eip = (uint32_t)v->virt.msr[VMSR_SYSENTER_EIP];
	out->target.eflags &= ~(X86_FL_VM | X86_FL_IF | X86_FL_RF);
	out->a = out->target.eip;
	out->b = out->target.cs;
	out->result = EMU_JUMP;
}

void vmm_emu_sysexit(struct vcpu *v, struct emu *out)
{
	uint16_t cs = (uint16_t)v->virt.msr[VMSR_SYSENTER_CS];

	if ((cs & 0xfffc) == 0) {
		emu_fault(out, X86_GP, 0);
		return;
	}
	vmm_current_target(v, &out->target);
	out->target.cs = (uint16_t)((cs + 16) | 3);
	out->target.ss = (uint16_t)((cs + 24) | 3);
	out->target.eip = cpu_reg(v->cpu, X86R_EDX);
	out->target.esp = cpu_reg(v->cpu, X86R_ECX);
	out->a = out->target.eip;
	out->b = out->target.cs;
	out->result = EMU_JUMP;
}
