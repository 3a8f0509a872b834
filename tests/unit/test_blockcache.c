/* test_blockcache.c - blockcache.h: decoding blocks once, summaries, lookups, invalidation on writes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/blockcache.h"
#include "status.h"

#define RAM_SIZE 0x10000u

static uint8_t ram[RAM_SIZE];
static struct disasm *dis;

static void put(uint32_t addr, const uint8_t *bytes, size_t n)
{
	memcpy(ram + addr, bytes, n);
}

/* A fresh cache over RAM holding the test's code. */
static struct blockcache *fresh(void)
{
	struct blockcache *bc = NULL;

	memset(ram, 0, sizeof ram);
	/* nop; nop; cli; lgdt [eax]; jmp $ */
	put(0x1000, (const uint8_t[]){ 0x90, 0x90, 0xfa, 0x0f, 0x01, 0x10,
				       0xeb, 0xfe }, 8);
	/* nop; nop; lgdt [eax]; nop... */
	put(0x1100, (const uint8_t[]){ 0x90, 0x90, 0x0f, 0x01, 0x10, 0x90 }, 6);
	/* mov al, 0x41; out dx, al; ret */
	put(0x2000, (const uint8_t[]){ 0xb0, 0x41, 0xee, 0xc3 }, 4);
	put(0x3000, (const uint8_t[]){ 0x90, 0xcf }, 2);	/* nop; iretd */
	put(0x3010, (const uint8_t[]){ 0x90, 0xcb }, 2);	/* nop; retf */
	put(0x3020, (const uint8_t[]){ 0xea, 0x00, 0x00, 0x10, 0x00, 0x08,
				       0x00 }, 7);		/* ljmp 8:0x100000 */
	put(0x4000, (const uint8_t[]){ 0x90, 0xff, 0xff }, 3);	/* nop; (bad) */
	/* three nops then lgdt [eax] across the 0x1040 chunk boundary */
	put(0x503c, (const uint8_t[]){ 0x90, 0x90, 0x90, 0x0f, 0x01, 0x10 }, 6);
	put(RAM_SIZE - 2, (const uint8_t[]){ 0x0f, 0x01 }, 2);	/* ends past RAM */
	assert_int_equal(blockcache_create(ram, RAM_SIZE, dis, &bc), SIM_OK);
	assert_non_null(bc);
	return bc;
}

static void check_stats(struct blockcache *bc, uint64_t lookups,
			uint64_t misses, uint64_t inval, uint32_t blocks)
{
	struct blockcache_stats st;

	blockcache_get_stats(bc, &st);
	assert_int_equal(st.lookups, lookups);
	assert_int_equal(st.misses, misses);
	assert_int_equal(st.invalidations, inval);
	assert_int_equal(st.blocks, blocks);
}

static void decode_block(void **state)
{
	struct blockcache *bc = fresh();
	const struct block *b;
	static const uint16_t ops[5] = { X86_OP_OTHER, X86_OP_OTHER, X86_OP_CLI,
					 X86_OP_LGDT, X86_OP_JMP };
	static const uint32_t at[5] = { 0x1000, 0x1001, 0x1002, 0x1003, 0x1006 };

	(void)state;
	check_stats(bc, 0, 0, 0, 0);
	b = blockcache_get(bc, 0x1000, 8);
	assert_non_null(b);
	assert_int_equal(b->addr, 0x1000);
	assert_int_equal(b->size, 8);
	assert_int_equal(b->span, 8);
	assert_int_equal(b->n, 5);
	assert_int_equal(b->flags, BLOCK_NEEDS_VMM);	/* cli, lgdt */
	assert_int_equal(b->class_count[CLASS_INNOCUOUS], 3);
	assert_int_equal(b->class_count[CLASS_PRIVILEGED], 2);
	assert_int_equal(b->class_count[CLASS_IO], 0);
	assert_int_equal(b->class_count[CLASS_SENSITIVE], 0);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(b->insns[i].x.op, ops[i]);
		assert_int_equal(b->insns[i].x.addr, at[i]);
		assert_int_equal(b->insns[i].cls, classify_op(ops[i]));
	}
	assert_int_equal(b->insns[3].x.len, 3);
	check_stats(bc, 1, 1, 0, 1);

	/* the second time: the same block, no decoding */
	assert_ptr_equal(blockcache_get(bc, 0x1000, 8), b);
	check_stats(bc, 2, 1, 0, 1);
	blockcache_destroy(bc);
}

