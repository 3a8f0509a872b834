/*
 * test_apic.c - the local APIC (sim/vmm/apic.c) register by register, on
 * a 4-vCPU VM: reset values, IPIs to physical and logical destinations
 * and by shorthand, priorities (TPR, ISR, EOI), vectors below 16, INIT and
 * SIPI, NMI, MSIs in the APIC's 1 MiB region, and the timer's modes and
 * divide (SDM vol. 3A ch. 10, and QEMU where it differs).  The
 * guest-visible behaviour is compared with QEMU in test_reference.c (the
 * smp and apictimer guests); this checks what a guest cannot easily see.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "testlib.h"
#include "vm.h"
#include "vmm/apic.h"
#include "vmm/vmm_priv.h"

struct fixture {
	struct tl_run r;
	struct vcpu *v[4];
};

static int setup(void **state)
{
	static struct fixture f;
	struct vm_config cfg = { .name = "smp", .guest = "scenarios/guests/smp.elf",
				 .vcpus = 4, .mode = MODE_TE };

	memset(&f, 0, sizeof f);
	tl_boot_cfg(&cfg, false, &f.r);
	for (int i = 0; i < 4; i++) {
		f.v[i] = f.r.vm->vcpu[i];
		apic_write(f.v[i], APIC_SVR, 0x1ff, 0);	/* software-enabled */
	}
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	tl_free(&f->r);
	return 0;
}

/* Send an IPI from vCPU `from`: ICR high (destination) then low. */
static void ipi(struct fixture *f, int from, uint8_t dest, uint32_t lo)
{
	apic_write(f->v[from], APIC_ICR_HI, (uint32_t)dest << 24, 0);
	apic_write(f->v[from], APIC_ICR_LO, lo, 0);
}

/* Which vCPUs have `vector` in their IRR, as a bit mask. */
static unsigned irr_of(struct fixture *f, int vector)
{
	unsigned m = 0;

	for (int i = 0; i < 4; i++)
		if (apic_read(f->v[i], APIC_IRR + 0x10 * (vector / 32), 0) &
		    (1u << (vector % 32)))
			m |= 1u << i;
	return m;
}

static void clear_irr(struct fixture *f)
{
	for (int i = 0; i < 4; i++)
		memset(f->v[i]->apic.irr, 0, sizeof f->v[i]->apic.irr);
}

static void reset_values(void **state)
{
	struct fixture *f = *state;
	struct apic a;

	for (int i = 0; i < 4; i++) {
		assert_int_equal(apic_read(f->v[i], APIC_ID, 0), (uint32_t)i << 24);
		assert_int_equal(apic_read(f->v[i], APIC_VERSION, 0), 0x50014);
	}
	apic_reset(&a, 0, true);
	assert_int_equal(a.svr, 0xff);			/* software-disabled */
	assert_int_equal(a.lvt[LVT_LINT0], DM_EXTINT << 8);	/* virtual wire */
	assert_int_equal(a.lvt[LVT_LINT1], DM_NMI << 8);
	assert_true(a.lvt[LVT_TIMER] & APIC_LVT_MASKED);
	apic_reset(&a, 2, false);
	assert_true(a.lvt[LVT_LINT0] & APIC_LVT_MASKED);	/* an AP */
	assert_int_equal(a.dfr, 0xffffffffu);
	/* the AP's IA32_APIC_BASE has no BSP bit */
	assert_int_equal(f->v[0]->virt.msr[VMSR_APIC_BASE], 0xfee00900u);
	assert_int_equal(f->v[1]->virt.msr[VMSR_APIC_BASE], 0xfee00800u);
	assert_true(apic_accepts_pic(f->v[0]));
	assert_false(apic_accepts_pic(f->v[1]));
}

