/* test_classify.c - classify.h: the class of every x86_op, the paths' hops and names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/classify.h"

#define UNSET 0xff

/*
 * The decision for every operation, written from the comments in
 * classify.c (SDM 3A 2.8 for the privileged list; Robin & Irvine 2000 for
 * the sensitive one).  A row left UNSET fails the test: a new x86_op must
 * be given a class here on purpose.
 */
static uint8_t expected[X86_OP_COUNT];

static void fill_expected(void)
{
	static const uint16_t privileged[] = {
		X86_OP_CLI, X86_OP_STI, X86_OP_HLT, X86_OP_LGDT, X86_OP_LIDT,
		X86_OP_LLDT, X86_OP_LTR, X86_OP_LMSW, X86_OP_CLTS,
		X86_OP_MOV_TO_CR, X86_OP_MOV_FROM_CR, X86_OP_MOV_TO_DR,
		X86_OP_MOV_FROM_DR, X86_OP_INVD, X86_OP_WBINVD, X86_OP_INVLPG,
		X86_OP_RDMSR, X86_OP_WRMSR, X86_OP_SYSEXIT,
	};
	static const uint16_t io[] = {
		X86_OP_IN, X86_OP_OUT, X86_OP_INS, X86_OP_OUTS,
	};
	static const uint16_t sensitive[] = {
		X86_OP_SGDT, X86_OP_SIDT, X86_OP_SLDT, X86_OP_SMSW, X86_OP_STR,
		X86_OP_PUSHF, X86_OP_POPF, X86_OP_LAR, X86_OP_LSL, X86_OP_VERR,
		X86_OP_VERW, X86_OP_PUSH_SREG, X86_OP_POP_SREG,
		X86_OP_MOV_TO_SREG, X86_OP_MOV_FROM_SREG, X86_OP_LOAD_FAR_PTR,
		X86_OP_CALL_FAR, X86_OP_JMP_FAR, X86_OP_RET_FAR, X86_OP_INT,
		X86_OP_INT3, X86_OP_INTO, X86_OP_IRET, X86_OP_RDTSC,
		X86_OP_RDPMC, X86_OP_SYSENTER, X86_OP_CPUID,
	};
	static const uint16_t innocuous[] = {
		X86_OP_OTHER, X86_OP_JMP, X86_OP_JCC, X86_OP_CALL, X86_OP_RET,
		X86_OP_LOOP, X86_OP_UD, X86_OP_ABSENT, X86_OP_DELIVERY,
	};

	memset(expected, UNSET, sizeof expected);
	for (size_t i = 0; i < sizeof privileged / sizeof privileged[0]; i++)
		expected[privileged[i]] = CLASS_PRIVILEGED;
	for (size_t i = 0; i < sizeof io / sizeof io[0]; i++)
		expected[io[i]] = CLASS_IO;
	for (size_t i = 0; i < sizeof sensitive / sizeof sensitive[0]; i++)
		expected[sensitive[i]] = CLASS_SENSITIVE;
	for (size_t i = 0; i < sizeof innocuous / sizeof innocuous[0]; i++)
		expected[innocuous[i]] = CLASS_INNOCUOUS;
}

static void every_op(void **state)
{
	int counts[CLASS_COUNT] = { 0 };

	(void)state;
	fill_expected();
	for (int op = 0; op < X86_OP_COUNT; op++) {
		enum insn_class got = classify_op((enum x86_op)op);

		if (expected[op] == UNSET)
			fail_msg("op %d (%s) has no expected class in this test",
				 op, x86_op_name((enum x86_op)op));
		if (got != expected[op])
			fail_msg("%s: class %s, want %s",
				 x86_op_name((enum x86_op)op), class_name(got),
				 class_name((enum insn_class)expected[op]));
		counts[got]++;
	}
	assert_int_equal(counts[CLASS_PRIVILEGED], 19);
	assert_int_equal(counts[CLASS_IO], 4);
	assert_int_equal(counts[CLASS_SENSITIVE], 27);
	assert_int_equal(counts[CLASS_INNOCUOUS], X86_OP_COUNT - 50);
	/* out of range is innocuous, not a crash */
	assert_int_equal(classify_op(X86_OP_COUNT), CLASS_INNOCUOUS);
}

