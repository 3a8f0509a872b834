/*
 * apic_bus.c - the messages between local APICs (apic.h): the
 * inter-processor interrupts (IPIs) a guest sends through its ICR, and
 * the message-signalled interrupts (MSIs) stored in the APIC's region.
 *
 * The local APICs of a machine talk over a bus of their own (the APIC bus
 * of the P6; the system bus since the Pentium 4).  A message names its
 * destinations (physical: one APIC ID, 0xff for all; logical: a mask
 * matched against each APIC's LDR, flat or cluster as its DFR says), a
 * delivery mode and a vector (Intel SDM vol. 3A 10.6).  A PCI device
 * interrupts the same way with an MSI: a 32-bit store of data to an
 * address 0xfeexxxxx, which the chipset turns into such a message (SDM
 * 10.11: the address's bits 19:12 the destination ID, bit 2 its mode;
 * the data's bits 7:0 the vector, 10:8 the delivery mode, 15 the
 * trigger).  QEMU's APIC takes such stores from the CPU too: its region
 * is 1 MiB, and a store past its first page, or to the first 16 bytes
 * where no register is, is an MSI (hw/intc/apic.c, apic_mem_write and
 * apic_send_msi) [measured: tests/guests/apicmsi.S].
 *
 * Both kinds are delivered here, the same way, as QEMU's apic_bus_deliver
 * delivers both: fixed and ExtINT into the IRR, lowest priority to one
 * destination, NMI; INIT and SIPI start processors.  Each destination is
 * an event (ipi, startup or msi); an IPI to a halted vCPU makes the
 * VMKernel schedule its world.
 */
#include "sim.h"
#include "host/host.h"
#include "vm.h"
#include "vmkernel/vmkernel_sched.h"
#include "vmm/apic.h"
#include "vmm/vmm_priv.h"

/* One message on the bus. */
struct msg {
	uint8_t dest;		/* an APIC ID (physical), a mask (logical) */
	bool logical;		/* the destination mode */
	int shorthand;		/* ICR bits 19:18: 0 none, 1 self, 2 all,
				   3 all but self (an MSI has none) */
	int mode;		/* enum apic_dm */
	uint8_t vector;
	bool level;		/* level-triggered: the TMR bit set */
	bool msi;		/* an MSI (else through the ICR) */
	uint32_t addr, data;	/* an MSI's address and data */
};

/* Is the APIC of vCPU t a destination of m, sent by from (SDM 10.6.2)? */
static bool is_target(const struct vcpu *from, const struct vcpu *t,
		      const struct msg *m)
{
	const struct apic *a = &t->apic;

	switch (m->shorthand) {
	case 1: return t == from;		/* self */
	case 2: return true;			/* all including self */
	case 3: return t != from;		/* all excluding self */
	default: break;
	}
	if (!m->logical)
		return m->dest == 0xff || m->dest == a->id;
	if ((a->dfr >> 28) == 0xf)		/* logical, flat */
		return (m->dest & (a->ldr >> 24)) != 0;
	/* logical, cluster: high nibble the cluster, low the members */
	return (m->dest >> 4) == (a->ldr >> 28) &&
	       (m->dest & (a->ldr >> 24) & 0xf) != 0;
}

/* Would QEMU drop m at its destination?  An MSI cannot start a processor
 * (apic_bus_deliver knows no SIPI); mode 3 is reserved; and ringside has
 * no system management mode for an SMI. */
static bool dropped(const struct msg *m)
{
	return (m->msi && m->mode == DM_STARTUP) || m->mode == 3 ||
	       m->mode == DM_SMI;
}

/*
 * The event for m reaching vCPU target (UINT32_MAX: an MSI that no APIC
 * takes); ignored: a SIPI to a processor not waiting for one.  An IPI's
 * b is its mode (| 0x100 if ignored); an MSI's b and c its address and
 * data.
 */
static void bus_event(struct vcpu *from, uint32_t target, const struct msg *m,
		      bool ignored)
{
	struct event ev = { .kind = EV_TRAP };

	ev.u.trap.eip = vmm_guest_eip(from);
	ev.u.trap.op = X86_OP_OTHER;
	ev.u.trap.vector = m->vector;
	ev.u.trap.vring = (uint8_t)from->vring;
	ev.u.trap.cpl = (uint8_t)from->cpl;
	ev.u.trap.a = target;
	if (m->msi) {
		ev.u.trap.action = TRAP_MSI;
		ev.u.trap.b = m->addr;
		ev.u.trap.c = m->data;
	} else {
		ev.u.trap.action = m->mode == DM_INIT ||
				   m->mode == DM_STARTUP ?
				   TRAP_STARTUP : TRAP_IPI;
		ev.u.trap.b = (uint32_t)m->mode | (ignored ? 0x100u : 0);
	}
	vm_emit(from->vm, from->id, &ev);
}

