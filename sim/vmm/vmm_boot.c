/*
 * vmm_boot.c - putting a vCPU into the state a Multiboot loader leaves,
 * deprivileged.
 *
 * The CPU starts at ring 0 inside the VMM.  The VMM builds its tables,
 * records the loader's hand-over state as the guest's *virtual* state
 * (virtual CR0, GDTR, IDTR, IF = 0...), shadows the loader's GDT, and
 * leaves ring 0 for the guest kernel's entry point at real CPL 1.  From
 * then on ring 0 belongs to the VMM alone.
 */
#include <string.h>

#include "vm.h"
#include "vmm/vmm_privop.h"
#include "vmm/vmm_priv.h"

int vmm_vcpu_init(struct vcpu *v, const struct guest_boot *boot)
{
	struct vcpu_virt *vv = &v->virt;
	struct vmm_target t;

	memset(vv, 0, sizeof *vv);
	vv->cr0 = boot->cr0;
	vv->gdt_base = boot->gdt_base;
	vv->gdt_limit = boot->gdt_limit;
	vv->idt_base = boot->idt_base;
	vv->idt_limit = boot->idt_limit;
	vv->iflag = (boot->eflags & X86_FL_IF) != 0;
	vv->iopl = (uint8_t)((boot->eflags & X86_FL_IOPL) >> X86_FL_IOPL_SHIFT);
	vv->dr[6] = 0xffff0ff0u;	/* reset values (SDM 3B 17.2) */
	vv->dr[7] = 0x00000400u;
	vv->msr[VMSR_APIC_BASE] = 0xfee00900u;	/* as QEMU reports */
	vv->msr[VMSR_PAT] = 0x0007040600070406ull;

	vmm_shadow_init(v);
	vmm_privop_sync_control(v);
	vmm_shadow_gdt(v);

	cpu_set_reg(v->cpu, X86R_EAX, boot->eax);
	cpu_set_reg(v->cpu, X86R_EBX, boot->ebx);
	cpu_set_reg(v->cpu, X86R_ECX, 0);
	cpu_set_reg(v->cpu, X86R_EDX, 0);
	cpu_set_reg(v->cpu, X86R_ESI, 0);
	cpu_set_reg(v->cpu, X86R_EDI, 0);
	cpu_set_reg(v->cpu, X86R_EBP, 0);

	/* the guest's view; vmm_switch runs its ring 0 at CPL 1 */
	t.eflags = boot->eflags;
	t.eip = boot->eip;
	t.esp = 0;
	t.cs = boot->cs;
	t.ss = boot->ds;
	t.ds = t.es = t.fs = t.gs = boot->ds;
	v->vring = 0;
	v->cpl = 0;
	v->state = VCPU_RUNNING;
	vmm_switch(v, &t);
	/* leave ring 0 now: from here on the CPU is always in guest code */
	return vmm_settle(v);
}
