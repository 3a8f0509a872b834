/*
 * testlib_hostile.c - the shared helpers of the hostile guests' suites
 * (tests/guests/, test_hostile.c, test_nothing.c, test_named.c): run a
 * guest in each mode and on QEMU, and see how it ended and what its
 * accesses of memory that does not exist were (see testlib.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "testlib.h"
#include "vm.h"
#include "vmm/vmm.h"

const char *const tl_modes[] = { "te", "bt", "hw" };

/* The last power event of the run: how the VM ended. */
static const struct event *last_power(const struct tl_run *r)
{
	const struct event *p = NULL;

	for (size_t i = 0; i < r->nev; i++)
		if (r->ev[i].kind == EV_POWER)
			p = &r->ev[i];
	return p;
}

void tl_hostile_run(const struct tl_hostile *h, enum exec_mode mode,
		    struct tl_run *r)
{
	const struct event *p;
	char guest[256];

	snprintf(guest, sizeof guest, "build/guests/%s.elf", h->guest);
	tl_boot_mode(guest, mode, false, r);
	assert_int_equal(sim_run(r->sim, h->bound, &r->stop), SIM_OK);
	assert_true(sim_insns(r->sim) <= h->bound);
	p = last_power(r);
	assert_non_null(p);
	if (h->end == TL_STILL_ON) {
		if (r->vm->state == VM_OFF)
			fail_msg("%s --mode=%s: powered off (%s), not stopped by the bound",
				 h->guest, tl_modes[mode],
				 power_reason_name((enum power_reason)p->u.power.reason));
		assert_int_equal(sim_insns(r->sim), h->bound);
		return;
	}
	if (p->u.power.reason != h->end)
		fail_msg("%s --mode=%s: ended %s (0x%08x), not %s", h->guest,
			 tl_modes[mode],
			 power_reason_name((enum power_reason)p->u.power.reason),
			 p->u.power.status, power_reason_name(h->end));
	if (h->check_status)
		assert_int_equal(p->u.power.status, h->status);
}

void tl_hostile_expect(const struct tl_hostile *h, enum exec_mode mode,
		       const char *serial)
{
	struct tl_run r;

	tl_hostile_run(h, mode, &r);
	if (serial != NULL && strcmp(tl_serial(&r), serial) != 0)
		fail_msg("%s --mode=%s prints:\n%s--- not:\n%s", h->guest,
			 tl_modes[mode], tl_serial(&r), serial);
	tl_free(&r);
}

const char *tl_qemu_ran(const char *name, int *end)
{
	char guest[256];

	snprintf(guest, sizeof guest, "build/guests/%s.elf", name);
	return tl_qemu(guest, "", end);
}

const char *tl_qemu_says(const char *name)
{
	int end;

	return tl_qemu_ran(name, &end);
}

/* (A run the bound stops, TL_STILL_ON, has no end to compare: its test
 * says what QEMU's is.) */
void tl_ends_as_on_qemu(const struct tl_hostile *h)
{
	int want, end;

	switch (h->end) {
	case POWER_DEBUG_EXIT:
		want = h->status == 0 ? 0 : 3;
		break;
	case POWER_TRIPLE_FAULT:
	case POWER_INIT_RESET:	/* SeaBIOS's reboot triple-faults (apic_bus.c) */
		want = 4;
		break;
	default:
		fail_msg("%s: no end on QEMU is %s", h->guest,
			 power_reason_name(h->end));
	}
	tl_qemu_ran(h->guest, &end);
	if (end != want)
		fail_msg("%s: QEMU's run ends with qemu-run.sh status %d, not %d (%s)",
			 h->guest, end, want, power_reason_name(h->end));
}

void tl_hostile_check(const struct tl_hostile *h)
{
	const char *qemu = h->qemu ? tl_qemu_says(h->guest) : NULL;

	if (h->qemu && h->end != TL_STILL_ON)
		tl_ends_as_on_qemu(h);
	for (int m = MODE_TE; m <= MODE_HW; m++)
		tl_hostile_expect(h, (enum exec_mode)m, qemu);
}

size_t tl_no_memory(const struct tl_run *r, uint32_t access, uint32_t lo,
		    uint32_t hi)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nev; i++) {
		const struct event *e = &r->ev[i];

		if (e->kind == EV_TRAP && e->u.trap.action == TRAP_NO_MEMORY &&
		    e->u.trap.b == access && e->u.trap.a >= lo &&
		    e->u.trap.a <= hi)
			n++;
	}
	return n;
}

void tl_no_memory_faults(enum exec_mode m, const struct tl_run *r)
{
	for (size_t i = 0; i < r->nev; i++) {
		const struct event *e = &r->ev[i];

		if (e->kind != EV_TRAP || e->u.trap.action != TRAP_NO_MEMORY)
			continue;
		if (m == MODE_HW) {
			assert_int_equal(e->u.trap.vm_exit, 1);
			assert_int_equal(e->u.trap.exit_reason, 0);
			assert_int_equal(e->u.trap.vector, X86_PF);
		} else {
			assert_int_equal(e->u.trap.vm_exit, 0);
			assert_int_equal(e->u.trap.vector,
					 e->u.trap.a >= VMM_BASE ? X86_GP : X86_PF);
		}
	}
}