static void physical_and_logical(void **state)
{
	struct fixture *f = *state;

	ipi(f, 0, 2, 0x4041);			/* fixed, physical, vCPU 2 */
	assert_int_equal(irr_of(f, 0x41), 1u << 2);
	ipi(f, 0, 0xff, 0x4042);		/* physical broadcast */
	assert_int_equal(irr_of(f, 0x42), 0xf);
	clear_irr(f);
	/* logical, flat: vCPU 1 is bit 1, vCPU 3 bit 3 */
	apic_write(f->v[1], APIC_LDR, 0x02u << 24, 0);
	apic_write(f->v[3], APIC_LDR, 0x08u << 24, 0);
	ipi(f, 0, 0x0a, 0x4843);		/* logical */
	assert_int_equal(irr_of(f, 0x43), (1u << 1) | (1u << 3));
	/* logical, cluster: cluster 1, member bit 0, on vCPU 2 only */
	for (int i = 0; i < 4; i++)
		apic_write(f->v[i], APIC_DFR, 0x0fffffffu, 0);
	apic_write(f->v[2], APIC_LDR, 0x11u << 24, 0);
	ipi(f, 0, 0x11, 0x4844);
	assert_int_equal(irr_of(f, 0x44), 1u << 2);
	ipi(f, 0, 0x21, 0x4845);		/* cluster 2: nobody */
	assert_int_equal(irr_of(f, 0x45), 0);
	/* another model (7): nobody's destination, as on QEMU (apicoff.S) */
	apic_write(f->v[2], APIC_DFR, 0x7fffffffu, 0);
	assert_int_equal(apic_read(f->v[2], APIC_DFR, 0), 0x7fffffffu);
	ipi(f, 0, 0x11, 0x4846);
	assert_int_equal(irr_of(f, 0x46), 0);
	for (int i = 0; i < 4; i++)
		apic_write(f->v[i], APIC_DFR, 0xffffffffu, 0);
	clear_irr(f);
}

/* Lowest priority: one destination takes it, the first in APIC order
 * whatever the TPRs, as on QEMU (apiclow.S). */
static void lowest_priority(void **state)
{
	struct fixture *f = *state;

	for (int i = 0; i < 4; i++)
		apic_write(f->v[i], APIC_TPR, 0x20, 0);
	apic_write(f->v[2], APIC_TPR, 0x10, 0);
	ipi(f, 0, 0xff, 0x4146);		/* lowest priority, to all */
	assert_int_equal(irr_of(f, 0x46), 1u << 0);
	ipi(f, 0, 0xff, 0xc4147);		/* all but self: vCPU 1 */
	assert_int_equal(irr_of(f, 0x47), 1u << 1);
	apic_write(f->v[1], APIC_LDR, 0x02u << 24, 0);
	apic_write(f->v[3], APIC_LDR, 0x08u << 24, 0);
	ipi(f, 0, 0x0a, 0x4948);		/* logical 1 and 3: vCPU 1 */
	assert_int_equal(irr_of(f, 0x48), 1u << 1);
	apic_write(f->v[0], 0xff000, 0x149, 0);	/* an MSI to all: vCPU 0 */
	assert_int_equal(irr_of(f, 0x49), 1u << 0);
	clear_irr(f);
}

static void shorthands(void **state)
{
	struct fixture *f = *state;

	ipi(f, 1, 0, 0x44050);			/* self */
	assert_int_equal(irr_of(f, 0x50), 1u << 1);
	ipi(f, 1, 0, 0x84051);			/* all including self */
	assert_int_equal(irr_of(f, 0x51), 0xf);
	ipi(f, 1, 0, 0xc4052);			/* all excluding self */
	assert_int_equal(irr_of(f, 0x52), 0xf & ~(1u << 1));
	/* delivered: the ICR's delivery-status bit reads 0 */
	assert_int_equal(apic_read(f->v[1], APIC_ICR_LO, 0) & 0x1000, 0);
	clear_irr(f);
}

