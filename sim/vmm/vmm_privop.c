/*
 * vmm_privop.c - the VMM emulating the privileged instructions.
 *
 * Each handler does to the *virtual* CPU what the instruction would have
 * done to a real one at ring 0.  The real CPU is touched only where the
 * hardware must enforce what the guest asked for: the VMM mirrors CR0.TS
 * and CR0.EM (so the FPU faults when the guest expects it to) and loads the
 * shadow copies of the guest's descriptor tables.  Behaviour the Intel SDM
 * leaves to the implementation follows QEMU 7.2, the reference machine:
 * unknown MSRs read as 0 and ignore writes; CR0.ET always reads as 1.
 */
#include "vmm/cost.h"
#include "vm.h"
#include "vmm/vmm_privop.h"
#include "vmm/vmm_priv.h"

/* CR0 bits the guest sees that the real CPU must also have. */
#define CR0_MIRRORED (X86_CR0_TS | X86_CR0_EM)
/* The VMM's own CR0: protected mode, native FPU error reporting. */
#define CR0_VMM (X86_CR0_PE | X86_CR0_ET | X86_CR0_NE | X86_CR0_MP)
/* CR4 bits a guest may set (those of QEMU's default i386 CPU). */
#define CR4_VALID 0x000007ffu
#define CR4_MIRRORED (X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)

static const uint32_t msr_numbers[VMSR_COUNT] = {
	[VMSR_TSC] = 0x010, [VMSR_APIC_BASE] = 0x01b,
	[VMSR_SYSENTER_CS] = 0x174, [VMSR_SYSENTER_ESP] = 0x175,
	[VMSR_SYSENTER_EIP] = 0x176, [VMSR_PAT] = 0x277,
	[VMSR_EFER] = 0xc0000080u,
};

uint32_t vmm_privop_msr_number(enum vcpu_msr m)
{
	return (unsigned)m < VMSR_COUNT ? msr_numbers[m] : 0;
}

int vmm_privop_msr_slot(uint32_t number)
{
	for (int i = 0; i < VMSR_COUNT; i++)
		if (msr_numbers[i] == number)
			return i;
	return -1;
}

void vmm_privop_sync_control(struct vcpu *v)
{
	cpu_set_reg(v->cpu, X86R_CR0, CR0_VMM | (v->virt.cr0 & CR0_MIRRORED));
	cpu_set_reg(v->cpu, X86R_CR4, X86_CR4_TSD |
		    (v->virt.cr4 & CR4_MIRRORED));
}

static void fault(struct privop_outcome *out, int vector, uint32_t error)
{
	out->result = PRIVOP_FAULT;
	out->vector = vector;
	out->error = error;
}

static uint32_t *cr_slot(struct vcpu *v, enum x86_register r)
{
	switch (r) {
	case X86R_CR0: return &v->virt.cr0;
	case X86R_CR2: return &v->virt.cr2;
	case X86R_CR3: return &v->virt.cr3;
	case X86R_CR4: return &v->virt.cr4;
	default: return NULL;
	}
}

static void write_cr(struct vcpu *v, enum x86_register r, uint32_t val,
		     struct privop_outcome *out)
{
	uint32_t *slot = cr_slot(v, r);

	if (slot == NULL) {
		fault(out, X86_UD, 0);
		return;
	}
	out->before = *slot;
	if (r == X86R_CR0) {
		if (((val & X86_CR0_PG) && !(val & X86_CR0_PE)) ||
		    ((val & X86_CR0_NW) && !(val & X86_CR0_CD))) {
			fault(out, X86_GP, 0);
			return;
		}
		val |= X86_CR0_ET;	/* hardwired on every CPU since the 486 */
	}
	if (r == X86R_CR4 && (val & ~CR4_VALID)) {
		fault(out, X86_GP, 0);
		return;
	}
	*slot = val;
	out->after = val;
	if (r == X86R_CR0 || r == X86R_CR4)
		vmm_privop_sync_control(v);
}

static uint32_t *dr_slot(struct vcpu *v, enum x86_register r)
{
	switch (r) {
	case X86R_DR0: return &v->virt.dr[0];
	case X86R_DR1: return &v->virt.dr[1];
	case X86R_DR2: return &v->virt.dr[2];
	case X86R_DR3: return &v->virt.dr[3];
	/* DR4 and DR5 are old names of DR6 and DR7, unless CR4.DE forbids them */
	case X86R_DR4: return v->virt.cr4 & X86_CR4_DE ? NULL : &v->virt.dr[6];
	case X86R_DR5: return v->virt.cr4 & X86_CR4_DE ? NULL : &v->virt.dr[7];
	case X86R_DR6: return &v->virt.dr[6];
	case X86R_DR7: return &v->virt.dr[7];
	default: return NULL;
	}
}

