/*
 * vmm_irq.c - the VMM's own devices (the interrupt controller and the
 * timer) and delivering their interrupts to the guest.
 *
 * Which devices a VMM emulates itself and which it leaves to the VMX is a
 * question of speed.  The PIC and the PIT are touched on every timer tick
 * and every interrupt acknowledge: a world switch to the VMX user world
 * each time would cost tens of microseconds, so VMware's VMM emulates
 * them in the monitor (path guest > vmm > guest).  Serial and parallel
 * ports and the CD-ROM are slow devices anyway: the VMX emulates them
 * (guest > vmm > vmx > vmm > guest).
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
#include "vmm/vmm_priv.h"

/* The PC's fixed wiring: the PIT's channel 0 drives IRQ 0. */
#define IRQ_TIMER 0

/* The PICs' ports, with the chipset's edge/level control registers. */
static bool pic_port(uint16_t port)
{
	return port == 0x20 || port == 0x21 || port == 0xa0 || port == 0xa1 ||
	       port == 0x4d0 || port == 0x4d1;
}

/* Ports the VMM answers itself: the PICs, the PIT, and port 0x61. */
bool vmm_owns_port(uint16_t port)
{
	return pic_port(port) || (port >= 0x40 && port <= 0x43) ||
	       port == 0x61;
}

enum vmx_device vmm_device_at(uint16_t port)
{
	return pic_port(port) ? DEV_PIC : DEV_PIT;	/* PIT: 0x40-0x43, 0x61 */
}

void vm_devices_reset(struct vm *vm)
{
	uint64_t now = sim_now_ns(vm->sim);

	pic_init(&vm->pic);
	pit_init(&vm->pit, now);
	vm->pit_seen_ns = now;
}

/* Raise the timer's edges up to now: one latched request, at most. */
void vm_devices_advance(struct vm *vm, uint64_t now)
{
	if (now > vm->pit_seen_ns)
		vm->pit_seen_ns = now;
	/* (also at the same time again: a PIT write may have made an edge) */
	if (pit_update(&vm->pit, vm->pit_seen_ns) > 0)
		pic_pulse_irq(&vm->pic, IRQ_TIMER);
}

/*
 * Would a timer edge reach the CPU?  Try it on a copy of the PIC (its
 * state is plain data): masked, or blocked by a request in service, the
 * edge changes nothing the CPU sees.
 */
static bool timer_would_interrupt(const struct vm *vm)
{
	struct pic p = vm->pic;

	pic_pulse_irq(&p, IRQ_TIMER);
	return pic_pending(&p) >= 0;
}

uint64_t vm_next_wake_ns(struct vm *vm, uint64_t now)
{
	if (vm->modelled || !timer_would_interrupt(vm))
		return UINT64_MAX;
	return pit_next_irq0_ns(&vm->pit, now);
}

bool vm_irq_pending(const struct vm *vm, int vcpu)
{
	/* the PIC's INTR line is wired to the bootstrap processor */
	return vcpu == 0 && !vm->modelled && pic_pending(&vm->pic) >= 0;
}

uint32_t vmm_dev_in(struct vcpu *v, uint16_t port, int size)
{
	struct vm *vm = v->vm;
	uint64_t now = vm_now_ns(vm, v->id);
	uint32_t value;

	vm_devices_advance(vm, now);
	if (pic_port(port))
		value = pic_read(&vm->pic, port);
	else
		value = pit_read(&vm->pit, port, now);
	/* a 16- or 32-bit read of an 8-bit device: the rest floats high */
	if (size == 2)
		value |= 0xff00u;
	else if (size == 4)
		value |= 0xffffff00u;
	return value;
}

void vmm_dev_out(struct vcpu *v, uint16_t port, int size, uint32_t value)
{
	struct vm *vm = v->vm;
	uint64_t now = vm_now_ns(vm, v->id);

	(void)size;		/* only the low byte reaches an 8-bit device */
	vm_devices_advance(vm, now);
	if (pic_port(port))
		pic_write(&vm->pic, port, (uint8_t)value);
	else
		pit_write(&vm->pit, port, (uint8_t)value, now);
}