static void priorities_and_eoi(void **state)
{
	struct fixture *f = *state;
	struct apic *a = &f->v[0]->apic;

	ipi(f, 0, 0, 0x44045);			/* self, 0x45 */
	apic_write(f->v[0], APIC_TPR, 0x50, 0);
	assert_int_equal(apic_pending(a), -1);	/* class 4 <= TPR class 5 */
	apic_write(f->v[0], APIC_TPR, 0x30, 0);
	assert_int_equal(apic_pending(a), 0x45);
	apic_ack(a, 0x45);			/* in service */
	assert_int_equal(apic_read(f->v[0], APIC_PPR, 0), 0x40);
	ipi(f, 0, 0, 0x44042);			/* same class: waits */
	assert_int_equal(apic_pending(a), -1);
	ipi(f, 0, 0, 0x44062);			/* higher class: comes in */
	assert_int_equal(apic_pending(a), 0x62);
	apic_ack(a, 0x62);
	apic_write(f->v[0], APIC_EOI, 0, 0);	/* ends 0x62, the highest */
	assert_int_equal(apic_read(f->v[0], APIC_ISR + 0x10 * 2, 0),
			 1u << (0x45 % 32));
	apic_write(f->v[0], APIC_EOI, 0, 0);	/* ends 0x45 */
	assert_int_equal(apic_pending(a), 0x42);
	apic_ack(a, 0x42);
	apic_write(f->v[0], APIC_EOI, 0, 0);
	assert_int_equal(apic_pending(a), -1);
	apic_write(f->v[0], APIC_TPR, 0, 0);
	/* software-disabled: nothing is delivered, and no LVT is masked
	 * (as QEMU: apicoff.S); the PIC still reaches the CPU by LINT0 */
	ipi(f, 0, 0, 0x44070);
	apic_write(f->v[0], APIC_SVR, 0xff, 0);
	assert_int_equal(apic_pending(a), -1);
	assert_int_equal(apic_read(f->v[0], APIC_LVT_LINT0, 0), DM_EXTINT << 8);
	assert_true(apic_accepts_pic(f->v[0]));
	apic_write(f->v[0], APIC_LVT_ERROR, 0x33, 0);
	assert_int_equal(apic_read(f->v[0], APIC_LVT_ERROR, 0), 0x33);
	apic_write(f->v[0], APIC_SVR, 0x1ff, 0);
	assert_int_equal(apic_pending(a), 0x70);
	/* the SVR keeps bits 0-8, an LVT every bit, as QEMU's */
	apic_write(f->v[0], APIC_SVR, 0xffffffffu, 0);
	assert_int_equal(apic_read(f->v[0], APIC_SVR, 0), 0x1ff);
	apic_write(f->v[0], APIC_LVT_ERROR, 0xffffffffu, 0);
	assert_int_equal(apic_read(f->v[0], APIC_LVT_ERROR, 0), 0xffffffffu);
	apic_write(f->v[0], APIC_LVT_ERROR, APIC_LVT_MASKED, 0);
	clear_irr(f);
}

/*
 * A vector below 16, which Intel's APICs refuse (ESR bits 5 and 6), is
 * taken as any other on QEMU, and delivered while the processor priority
 * is 0; vector 0 never is (apicmsi.S).
 */
