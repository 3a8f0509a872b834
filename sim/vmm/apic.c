/*
 * apic.c - the local APIC the VMM emulates for each vCPU (apic.h).
 *
 * Modelled on the xAPIC of the Intel SDM vol. 3A ch. 10 and, where the
 * SDM leaves a choice or QEMU does otherwise (a software disable masks no
 * LVT there, an INIT resets the processor that sent it too), on QEMU's
 * hw/intc/apic.c (the reference machine, which a guest must not tell
 * ringside from):
 * version 0x50014 (6 LVT entries), a timer counting at 1 GHz divided by
 * the divide register (QEMU's APIC_BUS_CYCLE_NS = 1), one-shot and
 * periodic; and TSC-deadline mode (SDM 10.5.4.1) for a VM configured to
 * have it (vm_config.tsc_deadline: CPUID leaf 1 ECX bit 24 then says
 * so).  QEMU's qemu32 does not announce it, nor can QEMU's TCG give it
 * ("TCG doesn't support requested feature: CPUID.01H:ECX.tsc-deadline"),
 * so by default a guest may not use it, as on the reference machine.
 *
 * Interrupts wait in the IRR; the highest one above the processor
 * priority (TPR and the highest in service) is delivered when the guest
 * can take it (vmm_irq.c) and moves to the ISR until the handler writes
 * EOI.  An IPI written to the ICR, or an MSI stored in the APIC's 1 MiB
 * region, goes over the APIC bus (apic_bus.c) to the target APICs' IRRs,
 * and the VMKernel wakes any target whose world was blocked in HLT.
 */
#include <string.h>

#include "sim.h"
#include "vm.h"
#include "vmm/apic.h"
#include "vmm/vmm_priv.h"

#define APIC_VERSION_VALUE 0x00050014u	/* QEMU: 6 LVTs (5 + 1), v0x14 */
#define SVR_ENABLE 0x100u
/*
 * The error status register's bit for a load or store of no register
 * (SDM vol. 3A 10.5.3, "Illegal Register Address"), the only one QEMU's
 * APIC sets.  Intel's APICs also set bit 5 (send illegal vector) and bit
 * 6 (receive illegal vector) for a fixed or lowest-priority vector below
 * 16, and drop the interrupt; QEMU never checks the vector: it takes
 * it into the IRR as any other (apic_accept) [measured:
 * tests/guests/apicmsi.S].  On QEMU the errors stay: a store to the ESR,
 * which on Intel's processors latches the errors since the last one and
 * clears them, changes nothing there [measured: tests/guests/apicedge.S].
 */
#define ESR_ILLEGAL_REGISTER 0x80u

/*
 * INIT, as QEMU's apic_init_reset (hw/intc/apic_common.c) after
 * do_cpu_init (target/i386/helper.c): the registers back to their reset
 * values but the APIC ID, which stays (so does IA32_APIC_BASE, the
 * vCPU's); the timer stopped; every pending interrupt and NMI forgotten
 * (do_cpu_init keeps a SIPI the CPU has not taken yet: ringside takes a
 * SIPI as it arrives); an application processor waits for a SIPI.
 */
void apic_init(struct apic *a, bool bsp)
{
	uint8_t id = a->id;

	memset(a, 0, sizeof *a);
	a->id = id;
	a->dfr = 0xffffffffu;		/* flat model */
	a->svr = 0xff;			/* software-disabled, vector 0xff */
	for (int i = 0; i < LVT_COUNT; i++)
		a->lvt[i] = APIC_LVT_MASKED;
	a->timer_next_ns = UINT64_MAX;
	a->wait_sipi = !bsp;
}

void apic_reset(struct apic *a, int id, bool bsp)
{
	a->id = (uint8_t)id;
	apic_init(a, bsp);
	/* the firmware ran: its APs wait in HLT (vm.c), not for a SIPI */
	a->wait_sipi = false;
	if (bsp) {
		/*
		 * The PC firmware (SeaBIOS, before QEMU's Multiboot loader
		 * hands over) wires the PIC through LINT0 and NMI through
		 * LINT1 on the bootstrap processor: "virtual wire" mode.
		 */
		a->lvt[LVT_LINT0] = DM_EXTINT << 8;
		a->lvt[LVT_LINT1] = DM_NMI << 8;
	}
}

