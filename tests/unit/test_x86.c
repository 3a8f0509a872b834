/* test_x86.c - x86.h: descriptor and gate encoding, DPL helpers, vector and register names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/x86.h"

/* Encode, check the raw bits against a known value, decode, compare. */
static void round_trip(uint32_t base, uint32_t limit, uint8_t type, bool s,
		       uint8_t dpl, bool p, bool db, bool want_g,
		       uint64_t want_raw)
{
	struct x86_desc d;
	uint64_t raw = x86_desc_encode(base, limit, type, s, dpl, p, db);

	if (want_raw != 0)
		assert_int_equal(raw, want_raw);
	memset(&d, 0x5a, sizeof d);
	x86_desc_decode(raw, &d);
	assert_int_equal(d.base, base);
	assert_int_equal(d.limit, limit);
	assert_int_equal(d.type, type);
	assert_int_equal(d.s, s);
	assert_int_equal(d.dpl, dpl);
	assert_int_equal(d.p, p);
	assert_int_equal(d.db, db);
	assert_int_equal(d.g, want_g);
}

/* Flat code and data segments: the exact bits every boot loader writes. */
static void flat_segments(void **state)
{
	struct x86_desc d;

	(void)state;
	/* 4 GiB code, execute/read, ring 0: needs G=1 */
	round_trip(0, 0xffffffffu, X86_TYPE_CODE | X86_TYPE_READABLE, true, 0,
		   true, true, true, 0x00cf9a000000ffffull);
	/* 4 GiB data, read/write, accessed */
	round_trip(0, 0xffffffffu, X86_TYPE_WRITABLE | X86_TYPE_ACCESSED, true,
		   0, true, true, true, 0x00cf93000000ffffull);
	/* ring 3 flat code and data, as a guest's user segments */
	round_trip(0, 0xffffffffu, 0xa, true, 3, true, true, true,
		   0x00cffa000000ffffull);
	round_trip(0, 0xffffffffu, 0x2, true, 3, true, true, true,
		   0x00cff2000000ffffull);

	x86_desc_decode(0x00cf9a000000ffffull, &d);
	assert_true(x86_desc_is_code(&d));
	assert_false(x86_desc_is_data(&d));
	x86_desc_decode(0x00cf93000000ffffull, &d);
	assert_false(x86_desc_is_code(&d));
	assert_true(x86_desc_is_data(&d));
}

/* Byte-granular limits up to 1 MiB - 1; above that, 4 KiB units. */
static void limits_and_granularity(void **state)
{
	(void)state;
	/* 16-bit code segment of 64 KiB, base in all three base fields */
	round_trip(0x12345678u, 0xffff, 0xa, true, 0, true, false, false,
		   0x12009a345678ffffull);
	/* largest byte-granular limit */
	round_trip(0x00abcdefu, 0xfffffu, 0x2, true, 1, true, true, false,
		   0x004fb2abcdefffffull);
	/* just over 1 MiB: 257 pages of 4 KiB */
	round_trip(0, 0x100fffu, 0x2, true, 0, true, true, true,
		   0x00c0920000000100ull);
	/* 2 MiB - 1 at a high base, ring 2, not present */
	round_trip(0xff000000u, 0x1fffffu, 0x3, true, 2, false, true, true,
		   0xffc05300000001ffull);
	/* a zero limit: one byte */
	round_trip(0x1000, 0, 0x2, true, 0, true, false, false,
		   0x0000920010000000ull);
}

/* A 32-bit TSS: a system descriptor (S = 0). */
static void tss_descriptor(void **state)
{
	struct x86_desc d;

	(void)state;
	round_trip(0x12345678u, 0x67, X86_SYS_TSS32_AVAIL, false, 0, true,
		   false, false, 0x1200893456780067ull);
	x86_desc_decode(0x1200893456780067ull, &d);
	assert_int_equal(d.base, 0x12345678u);
	assert_int_equal(d.limit, 0x67);
	assert_int_equal(d.type, X86_SYS_TSS32_AVAIL);
	assert_false(d.s);
	assert_false(x86_desc_is_code(&d));
	assert_false(x86_desc_is_data(&d));
	/* busy TSS differs only in type bit 1 */
	assert_int_equal(x86_desc_encode(0x12345678u, 0x67, X86_SYS_TSS32_BUSY,
					 false, 0, true, false),
			 0x12008b3456780067ull);
}

