/*
 * apic.h - the local APIC of one vCPU (xAPIC), as the VMM emulates it.
 *
 * Every x86 processor since the P6 has a local APIC: the interrupt
 * controller inside the CPU that takes interrupts from the outside (the
 * PIC's INTR through LINT0, "virtual wire" mode on a PC), from its own
 * timer, and from the other processors (inter-processor interrupts, IPIs,
 * sent by writing the ICR).  Its registers are memory-mapped at the base
 * IA32_APIC_BASE gives (0xfee00000), 16-byte aligned (Intel SDM vol. 3A
 * ch. 10).  In ESX the local APIC is emulated by the VMM: a guest access
 * to its page is a trap into the VMM, which answers from this state; an
 * IPI to a halted vCPU makes the VMKernel schedule that vCPU's world.
 *
 * apic.c owns this state: it saves and loads it (apic_save, apic_load),
 * so stepping back across an IPI puts every APIC back as it was.
 */
#ifndef SIM_APIC_H
#define SIM_APIC_H

#include <stdbool.h>
#include <stdint.h>

#define APIC_BASE_DEFAULT 0xfee00000u
#define APIC_SIZE 0x1000u		/* the registers' page */
/*
 * The region the local APIC answers, from its base: 1 MiB on QEMU
 * (hw/intc/apic.c, APIC_SPACE_SIZE).  Each page past the first reads as
 * the first (the register at (offset >> 4) & 0xff), and a store there is
 * an MSI (apic_bus.c) [measured: tests/guests/apicmsi.S].
 */
#define APIC_SPACE_SIZE 0x100000u

/* Register offsets (SDM vol. 3A table 10-1). */
enum apic_reg {
	APIC_ID = 0x020, APIC_VERSION = 0x030, APIC_TPR = 0x080,
	APIC_APR = 0x090, APIC_PPR = 0x0a0, APIC_EOI = 0x0b0,
	APIC_LDR = 0x0d0, APIC_DFR = 0x0e0, APIC_SVR = 0x0f0,
	APIC_ISR = 0x100, APIC_TMR = 0x180, APIC_IRR = 0x200,
	APIC_ESR = 0x280, APIC_ICR_LO = 0x300, APIC_ICR_HI = 0x310,
	APIC_LVT_TIMER = 0x320, APIC_LVT_THERMAL = 0x330,
	APIC_LVT_PERF = 0x340, APIC_LVT_LINT0 = 0x350,
	APIC_LVT_LINT1 = 0x360, APIC_LVT_ERROR = 0x370,
	APIC_TIMER_ICR = 0x380, APIC_TIMER_CCR = 0x390,
	APIC_TIMER_DCR = 0x3e0
};

/* The six local vector table entries, in register order. */
enum apic_lvt { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1,
		LVT_ERROR, LVT_COUNT };

#define APIC_LVT_MASKED 0x10000u

/* An ipi or startup event's b (apic_bus.c): the delivery mode, and */
#define APIC_EV_IGNORED 0x100u	/* dropped: a SIPI not waited for, an SMI */
#define APIC_EV_LOCAL 0x200u	/* raised by an LVT entry, not the ICR */
#define APIC_EV_BSP 0x400u	/* an INIT to the bootstrap processor: the
				   VM stops (apic_bus.c) */

/* Delivery modes (ICR and LVT bits 8-10). */
enum apic_dm { DM_FIXED = 0, DM_LOWEST = 1, DM_SMI = 2, DM_NMI = 4,
	       DM_INIT = 5, DM_STARTUP = 6, DM_EXTINT = 7 };

struct apic {
	uint8_t id;			/* bits 24-31 of the ID register */
	uint8_t tpr;
	uint32_t ldr, dfr, svr, esr;
	uint32_t icr_lo, icr_hi;
	uint32_t lvt[LVT_COUNT];
	uint32_t irr[8], isr[8], tmr[8];	/* 256 bits each */
	/* the timer: counts initial down at 1 GHz >> divide (QEMU's bus) */
	uint32_t timer_initial;
	uint32_t timer_dcr;
	uint64_t timer_start_ns;	/* when the count was (re)loaded */
	uint64_t timer_next_ns;		/* its next interrupt, or UINT64_MAX */
	uint64_t tsc_deadline;		/* IA32_TSC_DEADLINE: armed, or 0 */
	bool nmi_pending;
	/* start-up: INIT puts an AP in wait-for-SIPI, SIPI starts it */
	bool wait_sipi;
	bool sipi_pending;
	uint8_t sipi_vector;
};

struct vcpu;

/* Power-on state; the bootstrap processor's LINT0 and LINT1 are wired
 * as the firmware leaves them on a PC (ExtINT and NMI: virtual wire). */
void apic_reset(struct apic *a, int id, bool bsp);