/*
 * IA32_APIC_BASE written, as QEMU's apic_set_base takes it: the base
 * moves in the MSR (bit 8, the bootstrap processor, is read-only), but
 * the region stays where QEMU mapped it once, at the reset base
 * (x86_cpu_apic_realize), and answers there even with the APIC globally
 * disabled.  Clearing the enable bit (11) software-disables the APIC too
 * (its SVR bit 8), and it cannot be enabled again until a reset (SDM vol.
 * 3A 10.4.3; QEMU 7.2: "if disabled, cannot be enabled again") [measured:
 * tests/guests/apicmsi.S].  The processor then no longer announces an
 * APIC: CPUID.01H:EDX bit 9 reads 0 (QEMU's cpu_clear_apic_feature; SDM
 * 10.4.3: "the processor ... functions as an IA-32 processor without an
 * on-chip APIC", and its CPUID says so) [measured: tests/guests/apicoff.S].
 */
#define MSR_BSP 0x100u
#define MSR_ENABLE 0x800u

void apic_base_write(struct vcpu *v, uint64_t value)
{
	uint64_t *msr = &v->virt.msr[VMSR_APIC_BASE];

	*msr = (value & 0xfffff000u) | (*msr & (MSR_BSP | MSR_ENABLE));
	if (!(value & MSR_ENABLE)) {
		*msr &= ~(uint64_t)MSR_ENABLE;
		v->apic.svr &= ~SVR_ENABLE;
	}
	apic_base_sync(v);
}

void apic_base_sync(struct vcpu *v)
{
	cpu_set_apic_feature(v->cpu,
			     (v->virt.msr[VMSR_APIC_BASE] & MSR_ENABLE) != 0);
}

bool apic_is_bsp(const struct vcpu *v)
{
	return (v->virt.msr[VMSR_APIC_BASE] & MSR_BSP) != 0;
}

static bool enabled(const struct apic *a)
{
	return (a->svr & SVR_ENABLE) != 0;
}

/* ---- the 256-bit registers ---------------------------------------------- */

static void set_bit(uint32_t r[8], int vector)
{
	r[vector >> 5] |= 1u << (vector & 31);
}

static void clear_bit(uint32_t r[8], int vector)
{
	r[vector >> 5] &= ~(1u << (vector & 31));
}

static int highest(const uint32_t r[8])
{
	for (int i = 7; i >= 0; i--)
		if (r[i])
			return i * 32 + 31 - __builtin_clz(r[i]);
	return -1;
}

/* Processor priority: the TPR or the class of the highest in service. */
static int ppr(const struct apic *a)
{
	int isr = highest(a->isr);
	int isrv = isr < 0 ? 0 : isr & 0xf0;

	return (a->tpr & 0xf0) >= isrv ? a->tpr : isrv;
}

/*
 * As QEMU's apic_irq_pending: the highest request, if its priority class
 * is above the processor priority's, or whatever it is while that is 0.
 * So a vector from 1 to 15 (which an Intel APIC refuses: apic_accept) is
 * taken when nothing is in service and the TPR is 0; vector 0 never is
 * (QEMU's "no interrupt") [measured: tests/guests/apicmsi.S].
 */
int apic_pending(const struct apic *a)
{
	int v = highest(a->irr), p;

	if (v <= 0 || !enabled(a))
		return -1;
	p = ppr(a);
	return p != 0 && (v & 0xf0) <= (p & 0xf0) ? -1 : v;
}

void apic_ack(struct apic *a, int vector)
{
	clear_bit(a->irr, vector);
	set_bit(a->isr, vector);
}

/* The highest in service is done.  Its TMR bit stays: it says how the
 * vector was last triggered, until the next acceptance of it (SDM 10.8.4;
 * QEMU's apic_eoi) [measured: tests/guests/apicmsi.S]. */