/* Which IRQ line a vector from the PIC stands for (-1: not the PIC's). */
static int irq_of(const struct pic *p, int vector)
{
	for (int c = 0; c < 2; c++)
		if (vector >= p->chip[c].base && vector < p->chip[c].base + 8)
			return c * 8 + vector - p->chip[c].base;
	return -1;
}

static void interrupt_event(struct vcpu *v, int vector)
{
	struct event ev = { .kind = EV_TRAP };

	ev.u.trap.eip = vmm_guest_eip(v);
	ev.u.trap.op = X86_OP_OTHER;
	ev.u.trap.vector = (uint8_t)vector;
	ev.u.trap.action = TRAP_INTERRUPT;
	ev.u.trap.vring = (uint8_t)v->vring;
	ev.u.trap.cpl = (uint8_t)v->cpl;
	ev.u.trap.a = (uint32_t)irq_of(&v->vm->pic, vector);
	vm_emit(v->vm, v->id, &ev);
}

/*
 * After the VMM handled instruction `in`: if the guest can now take an
 * interrupt that is waiting (it just enabled interrupts with IRET or
 * POPF, or a device it touched raised one), stop the run so it comes in
 * before the next instruction.  STI enables interrupts one instruction
 * late (the "STI shadow", which makes `sti; hlt` safe): then exactly one
 * more instruction runs first (vmkernel_play.c).
 */
void vmm_irq_window_check(struct vcpu *v, const struct x86_instruction *in)
{
	bool ready = v->virt.iflag && v->vm->state == VM_ON &&
		     v->state == VCPU_RUNNING && vm_irq_pending(v->vm, v->id);

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
		v->sti_shadow = true;
		v->sti_next = in->addr + in->len;
		if (ready) {
			v->irq_after = 2;	/* STI's own run ends, then one */
			vmm_stop_soon(v);
		}
		return;
	}
	if (ready) {
		v->irq_window = true;
		vmm_stop_soon(v);
	}
}

int vmm_irq_poll(struct vcpu *v)
{
	int vector, rc;
	bool window = v->irq_window;

	v->irq_window = false;
	if (v->vm->state != VM_ON || !v->virt.iflag ||
	    (v->state != VCPU_RUNNING && v->state != VCPU_HALTED) ||
	    !vm_irq_pending(v->vm, v->id))
		return SIM_OK;
	/* STI lets one more instruction run before interrupts come in */
	if (v->sti_shadow && v->state == VCPU_RUNNING &&
	    vmm_guest_eip(v) == v->sti_next)
		return SIM_OK;
	v->sti_shadow = false;
	/* the CPU is between instructions: finish any privilege switch,
	 * and a HLT (the interrupt returns past it) */
	vmm_finish_halt(v);
	if ((rc = vmm_settle(v)) != SIM_OK)
		return rc;
	/*
	 * VT-x: an interrupt that comes while the guest runs is an external-
	 * interrupt exit (1).  A halted vCPU's world was blocked (HLT exited):
	 * the VMM injects on entry, no exit; so after a window it opened.
	 */
	if (v->exec == MODE_HW && v->state == VCPU_RUNNING && !window)
		vmm_hw_interrupt_exit(v);
	vector = pic_ack(&v->vm->pic);	/* the INTA cycle */
	v->state = VCPU_RUNNING;
	v->stats.interrupts++;
	/* the VMKernel took the host's timer interrupt and posted it */
	vmm_charge_vmkernel(v, COST_VMK_IRQ);
	vmm_charge(v, COST_REFLECT);
	interrupt_event(v, vector);
	vmm_deliver(v, vector, DELIVER_EXTERNAL, false, 0, vmm_guest_eip(v),
		    vmm_guest_eip(v));
	return vmm_settle(v);
}
