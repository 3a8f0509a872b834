/*
 * vmm_guard.c - the VMM's area is out of the guest's reach.
 *
 * A deprivileging VMM lives in the guest's own address space: ringside's
 * keeps its real GDT, LDT, TSS, the stub that changes privilege levels
 * and (under binary translation) the translation cache in the top 4 MiB
 * (vmm.h).  VMware hid that area by truncating every guest segment below
 * it, so a guest access there is a #GP the VMM sees [Adams & Agesen,
 * ASPLOS 2006, sec. 3.2; Bugnion et al., TOCS 2012, sec. 6.2].  Unicorn,
 * like QEMU's TCG, does not check segment limits, so the VMM checks each
 * access to the area itself (cpu.h, the guard hook) and lets through only
 * its own:
 *   - the stub, run when the VMM switches rings (switch_via_stub arms
 *     it; a jump there is refused when it is not armed), and what the
 *     stub and its far call and IRET read and write;
 *   - under binary translation, the translation cache, run as such;
 *   - the CPU reading a descriptor the VMM copied from the guest's own
 *     tables (a segment load, a far jump through the guest's gate), and
 *     setting that descriptor's accessed bit;
 *   - the CPU reading the real TSS for an inner ring's stack.
 * Anything else is the guest touching memory that, on the reference PC
 * (QEMU), does not exist: the run stops as for any address with no memory
 * behind it (vmm_after_run), with the address the guest used, and the VMM
 * rebuilds its tables in case a refused store got through.
 *
 * What is left: a guest read of a shadow descriptor of its own (or of the
 * real TSS) reads the VMM's copy, where QEMU reads nothing (docs/fidelity.md).
 */
#include <string.h>

#include "cpu/cpu.h"
#include "vm.h"
#include "vmm/bt.h"
#include "vmm/vmm_priv.h"

static bool in_stub(uint32_t off)
{
	return off >= VMM_STUB_OFF && off < VMM_STUB_OFF + 0x1000;
}

/* A descriptor the VMM copied from the guest's GDT or LDT. */
static bool guest_descriptor(const struct vcpu *v, uint32_t off)
{
	/* (the GDT is at VMM_GDT_OFF, 0) */
	if (off < 8 * v->run.gdt_shadowed)
		return off >= 8;			/* not the null one */
	return off >= VMM_LDT_OFF && off < VMM_LDT_OFF + 8 * v->run.ldt_shadowed;
}

/* The CPU setting a descriptor's accessed bit (type bit 0, bit 40). */
static bool accessed_bit(const struct vcpu *v, uint32_t off, int size,
			 uint32_t value)
{
	uint32_t old;

	if (size != 4 || (off & 7) != 4)
		return false;
	memcpy(&old, v->vmm_area + off, 4);
	return !(old & 0x100) && value == (old | 0x100);
}

bool vmm_guard_fetch(struct vcpu *v, uint32_t addr, uint32_t size)
{
	uint32_t off = addr - VMM_BASE;

	if (addr < VMM_BASE)
		return true;
	if (off >= BT_TC_OFF && v->run.in_bt)
		return true;	/* translated code, run as translated code */
	if (!in_stub(off) || !v->run.stub_armed) {
		vm_power_off(v->vm, POWER_BAD_MEMORY, addr);
		vmm_stop_soon(v);
		return false;
	}
	if (off + size > VMM_STUB_OFF + VMM_STUB_IRET)
		v->run.stub_armed = false;	/* its last instruction */
	return true;
}

int vmm_guard(void *ctx, uint32_t addr, int size, int access, uint32_t value)
{
	struct vcpu *v = ctx;
	uint32_t off = addr - VMM_BASE;

	if (in_stub(cpu_reg(v->cpu, X86R_EIP) - VMM_BASE))
		return 0;	/* the stub's own far call, loads and IRET */
	if (guest_descriptor(v, off))
		return access == CPU_ACCESS_READ ? 0
						 : !accessed_bit(v, off, size, value);
	if (access == CPU_ACCESS_READ && off >= VMM_TSS_OFF &&
	    off < VMM_TSS_OFF + 0x68)
		return 0;	/* an inner ring's SS:ESP, for a gate */
	return 1;
}