/* LGDT / LIDT m16&32: a 16-bit limit then a 32-bit base. */
static void load_table(struct vcpu *v, const struct x86_instruction *in,
		       struct privop_outcome *out)
{
	uint32_t a = vmm_operand_addr(v, &in->ops[0]);
	uint16_t limit = vmm_read16(v, a);
	uint32_t base = vmm_read32(v, a + 2);

	if (in->opsize == 2)
		base &= 0x00ffffff;	/* 16-bit operand: 24-bit base */
	if (in->op == X86_OP_LGDT) {
		v->virt.gdt_base = base;
		v->virt.gdt_limit = limit;
		vmm_shadow_gdt(v);
	} else {
		v->virt.idt_base = base;
		v->virt.idt_limit = limit;
	}
	out->before = base;
	out->after = limit;
}

/*
 * LLDT and LTR name a descriptor in the GDT; check it as the CPU would
 * (SDM 3A, LLDT/LTR instruction pages).  Returns false after a fault.
 */
static bool system_desc(struct vcpu *v, uint16_t sel, bool tss,
			struct x86_desc *d, struct privop_outcome *out)
{
	uint64_t raw;

	if (X86_SEL_TI(sel) || !vmm_guest_desc(v, sel, &raw)) {
		fault(out, X86_GP, sel & ~3u);
		return false;
	}
	x86_desc_decode(raw, d);
	if (d->s || (tss ? d->type != X86_SYS_TSS32_AVAIL &&
			   d->type != X86_SYS_TSS16_AVAIL
			 : d->type != X86_SYS_LDT)) {
		fault(out, X86_GP, sel & ~3u);
		return false;
	}
	if (!d->p) {
		fault(out, X86_NP, sel & ~3u);
		return false;
	}
	return true;
}

static void load_ldt(struct vcpu *v, const struct x86_instruction *in,
		     struct privop_outcome *out)
{
	uint16_t sel = (uint16_t)vmm_operand_read(v, &in->ops[0]);
	struct x86_desc d;

	out->before = v->virt.ldtr;
	if ((sel & ~3u) == 0) {	/* a null selector disables the LDT */
		v->virt.ldtr = 0;
		v->virt.ldt_base = v->virt.ldt_limit = 0;
	} else {
		if (!system_desc(v, sel, false, &d, out))
			return;
		v->virt.ldtr = sel;
		v->virt.ldt_base = d.base;
		v->virt.ldt_limit = d.limit;
	}
	vmm_shadow_ldt(v);
	out->after = sel;
}

static void load_tr(struct vcpu *v, const struct x86_instruction *in,
		    struct privop_outcome *out)
{
	uint16_t sel = (uint16_t)vmm_operand_read(v, &in->ops[0]);
	struct x86_desc d;
	uint32_t hi_addr;

	out->before = v->virt.tr;
	if ((sel & ~3u) == 0) {
		fault(out, X86_GP, 0);
		return;
	}
	if (!system_desc(v, sel, true, &d, out))
		return;
	/* LTR marks the TSS busy in the guest's GDT, as the CPU does */
	hi_addr = v->virt.gdt_base + X86_SEL_INDEX(sel) * 8 + 4;
	vmm_write32(v, hi_addr, vmm_read32(v, hi_addr) | (2u << 8));
	v->virt.tr = sel;
	v->virt.tr_base = d.base;
	v->virt.tr_limit = d.limit;
	vmm_shadow_tss(v);
	out->after = sel;
}

static void rdmsr(struct vcpu *v, struct privop_outcome *out)
{
	uint32_t num = cpu_reg(v->cpu, X86R_ECX);
	int slot = vmm_privop_msr_slot(num);
	uint64_t val = 0;

	if (slot == VMSR_TSC)
		val = v->stats.cycles + v->virt.tsc_offset;
	else if (num == APIC_MSR_TSC_DEADLINE)
		val = apic_tsc_deadline_read(v);	/* the APIC's */
	else if (slot >= 0)
		val = v->virt.msr[slot];
	cpu_set_reg(v->cpu, X86R_EAX, (uint32_t)val);
	cpu_set_reg(v->cpu, X86R_EDX, (uint32_t)(val >> 32));
	out->before = num;
	out->after = (uint32_t)val;
}

