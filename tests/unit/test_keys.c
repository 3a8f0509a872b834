/*
 * test_keys.c - keys map to named commands, and the commands do what the
 * keys promise, on a real world (the tour guest) without a terminal:
 * step, next trap, back, run, views, breakpoints, the quiz, the prompt.
 * What the explanations and the quiz's grading say is test_explain.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <curses.h>

#include "app.h"
#include "command.h"
#include "handler.h"
#include "keys.h"
#include "explain.h"
#include "quiz.h"
#include "listing.h"
#include "status.h"
#include "testlib.h"
#include "vm.h"

#define TOUR "scenarios/guests/tour.elf"

/* ---- the map ---------------------------------------------------------- */

/* The command a key runs in the root table ("" if none). */
static const char *root(int key)
{
	const struct key_binding *b = keys_lookup(KT_ROOT, key);

	return b ? b->line : "";
}

static void every_binding_names_a_command(void **state)
{
	(void)state;
	for (const struct key_binding *b = key_bindings; b->line; b++) {
		char name[64];
		size_t n = strcspn(b->line, " ");

		assert_true(n < sizeof name);
		memcpy(name, b->line, n);
		name[n] = '\0';
		if (command_find(name) == NULL)
			fail_msg("key %d runs '%s': no such command", b->key, b->line);
		assert_true(b->table >= 0 && b->table < KT_COUNT);
	}
}

static void no_key_bound_twice(void **state)
{
	(void)state;
	for (const struct key_binding *a = key_bindings; a->line; a++)
		for (const struct key_binding *b = a + 1; b->line; b++)
			if (a->table == b->table && a->key == b->key)
				fail_msg("key %d bound twice in table %s", a->key,
					 keys_table_name((enum key_table)a->table));
}

static void the_keys_of_the_brief(void **state)
{
	(void)state;
	assert_string_equal(root('s'), "step");
	assert_string_equal(root(' '), "step");
	assert_string_equal(root(KEY_RIGHT), "step");
	assert_string_equal(root('n'), "next");
	assert_string_equal(root('r'), "run");
	assert_string_equal(root('+'), "faster");
	assert_string_equal(root('-'), "slower");
	assert_string_equal(root('f'), "free");
	assert_string_equal(root('b'), "back");
	assert_string_equal(root(KEY_LEFT), "back");
	assert_string_equal(root('x'), "break");
	assert_string_equal(root('c'), "break-class");
	assert_string_equal(root('m'), "mode");
	assert_string_equal(root('t'), "quiz");
	assert_string_equal(root('V'), "vcpu next");
	assert_string_equal(root('1'), "view cpu");
	assert_string_equal(root('2'), "view arch");
	assert_string_equal(root('3'), "view worlds");
	assert_string_equal(root('4'), "view xlat");
	assert_string_equal(root('5'), "view log");
	assert_string_equal(root('6'), "view help");
	assert_string_equal(root('7'), "view cluster");
	assert_string_equal(root('8'), "view vmcs");
	assert_string_equal(root('\t'), "view next");
	assert_string_equal(root(KEY_BTAB), "view prev");
	assert_string_equal(root('?'), "view help");
	assert_string_equal(root('q'), "quit");
	assert_string_equal(root(KEY_RESIZE), "");	/* the loop's, not a command */
	/* every command has words for the Help view */
	for (const struct command *c = commands; c->name; c++)
		assert_true(c->help && c->help[0] && c->usage);
}

static void key_names(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(keys_name('s', buf, sizeof buf), "s");
	assert_string_equal(keys_name(' ', buf, sizeof buf), "Space");
	assert_string_equal(keys_name('\t', buf, sizeof buf), "Tab");
	assert_string_equal(keys_name(KEY_LEFT, buf, sizeof buf), "Left");
	assert_string_equal(keys_name(12, buf, sizeof buf), "^L");
	assert_string_equal(keys_name(KEY_NPAGE, buf, sizeof buf), "PgDn");
}

/* ---- on a real world ------------------------------------------------- */

/* An app on a VM with this configuration. */
static int setup_cfg(void **state, const struct vm_config *cfg)
{
	struct app *a;
	char err[256];

	if (app_create(cfg, &a, err, sizeof err) != SIM_OK) {
		print_error("%s\n", err);
		return -1;
	}
	*state = a;
	return 0;
}

static int setup(void **state)
{
	struct vm_config cfg = { .guest = TOUR, .mode = MODE_TE };

	return setup_cfg(state, &cfg);
}

/* A 2-vCPU VM running the SMP guest: `V` shows one vCPU, then the other. */
static int setup_smp(void **state)
{
	struct vm_config cfg = { .guest = "scenarios/guests/smp.elf",
				 .mode = MODE_TE, .vcpus = 2 };

	return setup_cfg(state, &cfg);
}

