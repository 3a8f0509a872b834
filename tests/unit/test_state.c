/*
 * test_state.c - a VM's whole state, saved and loaded (vm_snap.h): what
 * VMotion moves.  Save a running VM, throw its world away, load the state
 * into a FRESH VM in a new world, go on: the serial output, the registers
 * and the counters at the end are those of a run that never moved, in te,
 * bt and hw.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testlib.h"
#include "vm_snap.h"
#include "vmkernel/vmkernel_sched.h"
#include "vmm/vmm.h"

#define LIMIT 200000000ull	/* instructions: more than tour and timer run */
#define MS 1000000ull

static const enum x86_register regs[] = {
	X86R_EAX, X86R_ECX, X86R_EDX, X86R_EBX, X86R_ESP, X86R_EBP,
	X86R_ESI, X86R_EDI, X86R_EIP, X86R_EFLAGS, X86R_CS, X86R_SS,
	X86R_DS, X86R_ES,
};
#define NREGS (sizeof regs / sizeof regs[0])

/* What the moved and the unmoved VM must agree on at the end. */
struct outcome {
	char serial[1 << 15];
	uint32_t reg[NREGS];
	struct vcpu_virt virt;
	uint64_t insns, interrupts;
	enum vm_state state;
	uint32_t exit_status;
};

static void outcome(struct vm *vm, struct outcome *o)
{
	struct vcpu *v = vm->vcpu[0];
	size_t len;
	const char *s = vm_serial(vm, &len);

	memset(o, 0, sizeof *o);
	assert_true(len < sizeof o->serial);
	memcpy(o->serial, s, len);
	vmm_sync_counters(v);
	for (size_t i = 0; i < NREGS; i++)
		o->reg[i] = cpu_reg(v->cpu, regs[i]);
	o->virt = v->virt;
	o->insns = v->stats.insns;
	o->interrupts = v->stats.interrupts;
	o->state = vm->state;
	o->exit_status = vm->exit_status;
}

/*
 * The source host's pCPUs, as far as they got: the last instruction of a
 * quantum may run past its end (a trap costs thousands of cycles), and
 * the next quantum starts that much later.  The destination's pCPUs are
 * put at the same time, so the guest sees the same clock either way.
 */
static void pcpu_times(struct sim *s, uint64_t t[HOST_MAX_PCPUS])
{
	struct vmkernel *k = sim_host(s, 0)->vmk;

	for (int i = 0; i < HOST_MAX_PCPUS; i++)
		t[i] = k->pcpu[i].t;
}

static void set_pcpu_times(struct sim *s, const uint64_t t[HOST_MAX_PCPUS])
{
	struct vmkernel *k = sim_host(s, 0)->vmk;

	for (int i = 0; i < HOST_MAX_PCPUS; i++)
		k->pcpu[i].t = t[i];
}

