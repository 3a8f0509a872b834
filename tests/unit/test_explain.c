/*
 * test_explain.c - what the explanations and the quiz say, read from step
 * records built by hand: the course text's model shown as the course's
 * beside what ESX really does, VT-x's non-root words by ring, and a fault
 * the CPU raised (reflected) told apart from one the VMM decided
 * (injected).  The keys and commands that show them are test_keys.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "explain.h"
#include "handler.h"
#include "quiz.h"
#include "testlib.h"

/* A privileged instruction's step record, as the VMM would log it. */
static void privileged_step(struct step_record *r, unsigned op,
			    enum exec_mode m, unsigned vring, unsigned cpl,
			    enum insn_path path, enum handler_why why)
{
	memset(r, 0, sizeof *r);
	r->valid = true;
	r->op = op;
	r->insn.kind = EV_INSN;
	r->insn.u.insn.cls = CLASS_PRIVILEGED;
	r->insn.u.insn.mode = m;
	r->insn.u.insn.vring = vring;
	r->insn.u.insn.cpl = cpl;
	r->insn.u.insn.path = path;
	r->insn.u.insn.why = why;
}

/* ... and the trap event the VMM logged for it. */
static void with_trap(struct step_record *r, enum trap_action action,
		      int vector)
{
	r->has_trap = true;
	r->trap.kind = EV_TRAP;
	r->trap.u.trap.op = (uint16_t)r->op;
	r->trap.u.trap.vector = (uint8_t)vector;
	r->trap.u.trap.action = action;
}

/*
 * The quiz grades the real answer (the VMM emulates a privileged
 * instruction) and, wherever the course text simplifies, shows the
 * course's sentence marked as the course's and then what ESX really does,
 * whatever the student answered; to a student who gave the course's
 * answer (the VMKernel), it says so.
 */
static void quiz_explains_the_course(void **state)
{
	struct quiz q = { .on = true };
	struct step_record r;

	(void)state;
	memset(&r, 0, sizeof r);
	r.valid = true;
	r.op = X86_OP_LGDT;
	r.insn.u.insn.cls = CLASS_PRIVILEGED;
	r.insn.u.insn.path = PATH_VMM;
	r.insn.u.insn.why = WHY_TRAP;
	quiz_grade(&q, ANSWER_VMKERNEL, &r);
	assert_int_equal(q.correct, ANSWER_VMM);
	assert_int_equal(q.right, 0);
	assert_non_null(strstr(q.course, "the course text's answer"));
	assert_non_null(strstr(q.course, "[The course text says: \"In such case, VMM sends instruction to VMKernel"));
	assert_non_null(strstr(q.course, "What ESX really does:"));
	assert_non_null(strstr(q.why, "guest>vmm>guest (trap)"));
	/* the right answer: the course's sentence is still shown, as the course's */
	quiz_grade(&q, ANSWER_VMM, &r);
	assert_int_equal(q.right, 1);
	assert_non_null(strstr(q.course, "[The course text says: \"In such case"));
	assert_null(strstr(q.course, "the course text's answer"));
	/* HLT is the VMKernel's too: that answer is right */
	r.op = X86_OP_HLT;
	r.insn.u.insn.path = PATH_VMKERNEL;
	quiz_grade(&q, ANSWER_VMKERNEL, &r);
	assert_int_equal(q.correct, ANSWER_VMKERNEL);
	assert_int_equal(q.right, 2);
	/* the guest's own fault at ring 3: the guest handles it; the course
	 * said rings 1-3 run directly */
	r.op = X86_OP_CLI;
	r.insn.u.insn.vring = 3;
	r.insn.u.insn.why = WHY_REFLECT;
	r.insn.u.insn.path = PATH_VMM;
	quiz_grade(&q, ANSWER_HARDWARE, &r);
	assert_int_equal(q.correct, ANSWER_GUEST);
	assert_non_null(strstr(q.course, "1 thru 3"));
	assert_non_null(strstr(q.course, "the course text's answer"));
	/* where the course says nothing wrong, nothing is added */
	r.op = X86_OP_OTHER;
	r.insn.u.insn.vring = 0;
	r.insn.u.insn.cls = CLASS_INNOCUOUS;
	r.insn.u.insn.path = PATH_DIRECT;
	r.insn.u.insn.why = WHY_NATIVE;
	quiz_grade(&q, ANSWER_HARDWARE, &r);
	assert_string_equal(q.course, "");
}