/* The VMKernel: the target's world was blocked (HLT): make it ready. */
static void wake(struct vcpu *t, uint64_t now)
{
	struct host *h = t->vm->host;

	if (h != NULL && h->vmk != NULL)
		vmkernel_kick_vcpu(h->vmk, t->vm, t->id, now);
}

/*
 * Lowest priority: one destination takes it.  Intel's hardware picks the
 * processor of lowest priority, or a focus processor (SDM vol. 3A
 * 10.6.2.4); QEMU picks the first destination in APIC order whatever the
 * TPRs ("XXX: search for focus processor, arbitration", apic_bus_deliver)
 * [measured: tests/guests/apiclow.S], and so does ringside; -1 if none.
 */
static int lowest_priority(struct vcpu *v, const struct msg *m)
{
	struct vm *vm = v->vm;

	for (int i = 0; i < vm->nvcpus; i++)
		if (vm->vcpu[i] != NULL && is_target(v, vm->vcpu[i], m))
			return i;
	return -1;
}

/* What m does at vCPU t, one of its destinations. */
static void arrive(struct vcpu *from, struct vcpu *t, const struct msg *m)
{
	switch (m->mode) {
	case DM_INIT:
		if (t == from)
			break;		/* (a CPU cannot INIT itself here) */
		t->apic.wait_sipi = true;
		t->apic.sipi_pending = false;
		t->state = VCPU_HALTED;
		break;
	case DM_STARTUP:
		if (!t->apic.wait_sipi)
			break;		/* ignored unless after INIT */
		t->apic.wait_sipi = false;
		t->apic.sipi_pending = true;
		t->apic.sipi_vector = m->vector;
		break;
	default:
		apic_accept(&t->apic, m->mode, m->vector, m->level);
		break;
	}
}

/* m sent by v at time now: to each destination, an event and its
 * effect. */
static void deliver(struct vcpu *v, const struct msg *m, uint64_t now)
{
	struct vm *vm = v->vm;
	int only = m->mode == DM_LOWEST ? lowest_priority(v, m) : -1;
	bool reached = false;

	for (int i = 0; i < vm->nvcpus; i++) {
		struct vcpu *t = vm->vcpu[i];

		if (t == NULL || !is_target(v, t, m) ||
		    (m->mode == DM_LOWEST && i != only))
			continue;
		reached = true;
		/* a SIPI to a CPU not waiting for one is dropped (SDM 8.4.4.1) */
		bus_event(v, (uint32_t)i, m,
			  m->mode == DM_STARTUP && !t->apic.wait_sipi);
		if (dropped(m))
			continue;
		arrive(v, t, m);
		if (t != v)
			wake(t, now);
	}
	if (!reached && m->msi)
		bus_event(v, UINT32_MAX, m, false);
}

void apic_bus_icr(struct vcpu *v, uint64_t now)
{
	uint32_t lo = v->apic.icr_lo, hi = v->apic.icr_hi;
	struct msg m = {
		.dest = (uint8_t)(hi >> 24), .logical = (lo & 0x800u) != 0,
		.shorthand = (int)(lo >> 18) & 3, .mode = (int)(lo >> 8) & 7,
		.vector = (uint8_t)lo, .level = (lo & 0x8000u) != 0,
	};

	/* INIT level de-assert: a no-op on the P4 and later */
	if (m.mode != DM_INIT || (lo & 0x4000u))
		deliver(v, &m, now);
	v->apic.icr_lo &= ~0x1000u;	/* delivered: not pending */
}

/* The MSI address's fields (SDM 10.11.1; QEMU's apic-msidef.h). */
#define MSI_DEST_SHIFT 12	/* bits 19:12: the destination ID */
#define MSI_DEST_LOGICAL 0x4u	/* bit 2: the destination mode */

void apic_bus_msi(struct vcpu *v, uint32_t off, uint32_t data, uint64_t now)
{
	struct msg m = {
		.dest = (uint8_t)(off >> MSI_DEST_SHIFT),
		.logical = (off & MSI_DEST_LOGICAL) != 0,
		.mode = (int)(data >> 8) & 7, .vector = (uint8_t)data,
		.level = (data & 0x8000u) != 0, .msi = true,
		.addr = APIC_BASE_DEFAULT + off, .data = data,
	};

	deliver(v, &m, now);
}
