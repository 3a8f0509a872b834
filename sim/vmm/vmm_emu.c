/*
 * vmm_emu.c - doing an instruction the way ring-0 hardware would, from the
 * guest's virtual state.
 *
 * Trap-and-emulate needs this for the privileged instructions (they trap)
 * and for the few sensitive ones that trap because of ring aliasing (the kernel's RPL-0
 * selectors at real CPL 1).
 * Binary translation and the hardware-assist model need it for *every*
 * privileged and sensitive instruction: the translator turns them into
 * calls to this code, so PUSHF shows the virtual IF, SGDT the guest's own
 * GDTR, MOV from CS the guest's RPL 0 - the answers trap-and-emulate gets
 * wrong.  Where the SDM leaves a choice, this follows QEMU 7.2, the
 * reference machine (target/i386/tcg/seg_helper.c, translate.c).
 *
 * Segment loads and far transfers are in vmm_far.c.
 */
#include <string.h>

#include "sim.h"
#include "status.h"
#include "vm.h"
#include "vmm/vmm_privop.h"
#include "vmm/vmm_priv.h"

/* Flags POPF and IRET load at any privilege (the rest: IF, IOPL, VM...). */
#define FL_ORDINARY (X86_FL_CF | X86_FL_PF | X86_FL_AF | X86_FL_ZF | \
		     X86_FL_SF | X86_FL_TF | X86_FL_DF | X86_FL_OF | X86_FL_NT)

/* ---- privileged instructions and I/O -------------------------------------- */

static void privileged(struct vcpu *v, const struct x86_instruction *in,
		       struct emu *out)
{
	struct privop_outcome o;

	if (!vmm_ring_allows(v, CLASS_PRIVILEGED, in)) {
		emu_fault(out, X86_GP, 0);
		return;
	}
	if (in->op == X86_OP_SYSEXIT) {	/* a control transfer */
		vmm_emu_sysexit(v, out);
		return;
	}
	vmm_privop_emulate(v, in, &o);
	out->a = o.before;
	out->b = o.after;
	if (o.result == PRIVOP_FAULT)
		emu_fault(out, o.vector, o.error);
	else if (o.result == PRIVOP_HALT)
		out->result = EMU_HALT;
}

/* The port of IN/OUT: an immediate, or DX. */
static uint16_t port_operand(struct vcpu *v, const struct x86_operand *op)
{
	if (op->kind == X86_OPND_IMM)
		return (uint16_t)op->imm;
	return (uint16_t)cpu_reg(v->cpu, X86R_DX);
}

uint16_t vmm_insn_port(struct vcpu *v, const struct x86_instruction *in)
{
	switch ((enum x86_op)in->op) {
	case X86_OP_IN: return port_operand(v, &in->ops[1]);
	case X86_OP_OUT: return port_operand(v, &in->ops[0]);
	default: return (uint16_t)cpu_reg(v->cpu, X86R_DX);	/* INS, OUTS */
	}
}

/* Step ESI or EDI by size, backwards when EFLAGS.DF is set. */
static void string_step(struct vcpu *v, enum x86_register r, int size)
{
	uint32_t d = (cpu_reg(v->cpu, X86R_EFLAGS) & X86_FL_DF) ?
		     (uint32_t)-size : (uint32_t)size;

	cpu_set_reg(v->cpu, r, cpu_reg(v->cpu, r) + d);
}