static void eoi(struct apic *a)
{
	int v = highest(a->isr);

	if (v >= 0)
		clear_bit(a->isr, v);
}

void apic_withdraw(struct apic *a, int vector)
{
	clear_bit(a->irr, vector);
}

bool apic_lint0_open(const struct vcpu *v)
{
	if (!(v->virt.msr[VMSR_APIC_BASE] & MSR_ENABLE))
		return v->id == 0;	/* no APIC: INTR goes to the BSP */
	return !(v->apic.lvt[LVT_LINT0] & APIC_LVT_MASKED);
}

bool apic_accepts_pic(const struct vcpu *v)
{
	bool apic_off = !(v->virt.msr[VMSR_APIC_BASE] & MSR_ENABLE);

	return apic_lint0_open(v) &&
	       (apic_off || ((v->apic.lvt[LVT_LINT0] >> 8) & 7) == DM_EXTINT);
}

/*
 * ExtINT, whose vector a real CPU asks the 8259 for, is taken as a fixed
 * interrupt of the message's vector, as QEMU's apic_bus_deliver does
 * ("handled in I/O APIC code") [measured: tests/guests/apicmsi.S].
 */
void apic_accept(struct apic *a, int mode, int vector, bool level)
{
	switch (mode) {
	case DM_FIXED: case DM_LOWEST: case DM_EXTINT:
		set_bit(a->irr, vector);
		if (level)
			set_bit(a->tmr, vector);
		else
			clear_bit(a->tmr, vector);
		break;
	case DM_NMI:
		a->nmi_pending = true;
		break;
	default:
		break;
	}
}

/* ---- the timer ---------------------------------------------------------- */

/* The divide register's shift: 0b1011 divides by 1, else 2 << n. */
static int timer_shift(const struct apic *a)
{
	uint32_t v = (a->timer_dcr & 3) | ((a->timer_dcr >> 1) & 4);

	return (int)((v + 1) & 7);
}

/* The LVT timer's mode, bits 18:17: 00 one-shot, 01 periodic, 10
 * TSC-deadline (11 reserved). */
static int timer_mode(uint32_t lvt)
{
	return (int)((lvt >> 17) & 3);
}

/* Periodic: bit 17, as QEMU's APIC_LVT_TIMER_PERIODIC (whatever bit 18
 * says: mode 11, reserved, counts as periodic there). */
static bool periodic(const struct apic *a)
{
	return (a->lvt[LVT_TIMER] & 0x20000u) != 0;
}

/* Is the timer in TSC-deadline mode (and does the VM have it)? */
static bool deadline_mode(const struct vcpu *v)
{
	return v->vm->cfg.tsc_deadline &&
	       timer_mode(v->apic.lvt[LVT_TIMER]) == 2;
}

/* Ticks counted since the count was loaded. */
static uint64_t timer_ticks(const struct apic *a, uint64_t now)
{
	return now > a->timer_start_ns ?
	       (now - a->timer_start_ns) >> timer_shift(a) : 0;
}

static void timer_arm(struct apic *a, uint64_t now)
{
	uint64_t period = (uint64_t)a->timer_initial << timer_shift(a);

	if (a->timer_initial == 0) {
		a->timer_next_ns = UINT64_MAX;
		return;
	}
	if (now < a->timer_start_ns + period) {
		a->timer_next_ns = a->timer_start_ns + period;
	} else if (periodic(a)) {
		uint64_t n = (now - a->timer_start_ns) / period + 1;

		a->timer_next_ns = a->timer_start_ns + n * period;
	} else {
		a->timer_next_ns = UINT64_MAX;	/* one-shot: fired */
	}
}

static uint32_t timer_count(const struct apic *a, uint64_t now)
{
	uint64_t t = timer_ticks(a, now);

	if (a->timer_initial == 0)
		return 0;
	if (periodic(a))
		return a->timer_initial - (uint32_t)(t % a->timer_initial);
	return t >= a->timer_initial ? 0 : a->timer_initial - (uint32_t)t;
}