static int teardown(void **state)
{
	app_destroy(*state);
	return 0;
}

static void press(struct app *a, const char *keys)
{
	for (const char *k = keys; *k; k++)
		keys_dispatch(a, (unsigned char)*k);
}

/*
 * The CPU view shows any vCPU: after the AP started, `V` moves to vCPU 1
 * (its own registers: it is not where the BSP is), `V` again back to 0,
 * and `:vcpu 5` is refused on a 2-vCPU VM with a message.
 */
static void vcpu_key(void **state)
{
	struct app *a = *state;
	uint32_t bsp_eip;

	command_run(a, "step 2000000");
	assert_ptr_equal(session_vcpu(a->sess), session_vm(a->sess)->vcpu[0]);
	bsp_eip = cpu_reg(session_vcpu(a->sess)->cpu, X86R_EIP);
	press(a, "V");
	assert_ptr_equal(session_vcpu(a->sess), session_vm(a->sess)->vcpu[1]);
	assert_non_null(strstr(a->msg, "vCPU 1 of VM"));
	assert_true(cpu_reg(session_vcpu(a->sess)->cpu, X86R_EIP) != bsp_eip ||
		    session_vcpu(a->sess)->state != VCPU_RUNNING);
	press(a, "V");
	assert_ptr_equal(session_vcpu(a->sess), session_vm(a->sess)->vcpu[0]);
	assert_int_equal(command_run(a, "vcpu 5"), -1);
	assert_true(a->msg_error);
	assert_int_equal(command_run(a, "vcpu 1"), 0);
	assert_ptr_equal(session_vcpu(a->sess), session_vm(a->sess)->vcpu[1]);
}

/* Tables apply by context: the quiz's while a question is open, Log's in Log. */
static void tables_by_context(void **state)
{
	struct app *a = *state;

	assert_string_equal(keys_find(a, 'x')->line, "break");
	a->quiz.pending = true;
	assert_string_equal(keys_find(a, 'x')->line, "answer vmx");
	assert_string_equal(keys_find(a, 27)->line, "skip");
	a->quiz.pending = false;
	assert_null(keys_find(a, KEY_HOME));
	/* in the CPU view Up scrolls "What happened, and why" */
	assert_string_equal(keys_find(a, KEY_UP)->line, "scroll up");
	a->view = VIEW_WORLDS;
	assert_string_equal(keys_find(a, KEY_NPAGE)->line, "scroll pgdn");
	a->view = VIEW_LOG;
	assert_string_equal(keys_find(a, KEY_UP)->line, "scroll up");
	assert_string_equal(keys_find(a, 'l')->line, "log-filter next");
	assert_string_equal(keys_find(a, KEY_NPAGE)->line, "scroll pgdn");
	a->view = VIEW_CPU;
	assert_string_equal(keys_find(a, KEY_NPAGE)->line, "next");
}

static void step_and_back(void **state)
{
	struct app *a = *state;
	struct regs before = a->sess->now;
	uint32_t eip0 = before.geip;

	press(a, "s");
	assert_int_equal(session_position(a->sess), 1);
	assert_true(a->sess->last.valid);
	assert_int_equal(a->sess->last.insn.u.insn.eip, eip0);
	assert_int_not_equal(a->sess->now.geip, eip0);
	press(a, "b");
	assert_int_equal(session_position(a->sess), 0);
	assert_int_equal(a->sess->now.geip, eip0);
	assert_memory_equal(a->sess->now.gpr, before.gpr, sizeof before.gpr);
	press(a, "b");		/* at power-on: nothing before, no harm */
	assert_int_equal(session_position(a->sess), 0);
}

/* n stops right after the VMM took over; back N, forward N: same state. */
static void next_trap_and_replay(void **state)
{
	struct app *a = *state;
	struct regs at;
	uint64_t pos;

	press(a, "n");
	assert_true(a->sess->last.valid);
	assert_true(a->sess->last.has_io || a->sess->last.has_trap);
	assert_int_not_equal(a->sess->last.insn.u.insn.path, PATH_DIRECT);
	pos = session_position(a->sess);
	at = a->sess->now;
	command_run(a, "back 500");
	assert_int_equal(session_position(a->sess), pos - 500);
	assert_int_equal(session_seek(a->sess, pos), SIM_OK);
	assert_int_equal(session_position(a->sess), pos);
	assert_memory_equal(a->sess->now.gpr, at.gpr, sizeof at.gpr);
	assert_int_equal(a->sess->now.geip, at.geip);
	assert_int_equal(a->sess->now.eflags, at.eflags);
	/* and the record of the last instruction is the trap's again */
	assert_true(a->sess->last.has_io || a->sess->last.has_trap);
}