static void port_io(struct vcpu *v, const struct block_insn *bi,
		    const struct x86_instruction *in, struct emu *out)
{
	const struct x86_operand *m = &in->ops[in->op == X86_OP_INS ? 0 : 1];
	uint32_t count, value;
	uint16_t port;
	int size;

	if (!vmm_ring_allows(v, CLASS_IO, in)) {
		emu_fault(out, X86_GP, 0);
		return;
	}
	switch (in->op) {
	case X86_OP_IN:
		size = in->ops[0].size;
		value = vmm_port_in(v, bi, port_operand(v, &in->ops[1]), size);
		vmm_operand_write(v, &in->ops[0], value);
		break;
	case X86_OP_OUT:
		size = in->ops[1].size;
		vmm_port_out(v, bi, port_operand(v, &in->ops[0]), size,
			     vmm_operand_read(v, &in->ops[1]));
		break;
	case X86_OP_INS:	/* ins m, dx: ES:[EDI] <- port DX */
	case X86_OP_OUTS:	/* outs dx, m: port DX <- DS:[ESI] */
		/*
		 * One element per run of the instruction.  With REP the CPU
		 * repeats the instruction in place, one iteration at a time,
		 * and may take an interrupt between two (SDM 2B, REP): so
		 * does the VMM, and every iteration counts as an instruction
		 * for every bound (--max-insns, the slice), as it does when
		 * the CPU runs the string directly (trap-and-emulate).
		 */
		if (in->rep && cpu_reg(v->cpu, X86R_ECX) == 0)
			break;
		size = m->size;
		port = (uint16_t)cpu_reg(v->cpu, X86R_DX);
		if (in->op == X86_OP_INS) {
			value = vmm_port_in(v, bi, port, size);
			vmm_operand_write(v, m, value);
			string_step(v, X86R_EDI, size);
		} else {
			vmm_port_out(v, bi, port, size, vmm_operand_read(v, m));
			string_step(v, X86R_ESI, size);
		}
		if (!in->rep)
			break;
		count = cpu_reg(v->cpu, X86R_ECX) - 1;
		cpu_set_reg(v->cpu, X86R_ECX, count);
		/* paused (a disk write held, storage.h): the rest of the
		   string waits at the instruction too, for a Retry */
		if (count > 0 && (v->vm->state == VM_ON ||
				  v->vm->state == VM_PAUSED)) {
			out->result = EMU_JUMP;		/* the next iteration */
			vmm_current_target(v, &out->target);
			out->target.eip = in->addr;
		}
		break;
	default:
		break;
	}
}

/*
 * UD2, or bytes the decoder could not read (the translator calls the VMM
 * for those).  An x86 instruction is at most 15 bytes: a longer one
 * (prefixes repeated) is #GP(0) (SDM 2A 2.3.11), and so on QEMU
 * (target/i386/tcg/translate.c, advance_pc); anything else is #UD.
 */
static bool legacy_prefix(uint8_t b)
{
	return b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3 ||
	       b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 ||
	       b == 0x65;
}

static void undecoded(struct vcpu *v, const struct x86_instruction *in,
		      struct emu *out)
{
	uint8_t bytes[16];
	uint32_t p = 0;
	const struct block *b;

	vmm_peek_guest(v, in->addr, bytes, sizeof bytes);
	while (p < 15 && legacy_prefix(bytes[p]))
		p++;
	b = p > 0 && p < 15 ? blockcache_get(v->vm->code, in->addr + p, 0) : NULL;
	if (p == 15 || (b != NULL && b->n > 0 && !(b->flags & BLOCK_UNDECODED) &&
			p + b->insns[0].x.len > 15))
		emu_fault(out, X86_GP, 0);
	else
		emu_fault(out, X86_UD, 0);
}

/* ---- flags ------------------------------------------------------------------- */

static void pushf(struct vcpu *v, const struct x86_instruction *in)
{
	struct vmm_stack s;

	vmm_stack_of(v, &s);
	vmm_push(v, &s, vmm_guest_eflags(v) & ~(X86_FL_VM | X86_FL_RF),
		 in->opsize);
	cpu_set_reg(v->cpu, X86R_ESP, s.esp);
}

/*
 * POPF loads what the current ring may change: IF only where the ring is
 * within IOPL, IOPL only at ring 0, the rest everywhere (SDM 2B POPF).  At
 * CPL 1 the real CPU would silently drop IF and IOPL; here they reach the
 * virtual state.
 */
static void popf(struct vcpu *v, const struct x86_instruction *in)
{
	struct vmm_stack s;
	uint32_t val, mask = FL_ORDINARY, real;

	vmm_stack_of(v, &s);
	val = vmm_pop(v, &s, in->opsize);
	cpu_set_reg(v->cpu, X86R_ESP, s.esp);
	if (in->opsize == 4)
		mask |= X86_FL_AC | X86_FL_ID;
	else
		mask &= 0xffff;
	real = cpu_reg(v->cpu, X86R_EFLAGS);
	cpu_set_reg(v->cpu, X86R_EFLAGS, (real & ~mask) | (val & mask));
	if (v->vring <= v->virt.iopl)
		v->virt.iflag = (val & X86_FL_IF) != 0;
	if (v->vring == 0)
		v->virt.iopl = (uint8_t)((val & X86_FL_IOPL) >> X86_FL_IOPL_SHIFT);
}

static void set_zf(struct vcpu *v, bool on)
{
	uint32_t fl = cpu_reg(v->cpu, X86R_EFLAGS);

	cpu_set_reg(v->cpu, X86R_EFLAGS,
		    on ? fl | X86_FL_ZF : fl & ~X86_FL_ZF);
}

/* ---- reading system registers: the holes, answered from the virtual state */

