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
 * destination, NMI; INIT and SIPI start processors; an SMI is dropped,
 * said so (ringside has no system management mode).  Each destination is
 * an event (ipi, startup or msi); an IPI to a halted vCPU makes the
 * VMKernel schedule its world.  And the interrupts an APIC's own LVT
 * entries raise (its timer's, and the PIC's INTR at LINT0) are delivered
 * here as their delivery mode says (apic_bus_local, apic_bus_pic_intr).
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
	bool local;		/* raised by an LVT entry (apic_bus_local) */
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
	switch (a->dfr >> 28) {			/* the DFR's model */
	case 0xf:				/* logical, flat */
		return (m->dest & (a->ldr >> 24)) != 0;
	case 0x0:	/* cluster: high nibble the cluster, low the members */
		return (m->dest >> 4) == (a->ldr >> 28) &&
		       (m->dest & (a->ldr >> 24) & 0xf) != 0;
	default:
		/*
		 * A model the SDM does not define (10.6.2.2 has 1111 and
		 * 0000): QEMU's apic_get_delivery_bitmask matches an APIC in
		 * neither, so it is nobody's destination [measured:
		 * tests/guests/apicoff.S].
		 */
		return false;
	}
}

/*
 * Would QEMU drop m at its destination?  An MSI cannot start a processor
 * (apic_bus_deliver knows no SIPI); mode 3 is reserved.  And an SMI:
 * QEMU's CPU enters system management mode, where SeaBIOS's handler
 * (handle_smi, src/fw/smm.c) finds no command of its own and returns
 * (RSM) with nothing changed that the guest can see [measured:
 * tests/guests/apicoff.S, and an NMI after an SMI is still taken];
 * ringside has no SMM and drops it, its event saying so.
 */
static bool dropped(const struct msg *m)
{
	return (m->msi && m->mode == DM_STARTUP) || m->mode == 3 ||
	       m->mode == DM_SMI;
}

/*
 * The event for m reaching vCPU target (UINT32_MAX: an MSI that no APIC
 * takes); ignored: a SIPI to a processor not waiting for one, an SMI.  An
 * IPI's b is its mode, | APIC_EV_IGNORED if ignored, | APIC_EV_LOCAL if
 * an LVT entry raised it, | APIC_EV_BSP for an INIT that resets the
 * bootstrap processor; an MSI's b and c its address and data.
 */
static void bus_event(struct vcpu *from, uint32_t target, const struct msg *m,
		      uint32_t flags)
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
		ev.u.trap.b = (uint32_t)m->mode | flags |
			      (m->local ? APIC_EV_LOCAL : 0);
	}
	vm_emit(from->vm, from->id, &ev);
}

/*
 * What m's event at vCPU t says besides its mode: ignored (a SIPI to a
 * processor not waiting for one, SDM 8.4.4.1; an SMI), or an INIT that
 * resets the bootstrap processor.
 */