static void illegal_vector_and_nmi(void **state)
{
	struct fixture *f = *state;
	struct apic *a = &f->v[1]->apic;

	ipi(f, 0, 1, 0x4005);			/* fixed, vector 5 */
	assert_int_equal(irr_of(f, 5), 1u << 1);
	assert_int_equal(apic_read(f->v[0], APIC_ESR, 0), 0);
	assert_int_equal(apic_read(f->v[1], APIC_ESR, 0), 0);
	assert_int_equal(apic_pending(a), 5);
	apic_write(f->v[1], APIC_TPR, 0x01, 0);	/* any priority: held */
	assert_int_equal(apic_pending(a), -1);
	apic_write(f->v[1], APIC_TPR, 0, 0);
	clear_irr(f);
	ipi(f, 0, 1, 0x4000);			/* vector 0: never taken */
	assert_int_equal(irr_of(f, 0), 1u << 1);
	assert_int_equal(apic_pending(a), -1);
	clear_irr(f);
	/* a store to the ESR clears nothing, as on QEMU (apicedge.S) */
	apic_read(f->v[1], 0x3f0, 0);		/* no register there */
	assert_int_equal(apic_read(f->v[1], APIC_ESR, 0), 0x80);
	apic_write(f->v[1], APIC_ESR, 0, 0);
	assert_int_equal(apic_read(f->v[1], APIC_ESR, 0), 0x80);
	ipi(f, 0, 3, 0x4400);			/* NMI */
	assert_true(f->v[3]->apic.nmi_pending);
	assert_false(f->v[2]->apic.nmi_pending);
	f->v[3]->apic.nmi_pending = false;
}

static void init_and_sipi(void **state)
{
	struct fixture *f = *state;
	struct apic *a = &f->v[2]->apic;

	ipi(f, 0, 2, 0x4608);			/* SIPI without INIT: ignored */
	assert_false(a->sipi_pending);
	ipi(f, 0, 2, 0x8500);			/* INIT de-assert: no effect */
	assert_false(a->wait_sipi);
	ipi(f, 0, 2, 0x4500);			/* INIT */
	assert_true(a->wait_sipi);
	assert_int_equal(f->v[2]->state, VCPU_HALTED);
	ipi(f, 0, 2, 0x4609);			/* SIPI, vector 9 */
	assert_false(a->wait_sipi);
	assert_true(a->sipi_pending);
	assert_int_equal(a->sipi_vector, 9);
	ipi(f, 0, 2, 0x460a);			/* the second SIPI: ignored */
	assert_int_equal(a->sipi_vector, 9);
	a->sipi_pending = false;
	/* an edge-triggered INIT with level 0 is an INIT on QEMU */
	ipi(f, 0, 2, 0x0500);
	assert_true(a->wait_sipi);
	a->wait_sipi = false;
	/* the events: one per delivery, startup with the target */
	{
		size_t starts = 0;

		for (size_t i = 0; i < f->r.nev; i++)
			if (f->r.ev[i].kind == EV_TRAP &&
			    f->r.ev[i].u.trap.action == TRAP_STARTUP) {
				assert_int_equal(f->r.ev[i].u.trap.a, 2);
				starts++;
			}
		assert_true(starts >= 3);
	}
	a->sipi_pending = false;
}

/* The last event of the run, which must be an ipi or startup: its b. */
static uint32_t last_apic_event(struct fixture *f)
{
	const struct event *e = &f->r.ev[f->r.nev - 1];

	assert_int_equal(e->kind, EV_TRAP);
	assert_true(e->u.trap.action == TRAP_IPI ||
		    e->u.trap.action == TRAP_STARTUP);
	return e->u.trap.b;
}

/*
 * INIT resets the APIC of the processor that takes it, whoever sent it,
 * itself too, as QEMU's apic_init_reset: registers at their INIT values
 * but the ID, anything pending forgotten; an AP waits for a SIPI
 * (apicinit.S compares a guest's view with QEMU).
 */