/* size 0: just the instruction at addr (single-stepping). */
static void single_instruction(void **state)
{
	struct blockcache *bc = fresh();
	const struct block *whole = blockcache_get(bc, 0x1000, 8), *b;

	(void)state;
	b = blockcache_get(bc, 0x1000, 0);
	assert_non_null(b);
	assert_ptr_not_equal(b, whole);		/* keyed by size too */
	assert_int_equal(b->size, 0);
	assert_int_equal(b->n, 1);
	assert_int_equal(b->span, 1);
	assert_int_equal(b->insns[0].x.op, X86_OP_OTHER);

	b = blockcache_get(bc, 0x1003, 0);
	assert_int_equal(b->n, 1);
	assert_int_equal(b->span, 3);
	assert_int_equal(b->insns[0].x.op, X86_OP_LGDT);
	assert_int_equal(b->class_count[CLASS_PRIVILEGED], 1);
	assert_int_equal(b->class_count[CLASS_INNOCUOUS], 0);
	check_stats(bc, 3, 3, 0, 3);
	assert_ptr_equal(blockcache_get(bc, 0x1003, 0), b);
	check_stats(bc, 4, 3, 0, 3);
	blockcache_destroy(bc);
}

static void index_of(void **state)
{
	struct blockcache *bc = fresh();
	const struct block *b = blockcache_get(bc, 0x1000, 8);

	(void)state;
	assert_int_equal(block_index_of(b, 0x1000), 0);
	assert_int_equal(block_index_of(b, 0x1002), 2);
	assert_int_equal(block_index_of(b, 0x1003), 3);
	assert_int_equal(block_index_of(b, 0x1004), -1);	/* inside lgdt */
	assert_int_equal(block_index_of(b, 0x1006), 4);
	assert_int_equal(block_index_of(b, 0x1008), -1);	/* past the end */
	assert_int_equal(block_index_of(b, 0x0fff), -1);
	blockcache_destroy(bc);
}

/*
 * The CPU may report a block ending inside its last instruction (it stopped
 * decoding at a faulting LGDT): that instruction is still decoded whole.
 */
static void cut_short(void **state)
{
	struct blockcache *bc = fresh();
	const struct block *b;

	(void)state;
	/* 90 90 0f 01 10: sizes 3 and 4 both end inside lgdt */
	for (uint32_t size = 3; size <= 4; size++) {
		b = blockcache_get(bc, 0x1100, size);
		assert_int_equal(b->size, size);
		assert_int_equal(b->n, 3);
		assert_int_equal(b->span, 5);
		assert_int_equal(b->insns[2].x.op, X86_OP_LGDT);
		assert_int_equal(b->insns[2].x.len, 3);
		assert_int_equal(b->flags & BLOCK_UNDECODED, 0);
	}
	/* 90 90 fa 0f 01 10 eb fe with size 4: cli, then lgdt whole */
	b = blockcache_get(bc, 0x1000, 4);
	assert_int_equal(b->n, 4);
	assert_int_equal(b->span, 6);
	assert_int_equal(b->insns[3].x.op, X86_OP_LGDT);
	assert_int_equal(b->class_count[CLASS_PRIVILEGED], 2);
	blockcache_destroy(bc);
}