static void views_cycle(void **state)
{
	struct app *a = *state;

	for (int i = 1; i <= VIEW_COUNT; i++) {
		keys_dispatch(a, '\t');
		assert_int_equal(a->view, i % VIEW_COUNT);
	}
	keys_dispatch(a, KEY_BTAB);
	assert_int_equal(a->view, VIEW_VMCS);	/* the last, before CPU */
	press(a, "8");
	assert_int_equal(a->view, VIEW_VMCS);
	press(a, "7");
	assert_int_equal(a->view, VIEW_CLUSTER);
	press(a, "3");
	assert_int_equal(a->view, VIEW_WORLDS);
	press(a, "?");
	assert_int_equal(a->view, VIEW_HELP);
	press(a, "1");
	assert_int_equal(a->view, VIEW_CPU);
}

/* A breakpoint stops a run before its instruction, which has not run. */
static void breakpoint_stops_before(void **state)
{
	struct app *a = *state;
	char line[64];
	uint32_t target;

	/* the instruction 40 steps on is where we will break */
	for (int i = 0; i < 40; i++)
		press(a, "s");
	target = a->sess->now.geip;
	command_run(a, "back 40");
	snprintf(line, sizeof line, "break %x", target);
	assert_int_equal(command_run(a, line), 0);
	assert_true(session_break_at(a->sess, target));
	press(a, "f");			/* free run */
	assert_true(a->running);
	for (int t = 0; t < 200 && a->running; t++)
		app_tick(a, 1000u + (uint64_t)t * 40u);
	assert_false(a->running);
	assert_int_equal(a->sess->now.geip, target);
	assert_true(a->sess->last.valid);
	assert_int_not_equal(a->sess->last.insn.u.insn.eip, target);
	assert_non_null(strstr(a->msg, "Breakpoint"));
	press(a, "X");
	assert_false(session_break_at(a->sess, target));
}

/* The quiz asks before an I/O instruction, then grades the answer. */
static void quiz_round(void **state)
{
	struct app *a = *state;

	press(a, "t");
	assert_true(a->quiz.on);
	press(a, "n");			/* runs up to the first I/O: asks first */
	assert_true(a->quiz.pending);
	assert_int_equal(a->quiz.cls, CLASS_IO);
	press(a, "s");			/* must answer first */
	assert_true(a->quiz.pending);
	press(a, "x");			/* the VMX */
	assert_false(a->quiz.pending);
	assert_true(a->quiz.graded);
	assert_int_equal(a->quiz.correct, ANSWER_VMX);
	assert_int_equal(a->quiz.right, 1);
	assert_int_equal(a->quiz.asked, 1);
	assert_int_equal(a->sess->last.insn.u.insn.path, PATH_VMX);
	press(a, "t");
	assert_false(a->quiz.on);
}

/* The ':' prompt runs any command by name. */
static void prompt_runs_commands(void **state)
{
	struct app *a = *state;

	press(a, ":speed 50\r");
	assert_false(a->prompt);
	assert_int_equal(app_speed_ips(a), 50);
	press(a, ":bogus\r");
	assert_true(a->msg_error);
	press(a, ":view lo");
	keys_dispatch(a, KEY_BACKSPACE);
	keys_dispatch(a, KEY_BACKSPACE);
	press(a, "log\r");
	assert_int_equal(a->view, VIEW_LOG);
	press(a, ":quit");
	keys_dispatch(a, 27);		/* Esc: nothing runs */
	assert_false(a->quit);
	assert_int_equal(command_run(a, "nonsense"), -1);
}

/* Running at a slow speed steps once per period; r pauses. */
static void run_and_pause(void **state)
{
	struct app *a = *state;

	command_run(a, "speed 10");
	press(a, "r");
	assert_true(a->running);
	app_tick(a, 0);
	app_tick(a, 100);
	app_tick(a, 200);
	app_tick(a, 250);		/* not due yet */
	assert_int_equal(session_position(a->sess), 3);
	press(a, "r");
	assert_false(a->running);
	press(a, "+");
	assert_int_equal(app_speed_ips(a), 20);
	for (int i = 0; i < 20; i++)
		press(a, "+");
	assert_int_equal(app_speed_ips(a), 0);	/* free run is the top */
}

/* Free run to the end: the VM powers off, and stepping back still works. */
static void run_to_power_off(void **state)
{
	struct app *a = *state;

	press(a, "f");
	for (int t = 0; t < 2000 && a->running; t++)
		app_tick(a, (uint64_t)t * 30u);
	assert_false(a->running);
	assert_false(session_vm_running(a->sess));
	assert_non_null(strstr(a->msg, "powered off"));
	press(a, "s");			/* refused, with a message */
	assert_false(session_vm_running(a->sess));
	press(a, "b");
	assert_true(session_vm_running(a->sess));
}