/* SGDT/SIDT m: 16-bit limit, then the base (24 bits with a 16-bit operand). */
static void store_table(struct vcpu *v, const struct x86_instruction *in)
{
	uint32_t a = vmm_operand_addr(v, &in->ops[0]);
	uint16_t limit = in->op == X86_OP_SGDT ? v->virt.gdt_limit
					       : v->virt.idt_limit;
	uint32_t base = in->op == X86_OP_SGDT ? v->virt.gdt_base
					      : v->virt.idt_base;
	uint8_t b[2] = { (uint8_t)limit, (uint8_t)(limit >> 8) };

	if (in->opsize == 2)
		base &= 0x00ffffff;
	vmm_write_guest(v, a, b, 2);
	vmm_write32(v, a + 2, base);
}

/*
 * SLDT, STR, SMSW, MOV from a segment register: a register destination
 * takes the value zero-extended to its size, memory takes 16 bits (the
 * operand's own size says which).
 */
static void store_small(struct vcpu *v, const struct x86_instruction *in,
			uint32_t value)
{
	if (in->ops[0].kind == X86_OPND_MEM && in->ops[0].size > 2) {
		struct x86_operand m = in->ops[0];

		m.size = 2;
		vmm_operand_write(v, &m, value);
	} else {
		vmm_operand_write(v, &in->ops[0], value);
	}
}

/* The guest's view of a segment register. */
static uint16_t guest_sreg(struct vcpu *v, enum x86_register r)
{
	if (r == X86R_CS)
		return vmm_guest_cs(v);
	if (r == X86R_SS)
		return vmm_guest_ss(v);
	return (uint16_t)cpu_reg(v->cpu, r);
}

/*
 * LAR, LSL, VERR, VERW: may the current ring use this selector, and how?
 * Answered from the guest's own descriptor at the guest's own ring (QEMU's
 * helper_lar/lsl/verr/verw), where the real CPU would consult the shadow
 * (DPL moved out, limit cut) at CPL 1.
 */
static void selector_query(struct vcpu *v, const struct x86_instruction *in)
{
	const struct x86_operand *src = &in->ops[in->op == X86_OP_LAR ||
						in->op == X86_OP_LSL ? 1 : 0];
	uint16_t sel = (uint16_t)vmm_operand_read(v, src);
	unsigned rpl = X86_SEL_RPL(sel), cpl = (unsigned)v->vring;
	uint64_t raw;
	struct x86_desc d;
	bool ok = false, rights;
	uint32_t e2;

	if ((sel & ~3u) == 0 || !vmm_guest_desc(v, sel, &raw))
		goto done;
	x86_desc_decode(raw, &d);
	e2 = (uint32_t)(raw >> 32);
	rights = d.dpl >= cpl && d.dpl >= rpl;
	switch ((enum x86_op)in->op) {
	case X86_OP_LAR:
	case X86_OP_LSL:
		if (d.s)
			ok = (x86_desc_is_code(&d) &&
			      (d.type & X86_TYPE_CONFORMING)) || rights;
		else if (in->op == X86_OP_LSL)
			ok = rights && (d.type == 1 || d.type == 2 ||
					d.type == 3 || d.type == 9 ||
					d.type == 11);
		else
			ok = rights && (d.type == 1 || d.type == 2 ||
					d.type == 3 || d.type == 4 ||
					d.type == 5 || d.type == 9 ||
					d.type == 11 || d.type == 12);
		if (ok)
			vmm_operand_write(v, &in->ops[0],
					  in->op == X86_OP_LAR ? e2 & 0x00f0ff00
							       : d.limit);
		break;
	case X86_OP_VERR:
		if (!d.s)
			break;
		if (x86_desc_is_code(&d))
			ok = (d.type & X86_TYPE_READABLE) &&
			     ((d.type & X86_TYPE_CONFORMING) || rights);
		else
			ok = rights;
		break;
	case X86_OP_VERW:
		ok = d.s && x86_desc_is_data(&d) && rights &&
		     (d.type & X86_TYPE_WRITABLE);
		break;
	default:
		break;
	}
done:
	set_zf(v, ok);
}

static void push_sreg(struct vcpu *v, const struct x86_instruction *in)
{
	struct vmm_stack s;

	vmm_stack_of(v, &s);
	vmm_push(v, &s, guest_sreg(v, (enum x86_register)in->ops[0].reg),
		 in->opsize);
	cpu_set_reg(v->cpu, X86R_ESP, s.esp);
}