static void flags(void **state)
{
	struct blockcache *bc = fresh();
	const struct block *b;

	(void)state;
	b = blockcache_get(bc, 0x2000, 4);
	assert_int_equal(b->n, 3);
	assert_int_equal(b->flags, BLOCK_HAS_IO | BLOCK_NEEDS_VMM);
	assert_int_equal(b->class_count[CLASS_IO], 1);
	assert_int_equal(b->insns[1].x.op, X86_OP_OUT);

	b = blockcache_get(bc, 0x3000, 2);		/* iret */
	assert_int_equal(b->flags, BLOCK_FAR_END | BLOCK_NEEDS_VMM);
	assert_int_equal(b->class_count[CLASS_SENSITIVE], 1);
	b = blockcache_get(bc, 0x3010, 2);		/* retf */
	assert_int_equal(b->flags, BLOCK_FAR_END | BLOCK_NEEDS_VMM);
	b = blockcache_get(bc, 0x3020, 7);		/* ljmp */
	assert_int_equal(b->flags, BLOCK_FAR_END | BLOCK_NEEDS_VMM);
	assert_int_equal(b->n, 1);

	/* bytes capstone rejects: one OTHER covering the rest */
	b = blockcache_get(bc, 0x4000, 3);
	assert_int_equal(b->flags, BLOCK_UNDECODED);
	assert_int_equal(b->n, 2);
	assert_int_equal(b->span, 3);
	assert_int_equal(b->insns[1].x.op, X86_OP_OTHER);
	assert_int_equal(b->insns[1].x.len, 2);
	assert_int_equal(b->insns[1].x.addr, 0x4001);
	assert_int_equal(b->insns[1].x.bytes[0], 0xff);
	assert_int_equal(b->insns[1].cls, CLASS_INNOCUOUS);

	/*
	 * The last two bytes of RAM, 0F 01: with the zeros past RAM, SGDT
	 * [EAX], 3 bytes, which ends past RAM: in no block (the VMM runs it
	 * as code from nothing, vmm_guard.c), and a block before it ends
	 * there.
	 */
	assert_null(blockcache_get(bc, RAM_SIZE - 2, 8));
	assert_null(blockcache_get(bc, RAM_SIZE - 2, 0));
	b = blockcache_get(bc, RAM_SIZE - 4, 8);	/* 00 00: ADD [EAX], AL */
	assert_non_null(b);
	assert_int_equal(b->flags, 0);
	assert_int_equal(b->n, 1);
	assert_int_equal(b->span, 2);
	/* the last byte, 01 (ADD r/m32, r32): its ModRM past RAM */
	assert_null(blockcache_get(bc, RAM_SIZE - 1, 0));
	/* outside RAM: no block */
	assert_null(blockcache_get(bc, RAM_SIZE, 1));
	assert_null(blockcache_get(bc, 0xfffffff0u, 0));
	blockcache_destroy(bc);
}

/* A store into decoded code retires its blocks; the next get decodes anew. */
/*
 * A block that reads a descriptor and also loads from memory in another
 * instruction is marked to be stepped; the instruction reading
 * descriptors in one that is not is the one with a load of its own.
 */