static void check_hops(enum insn_path path, int n, const enum path_hop *want)
{
	enum path_hop hops[PATH_MAX_HOPS + 1];

	for (int i = 0; i <= PATH_MAX_HOPS; i++)
		hops[i] = (enum path_hop)0x7e;	/* sentinel */
	assert_int_equal(path_hops(path, hops), n);
	for (int i = 0; i < n; i++)
		if (hops[i] != want[i])
			fail_msg("path %d hop %d: %s, want %s", path, i,
				 hop_name(hops[i]), hop_name(want[i]));
	for (int i = n; i <= PATH_MAX_HOPS; i++)
		assert_int_equal(hops[i], 0x7e);	/* nothing past n */
}

static void hops(void **state)
{
	(void)state;
	check_hops(PATH_DIRECT, 2,
		   (const enum path_hop[]){ HOP_GUEST, HOP_HARDWARE });
	check_hops(PATH_VMM, 3,
		   (const enum path_hop[]){ HOP_GUEST, HOP_VMM, HOP_GUEST });
	check_hops(PATH_VMKERNEL, 5,
		   (const enum path_hop[]){ HOP_GUEST, HOP_VMM, HOP_VMKERNEL,
					    HOP_VMM, HOP_GUEST });
	check_hops(PATH_VMX, 5,
		   (const enum path_hop[]){ HOP_GUEST, HOP_VMM, HOP_VMX,
					    HOP_VMM, HOP_GUEST });
	check_hops(PATH_COUNT, 0, NULL);
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(hop_name(HOP_GUEST), "guest");
	assert_string_equal(hop_name(HOP_HARDWARE), "hardware");
	assert_string_equal(hop_name(HOP_VMM), "vmm");
	assert_string_equal(hop_name(HOP_VMKERNEL), "vmkernel");
	assert_string_equal(hop_name(HOP_VMX), "vmx");
	assert_string_equal(hop_name(HOP_COUNT), "?");

	assert_string_equal(class_name(CLASS_INNOCUOUS), "innocuous");
	assert_string_equal(class_name(CLASS_PRIVILEGED), "privileged");
	assert_string_equal(class_name(CLASS_IO), "io");
	assert_string_equal(class_name(CLASS_SENSITIVE), "sensitive");
	assert_string_equal(class_name(CLASS_COUNT), "?");

	assert_string_equal(path_text(PATH_DIRECT), "guest>hardware");
	assert_string_equal(path_text(PATH_VMM), "guest>vmm>guest");
	assert_string_equal(path_text(PATH_VMKERNEL),
			    "guest>vmm>vmkernel>vmm>guest");
	assert_string_equal(path_text(PATH_VMX), "guest>vmm>vmx>vmm>guest");
	assert_string_equal(path_text(PATH_COUNT), "?");
}

/* path_text is the hops joined with '>', for every path. */
static void text_matches_hops(void **state)
{
	(void)state;
	for (int p = 0; p < PATH_COUNT; p++) {
		enum path_hop h[PATH_MAX_HOPS];
		char buf[128] = "";
		int n = path_hops((enum insn_path)p, h);

		assert_true(n >= 2);
		assert_int_equal(h[0], HOP_GUEST);	/* every path starts at the guest */
		for (int i = 0; i < n; i++) {
			if (i)
				strcat(buf, ">");
			strcat(buf, hop_name(h[i]));
		}
		assert_string_equal(path_text((enum insn_path)p), buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_op),
		cmocka_unit_test(hops),
		cmocka_unit_test(names),
		cmocka_unit_test(text_matches_hops),
	};

	return cmocka_run_group_tests_name("classify", tests, NULL, NULL);
}