/* RDTSC: the virtual time-stamp counter, which counts simulated cycles. */
static void rdtsc(struct vcpu *v, struct emu *out)
{
	uint64_t tsc = v->stats.cycles + v->virt.tsc_offset;

	if ((v->virt.cr4 & X86_CR4_TSD) && v->vring > 0) {
		emu_fault(out, X86_GP, 0);
		return;
	}
	cpu_set_reg(v->cpu, X86R_EAX, (uint32_t)tsc);
	cpu_set_reg(v->cpu, X86R_EDX, (uint32_t)(tsc >> 32));
	out->a = (uint32_t)tsc;
	out->b = (uint32_t)(tsc >> 32);
}

/*
 * RDPMC, once the VMM has it: the guest's own #GP outside ring 0 without
 * CR4.PCE was reflected before (vmm_ring_allows).  ringside's virtual CPU,
 * like QEMU's (helper_rdpmc: "currently unimplemented"), has no
 * performance counters to read, so the guest gets #UD, in every mode.
 */
static void rdpmc(struct emu *out)
{
	emu_fault(out, X86_UD, 0);
}

/*
 * CPUID: the virtual CPU's identity.  ringside's VMM passes the
 * processor's answers through (cpu_cpuid_of, the same the CPU gives under
 * te), as ESX passed the host's features, so a guest sees the same CPU in
 * every mode.  Leaf 1 reports the initial APIC ID, the vCPU's number,
 * fixed at reset: not the ID register, which the guest may rewrite (SDM
 * vol. 2A, CPUID; QEMU; tests/guests/apicid.S); and no APIC once the
 * guest has disabled it globally (apic_base_write; apicoff.S).
 */
static void cpuid(struct vcpu *v, struct emu *out)
{
	uint32_t r[4];

	cpu_cpuid_of(v->cpu, cpu_reg(v->cpu, X86R_EAX),
		     cpu_reg(v->cpu, X86R_ECX), r);
	out->a = cpu_reg(v->cpu, X86R_EAX);
	cpu_set_reg(v->cpu, X86R_EAX, r[0]);
	cpu_set_reg(v->cpu, X86R_EBX, r[1]);
	cpu_set_reg(v->cpu, X86R_ECX, r[2]);
	cpu_set_reg(v->cpu, X86R_EDX, r[3]);
	out->b = r[0];
}

void vmm_emulate(struct vcpu *v, const struct block_insn *bi,
		 const struct x86_instruction *in, struct emu *out)
{
	memset(out, 0, sizeof *out);
	switch (classify_op((enum x86_op)in->op)) {
	case CLASS_PRIVILEGED:
		privileged(v, in, out);
		return;
	case CLASS_IO:
		port_io(v, bi, in, out);
		return;
	default:
		break;
	}
	switch ((enum x86_op)in->op) {
	case X86_OP_PUSHF: pushf(v, in); break;
	case X86_OP_POPF: popf(v, in); break;
	case X86_OP_SGDT:
	case X86_OP_SIDT: store_table(v, in); break;
	case X86_OP_SLDT: store_small(v, in, v->virt.ldtr); break;
	case X86_OP_STR: store_small(v, in, v->virt.tr); break;
	case X86_OP_SMSW: store_small(v, in, v->virt.cr0); break;
	case X86_OP_LAR:
	case X86_OP_LSL:
	case X86_OP_VERR:
	case X86_OP_VERW: selector_query(v, in); break;
	case X86_OP_PUSH_SREG: push_sreg(v, in); break;
	case X86_OP_MOV_FROM_SREG:
		store_small(v, in, guest_sreg(v, (enum x86_register)in->ops[1].reg));
		break;
	case X86_OP_POP_SREG:
	case X86_OP_MOV_TO_SREG:
	case X86_OP_LOAD_FAR_PTR: vmm_emu_load_seg(v, in, out); break;
	case X86_OP_CALL_FAR:
	case X86_OP_JMP_FAR:
	case X86_OP_RET_FAR:
	case X86_OP_IRET: vmm_emu_far(v, in, out); break;
	case X86_OP_INT:
		out->result = EMU_INT;
		out->vector = (int)(in->ops[0].imm & 0xff);
		break;
	case X86_OP_INT3:
		out->result = EMU_INT;
		out->vector = X86_BP;
		break;
	case X86_OP_INTO:
		if (cpu_reg(v->cpu, X86R_EFLAGS) & X86_FL_OF) {
			out->result = EMU_INT;
			out->vector = X86_OF;
		}
		break;
	case X86_OP_RDTSC: rdtsc(v, out); break;
	case X86_OP_SYSENTER: vmm_emu_sysenter(v, out); break;
	case X86_OP_CPUID: cpuid(v, out); break;
	case X86_OP_RDPMC: rdpmc(out); break;
	case X86_OP_UD: undecoded(v, in, out); break;
	default:
		/* anything unknown: not modelled */
		emu_fault(out, X86_UD, 0);
		break;
	}
}