/* Interrupt, trap and call gates: selector, split offset, type, DPL, P. */
static void gates(void **state)
{
	struct x86_desc d;
	uint64_t raw;

	(void)state;
	raw = x86_gate_encode(0x0008, 0x00105a3cu, X86_SYS_INTGATE32, 0);
	assert_int_equal(raw, 0x00108e0000085a3cull);
	x86_desc_decode(raw, &d);
	assert_int_equal(d.gate_sel, 0x0008);
	assert_int_equal(d.gate_off, 0x00105a3cu);
	assert_int_equal(d.type, X86_SYS_INTGATE32);
	assert_int_equal(d.dpl, 0);
	assert_true(d.p);
	assert_false(d.s);

	raw = x86_gate_encode(0x001b, 0xdeadbeefu, X86_SYS_TRAPGATE32, 3);
	assert_int_equal(raw, 0xdeadef00001bbeefull);
	x86_desc_decode(raw, &d);
	assert_int_equal(d.gate_sel, 0x001b);
	assert_int_equal(d.gate_off, 0xdeadbeefu);
	assert_int_equal(d.type, X86_SYS_TRAPGATE32);
	assert_int_equal(d.dpl, 3);
	assert_true(d.p);
	assert_false(d.s);

	raw = x86_gate_encode(0x0010, 0x00200000u, X86_SYS_CALLGATE32, 1);
	x86_desc_decode(raw, &d);
	assert_int_equal(d.gate_sel, 0x0010);
	assert_int_equal(d.gate_off, 0x00200000u);
	assert_int_equal(d.type, X86_SYS_CALLGATE32);
	assert_int_equal(d.dpl, 1);
	/* out-of-range type and DPL bits are masked, not spilled */
	assert_int_equal(x86_gate_encode(0, 0, 0xfe, 7),
			 x86_gate_encode(0, 0, 0xe, 3));
}

/* Editing the DPL of a raw descriptor in place. */
static void raw_dpl(void **state)
{
	uint64_t code = 0x00cf9a000000ffffull;

	(void)state;
	assert_int_equal(x86_raw_dpl(code), 0);
	assert_int_equal(x86_raw_with_dpl(code, 1), 0x00cfba000000ffffull);
	assert_int_equal(x86_raw_with_dpl(code, 3), 0x00cffa000000ffffull);
	assert_int_equal(x86_raw_dpl(x86_raw_with_dpl(code, 2)), 2);
	/* back to 0, and only the two DPL bits move */
	assert_int_equal(x86_raw_with_dpl(0x00cffa000000ffffull, 0), code);
	assert_int_equal(x86_raw_with_dpl(0xffffffffffffffffull, 0),
			 0xffff9fffffffffffull);
	/* dpl is taken mod 4 */
	assert_int_equal(x86_raw_with_dpl(code, 5), x86_raw_with_dpl(code, 1));
	for (unsigned dpl = 0; dpl < 4; dpl++)
		assert_int_equal(x86_raw_dpl(x86_desc_encode(0, 0xffff, 2, true,
							     (uint8_t)dpl, true,
							     true)), dpl);
}

/* SDM 3A table 6-1, with ringside's spelling for reserved vectors. */
static void vectors(void **state)
{
	static const char *const names[32] = {
		"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
		"#DF", "#CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
		"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23",
		"#24", "#25", "#26", "#27", "#28", "#29", "#SX", "#31",
	};

	(void)state;
	for (int v = 0; v < 32; v++) {
		bool want = v == 8 || v == 10 || v == 11 || v == 12 ||
			    v == 13 || v == 14 || v == 17 ||
			    v == 21 || v == 29 || v == 30;	/* #CP #VC #SX */

		assert_non_null(x86_vector_name(v));
		assert_string_equal(x86_vector_name(v), names[v]);
		if (x86_vector_has_error_code(v) != want)
			fail_msg("vector %d: has_error_code %d, want %d", v,
				 x86_vector_has_error_code(v), want);
	}
	assert_string_equal(x86_vector_name(X86_GP), "#GP");
	assert_string_equal(x86_vector_name(X86_PF), "#PF");
	assert_null(x86_vector_name(32));
	assert_null(x86_vector_name(0x80));
	assert_null(x86_vector_name(-1));
	assert_false(x86_vector_has_error_code(32));
	assert_false(x86_vector_has_error_code(-1));
}

static void reg_names(void **state)
{
	static const char *const want[X86R_COUNT] = {
		"", "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
		"ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
		"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh",
		"es", "cs", "ss", "ds", "fs", "gs", "eip", "eflags",
		"cr0", "cr2", "cr3", "cr4",
		"dr0", "dr1", "dr2", "dr3", "dr4", "dr5", "dr6", "dr7",
	};

	(void)state;
	for (int r = 0; r < X86R_COUNT; r++) {
		assert_non_null(want[r]);	/* a new register needs a row */
		assert_string_equal(x86_reg_name((enum x86_register)r), want[r]);
	}
	assert_string_equal(x86_reg_name(X86R_COUNT), "?");
	/* segment helpers follow the MOV Sreg encoding */
	assert_true(x86_reg_is_seg(X86R_ES));
	assert_true(x86_reg_is_seg(X86R_GS));
	assert_false(x86_reg_is_seg(X86R_EDI));
	assert_false(x86_reg_is_seg(X86R_EIP));
	assert_int_equal(x86_seg_index(X86R_ES), 0);
	assert_int_equal(x86_seg_index(X86R_DS), 3);
	assert_int_equal(x86_seg_index(X86R_GS), 5);
	assert_int_equal(X86_SEL_RPL(0x2b), 3);
	assert_int_equal(X86_SEL_TI(0x2c), 1);
	assert_int_equal(X86_SEL_INDEX(0x2b), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(flat_segments),
		cmocka_unit_test(limits_and_granularity),
		cmocka_unit_test(tss_descriptor),
		cmocka_unit_test(gates),
		cmocka_unit_test(raw_dpl),
		cmocka_unit_test(vectors),
		cmocka_unit_test(reg_names),
	};

	return cmocka_run_group_tests_name("x86", tests, NULL, NULL);
}