static uint32_t event_flags(const struct msg *m, const struct vcpu *t)
{
	if ((m->mode == DM_STARTUP && !t->apic.wait_sipi) || m->mode == DM_SMI)
		return APIC_EV_IGNORED;
	if (m->mode == DM_INIT && apic_is_bsp(t))
		return APIC_EV_BSP;
	return 0;
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

/*
 * INIT at vCPU t, whoever sent it, itself too: QEMU resets the CPU
 * (do_cpu_init in target/i386/helper.c: cpu_reset, then apic_init_reset).
 * An application processor then waits for a SIPI, its APIC at its INIT
 * state [measured: tests/guests/apicinit.S].  The bootstrap processor
 * restarts at the reset vector, in the firmware: SeaBIOS, finding it has
 * run before (HaveRunPost), reboots the machine, and its last resort there
 * (qemu_reboot's INT3, no IDT) triple-faults, which ends QEMU's reference
 * run (-no-reboot) [measured: tests/guests/apicbsp.S].  ringside runs no
 * firmware: the VM stops there, as QEMU's run does, its power reason
 * init-reset, its status the address of the instruction that sent the
 * INIT (and the startup event before it says why: APIC_EV_BSP).
 */
static void init(struct vcpu *from, struct vcpu *t)
{
	if (apic_is_bsp(t)) {
		vm_power_off(t->vm, POWER_INIT_RESET, vmm_guest_eip(from));
		return;
	}
	apic_init(&t->apic, false);
	t->state = VCPU_HALTED;
	if (t == from)		/* its run ends at the next block, as QEMU's
				   at the next translation block */
		vmm_stop_soon(t);
}

/* What m does at vCPU t, one of its destinations. */
static void arrive(struct vcpu *from, struct vcpu *t, const struct msg *m)
{
	switch (m->mode) {
	case DM_INIT:
		init(from, t);
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
		bus_event(v, (uint32_t)i, m, event_flags(m, t));
		if (dropped(m))
			continue;
		arrive(v, t, m);
		if (t != v)
			wake(t, now);
	}
	if (!reached && m->msi)
		bus_event(v, UINT32_MAX, m, 0);
}

void apic_bus_icr(struct vcpu *v, uint64_t now)
{
	uint32_t lo = v->apic.icr_lo, hi = v->apic.icr_hi;
	struct msg m = {
		.dest = (uint8_t)(hi >> 24), .logical = (lo & 0x800u) != 0,
		.shorthand = (int)(lo >> 18) & 3, .mode = (int)(lo >> 8) & 7,
		.vector = (uint8_t)lo, .level = (lo & 0x8000u) != 0,
	};

	/*
	 * INIT level de-assert (level-triggered, level 0): a no-op on the P4
	 * and later; QEMU's apic_deliver takes only that combination for it
	 * (it syncs arbitration IDs), and delivers an edge-triggered INIT
	 * whatever its level bit.
	 */
	if (!(m.mode == DM_INIT && m.level && !(lo & 0x4000u)))
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

/*
 * An interrupt of v's own LVT entry i (its timer's), as QEMU's
 * apic_local_deliver: nothing if masked; fixed into the IRR (edge-
 * triggered, but for LINT0 and LINT1 with the level bit); an NMI; an SMI
 * dropped, said so (dropped()); ExtINT asks the PIC, which ringside polls
 * anyway; the other modes do nothing.  A timer in NMI mode makes NMIs, not
 * fixed interrupts at its vector [measured: tests/guests/apicoff.S].
 */
void apic_bus_local(struct vcpu *v, enum apic_lvt i)
{
	uint32_t lvt = v->apic.lvt[i];
	struct msg m = {
		.mode = (int)(lvt >> 8) & 7, .vector = (uint8_t)lvt, .local = true,
		.level = (i == LVT_LINT0 || i == LVT_LINT1) && (lvt & 0x8000u),
	};

	if (lvt & APIC_LVT_MASKED)
		return;
	switch (m.mode) {
	case DM_FIXED: case DM_NMI:
		apic_accept(&v->apic, m.mode, m.vector, m.level);
		break;
	case DM_SMI:
		bus_event(v, (uint32_t)v->id, &m, event_flags(&m, v));
		break;
	default:
		break;
	}
}

/*
 * The PIC's INTR at v's LINT0.  On a PC the 8259's output is wired to
 * every processor's LINT0 pin; the BIOS sets the BSP's LINT0 to ExtINT
 * ("virtual wire", MultiProcessor Specification 1.4, 3.6.2.2) and leaves
 * the APs' masked.  QEMU's pic_irq_request (hw/i386/x86.c) calls
 * apic_deliver_pic_intr at each processor whose LINT0 is unmasked, every
 * time the PIC's state changes, whether its output changed or not: so an
 * NMI-mode LINT0 takes an NMI at each change while a request waits at the
 * PIC [measured: tests/guests/apiclint.S, which masks LINT0 before it
 * prints for that reason].
 */
void apic_bus_pic_intr(struct vcpu *v, bool high, uint64_t now)
{
	uint32_t lvt = v->apic.lvt[LVT_LINT0];

	if (!apic_lint0_open(v))
		return;
	if (high) {
		apic_bus_local(v, LVT_LINT0);
		if (!(lvt & APIC_LVT_MASKED))
			wake(v, now);	/* a halted vCPU takes it */
		return;
	}
	/* fallen: a level-triggered fixed request falls with it */
	if (((lvt >> 8) & 7) == DM_FIXED && (lvt & 0x8000u))
		apic_withdraw(&v->apic, (uint8_t)lvt);
}