static void init_resets(void **state)
{
	struct fixture *f = *state;
	struct apic *a = &f->v[3]->apic;

	apic_write(f->v[3], APIC_TPR, 0x20, 0);
	apic_write(f->v[3], APIC_LDR, 0x08u << 24, 0);
	apic_write(f->v[3], APIC_DFR, 0x0fffffffu, 0);
	apic_write(f->v[3], APIC_LVT_ERROR, 0x33, 0);
	ipi(f, 0, 3, 0x4050);			/* pending */
	ipi(f, 0, 3, 0x4400);			/* an NMI pending */
	apic_write(f->v[3], APIC_ICR_LO, 0x44500, 0);	/* INIT to itself */
	assert_int_equal(last_apic_event(f), DM_INIT);
	assert_true(a->wait_sipi);
	assert_int_equal(f->v[3]->state, VCPU_HALTED);
	assert_true(f->v[3]->run.stop_request);	/* its run ends */
	assert_int_equal(a->id, 3);
	assert_int_equal(a->svr, 0xff);
	assert_int_equal(a->tpr, 0);
	assert_int_equal(a->ldr, 0);
	assert_int_equal(a->dfr, 0xffffffffu);
	assert_int_equal(a->lvt[LVT_ERROR], APIC_LVT_MASKED);
	assert_int_equal(a->lvt[LVT_LINT0], APIC_LVT_MASKED);
	assert_int_equal(irr_of(f, 0x50), 0);
	assert_false(a->nmi_pending);
	assert_int_equal(f->r.vm->state, VM_ON);
	a->wait_sipi = false;
	f->v[3]->state = VCPU_RUNNING;
	apic_write(f->v[3], APIC_SVR, 0x1ff, 0);
}

/* The MSI events of the run from event `from` on, as (target, address,
 * data) triples into out (at most max); how many. */
static size_t msis(struct fixture *f, size_t from, uint32_t (*out)[3],
		   size_t max)
{
	size_t n = 0;

	for (size_t i = from; i < f->r.nev && n < max; i++)
		if (f->r.ev[i].kind == EV_TRAP &&
		    f->r.ev[i].u.trap.action == TRAP_MSI) {
			out[n][0] = f->r.ev[i].u.trap.a;
			out[n][1] = f->r.ev[i].u.trap.b;
			out[n++][2] = f->r.ev[i].u.trap.c;
		}
	return n;
}

/*
 * The APIC's 1 MiB region (apic_bus.c, QEMU's apic_mem_read/write): loads
 * past the first page read its registers; a store there, or to its first
 * 16 bytes, is an MSI to the destination its address names, one event
 * per destination (apicmsi.S compares a guest's view with QEMU).
 */
static void msi(void **state)
{
	struct fixture *f = *state;
	uint32_t ev[8][3];
	size_t first = f->r.nev;

	assert_int_equal(apic_read(f->v[0], 0x1030, 0), 0x50014);
	assert_int_equal(apic_read(f->v[2], 0xff020, 0), 2u << 24);
	apic_write(f->v[0], 0x2000, 0x41, 0);	/* to APIC ID 2 */
	assert_int_equal(irr_of(f, 0x41), 1u << 2);
	apic_write(f->v[0], 0x0008, 0x42, 0);	/* offset 0: to ID 0 */
	assert_int_equal(irr_of(f, 0x42), 1u << 0);
	apic_write(f->v[3], 0x1380, 0x43, 0);	/* an MSI, no register */
	assert_int_equal(irr_of(f, 0x43), 1u << 1);
	assert_int_equal(apic_read(f->v[3], APIC_TIMER_ICR, 0), 0);
	apic_write(f->v[0], 0x9000, 0x44, 0);	/* ID 9: nobody */
	assert_int_equal(irr_of(f, 0x44), 0);
	apic_write(f->v[1], APIC_LDR, 0x02u << 24, 0);
	apic_write(f->v[3], APIC_LDR, 0x08u << 24, 0);
	apic_write(f->v[0], 0xa004, 0x8045, 0);	/* logical 0x0a, level */
	assert_int_equal(irr_of(f, 0x45), (1u << 1) | (1u << 3));
	assert_true(apic_read(f->v[3], APIC_TMR + 0x20, 0) & (1u << 5));
	assert_int_equal(msis(f, first, ev, 8), 6);
	assert_int_equal(ev[0][0], 2);
	assert_int_equal(ev[0][1], 0xfee02000u);
	assert_int_equal(ev[0][2], 0x41);
	assert_int_equal(ev[3][0], UINT32_MAX);	/* nobody: one event */
	assert_int_equal(ev[4][0], 1);
	assert_int_equal(ev[5][0], 3);
	clear_irr(f);
	/* delivery modes: ExtINT as fixed, NMI, INIT; start-up dropped */
	apic_write(f->v[0], 0x1000, 0x746, 0);
	assert_int_equal(irr_of(f, 0x46), 1u << 1);
	apic_write(f->v[0], 0x3000, 0x400, 0);
	assert_true(f->v[3]->apic.nmi_pending);
	f->v[3]->apic.nmi_pending = false;
	apic_write(f->v[0], 0x2000, 0x500, 0);
	assert_true(f->v[2]->apic.wait_sipi);
	apic_write(f->v[0], 0x2000, 0x609, 0);
	assert_true(f->v[2]->apic.wait_sipi);
	assert_false(f->v[2]->apic.sipi_pending);
	f->v[2]->apic.wait_sipi = false;
	f->v[2]->state = VCPU_RUNNING;
	clear_irr(f);
	/* no ESR bit for any of it */
	for (int i = 0; i < 4; i++)
		assert_int_equal(apic_read(f->v[i], APIC_ESR, 0), 0);
}