static void moved_equals_unmoved(const char *guest, enum exec_mode mode,
				 uint64_t at, uint64_t insns)
{
	struct vm_config cfg = { .guest = guest, .mode = mode };
	static struct outcome a, b;
	uint64_t pcpu_t[HOST_MAX_PCPUS], ran;
	struct tl_run r;
	struct vm_snap *snap;
	struct sim *dst;
	struct vm *vm;
	enum sim_stop why;
	char err[GUEST_ERR_MAX];

	/* the VM that stays where it is: to its end, or so many instructions */
	tl_boot_mode(guest, mode, false, &r);
	assert_int_equal(sim_run(r.sim, insns, &why), SIM_OK);
	outcome(r.vm, &a);
	tl_free(&r);

	/* the VM that moves: saved mid-run, its world destroyed */
	tl_boot_mode(guest, mode, false, &r);
	assert_int_equal(sim_run_until(r.sim, at, insns, &why), SIM_OK);
	assert_int_equal(why, SIM_STOP_TIME);
	assert_int_equal(r.vm->state, VM_ON);
	ran = sim_insns(r.sim);
	pcpu_times(r.sim, pcpu_t);
	assert_int_equal(vm_snap_save(r.vm, &snap), SIM_OK);
	assert_true(vm_snap_pages(snap) > 0);
	tl_free(&r);

	/* ... and resumed in a fresh VM, in a world whose clock reads `at` */
	assert_int_equal(sim_create(NULL, &dst), SIM_OK);
	assert_int_equal(sim_run_until(dst, at, insns, &why), SIM_OK);
	assert_int_equal(sim_now_ns(dst), at);
	assert_int_equal(sim_add_vm(dst, &cfg, &vm, err), SIM_OK);
	assert_int_equal(vm_snap_load(vm, snap), SIM_OK);
	vm_snap_free(snap);
	set_pcpu_times(dst, pcpu_t);
	assert_int_equal(sim_run(dst, insns - ran, &why), SIM_OK);
	outcome(vm, &b);
	sim_destroy(dst);

	assert_true(a.serial[0] != '\0');
	assert_string_equal(b.serial, a.serial);
	assert_memory_equal(b.reg, a.reg, sizeof a.reg);
	assert_memory_equal(&b.virt, &a.virt, sizeof a.virt);
	assert_int_equal(b.insns, a.insns);
	assert_int_equal(b.interrupts, a.interrupts);
	assert_int_equal(b.state, a.state);
	assert_int_equal(b.exit_status, a.exit_status);
}

#define MOVE_TEST(name, guest, mode, at, insns)			\
	static void name(void **state)					\
	{								\
		(void)state;						\
		moved_equals_unmoved("scenarios/guests/" guest ".elf",	\
				     mode, at, insns);			\
	}

MOVE_TEST(move_timer_te, "timer", MODE_TE, 250 * MS, LIMIT)
MOVE_TEST(move_timer_bt, "timer", MODE_BT, 250 * MS, LIMIT)
MOVE_TEST(move_timer_hw, "timer", MODE_HW, 250 * MS, LIMIT)
MOVE_TEST(move_tour_te, "tour", MODE_TE, 30 * MS, LIMIT)
MOVE_TEST(move_tour_bt, "tour", MODE_BT, 30 * MS, LIMIT)
MOVE_TEST(move_tour_hw, "tour", MODE_HW, 30 * MS, LIMIT)
MOVE_TEST(move_multitask_te, "multitask", MODE_TE, 20 * MS, 40000000)
MOVE_TEST(move_multitask_bt, "multitask", MODE_BT, 20 * MS, 40000000)
MOVE_TEST(move_multitask_hw, "multitask", MODE_HW, 20 * MS, 40000000)

/* A snapshot does not fit a VM of another shape: refused, nothing lost. */
static void wrong_shape_refused(void **state)
{
	struct tl_run a, b;
	struct vm_snap *snap;

	(void)state;
	tl_boot_mode("scenarios/guests/timer.elf", MODE_TE, false, &a);
	tl_boot_mode("scenarios/guests/timer.elf", MODE_BT, false, &b);
	assert_int_equal(vm_snap_save(a.vm, &snap), SIM_OK);
	assert_true(vm_snap_fits(b.vm, snap));
	assert_int_equal(vm_snap_load(b.vm, snap), SIM_ESTATE);	/* mode */
	vm_snap_free(snap);
	tl_free(&a);
	tl_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(move_timer_te),
		cmocka_unit_test(move_timer_bt),
		cmocka_unit_test(move_timer_hw),
		cmocka_unit_test(move_tour_te),
		cmocka_unit_test(move_tour_bt),
		cmocka_unit_test(move_tour_hw),
		cmocka_unit_test(move_multitask_te),
		cmocka_unit_test(move_multitask_bt),
		cmocka_unit_test(move_multitask_hw),
		cmocka_unit_test(wrong_shape_refused),
	};

	return cmocka_run_group_tests_name("state", tests, NULL, NULL);
}