static void descriptor_mix(void **state)
{
	struct blockcache *bc = fresh();
	const struct block *b;

	(void)state;
	/* mov eax, [0xffc00010]; mov ds, ebx */
	put(0x6000, (const uint8_t[]){ 0xa1, 0x10, 0x00, 0xc0, 0xff, 0x8e,
				       0xdb }, 7);
	/* mov fs, ebx; mov gs, ebx; add eax, ebx; iretd */
	put(0x6010, (const uint8_t[]){ 0x8e, 0xe3, 0x8e, 0xeb, 0x01, 0xd8,
				       0xcf }, 7);
	/* mov fs, ebx; lea eax, [ebx]; pop gs */
	put(0x6020, (const uint8_t[]){ 0x8e, 0xe3, 0x8d, 0x03, 0x0f, 0xa9 }, 6);
	/* mov fs, ebx; mov gs, ebx; push eax */
	put(0x6030, (const uint8_t[]){ 0x8e, 0xe3, 0x8e, 0xeb, 0x50 }, 5);
	/* lea eax, [ebx]; pop gs; add eax, ebx */
	put(0x6040, (const uint8_t[]){ 0x8d, 0x03, 0x0f, 0xa9, 0x01, 0xd8 }, 6);
	b = blockcache_get(bc, 0x6000, 7);
	assert_true(b->flags & BLOCK_STALE_MIXED);
	assert_null(block_stale_insn(b));
	b = blockcache_get(bc, 0x6010, 7);	/* IRET's frame, two loads */
	assert_true(b->flags & BLOCK_STALE_MIXED);
	assert_int_equal(block_stale_end(b), 0x6017);	/* all of it */
	b = blockcache_get(bc, 0x6020, 6);
	assert_true(b->flags & BLOCK_STALE_MIXED);
	assert_int_equal(block_stale_end(b), 0x6026);
	b = blockcache_get(bc, 0x6000, 5);	/* the load alone */
	assert_false(b->flags & BLOCK_STALE_MIXED);
	assert_int_equal(block_stale_end(b), 0x6000);
	b = blockcache_get(bc, 0x6030, 5);	/* no load of their own */
	assert_false(b->flags & BLOCK_STALE_MIXED);
	assert_ptr_equal(block_stale_insn(b), &b->insns[1]);
	b = blockcache_get(bc, 0x6040, 6);	/* one: POP GS */
	assert_false(b->flags & BLOCK_STALE_MIXED);
	assert_ptr_equal(block_stale_insn(b), &b->insns[1]);
	/* mov fs, ebx; mov eax, [ebx]; inc eax: stepped up to MOV to FS */
	put(0x6050, (const uint8_t[]){ 0x8e, 0xe3, 0x8b, 0x03, 0x40 }, 5);
	b = blockcache_get(bc, 0x6050, 5);
	assert_true(b->flags & BLOCK_STALE_MIXED);
	assert_int_equal(block_stale_end(b), 0x6052);
	/* mov eax, [ebx]; fld qword [ebx]: an x87 load, in its helper */
	put(0x6060, (const uint8_t[]){ 0x8b, 0x03, 0xdd, 0x03 }, 4);
	b = blockcache_get(bc, 0x6060, 4);
	assert_true(b->flags & BLOCK_STALE_MIXED);
	assert_int_equal(block_stale_end(b), 0x6064);
	/* xor ecx, ecx; fild dword [ebx]; fstp st0: the one access, FILD's */
	put(0x6070, (const uint8_t[]){ 0x31, 0xc9, 0xdb, 0x03, 0xdd, 0xd8 }, 6);
	b = blockcache_get(bc, 0x6070, 6);
	assert_false(b->flags & BLOCK_STALE_MIXED);
	assert_ptr_equal(block_stale_insn(b), &b->insns[1]);
	/* push eax; call far 0x8:0x6000: its pushes, in its helper */
	put(0x6080, (const uint8_t[]){ 0x50, 0x9a, 0x00, 0x60, 0x00, 0x00,
				       0x08, 0x00 }, 8);
	b = blockcache_get(bc, 0x6080, 8);
	assert_true(b->flags & BLOCK_STALE_MIXED);
	assert_int_equal(block_stale_end(b), 0x6088);
	/* mov esp, ebx; call far 0x8:0x6000: every push its own */
	put(0x6090, (const uint8_t[]){ 0x89, 0xdc, 0x9a, 0x00, 0x60, 0x00,
				       0x00, 0x08, 0x00 }, 9);
	b = blockcache_get(bc, 0x6090, 9);
	assert_false(b->flags & BLOCK_STALE_MIXED);
	assert_ptr_equal(block_stale_insn(b), &b->insns[1]);
	/* push eax; mov ds, ebx: a push, but no far CALL */
	put(0x60a0, (const uint8_t[]){ 0x50, 0x8e, 0xdb }, 3);
	b = blockcache_get(bc, 0x60a0, 3);
	assert_false(b->flags & BLOCK_STALE_MIXED);
	b = blockcache_get(bc, 0x2000, 4);	/* no descriptor read */
	assert_false(b->flags & BLOCK_STALE_MIXED);
	assert_null(block_stale_insn(b));
	blockcache_destroy(bc);
}