/* Put bytes into guest RAM at addr. */
static void poke(struct fixture *f, uint32_t addr, const uint8_t *b, size_t n)
{
	memcpy(f->r.vm->ram + addr, b, n);
}

/*
 * The real-mode trampoline an AP runs after SIPI (vmm_sipi.c): the VMM
 * interprets it up to the far jump into protected mode, and the AP starts
 * there with the GDT, the registers and the stack it set up.  An
 * instruction it does not know stops the VM at that instruction.
 */
static void trampoline(void **state)
{
	struct fixture *f = *state;
	struct vcpu *v = f->v[2];
	static const uint8_t code[] = {
		0xfa,				/* cli */
		0x31, 0xc0,			/* xor ax, ax */
		0x8e, 0xd8,			/* mov ds, ax */
		0xbc, 0x00, 0x70,		/* mov sp, 0x7000 */
		0x66, 0x8b, 0x1e, 0x30, 0x71,	/* mov ebx, [0x7130] */
		0x0f, 0x01, 0x16, 0x20, 0x71,	/* lgdt [0x7120] */
		0xb8, 0x01, 0x00,		/* mov ax, 1 */
		0x0f, 0x01, 0xf0,		/* lmsw ax: PE */
		0x66, 0xea, 0x00, 0x10, 0x10, 0x00, 0x08, 0x00, /* ljmpl 0x08:0x101000 */
	};
	static const uint8_t gdt[] = {
		0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff, 0, 0, 0, 0x9a, 0xcf, 0,	/* 0x08 flat code */
		0xff, 0xff, 0, 0, 0, 0x92, 0xcf, 0,	/* 0x10 flat data */
		0, 0, 0, 0, 0, 0, 0, 0,
		23, 0, 0x00, 0x71, 0, 0,		/* 0x7120: limit, base 0x7100 */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0x78, 0x56, 0x34, 0x12,		/* 0x7130 */
	};

	poke(f, 0x7000, code, sizeof code);
	poke(f, 0x7100, gdt, sizeof gdt);
	assert_int_equal(vmm_sipi_start(v, 0x07), SIM_OK);
	assert_int_equal(f->r.vm->state, VM_ON);
	assert_int_equal(vmm_guest_eip(v), 0x101000);
	assert_int_equal(vmm_guest_cs(v), 0x08);
	assert_int_equal(vmm_guest_ss(v), 0x10);	/* the GDT's flat data */
	assert_int_equal(cpu_reg(v->cpu, X86R_ESP), 0x7000);
	assert_int_equal(cpu_reg(v->cpu, X86R_EBX), 0x12345678);
	assert_int_equal(v->virt.gdt_base, 0x7100);
	assert_int_equal(v->virt.gdt_limit, 23);
	assert_true(v->virt.cr0 & X86_CR0_PE);
	assert_false(v->virt.iflag);
	assert_int_equal(v->virt.msr[VMSR_APIC_BASE], 0xfee00800u);
	/* HLT is not trampoline code: the VM stops there */
	poke(f, 0x6000, (const uint8_t[]){ 0xfa, 0xf4 }, 2);
	assert_int_equal(vmm_sipi_start(f->v[3], 0x06), SIM_OK);
	assert_int_equal(f->r.vm->state, VM_OFF);
	assert_int_equal(f->r.vm->power_reason, POWER_BAD_INSN);
	assert_int_equal(f->r.vm->exit_status, 0x6001);
}