/* Switching mode restarts from power-on (or says why it cannot). */
static void mode_switch(void **state)
{
	struct app *a = *state;

	press(a, "ssss");
	command_run(a, "mode hw");
	if (!a->msg_error) {
		assert_int_equal(session_position(a->sess), 0);
		assert_int_equal(a->sess->cfg.mode, MODE_HW);
	}
	press(a, "s");
	command_run(a, "mode te");
	assert_false(a->msg_error);
	assert_int_equal(a->sess->cfg.mode, MODE_TE);
	assert_int_equal(session_position(a->sess), 0);
	assert_int_equal(command_run(a, "mode zz"), -1);
	press(a, "q");
	assert_true(a->quit);
}

/*
 * The code pane lists only real instructions: at every trap of the tour's
 * first 150,000 instructions, each line above EIP starts at an address
 * the CPU really executed (the trace of the same guest says which), and
 * each ends where the next begins.  Decoding backwards from EIP used to
 * show instructions inside others.
 */
static bool executed(const struct tl_run *r, uint32_t addr)
{
	for (size_t i = 0; i < r->nev; i++)
		if (r->ev[i].kind == EV_INSN && r->ev[i].u.insn.eip == addr)
			return true;
	return false;
}

static void listing_only_real_boundaries(void **state)
{
	struct app *a = *state;
	struct listing_line lines[LISTING_MAX];
	struct tl_run r;
	int checked = 0;

	tl_run_guest(TOUR, true, 150000, &r);
	for (int t = 0; t < 60 && session_position(a->sess) < 150000; t++) {
		int cur, n;

		command_run(a, "next");
		n = listing_build(a->sess, a->sess->now.geip, 12, 4, lines, &cur);
		for (int i = 0; i < cur; i++) {
			if (!executed(&r, lines[i].addr))
				fail_msg("listed 0x%08x above EIP 0x%08x: never an instruction start",
					 lines[i].addr, a->sess->now.geip);
			assert_int_equal(lines[i].addr + lines[i].x.len,
					 i + 1 < n ? lines[i + 1].addr : 0);
			checked++;
		}
	}
	assert_true(checked > 100);
	tl_free(&r);
}

/*
 * A free run whose chunk was sized for fast code meets slow code (each
 * iteration of rep4g's REP OUTSB is a trap or a callout): the chunk still
 * ends at its deadline on the wall clock (here a clock 10 ms further on at
 * every look), long before its instructions are done, so q is answered.
 */
static uint64_t fake_now;

static uint64_t fake_clock(void)
{
	return fake_now += 10;
}

static void slow_guest_chunk_ends_in_time(void **state)
{
	struct vm_config cfg = { .guest = "build/guests/rep4g.elf", .mode = MODE_BT };
	struct app *a;
	char err[256];

	(void)state;
	assert_int_equal(app_create(&cfg, &a, err, sizeof err), SIM_OK);
	a->clock_ms = fake_clock;
	press(a, "f");			/* free run */
	assert_true(a->running);
	a->chunk = 100000000;		/* sized for a fast guest */
	app_tick(a, 1000);
	assert_true(sim_insns(a->sess->sim) > 0);
	assert_true(sim_insns(a->sess->sim) < 10000000);
	assert_true(a->running);
	press(a, "q");
	assert_true(a->quit);
	app_destroy(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_binding_names_a_command),
		cmocka_unit_test(no_key_bound_twice),
		cmocka_unit_test(the_keys_of_the_brief),
		cmocka_unit_test(key_names),
		cmocka_unit_test_setup_teardown(tables_by_context, setup, teardown),
		cmocka_unit_test_setup_teardown(step_and_back, setup, teardown),
		cmocka_unit_test_setup_teardown(next_trap_and_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(views_cycle, setup, teardown),
		cmocka_unit_test_setup_teardown(breakpoint_stops_before, setup, teardown),
		cmocka_unit_test_setup_teardown(quiz_round, setup, teardown),
		cmocka_unit_test_setup_teardown(prompt_runs_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(run_and_pause, setup, teardown),
		cmocka_unit_test_setup_teardown(run_to_power_off, setup, teardown),
		cmocka_unit_test_setup_teardown(mode_switch, setup, teardown),
		cmocka_unit_test_setup_teardown(vcpu_key, setup_smp, teardown),
		cmocka_unit_test_setup_teardown(listing_only_real_boundaries, setup, teardown),
		cmocka_unit_test(slow_guest_chunk_ends_in_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
