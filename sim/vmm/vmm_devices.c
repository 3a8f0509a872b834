/*
 * vmm_devices.c - the devices the VMM emulates itself: the interrupt
 * controller (dev_pic.c) and the timer (dev_pit.c), wired as on a PC.
 *
 * Which devices a VMM emulates itself and which it leaves to the VMX is a
 * question of speed.  The PIC and the PIT are touched on every timer tick
 * and every interrupt acknowledge: a world switch to the VMX user world
 * each time would cost tens of microseconds, so VMware's VMM emulates
 * them in the monitor (path guest > vmm > guest).  Serial and parallel
 * ports and the CD-ROM are slow devices anyway: the VMX emulates them
 * (guest > vmm > vmx > vmm > guest).  The disk controller is the VMM's
 * too (its registers are touched hundreds of times per sector); its
 * sectors come from the VMKernel (vmm_disk.c).  Their interrupts reach
 * the guest through vmm_irq.c.
 */
#include "sim.h"
#include "host/host.h"
#include "vm.h"
#include "vmkernel/vmfs.h"
#include "vmkernel/vmkernel.h"
#include "vmm/vmm_devices.h"
#include "vmm/vmm_priv.h"

/* The PC's fixed wiring: the PIT's channel 0 drives IRQ 0. */
#define IRQ_TIMER 0

/* The PICs' ports, with the chipset's edge/level control registers. */
static bool pic_port(uint16_t port)
{
	return port == 0x20 || port == 0x21 || port == 0xa0 || port == 0xa1 ||
	       port == 0x4d0 || port == 0x4d1;
}

/* Ports the VMM answers itself: the PICs, the PIT, port 0x61, the disk. */
bool vmm_devices_owns_port(uint16_t port)
{
	return pic_port(port) || (port >= 0x40 && port <= 0x43) ||
	       port == 0x61 || ata_port(port);
}

enum vmx_device vmm_devices_at(uint16_t port)
{
	if (ata_port(port))
		return DEV_DISK;
	return pic_port(port) ? DEV_PIC : DEV_PIT;	/* PIT: 0x40-0x43, 0x61 */
}

void vmm_devices_reset(struct vm *vm)
{
	uint64_t now = sim_now_ns(vm->sim);

	pic_init(&vm->pic);
	pit_init(&vm->pit, now);
	vm->pit_seen_ns = now;
	ata_init(&vm->ata, vm->disk ? vmfs_sectors(vm->disk) : 0);
}

/*
 * The PIC's state changed: its INTR output, high or low, goes to every
 * vCPU's LINT0 (apic_bus_pic_intr), as QEMU's pic_irq_request sends it at
 * each pic_update_irq.  A LINT0 in ExtINT mode only needs the CPU to ask
 * the PIC (vmm_devices_irq_pending); one in fixed or NMI mode is an
 * interrupt of the local APIC's own.
 */
static void intr_changed(struct vm *vm, uint64_t now)
{
	bool high = pic_pending(&vm->pic) >= 0;

	for (int i = 0; i < vm->nvcpus; i++)
		if (vm->vcpu[i] != NULL)
			apic_bus_pic_intr(vm->vcpu[i], high, now);
}

/*
 * Does QEMU's i8259 look at its output again after this access
 * (pic_update_irq, so pic_irq_request)?  After ICW1, OCW2 (EOI,
 * rotation) and OCW1 (the mask), and a poll read (an INTA); not after
 * OCW3, ICW2-4, the ELCR or a plain read (hw/intc/i8259.c,
 * pic_ioport_write and pic_ioport_read).  An NMI-mode LINT0 counts them
 * [measured: tests/guests/apiclint.S: its OCW3 and IRR read while IRQ 0
 * waits make no second NMI].
 */
static bool pic_updates(const struct pic *p, uint16_t port, uint8_t value,
			bool write)
{
	const struct pic_chip *c = &p->chip[(port & 0x80) ? 1 : 0];

	if (port >= PIC_ELCR)
		return false;
	if (!write)
		return c->poll;
	if (port & 1)
		return c->init_step == 0;
	return (value & 0x10) || !(value & 0x08);
}

/* Raise the timer's edges up to now: one latched request, at most. */
void vmm_devices_advance(struct vm *vm, uint64_t now)
{
	if (now > vm->pit_seen_ns)
		vm->pit_seen_ns = now;
	/* (also at the same time again: a PIT write may have made an edge) */
	if (pit_update(&vm->pit, vm->pit_seen_ns) > 0) {
		pic_pulse_irq(&vm->pic, IRQ_TIMER);
		intr_changed(vm, now);
	}
}

/*
 * vCPU `by` wrote the PIT: its next tick may come sooner than a halted
 * vCPU whose LINT0 it reaches was told when it blocked (its world's wake
 * time, vmm_devices_next_wake_ns).  The VMKernel wakes each such world
 * now; with nothing to take, it blocks again until the new tick.
 */