/*
 * Under VT-x a privileged instruction outside ring 0 does not exit: the
 * CPU checks privilege first and delivers the guest's own #GP through
 * the guest's IDT (SDM vol. 3C 25.1.1).  The words say so, not that the
 * CPU "ran it right" at the guest's ring 0.
 */
static void nonroot_words_by_ring(void **state)
{
	struct x86_instruction x = { .op = X86_OP_LGDT };
	struct step_record r;
	char buf[2048];

	(void)state;
	explain_next(&x, 3, MODE_HW, buf, sizeof buf);
	assert_non_null(strstr(buf, "the guest's own #GP"));
	assert_non_null(strstr(buf, "no VM exit"));
	explain_next(&x, 0, MODE_HW, buf, sizeof buf);
	assert_null(strstr(buf, "#GP"));
	privileged_step(&r, X86_OP_LGDT, MODE_HW, 3, 3, PATH_DIRECT, WHY_NONROOT);
	explain_step(&r, buf, sizeof buf);
	assert_non_null(strstr(buf, "the guest's own #GP"));
	assert_null(strstr(buf, "gave the right answer"));
	assert_null(strstr(handler_why_text(WHY_NONROOT), "at its own ring 0"));
}

/*
 * A CLI at ring 3: under te the CPU raised #GP and the VMM passed it on
 * (reflected); under bt the translated code called the VMM, the CPU
 * raised nothing, and the #GP is the VMM's (injected).  The words tell
 * the two apart.
 */
static void reflected_and_injected_words(void **state)
{
	static const struct { enum exec_mode mode; enum trap_action action;
			      const char *say, *never; } want[] = {
		{ MODE_TE, TRAP_REFLECTED, "reflected it", "injected" },
		{ MODE_BT, TRAP_INJECTED, "the CPU raised nothing", "reflected it" },
	};
	struct step_record r;
	char buf[2048];

	(void)state;
	for (size_t k = 0; k < 2; k++) {
		privileged_step(&r, X86_OP_CLI, want[k].mode, 3, 3, PATH_VMM,
				WHY_REFLECT);
		with_trap(&r, want[k].action, X86_GP);
		explain_step(&r, buf, sizeof buf);
		if (!strstr(buf, want[k].say) || strstr(buf, want[k].never))
			fail_msg("%s: %s", exec_mode_name(want[k].mode), buf);
		assert_non_null(strstr(buf, "only ring 0 may run it"));
		assert_null(strstr(buf, "Adams & Agesen"));	/* it did not run */
	}
}

/*
 * ringside's translator calls out for every privileged instruction; ESX's
 * translates simple ones inline (Adams & Agesen 2006: CLI becomes a write
 * of the virtual IF in the translation cache).  A student watching a
 * callout for a kernel's CLI is told that ESX does less, and only where
 * the source says so.
 */
static void bt_callout_says_what_esx_inlines(void **state)
{
	static const struct { unsigned op; bool inline_in_esx; } want[] = {
		{ X86_OP_CLI, true }, { X86_OP_STI, false }, { X86_OP_LGDT, false },
	};
	struct step_record r;
	char buf[2048];

	(void)state;
	for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
		privileged_step(&r, want[k].op, MODE_BT, 0, 1, PATH_VMM,
				WHY_CALLOUT);
		r.insn.u.insn.xlat = 2;
		with_trap(&r, TRAP_CALLOUT, 0);
		explain_step(&r, buf, sizeof buf);
		assert_non_null(strstr(buf, "rewritten into a callout"));
		if ((strstr(buf, "one write of the virtual IF inside the translation cache") != NULL) != want[k].inline_in_esx)
			fail_msg("op %u: %s", want[k].op, buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(quiz_explains_the_course),
		cmocka_unit_test(nonroot_words_by_ring),
		cmocka_unit_test(reflected_and_injected_words),
		cmocka_unit_test(bt_callout_says_what_esx_inlines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