static void timer(void **state)
{
	struct fixture *f = *state;
	struct vcpu *v = f->v[1];

	/* one-shot, divide by 2 (DCR 0): 1000 ticks of 2 ns */
	apic_write(v, APIC_TIMER_DCR, 0x0, 0);
	apic_write(v, APIC_LVT_TIMER, 0x30, 0);
	apic_write(v, APIC_TIMER_ICR, 1000, 10000);
	assert_int_equal(apic_next_ns(&v->apic), 12000);
	assert_int_equal(apic_read(v, APIC_TIMER_CCR, 11000), 500);
	apic_advance(v, 11999);
	assert_int_equal(apic_pending(&v->apic), -1);
	apic_advance(v, 12000);
	assert_int_equal(apic_pending(&v->apic), 0x30);
	assert_int_equal(apic_next_ns(&v->apic), UINT64_MAX);	/* fired */
	assert_int_equal(apic_read(v, APIC_TIMER_CCR, 13000), 0);
	clear_irr(f);
	/* periodic, divide by 1 (DCR 0xb): every 100 ns, the count reloads */
	apic_write(v, APIC_TIMER_DCR, 0xb, 20000);
	apic_write(v, APIC_LVT_TIMER, 0x20031, 20000);
	apic_write(v, APIC_TIMER_ICR, 100, 20000);
	apic_advance(v, 20100);
	assert_int_equal(apic_pending(&v->apic), 0x31);
	assert_int_equal(apic_next_ns(&v->apic), 20200);
	assert_int_equal(apic_read(v, APIC_TIMER_CCR, 20150), 50);
	/* masked: it counts, but interrupts nobody */
	clear_irr(f);
	apic_write(v, APIC_LVT_TIMER, 0x30031, 20150);
	apic_advance(v, 20200);
	assert_int_equal(apic_pending(&v->apic), -1);
	/* initial count 0 stops it */
	apic_write(v, APIC_TIMER_ICR, 0, 20300);
	assert_int_equal(apic_next_ns(&v->apic), UINT64_MAX);
	assert_int_equal(apic_read(v, APIC_TIMER_CCR, 20400), 0);
}

/*
 * TSC-deadline mode (SDM vol. 3A 10.5.4.1), register by register, on a VM
 * that has it; and on one that does not (qemu32's CPUID), the MSR reads 0
 * and ignores writes.  The host runs at 1000 MHz: a TSC cycle is 1 ns.
 */