static void rewake(struct vm *vm, const struct vcpu *by, uint64_t now)
{
	struct host *h = vm->host;

	if (h == NULL || h->vmk == NULL)
		return;
	for (int i = 0; i < vm->nvcpus; i++)
		if (vm->vcpu[i] != NULL && vm->vcpu[i] != by &&
		    vm->vcpu[i]->state == VCPU_HALTED &&
		    apic_lint0_open(vm->vcpu[i]))
			vmkernel_kick_vcpu(h->vmk, vm, i, now);
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

uint64_t vmm_devices_next_wake_ns(struct vm *vm, int vcpu, uint64_t now)
{
	uint64_t t = UINT64_MAX;
	const struct vcpu *v;

	if (vm->modelled || vcpu < 0 || vcpu >= vm->nvcpus)
		return UINT64_MAX;
	v = vm->vcpu[vcpu];
	if (apic_lint0_open(v) && timer_would_interrupt(vm))
		t = pit_next_irq0_ns(&vm->pit, now);
	/* its local APIC's timer */
	if (apic_next_ns(&v->apic) < t)
		t = apic_next_ns(&v->apic);
	return t;
}

bool vmm_devices_irq_pending(const struct vm *vm, int vcpu)
{
	const struct vcpu *v;

	if (vm->modelled || vcpu < 0 || vcpu >= vm->nvcpus)
		return false;
	v = vm->vcpu[vcpu];
	if (apic_pending(&v->apic) >= 0)
		return true;
	/* the PIC's INTR reaches the CPU through LINT0 (virtual wire) */
	return apic_accepts_pic(v) && pic_pending(&vm->pic) >= 0;
}

/* Which IRQ line a vector from the PIC stands for (-1: not the PIC's). */
static int irq_of(const struct pic *p, int vector)
{
	for (int c = 0; c < 2; c++)
		if (vector >= p->chip[c].base && vector < p->chip[c].base + 8)
			return c * 8 + vector - p->chip[c].base;
	return -1;
}

/*
 * The INTA cycle, as QEMU's cpu_get_pic_interrupt and apic_get_interrupt
 * run it: while the PIC's INTR is high and reaches LINT0, the PIC is asked
 * first, whatever LINT0's mode and whatever waits in the IRR ("ExtINT
 * interrupts ignore the priority"), and LINT0 takes the INTR once more;
 * else the local APIC's highest request.  So a fixed-mode LINT0 gives
 * the PIC's vector and then its own [measured: tests/guests/apiclint.S].
 */
int vmm_devices_ack(struct vcpu *v, int *irq)
{
	struct vm *vm = v->vm;
	uint64_t now = vm_now_ns(vm, v->id);
	int vector;

	*irq = -1;
	if (apic_lint0_open(v) && pic_pending(&vm->pic) >= 0) {
		apic_bus_pic_intr(v, true, now);
		vector = pic_ack(&vm->pic);
		*irq = irq_of(&vm->pic, vector);
		intr_changed(vm, now);
		return vector;
	}
	vector = apic_pending(&v->apic);
	if (vector >= 0) {
		apic_ack(&v->apic, vector);
		return vector;
	}
	/* asked with nothing there: the PIC's spurious IRQ 7 */
	vector = pic_ack(&vm->pic);
	*irq = irq_of(&vm->pic, vector);
	intr_changed(vm, now);
	return vector;
}

uint32_t vmm_devices_in(struct vcpu *v, uint16_t port, int size)
{
	struct vm *vm = v->vm;
	uint64_t now = vm_now_ns(vm, v->id);
	uint32_t value;

	if (ata_port(port))
		return vmm_disk_in(v, port, size);
	vmm_devices_advance(vm, now);
	if (pic_port(port)) {
		bool update = pic_updates(&vm->pic, port, 0, false);

		value = pic_read(&vm->pic, port);
		if (update)
			intr_changed(vm, now);
	} else {
		value = pit_read(&vm->pit, port, now);
	}
	/* a 16- or 32-bit read of an 8-bit device: the rest floats high */
	if (size == 2)
		value |= 0xff00u;
	else if (size == 4)
		value |= 0xffffff00u;
	return value;
}

void vmm_devices_out(struct vcpu *v, uint16_t port, int size,
		     uint32_t value)
{
	struct vm *vm = v->vm;
	uint64_t now = vm_now_ns(vm, v->id);

	if (ata_port(port)) {
		vmm_disk_out(v, port, size, value);
		return;
	}
	(void)size;		/* only the low byte reaches an 8-bit device */
	vmm_devices_advance(vm, now);
	if (pic_port(port)) {
		bool update = pic_updates(&vm->pic, port, (uint8_t)value, true);

		pic_write(&vm->pic, port, (uint8_t)value);
		if (update)
			intr_changed(vm, now);
	} else {
		pit_write(&vm->pit, port, (uint8_t)value, now);
		rewake(vm, v, now);
	}
	/*
	 * A new rate, a line unmasked, an EOI: the next interrupt may now
	 * come sooner than the VMKernel planned when it gave this vCPU its
	 * run (up to the next tick it knew of, or the quantum's end).  The
	 * run ends there, where it is polled; before, a guest that set the
	 * PIT going and spun took no tick until the quantum ended, 1 ms on.
	 */
	vmm_slice_until(v, vmm_devices_next_wake_ns(vm, v->id, now));
}

void vmm_devices_save(const struct vm *vm, struct vmm_devices_state *out)
{
	out->pic = vm->pic;
	out->pit = vm->pit;
	out->pit_seen_ns = vm->pit_seen_ns;
	out->ata = vm->ata;
}

void vmm_devices_load(struct vm *vm, const struct vmm_devices_state *st)
{
	vm->pic = st->pic;
	vm->pit = st->pit;
	vm->pit_seen_ns = st->pit_seen_ns;
	vm->ata = st->ata;
}