void apic_advance(struct vcpu *v, uint64_t now)
{
	struct apic *a = &v->apic;

	if (a->timer_next_ns == UINT64_MAX || now < a->timer_next_ns)
		return;
	apic_bus_local(v, LVT_TIMER);
	if (periodic(a)) {
		uint64_t period = (uint64_t)a->timer_initial << timer_shift(a);

		a->timer_start_ns = a->timer_next_ns;
		a->timer_next_ns += period;
		if (a->timer_next_ns <= now)	/* ticks missed: one latched */
			timer_arm(a, now);
	} else {
		a->timer_next_ns = UINT64_MAX;
		/* TSC-deadline: "the timer generates an interrupt and
		 * clears the IA32_TSC_DEADLINE MSR" (SDM 10.5.4.1) */
		a->tsc_deadline = 0;
	}
}

/*
 * TSC-deadline mode: the timer interrupts when the TSC reaches the
 * deadline.  ringside's TSC counts the cycles the vCPU executed (it stands
 * still while the vCPU is halted or waits for a pCPU: fidelity.md), so the
 * deadline becomes a time when it is written: now plus the cycles to go at
 * the host's clock rate, as if the TSC went on counting, as a real one
 * does.  A deadline already passed interrupts at once; 0 disarms.
 */
void apic_tsc_deadline_write(struct vcpu *v, uint64_t deadline, uint64_t tsc,
			     uint64_t now)
{
	struct apic *a = &v->apic;

	if (!deadline_mode(v))
		return;			/* "writes are ignored" */
	a->tsc_deadline = deadline;
	if (deadline == 0)
		a->timer_next_ns = UINT64_MAX;
	else if (deadline <= tsc)
		a->timer_next_ns = now;
	else
		a->timer_next_ns = now + (deadline - tsc) * 1000u /
					 v->vm->cfg.mhz;
}

uint64_t apic_tsc_deadline_read(const struct vcpu *v)
{
	return deadline_mode(v) ? v->apic.tsc_deadline : 0;
}

uint64_t apic_next_ns(const struct apic *a)
{
	return a->timer_next_ns;
}

/* ---- the registers ------------------------------------------------------ */

/*
 * The LVT timer written.  A change between TSC-deadline mode and another
 * disarms the timer (SDM 10.5.4.1: the deadline is cleared, and the
 * initial count is 0 on entering it); within TSC-deadline mode an armed
 * deadline stays armed (unmasking it, say).
 */
static void lvt_timer_write(struct vcpu *v, uint32_t value, uint64_t now)
{
	struct apic *a = &v->apic;
	bool was = deadline_mode(v);

	a->lvt[LVT_TIMER] = value;
	if (was != deadline_mode(v)) {
		a->tsc_deadline = 0;
		a->timer_initial = 0;
		a->timer_next_ns = UINT64_MAX;
	} else if (!was) {
		timer_arm(a, now);
	}
}

uint32_t apic_read(struct vcpu *v, uint32_t off, uint64_t now)
{
	struct apic *a = &v->apic;

	off &= 0xff0;
	if (off >= APIC_ISR && off < APIC_ISR + 0x80)
		return a->isr[(off - APIC_ISR) >> 4];
	if (off >= APIC_TMR && off < APIC_TMR + 0x80)
		return a->tmr[(off - APIC_TMR) >> 4];
	if (off >= APIC_IRR && off < APIC_IRR + 0x80)
		return a->irr[(off - APIC_IRR) >> 4];
	if (off >= APIC_LVT_TIMER && off <= APIC_LVT_ERROR)
		return a->lvt[(off - APIC_LVT_TIMER) >> 4];
	switch (off) {
	case APIC_ID: return (uint32_t)a->id << 24;
	case APIC_VERSION: return APIC_VERSION_VALUE;
	case APIC_TPR: return a->tpr;
	case APIC_APR: return 0;
	case APIC_PPR: return (uint32_t)ppr(a);
	case APIC_LDR: return a->ldr;
	case APIC_DFR: return a->dfr;
	case APIC_SVR: return a->svr;
	case APIC_ESR: return a->esr;
	case APIC_ICR_LO: return a->icr_lo;
	case APIC_ICR_HI: return a->icr_hi;
	case APIC_TIMER_ICR: return a->timer_initial;
	case APIC_TIMER_CCR: return timer_count(a, now);
	case APIC_TIMER_DCR: return a->timer_dcr;
	case APIC_EOI: return 0;
	default:
		a->esr |= ESR_ILLEGAL_REGISTER;
		return 0;
	}
}

