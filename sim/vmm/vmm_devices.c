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
#include "vm.h"
#include "vmkernel/vmfs.h"
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

/* Raise the timer's edges up to now: one latched request, at most. */
void vmm_devices_advance(struct vm *vm, uint64_t now)
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

uint64_t vmm_devices_next_wake_ns(struct vm *vm, int vcpu, uint64_t now)
{
	uint64_t t = UINT64_MAX;
	const struct vcpu *v;

	if (vm->modelled || vcpu < 0 || vcpu >= vm->nvcpus)
		return UINT64_MAX;
	v = vm->vcpu[vcpu];
	if (apic_accepts_pic(v) && timer_would_interrupt(vm))
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

uint32_t vmm_devices_in(struct vcpu *v, uint16_t port, int size)
{
	struct vm *vm = v->vm;
	uint64_t now = vm_now_ns(vm, v->id);
	uint32_t value;

	if (ata_port(port))
		return vmm_disk_in(v, port, size);
	vmm_devices_advance(vm, now);
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
	if (pic_port(port))
		pic_write(&vm->pic, port, (uint8_t)value);
	else
		pit_write(&vm->pit, port, (uint8_t)value, now);
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