static void tsc_deadline(void **state)
{
	struct fixture *f = *state;
	struct vcpu *v = f->v[2];
	uint32_t r[4];

	/* without the feature: mode 10b is not TSC-deadline, the MSR is 0 */
	apic_write(v, APIC_LVT_TIMER, 0x40030, 0);
	apic_tsc_deadline_write(v, 5000, 1000, 1000);
	assert_int_equal(apic_tsc_deadline_read(v), 0);
	assert_int_equal(apic_next_ns(&v->apic), UINT64_MAX);
	cpu_cpuid_of(v->cpu, 1, 0, r);		/* the VM's CPUID: not announced */
	assert_int_equal(r[2] & CPUID_1_ECX_TSC_DEADLINE, 0);

	f->r.vm->cfg.tsc_deadline = true;
	apic_write(v, APIC_LVT_TIMER, 0x00030, 0);	/* out of the mode... */
	apic_write(v, APIC_LVT_TIMER, 0x40030, 0);	/* ... and in */
	/* at TSC 1000, time 3000: a deadline of 5000 is 4000 ns away */
	apic_tsc_deadline_write(v, 5000, 1000, 3000);
	assert_int_equal(apic_tsc_deadline_read(v), 5000);
	assert_int_equal(apic_next_ns(&v->apic), 7000);
	apic_write(v, APIC_LVT_TIMER, 0x40030, 3500);	/* rewritten: still armed */
	assert_int_equal(apic_next_ns(&v->apic), 7000);
	apic_advance(v, 6999);
	assert_int_equal(apic_pending(&v->apic), -1);
	apic_advance(v, 7000);
	assert_int_equal(apic_pending(&v->apic), 0x30);
	assert_int_equal(apic_tsc_deadline_read(v), 0);	/* cleared when it fires */
	assert_int_equal(apic_next_ns(&v->apic), UINT64_MAX);
	clear_irr(f);
	/* a deadline already passed fires at once; 0 disarms */
	apic_tsc_deadline_write(v, 900, 1000, 8000);
	assert_int_equal(apic_next_ns(&v->apic), 8000);
	apic_tsc_deadline_write(v, 0, 1000, 8000);
	assert_int_equal(apic_next_ns(&v->apic), UINT64_MAX);
	/* the initial count is ignored, the current count reads 0 */
	apic_write(v, APIC_TIMER_ICR, 1000, 9000);
	assert_int_equal(apic_read(v, APIC_TIMER_ICR, 9000), 0);
	assert_int_equal(apic_read(v, APIC_TIMER_CCR, 9100), 0);
	assert_int_equal(apic_next_ns(&v->apic), UINT64_MAX);
	/* leaving the mode disarms */
	apic_tsc_deadline_write(v, 20000, 1000, 9000);
	assert_int_equal(apic_next_ns(&v->apic), 28000);
	apic_write(v, APIC_LVT_TIMER, 0x00030, 9500);
	assert_int_equal(apic_next_ns(&v->apic), UINT64_MAX);
	assert_int_equal(apic_tsc_deadline_read(v), 0);
	apic_write(v, APIC_LVT_TIMER, 0x40030, 9600);
	assert_int_equal(apic_tsc_deadline_read(v), 0);
	/* saved and loaded with the rest of the APIC */
	{
		struct apic saved;

		apic_tsc_deadline_write(v, 30000, 1000, 10000);
		apic_save(&v->apic, &saved);
		apic_tsc_deadline_write(v, 0, 1000, 10000);
		apic_load(&v->apic, &saved);
		assert_int_equal(apic_tsc_deadline_read(v), 30000);
		assert_int_equal(apic_next_ns(&v->apic), 39000);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(reset_values, setup, teardown),
		cmocka_unit_test_setup_teardown(physical_and_logical, setup, teardown),
		cmocka_unit_test_setup_teardown(shorthands, setup, teardown),
		cmocka_unit_test_setup_teardown(lowest_priority, setup, teardown),
		cmocka_unit_test_setup_teardown(priorities_and_eoi, setup, teardown),
		cmocka_unit_test_setup_teardown(illegal_vector_and_nmi, setup, teardown),
		cmocka_unit_test_setup_teardown(init_and_sipi, setup, teardown),
		cmocka_unit_test_setup_teardown(init_resets, setup, teardown),
		cmocka_unit_test_setup_teardown(msi, setup, teardown),
		cmocka_unit_test_setup_teardown(timer, setup, teardown),
		cmocka_unit_test_setup_teardown(tsc_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(trampoline, setup, teardown),
	};

	return cmocka_run_group_tests_name("local APIC", tests, NULL, NULL);
}