void apic_write(struct vcpu *v, uint32_t off, uint32_t value, uint64_t now)
{
	struct apic *a = &v->apic;

	/*
	 * QEMU's apic_mem_write: "MSI and MMIO APIC are at the same memory
	 * location ... MSI registers are reserved in APIC MMIO and vice
	 * versa."  Past the first page, or at offset 0, a store is an MSI.
	 */
	if (off >= APIC_SIZE || (off & 0xff0) == 0) {
		apic_bus_msi(v, off, value, now);
		return;
	}
	off &= 0xff0;
	if (off >= APIC_LVT_TIMER && off <= APIC_LVT_ERROR) {
		int i = (int)(off - APIC_LVT_TIMER) >> 4;

		/*
		 * Kept whole, reserved bits too, as QEMU keeps them; and a
		 * software-disabled APIC does not mask them (SDM 10.4.7.2 says
		 * it does; QEMU does not) [measured: tests/guests/apicoff.S].
		 */
		if (i == LVT_TIMER) {
			lvt_timer_write(v, value, now);
			return;
		}
		a->lvt[i] = value;
		/* LINT0 opened while the PIC's INTR is high: it comes in
		 * at once (QEMU's apic_check_pic after the store) */
		if (i == LVT_LINT0 && pic_pending(&v->vm->pic) >= 0)
			apic_bus_pic_intr(v, true, now);
		return;
	}
	switch (off) {
	case APIC_ID: a->id = (uint8_t)(value >> 24); break;
	case APIC_TPR: a->tpr = (uint8_t)value; break;
	case APIC_EOI: eoi(a); break;
	case APIC_LDR: a->ldr = value & 0xff000000u; break;
	case APIC_DFR: a->dfr = value | 0x0fffffffu; break;
	case APIC_SVR:
		/*
		 * The vector and the enable bit, as QEMU's (val & 0x1ff: no
		 * focus checking, no EOI-broadcast suppression).  A software
		 * disable masks no LVT, as on QEMU, where the SDM's APIC masks
		 * them all (10.4.7.2): the timer still fires into the IRR,
		 * delivered once the APIC is enabled again, and the PIC's
		 * INTR still reaches the CPU through LINT0 [measured:
		 * tests/guests/apicoff.S].
		 */
		a->svr = value & 0x1ffu;
		break;
	case APIC_ICR_HI: a->icr_hi = value & 0xff000000u; break;
	case APIC_ICR_LO:
		a->icr_lo = value & 0x000ccfffu;
		apic_bus_icr(v, now);
		break;
	case APIC_TIMER_ICR:
		if (deadline_mode(v))
			break;		/* "writes ... are ignored" */
		a->timer_initial = value;
		a->timer_start_ns = now;
		timer_arm(a, now);
		break;
	case APIC_TIMER_DCR:
		/* as QEMU: the ticks since the load are counted at the new rate */
		a->timer_dcr = value & 0xb;
		if (!deadline_mode(v))
			timer_arm(a, now);
		break;
	case APIC_VERSION: case APIC_APR: case APIC_PPR: case APIC_ESR:
	case APIC_TIMER_CCR:
		break;			/* read-only: the store is dropped */
	default:
		if (off >= APIC_ISR && off < APIC_IRR + 0x80)
			break;		/* ISR, TMR, IRR: read-only too */
		a->esr |= ESR_ILLEGAL_REGISTER;
		break;
	}
}

void apic_save(const struct apic *a, struct apic *out)
{
	*out = *a;
}

void apic_load(struct apic *a, const struct apic *in)
{
	*a = *in;
}