/* INIT: the APIC as QEMU's apic_init_reset leaves it (apic.c); an
 * application processor (!bsp) then waits for a SIPI. */
void apic_init(struct apic *a, bool bsp);

/* The guest's WRMSR of IA32_APIC_BASE (apic.c says what QEMU keeps). */
void apic_base_write(struct vcpu *v, uint64_t value);
/* CPUID.01H:EDX.APIC made to say what IA32_APIC_BASE's enable bit says
 * (after the vCPU's state was put back: step back, VMotion). */
void apic_base_sync(struct vcpu *v);
/* Is v the bootstrap processor (IA32_APIC_BASE bit 8)? */
bool apic_is_bsp(const struct vcpu *v);

/*
 * A guest's aligned 4-byte load or store at offset off in the APIC's
 * region (below APIC_SPACE_SIZE, from APIC_BASE_DEFAULT), at time now.  A load reads the register
 * at (off >> 4) & 0xff, past the first page too; a store past the first
 * page, or to its first 16 bytes, is an MSI (apic_bus_msi), any other
 * store the register's.
 */
uint32_t apic_read(struct vcpu *v, uint32_t off, uint64_t now);
void apic_write(struct vcpu *v, uint32_t off, uint32_t value, uint64_t now);

/*
 * The APIC bus (apic_bus.c): the IPI that v's ICR holds, sent; and an
 * MSI that v stored (data at offset off of the APIC's region), sent.
 * Each emits one event per destination.
 */
void apic_bus_icr(struct vcpu *v, uint64_t now);
void apic_bus_msi(struct vcpu *v, uint32_t off, uint32_t data, uint64_t now);
/* The interrupt LVT entry i raises at v, delivered as its delivery mode
 * says (QEMU's apic_local_deliver): nothing if masked. */
void apic_bus_local(struct vcpu *v, enum apic_lvt i);
/*
 * The PIC's INTR output, high or low, at v's LINT0 (QEMU's
 * apic_deliver_pic_intr), each time the PIC's state changes: nothing
 * unless LINT0 is open (apic_lint0_open); high, an interrupt in LINT0's
 * mode (fixed: its vector; NMI: an NMI; ExtINT: the CPU asks the PIC,
 * apic_accepts_pic), and a halted v's world is made ready; low, a
 * level-triggered fixed LINT0's vector is taken back from the IRR.
 */
void apic_bus_pic_intr(struct vcpu *v, bool high, uint64_t now);

/*
 * An interrupt of delivery mode mode (fixed, lowest priority, ExtINT or
 * NMI) and vector accepted by APIC a; level: level-triggered (its TMR
 * bit set, else cleared).  As QEMU's apic_set_irq, any vector is taken,
 * 0 to 15 too (apic.c).
 */
void apic_accept(struct apic *a, int mode, int vector, bool level);

/* Raise the timer's interrupt if it is due by now. */
void apic_advance(struct vcpu *v, uint64_t now);

/*
 * TSC-deadline mode (SDM vol. 3A 10.5.4.1), for a VM whose CPUID
 * announces it (vm_config.tsc_deadline): the IA32_TSC_DEADLINE MSR
 * (0x6e0), read and written by RDMSR/WRMSR, with the vCPU's TSC now and
 * the time now.  Without the mode (the LVT timer not in it, or the VM
 * without the feature) it reads 0 and writes are ignored.
 */
#define APIC_MSR_TSC_DEADLINE 0x6e0u
uint64_t apic_tsc_deadline_read(const struct vcpu *v);
void apic_tsc_deadline_write(struct vcpu *v, uint64_t deadline, uint64_t tsc,
			     uint64_t now);

/* When the timer next interrupts (UINT64_MAX: never). */
uint64_t apic_next_ns(const struct apic *a);

/*
 * The highest vector that may interrupt now (above the processor
 * priority), or -1.  apic_ack moves it from IRR to ISR (INTA).
 */
int apic_pending(const struct apic *a);
void apic_ack(struct apic *a, int vector);
/* A request taken back from the IRR before the CPU took it (a level
 * that fell). */
void apic_withdraw(struct apic *a, int vector);

/* Does the CPU ask the PIC for an interrupt when its INTR is high
 * (LINT0 unmasked in ExtINT mode, or the APIC globally off at the BSP)? */
bool apic_accepts_pic(const struct vcpu *v);
/*
 * Does the PIC's INTR reach v's LINT0 at all (QEMU's apic_accept_pic_intr:
 * LINT0 unmasked, in any mode, or the APIC globally off at the BSP)?  The
 * PIC then also comes first when v takes an interrupt while its INTR is
 * high (vmm_devices_ack).
 */
bool apic_lint0_open(const struct vcpu *v);

/* Step back and VMotion: the state is plain data. */
void apic_save(const struct apic *a, struct apic *out);
void apic_load(struct apic *a, const struct apic *in);

#endif