static void wrmsr(struct vcpu *v, struct privop_outcome *out)
{
	uint32_t num = cpu_reg(v->cpu, X86R_ECX);
	uint64_t val = (uint64_t)cpu_reg(v->cpu, X86R_EDX) << 32 |
		       cpu_reg(v->cpu, X86R_EAX);
	int slot = vmm_privop_msr_slot(num);

	if (slot == VMSR_TSC)
		v->virt.tsc_offset = val - v->stats.cycles;
	else if (num == APIC_MSR_TSC_DEADLINE) {
		apic_tsc_deadline_write(v, val, v->stats.cycles +
					v->virt.tsc_offset, vmm_now_ns(v));
		apic_advance(v, vmm_now_ns(v));	/* passed: due now */
		vmm_irq_apic_written(v);
	}
	else if (slot == VMSR_APIC_BASE)
		apic_base_write(v, val);
	else if (slot >= 0)
		v->virt.msr[slot] = val;
	out->before = num;
	out->after = (uint32_t)val;
}

void vmm_privop_emulate(struct vcpu *v, const struct x86_instruction *in,
			 struct privop_outcome *out)
{
	struct vcpu_virt *vv = &v->virt;
	uint32_t *slot;

	out->result = PRIVOP_DONE;
	out->vector = 0;
	out->error = 0;
	out->before = out->after = 0;
	switch ((enum x86_op)in->op) {
	case X86_OP_CLI:
	case X86_OP_STI:
		out->before = vv->iflag;
		vv->iflag = in->op == X86_OP_STI;
		out->after = vv->iflag;
		break;
	case X86_OP_HLT:
		out->result = PRIVOP_HALT;
		out->before = out->after = vv->iflag;
		break;
	case X86_OP_LGDT:
	case X86_OP_LIDT:
		load_table(v, in, out);
		break;
	case X86_OP_LLDT:
		load_ldt(v, in, out);
		break;
	case X86_OP_LTR:
		load_tr(v, in, out);
		break;
	case X86_OP_LMSW:
		/* loads PE MP EM TS; can set PE but never clear it */
		out->before = vv->cr0;
		vv->cr0 = (vv->cr0 & ~0xeu) |
			  (vmm_operand_read(v, &in->ops[0]) & 0xfu);
		out->after = vv->cr0;
		vmm_privop_sync_control(v);
		break;
	case X86_OP_CLTS:
		out->before = vv->cr0;
		vv->cr0 &= ~X86_CR0_TS;
		out->after = vv->cr0;
		vmm_privop_sync_control(v);
		break;
	case X86_OP_MOV_TO_CR:
		write_cr(v, (enum x86_register)in->ops[0].reg,
			 vmm_operand_read(v, &in->ops[1]), out);
		break;
	case X86_OP_MOV_FROM_CR:
		slot = cr_slot(v, (enum x86_register)in->ops[1].reg);
		if (slot == NULL) {
			fault(out, X86_UD, 0);
			break;
		}
		vmm_operand_write(v, &in->ops[0], *slot);
		out->before = out->after = *slot;
		break;
	case X86_OP_MOV_TO_DR:
	case X86_OP_MOV_FROM_DR:
		slot = dr_slot(v, (enum x86_register)in->ops[in->op ==
					X86_OP_MOV_TO_DR ? 0 : 1].reg);
		if (slot == NULL) {
			fault(out, X86_UD, 0);
			break;
		}
		out->before = *slot;
		if (in->op == X86_OP_MOV_TO_DR)
			*slot = vmm_operand_read(v, &in->ops[1]);
		else
			vmm_operand_write(v, &in->ops[0], *slot);
		out->after = *slot;
		break;
	case X86_OP_INVD:
	case X86_OP_WBINVD:
	case X86_OP_INVLPG:
		/* caches and TLBs are the VMM's; nothing for the guest to see */
		break;
	case X86_OP_RDMSR:
		rdmsr(v, out);
		break;
	case X86_OP_WRMSR:
		wrmsr(v, out);
		break;
	default:
		/* SYSEXIT and others not modelled: the guest sees #UD */
		fault(out, X86_UD, 0);
		break;
	}
}