static void writes_invalidate(void **state)
{
	struct blockcache *bc = fresh();
	const uint64_t *gen = blockcache_generation(bc);
	const struct block *b1, *b2;
	uint64_t g0;

	(void)state;
	b1 = blockcache_get(bc, 0x1000, 8);
	g0 = *gen;
	check_stats(bc, 1, 1, 0, 1);

	/* far away, and in the next 64-byte chunk: nothing to do */
	assert_int_equal(blockcache_note_write(bc, 0x8000, 4), 0);
	assert_int_equal(blockcache_note_write(bc, 0x1040, 4), 0);
	assert_int_equal(blockcache_note_write(bc, 0x0fbc, 4), 0);
	assert_int_equal(*gen, g0);
	check_stats(bc, 1, 1, 0, 1);

	/* the guest turns cli into nop */
	ram[0x1002] = 0x90;
	assert_int_equal(blockcache_note_write(bc, 0x1002, 1), 1);
	assert_int_equal(*gen, g0 + 1);
	check_stats(bc, 1, 1, 1, 0);
	/* the chunk holds no decoded code any more */
	assert_int_equal(blockcache_note_write(bc, 0x1002, 1), 0);
	assert_int_equal(*gen, g0 + 1);

	b2 = blockcache_get(bc, 0x1000, 8);
	assert_ptr_not_equal(b2, b1);		/* b1 is retired, not yet freed */
	check_stats(bc, 2, 2, 1, 1);
	assert_int_equal(b2->n, 5);
	assert_int_equal(b2->insns[2].x.op, X86_OP_OTHER);
	assert_int_equal(b2->class_count[CLASS_PRIVILEGED], 1);
	blockcache_collect(bc);			/* frees b1 (ASan watches) */

	/* 64-byte granularity: a store to data beside the code counts */
	assert_int_equal(blockcache_note_write(bc, 0x103f, 1), 1);
	assert_int_equal(*gen, g0 + 2);
	check_stats(bc, 2, 2, 2, 0);
	/* a store that straddles into the chunk, and size 0 as one byte */
	blockcache_get(bc, 0x1000, 8);
	assert_int_equal(blockcache_note_write(bc, 0x0ffe, 4), 1);
	blockcache_get(bc, 0x1000, 8);
	assert_int_equal(blockcache_note_write(bc, 0x1007, 0), 1);
	assert_int_equal(*gen, g0 + 4);
	check_stats(bc, 4, 4, 4, 0);
	blockcache_collect(bc);
	blockcache_collect(bc);			/* twice is harmless */
	blockcache_destroy(bc);
}

/* A block spanning two chunks goes when either chunk is written. */
static void block_across_chunks(void **state)
{
	struct blockcache *bc = fresh();
	const struct block *b;

	(void)state;
	b = blockcache_get(bc, 0x503c, 4);
	assert_int_equal(b->span, 6);		/* 0x503c..0x5041 */
	blockcache_get(bc, 0x1000, 8);		/* elsewhere, must survive */
	assert_int_equal(blockcache_note_write(bc, 0x5041, 1), 1);
	check_stats(bc, 2, 2, 1, 1);
	b = blockcache_get(bc, 0x503c, 4);
	assert_int_equal(blockcache_note_write(bc, 0x503c, 1), 1);
	check_stats(bc, 3, 3, 2, 1);
	assert_non_null(blockcache_get(bc, 0x1000, 8));
	check_stats(bc, 4, 3, 2, 1);		/* a hit: never retired */
	/* destroy with retired blocks still uncollected: no leak */
	blockcache_destroy(bc);
	blockcache_destroy(NULL);
}

/*
 * Regression (was a bug): struct block's instruction count `n` is a uint16_t, but decode()
 * sizes the block from a uint32_t `size` and keeps going while
 * `b->n < cap`.  A block of 65536 one-byte instructions wraps n to 0 (the
 * loop still ends because `off` reaches `want`), so the block claims no
 * instructions.  Latent: Unicorn never reports blocks this large today.
 */
static void huge_block_count(void **state)
{
	struct blockcache *bc = NULL;
	const struct block *b;
	uint32_t n, span;

	(void)state;
	memset(ram, 0x90, sizeof ram);
	assert_int_equal(blockcache_create(ram, RAM_SIZE, dis, &bc), SIM_OK);
	b = blockcache_get(bc, 0, RAM_SIZE);
	assert_non_null(b);
	n = b->n;
	span = b->span;
	blockcache_destroy(bc);
	assert_int_equal(span, RAM_SIZE);
	assert_int_equal(n, RAM_SIZE);		/* 65536 nops */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decode_block),
		cmocka_unit_test(single_instruction),
		cmocka_unit_test(index_of),
		cmocka_unit_test(cut_short),
		cmocka_unit_test(flags),
		cmocka_unit_test(descriptor_mix),
		cmocka_unit_test(writes_invalidate),
		cmocka_unit_test(block_across_chunks),
		cmocka_unit_test(huge_block_count),
	};
	int rc;

	if (disasm_create(&dis) != SIM_OK) {
		fprintf(stderr, "test_blockcache: cannot create a decoder\n");
		return 1;
	}
	rc = cmocka_run_group_tests_name("blockcache", tests, NULL, NULL);
	disasm_destroy(dis);
	return rc;
}
