/*
 * vmm_irq.c - delivering the interrupts of the VMM's own devices (the
 * interrupt controller and the timer, vmm_devices.c) to the guest.
 *
 * An interrupt reaches the guest the way the hardware would deliver it:
 * the PIT's output rises, the PIC latches the request, and when the
 * guest's *virtual* IF allows, the VMM acknowledges it at the PIC (the
 * INTA cycle) and delivers the vector through the guest's own IDT
 * (vmm_deliver.c).  While the guest has interrupts off the request waits
 * in the PIC, exactly as on a real machine.  A vCPU that halted waits
 * (its world blocks, the VMKernel runs something else) until the PIT's
 * next tick.
 */
#include "vmm/cost.h"
#include "sim.h"
#include "status.h"
#include "vm.h"
#include "vmm/vmm_devices.h"
#include "vmm/vmm_priv.h"

/* Which IRQ line a vector from the PIC stands for (-1: not the PIC's). */
static int irq_of(const struct pic *p, int vector)
{
	for (int c = 0; c < 2; c++)
		if (vector >= p->chip[c].base && vector < p->chip[c].base + 8)
			return c * 8 + vector - p->chip[c].base;
	return -1;
}

static void interrupt_event(struct vcpu *v, int vector, int irq)
{
	struct event ev = { .kind = EV_TRAP };

	ev.u.trap.eip = vmm_guest_eip(v);
	ev.u.trap.op = X86_OP_OTHER;
	ev.u.trap.vector = (uint8_t)vector;
	ev.u.trap.action = TRAP_INTERRUPT;
	ev.u.trap.vring = (uint8_t)v->vring;
	ev.u.trap.cpl = (uint8_t)v->cpl;
	ev.u.trap.a = (uint32_t)irq;
	vm_emit(v->vm, v->id, &ev);
}

/*
 * After the VMM handled instruction `in`: if the guest can now take an
 * interrupt that is waiting (it just enabled interrupts with IRET or
 * POPF, or a device it touched raised one), stop the run so it comes in
 * before the next instruction.  STI enables interrupts one instruction
 * late (the "STI shadow", which makes `sti; hlt` safe): then exactly one
 * more instruction runs first (vmm_irq_shadow_limit, vmm_irq_shadow_ran).
 */
void vmm_irq_window_check(struct vcpu *v, const struct x86_instruction *in)
{
	bool ready = v->virt.iflag && v->vm->state == VM_ON &&
		     v->state == VCPU_RUNNING && vmm_devices_irq_pending(v->vm, v->id);

	/*
	 * VT-x: the guest opened the window in non-root mode with no exit of
	 * its own, and the VMM had asked for interrupt-window exiting: exit
	 * 7.  (For STI the exit really comes one instruction later, after
	 * the STI shadow; it is shown with the STI.)  After an exit of its
	 * own (port I/O...) the VMM simply injects on the entry.
	 */
	if (ready && in != NULL && v->exec == MODE_HW &&
	    (in->op == X86_OP_STI || in->op == X86_OP_POPF ||
	     in->op == X86_OP_IRET))
		vmm_hw_window_exit(v);

	if (in != NULL && in->op == X86_OP_STI) {
		v->run.sti_shadow = true;
		v->run.sti_next = in->addr + in->len;
		if (ready) {
			v->run.sti_state = STI_SHADOW_STI_RAN;
			vmm_stop_soon(v);
		}
		return;
	}
	if (ready) {
		v->run.irq_window = true;
		vmm_stop_soon(v);
	}
}

/* ---- the STI shadow across runs (enum vmm_sti_shadow, vcpu.h) ---------- */

uint64_t vmm_irq_shadow_limit(const struct vcpu *v, uint64_t max_insns)
{
	/* the instruction in STI's shadow runs alone */
	if (v->run.sti_state == STI_SHADOW_ONE_MORE && max_insns > 1)
		return 1;
	return max_insns;
}

void vmm_irq_shadow_ran(struct vcpu *v, uint64_t insns)
{
	switch (v->run.sti_state) {
	case STI_SHADOW_NONE:
		break;
	case STI_SHADOW_STI_RAN:	/* STI's run is over: one more */
		v->run.sti_state = STI_SHADOW_ONE_MORE;
		break;
	case STI_SHADOW_ONE_MORE:	/* ... and once it ran, in it comes */
		if (insns > 0) {
			v->run.sti_state = STI_SHADOW_NONE;
			v->run.irq_window = true;
		}
		break;
	}
}

/* ---- the local APIC's region (apic.c, apic_bus.c) ------------------------- */

uint32_t vmm_mmio_read_hook(void *ctx, uint32_t off, int size)
{
	struct vcpu *v = ctx;

	/*
	 * The page fault a real VMM takes on the APIC's region (under hw a #PF
	 * exit: 2006 VT-x has no APIC virtualization): counted, not acted on
	 * (a stop in the middle of a block would end it early while its
	 * instructions are counted whole).
	 */
	v->stats.cycles += vmm_guard_fault_cost(v);
	v->stats.vmm_io++;
	v->run.limit_block = NULL;	/* the slice's room changed */
	if (size != 4)
		return 0;	/* QEMU's APIC answers 4-byte loads only
				   [measured: tests/guests/apicfor.S,
				   apicedge.S] */
	return apic_read(v, off, vmm_now_ns(v));
}

