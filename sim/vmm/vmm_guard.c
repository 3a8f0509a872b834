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
 *   - the CPU reading a descriptor of the guest's part of the real GDT
 *     or of the shadow LDT (a segment load, a far jump through the
 *     guest's gate), and setting the accessed bit of one the VMM copied
 *     from the guest's own tables (vmm_shadow_is_accessed_bit);
 *   - the CPU reading the real TSS for an inner ring's stack.
 * Anything else is the guest touching memory that, on the reference PC
 * (QEMU), does not exist: the run stops as for any address with no memory
 * behind it (vmm_after_run), with the address the guest used, and the VMM
 * rebuilds its tables in case a refused store got through.
 *
 * Unicorn calls the hook only once the access is made, and cannot fault
 * it: a guest's read of the guest part of the real GDT, LDT or TSS still
 * reads the VMM's copy, where QEMU reads nothing (and a load of a selector
 * past the guest's GDT limit faults on the zero the VMM keeps there); a
 * refused store stops the run at the end of its block (docs/fidelity.md).
 */
#include "cpu/cpu.h"
#include "vm.h"
#include "vmm/bt.h"
#include "vmm/vmm_priv.h"

static bool in_stub(uint32_t off)
{
	return off >= VMM_STUB_OFF && off < VMM_STUB_OFF + 0x1000;
}

/*
 * A descriptor of the guest's part of the real GDT (copied from the
 * guest's, or zero: the null one, and those past the guest's limit, where
 * a load faults as it should) or of the shadow LDT.  The VMM's own eight descriptors are not the guest's.
 */
static bool guest_descriptor(uint32_t off)
{
	if (off < VMM_LDT_OFF)		/* the GDT is at VMM_GDT_OFF, 0 */
		return off < 8 * VMM_GUEST_GDT_ENTRIES;
	return off < VMM_STUB_OFF;
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
	if (guest_descriptor(off))
		return access == CPU_ACCESS_READ ? 0
		       : !vmm_shadow_is_accessed_bit(v, addr, size, value);
	if (access == CPU_ACCESS_READ && off >= VMM_TSS_OFF &&
	    off < VMM_TSS_OFF + 0x68)
		return 0;	/* an inner ring's SS:ESP, for a gate */
	return 1;
}

void vmm_guard_repair(struct vcpu *v)
{
	vmm_rebuild_tables(v);
	bt_code_written(v);	/* the TC is flushed when the run settles */
}