void vmm_mmio_write_hook(void *ctx, uint32_t off, int size, uint32_t value)
{
	struct vcpu *v = ctx;

	if (size != 4 || (off & 3))
		return;		/* the APIC takes aligned 32-bit stores only
				   (registers and MSIs alike) */
	v->stats.cycles += vmm_guard_fault_cost(v);
	v->stats.vmm_io++;
	v->run.limit_block = NULL;
	apic_write(v, off, value, vmm_now_ns(v));
	vmm_irq_apic_written(v);
}

/*
 * An EOI, a TPR, an IPI or MSI to itself or a TSC deadline already
 * passed may let an interrupt in (an NMI whatever IF says): the run ends
 * at the next block boundary (block_hook) and the interrupt is polled for
 * then.
 */
void vmm_irq_apic_written(struct vcpu *v)
{
	if (v->apic.nmi_pending ||
	    (v->virt.iflag && (apic_pending(&v->apic) >= 0 ||
			       vmm_devices_irq_pending(v->vm, v->id)))) {
		v->run.stop_request = 1;
		v->run.irq_window = true;
	}
}

/*
 * Between runs, what the local APIC holds for a vCPU that is not running
 * guest code yet: a SIPI to start it, an NMI (taken whatever IF says).
 * Returns true if the vCPU is still waiting for a SIPI.
 */
static int startup_and_nmi(struct vcpu *v, bool *waiting)
{
	int rc = SIM_OK;

	*waiting = false;
	if (v->apic.sipi_pending) {
		v->apic.sipi_pending = false;
		v->state = VCPU_RUNNING;
		if ((rc = vmm_sipi_start(v, v->apic.sipi_vector)) != SIM_OK)
			return rc;
	}
	if (v->apic.wait_sipi || v->vm->state != VM_ON) {
		*waiting = true;
		return SIM_OK;
	}
	if (v->apic.nmi_pending &&
	    (v->state == VCPU_RUNNING || v->state == VCPU_HALTED)) {
		v->apic.nmi_pending = false;
		vmm_finish_halt(v);
		if ((rc = vmm_settle(v)) != SIM_OK)
			return rc;
		v->state = VCPU_RUNNING;
		v->stats.interrupts++;
		vmm_charge(v, COST_REFLECT);
		interrupt_event(v, X86_NMI, -1);
		vmm_deliver(v, X86_NMI, DELIVER_EXTERNAL, false, 0,
			    vmm_guest_eip(v), vmm_guest_eip(v));
		rc = vmm_settle(v);
	}
	return rc;
}

int vmm_irq_poll(struct vcpu *v)
{
	int vector, irq = -1, rc;
	bool window = v->run.irq_window, waiting;

	v->run.irq_window = false;
	if (v->vm->modelled)
		return SIM_OK;
	apic_advance(v, vmm_now_ns(v));
	if ((rc = startup_and_nmi(v, &waiting)) != SIM_OK || waiting)
		return rc;
	if (v->vm->state != VM_ON || !v->virt.iflag ||
	    (v->state != VCPU_RUNNING && v->state != VCPU_HALTED) ||
	    !vmm_devices_irq_pending(v->vm, v->id))
		return SIM_OK;
	/* STI lets one more instruction run before interrupts come in */
	if (v->run.sti_shadow && v->state == VCPU_RUNNING &&
	    vmm_guest_eip(v) == v->run.sti_next)
		return SIM_OK;
	v->run.sti_shadow = false;
	/* the CPU is between instructions: finish any privilege switch,
	 * and a HLT (the interrupt returns past it) */
	vmm_finish_halt(v);
	if ((rc = vmm_settle(v)) != SIM_OK)
		return rc;
	/*
	 * VT-x: an interrupt that comes while the guest runs is an external-
	 * interrupt exit, reason 1.  A halted vCPU's world was blocked (HLT
	 * exited): the VMM injects on entry, no exit; so after a window it
	 * opened.
	 */
	if (v->exec == MODE_HW && v->state == VCPU_RUNNING && !window)
		vmm_hw_interrupt_exit(v);
	/* the INTA cycle: the local APIC's own first, then the PIC's */
	vector = apic_pending(&v->apic);
	if (vector >= 0) {
		apic_ack(&v->apic, vector);
	} else {
		vector = pic_ack(&v->vm->pic);
		irq = irq_of(&v->vm->pic, vector);
	}
	v->state = VCPU_RUNNING;
	v->stats.interrupts++;
	/* the VMKernel took the host's timer interrupt and posted it */
	vmm_charge_vmkernel(v, COST_VMKERNEL_IRQ);
	vmm_charge(v, COST_REFLECT);
	interrupt_event(v, vector, irq);
	vmm_deliver(v, vector, DELIVER_EXTERNAL, false, 0, vmm_guest_eip(v),
		    vmm_guest_eip(v));
	return vmm_settle(v);
}
