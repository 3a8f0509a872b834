/* test_disasm.c - disasm.h: capstone bytes to x86_op, operands, lengths and text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/classify.h"
#include "cpu/disasm.h"
#include "status.h"

static struct disasm *dis;

#define ADDR 0x00102000u

/* One byte sequence and what it must decode to. */
struct row {
	uint8_t b[8];
	uint8_t n;		/* bytes given to the decoder */
	uint16_t op;
	uint8_t len;		/* expected instruction length */
};

#define R(op, len, ...) { { __VA_ARGS__ }, \
	sizeof((uint8_t[]){ __VA_ARGS__ }), X86_OP_##op, len }

static const struct row rows[] = {
	R(CLI, 1, 0xfa), R(STI, 1, 0xfb), R(HLT, 1, 0xf4),
	R(LGDT, 3, 0x0f, 0x01, 0x10), R(LIDT, 3, 0x0f, 0x01, 0x18),
	R(LLDT, 3, 0x0f, 0x00, 0xd0), R(LTR, 3, 0x0f, 0x00, 0xd8),
	R(LMSW, 3, 0x0f, 0x01, 0xf0), R(CLTS, 2, 0x0f, 0x06),
	R(MOV_TO_CR, 3, 0x0f, 0x22, 0xc0), R(MOV_FROM_CR, 3, 0x0f, 0x20, 0xd8),
	R(MOV_TO_DR, 3, 0x0f, 0x23, 0xf8), R(MOV_FROM_DR, 3, 0x0f, 0x21, 0xc0),
	R(INVD, 2, 0x0f, 0x08), R(WBINVD, 2, 0x0f, 0x09),
	R(INVLPG, 3, 0x0f, 0x01, 0x38),
	R(RDMSR, 2, 0x0f, 0x32), R(WRMSR, 2, 0x0f, 0x30),
	R(SYSEXIT, 2, 0x0f, 0x35),
	R(IN, 1, 0xec), R(IN, 2, 0xe4, 0x60), R(OUT, 1, 0xee),
	R(OUT, 2, 0xe6, 0x80), R(INS, 1, 0x6c), R(OUTS, 2, 0xf3, 0x6e),
	R(SGDT, 3, 0x0f, 0x01, 0x00), R(SIDT, 3, 0x0f, 0x01, 0x08),
	R(SLDT, 3, 0x0f, 0x00, 0xc0), R(SMSW, 3, 0x0f, 0x01, 0xe0),
	R(STR, 3, 0x0f, 0x00, 0xc8),
	R(PUSHF, 1, 0x9c), R(POPF, 1, 0x9d), R(PUSHF, 2, 0x66, 0x9c),
	R(LAR, 3, 0x0f, 0x02, 0xc3), R(LSL, 3, 0x0f, 0x03, 0xc3),
	R(VERR, 3, 0x0f, 0x00, 0xe0), R(VERW, 3, 0x0f, 0x00, 0xe8),
	R(PUSH_SREG, 1, 0x1e), R(POP_SREG, 1, 0x1f),
	R(PUSH_SREG, 2, 0x0f, 0xa8), R(POP_SREG, 1, 0x17),
	R(MOV_TO_SREG, 2, 0x8e, 0xd8), R(MOV_FROM_SREG, 2, 0x8c, 0xc8),
	R(LOAD_FAR_PTR, 3, 0x0f, 0xb2, 0x20), R(LOAD_FAR_PTR, 2, 0xc5, 0x00),
	R(CALL_FAR, 7, 0x9a, 0x00, 0x00, 0x10, 0x00, 0x08, 0x00),
	R(JMP_FAR, 7, 0xea, 0x00, 0x00, 0x10, 0x00, 0x08, 0x00),
	R(JMP_FAR, 6, 0xff, 0x2d, 0x00, 0x20, 0x00, 0x00),
	R(RET_FAR, 1, 0xcb), R(RET_FAR, 3, 0xca, 0x04, 0x00),
	R(INT, 2, 0xcd, 0x80), R(INT3, 1, 0xcc), R(INTO, 1, 0xce),
	R(IRET, 1, 0xcf), R(IRET, 2, 0x66, 0xcf),
	R(RDTSC, 2, 0x0f, 0x31), R(RDPMC, 2, 0x0f, 0x33),
	R(SYSENTER, 2, 0x0f, 0x34),
	R(JMP, 2, 0xeb, 0xfe), R(JCC, 2, 0x74, 0x00),
	R(CALL, 5, 0xe8, 0x00, 0x00, 0x00, 0x00), R(RET, 1, 0xc3),
	R(LOOP, 2, 0xe2, 0xfe), R(CPUID, 2, 0x0f, 0xa2), R(UD, 2, 0x0f, 0x0b),
	R(ABSENT, 2, 0x0f, 0x05),	/* SYSCALL: not on qemu32 */
	R(ABSENT, 3, 0x0f, 0x01, 0xf9),	/* RDTSCP */
	R(ABSENT, 3, 0x0f, 0x01, 0xca),	/* CLAC */
	R(ABSENT, 5, 0x66, 0x0f, 0x38, 0x00, 0xc1),	/* PSHUFB: SSSE3 */
	R(ABSENT, 5, 0xf2, 0x0f, 0x38, 0xf0, 0xc0),	/* CRC32: SSE4.2 */
	R(OTHER, 5, 0xb8, 0x01, 0x00, 0x00, 0x00),	/* mov eax, 1 */
	R(OTHER, 1, 0x50),				/* push eax */
	R(OTHER, 2, 0x8b, 0xc3),			/* mov eax, ebx */
};

static void decode_ok(const uint8_t *b, size_t n, uint32_t addr,
		      struct x86_instruction *in)
{
	int rc = disasm_decode(dis, b, n, addr, in);

	if (rc != SIM_OK)
		fail_msg("%02x %02x...: rc %d", b[0], n > 1 ? b[1] : 0, rc);
}

/* Every row decodes to its op and length, at its address. */
static void ops_table(void **state)
{
	int seen[X86_OP_COUNT] = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct x86_instruction in;

		decode_ok(rows[i].b, rows[i].n, ADDR + (uint32_t)i, &in);
		if (in.op != rows[i].op || in.len != rows[i].len)
			fail_msg("row %zu (%02x %02x): op %s len %u, want %s len %u",
				 i, rows[i].b[0], rows[i].b[1],
				 x86_op_name(in.op), in.len,
				 x86_op_name(rows[i].op), rows[i].len);
		assert_int_equal(in.addr, ADDR + (uint32_t)i);
		assert_memory_equal(in.bytes, rows[i].b, in.len);
		seen[in.op]++;
	}
	/* every operation has at least one encoding in the table (but the
	 * VMM's delivery, which is no instruction) */
	for (int op = 0; op < X86_OP_COUNT; op++)
		if (!seen[op] && op != X86_OP_DELIVERY)
			fail_msg("no row decodes to %s", x86_op_name(op));
}

/* Register operands of MOV CR/Sreg, the INT immediate, prefixes. */
static void operands(void **state)
{
	struct x86_instruction in;

	(void)state;
	decode_ok((const uint8_t[]){ 0x0f, 0x22, 0xc0 }, 3, ADDR, &in);
	assert_int_equal(in.op, X86_OP_MOV_TO_CR);
	assert_int_equal(in.nops, 2);
	assert_int_equal(in.ops[0].kind, X86_OPND_REG);
	assert_int_equal(in.ops[0].reg, X86R_CR0);
	assert_int_equal(in.ops[1].kind, X86_OPND_REG);
	assert_int_equal(in.ops[1].reg, X86R_EAX);

	decode_ok((const uint8_t[]){ 0x0f, 0x20, 0xd8 }, 3, ADDR, &in);
	assert_int_equal(in.op, X86_OP_MOV_FROM_CR);
	assert_int_equal(in.ops[0].reg, X86R_EAX);
	assert_int_equal(in.ops[1].reg, X86R_CR3);

	decode_ok((const uint8_t[]){ 0x8e, 0xd8 }, 2, ADDR, &in);
	assert_int_equal(in.ops[0].reg, X86R_DS);
	assert_int_equal(in.ops[1].reg, X86R_EAX);
	decode_ok((const uint8_t[]){ 0x8c, 0xc8 }, 2, ADDR, &in);
	assert_int_equal(in.ops[0].reg, X86R_EAX);
	assert_int_equal(in.ops[1].reg, X86R_CS);
	decode_ok((const uint8_t[]){ 0x1e }, 1, ADDR, &in);
	assert_int_equal(in.nops, 1);
	assert_int_equal(in.ops[0].reg, X86R_DS);

	decode_ok((const uint8_t[]){ 0xcd, 0x80 }, 2, ADDR, &in);
	assert_int_equal(in.nops, 1);
	assert_int_equal(in.ops[0].kind, X86_OPND_IMM);
	assert_int_equal(in.ops[0].imm, 0x80);

	decode_ok((const uint8_t[]){ 0xca, 0x04, 0x00 }, 3, ADDR, &in);
	assert_int_equal(in.ops[0].kind, X86_OPND_IMM);
	assert_int_equal(in.ops[0].imm, 4);

	decode_ok((const uint8_t[]){ 0xea, 0x78, 0x56, 0x34, 0x12, 0x1b, 0x00 },
		  7, ADDR, &in);
	assert_int_equal(in.nops, 2);
	assert_int_equal(in.ops[0].imm, 0x1b);
	assert_int_equal(in.ops[1].imm, 0x12345678);

	/* operand size: 0x66 makes IRET a 16-bit IRET */
	decode_ok((const uint8_t[]){ 0xcf }, 1, ADDR, &in);
	assert_int_equal(in.opsize, 4);
	decode_ok((const uint8_t[]){ 0x66, 0xcf }, 2, ADDR, &in);
	assert_int_equal(in.opsize, 2);
	assert_int_equal(in.rep, 0);

	decode_ok((const uint8_t[]){ 0xf3, 0x6e }, 2, ADDR, &in);
	assert_int_equal(in.op, X86_OP_OUTS);
	assert_int_equal(in.rep, 1);
	decode_ok((const uint8_t[]){ 0x6e }, 1, ADDR, &in);
	assert_int_equal(in.rep, 0);

	/* branch targets are absolute: jmp $ at ADDR points at ADDR */
	decode_ok((const uint8_t[]){ 0xeb, 0xfe }, 2, ADDR, &in);
	assert_int_equal(in.ops[0].imm, ADDR);
	decode_ok((const uint8_t[]){ 0xe8, 0x10, 0x00, 0x00, 0x00 }, 5, ADDR, &in);
	assert_int_equal(in.ops[0].imm, ADDR + 5 + 0x10);
}

/* Memory operands: base, index, scale, displacement, segment. */
static void memory_operands(void **state)
{
	struct x86_instruction in;
	const struct x86_operand *m;

	(void)state;
	decode_ok((const uint8_t[]){ 0x0f, 0x01, 0x54, 0x24, 0x0a }, 5, ADDR, &in);
	assert_int_equal(in.op, X86_OP_LGDT);
	assert_int_equal(in.len, 5);
	assert_int_equal(in.nops, 1);
	m = &in.ops[0];
	assert_int_equal(m->kind, X86_OPND_MEM);
	assert_int_equal(m->base, X86R_ESP);
	assert_int_equal(m->index, X86R_NONE);
	assert_int_equal(m->scale, 1);
	assert_int_equal(m->disp, 10);
	assert_int_equal(m->seg, X86R_NONE);	/* no override */
	assert_int_equal(m->size, 6);		/* limit:base pseudo-descriptor */

	/* mov eax, es:[eax]: an override is reported */
	decode_ok((const uint8_t[]){ 0x26, 0x8b, 0x00 }, 3, ADDR, &in);
	assert_int_equal(in.ops[1].kind, X86_OPND_MEM);
	assert_int_equal(in.ops[1].seg, X86R_ES);
	assert_int_equal(in.ops[1].base, X86R_EAX);

	/* mov eax, [ecx*4 + 0x1000] */
	decode_ok((const uint8_t[]){ 0x8b, 0x04, 0x8d, 0x00, 0x10, 0x00, 0x00 },
		  7, ADDR, &in);
	m = &in.ops[1];
	assert_int_equal(m->base, X86R_NONE);
	assert_int_equal(m->index, X86R_ECX);
	assert_int_equal(m->scale, 4);
	assert_int_equal(m->disp, 0x1000);

	/* a negative displacement: lidt [ebp - 8] */
	decode_ok((const uint8_t[]){ 0x0f, 0x01, 0x5d, 0xf8 }, 4, ADDR, &in);
	assert_int_equal(in.op, X86_OP_LIDT);
	assert_int_equal(in.ops[0].base, X86R_EBP);
	assert_int_equal(in.ops[0].disp, -8);
}

/* Only the first instruction of a longer buffer; bad and short bytes fail. */
static void lengths_and_errors(void **state)
{
	static const uint8_t stream[16] = { 0xfa, 0x0f, 0x01, 0x10, 0xeb, 0xfe };
	static const uint8_t lgdt5[] = { 0x0f, 0x01, 0x54, 0x24, 0x0a };
	struct x86_instruction in;

	(void)state;
	decode_ok(stream, sizeof stream, 0x7c00, &in);
	assert_int_equal(in.op, X86_OP_CLI);
	assert_int_equal(in.len, 1);
	assert_int_equal(in.addr, 0x7c00);
	decode_ok(stream + 1, sizeof stream - 1, 0x7c01, &in);
	assert_int_equal(in.op, X86_OP_LGDT);
	assert_int_equal(in.len, 3);
	assert_int_equal(in.addr, 0x7c01);

	/* ff /7 is not an instruction; nor is 0f 04 in 32-bit mode */
	assert_int_equal(disasm_decode(dis, (const uint8_t[]){ 0xff, 0xff }, 2,
				       ADDR, &in), SIM_EDECODE);
	assert_int_equal(disasm_decode(dis, (const uint8_t[]){ 0x0f, 0x04 }, 2,
				       ADDR, &in), SIM_EDECODE);
	/* the first 3 bytes of the 5-byte lgdt [esp + 0xa] */
	assert_int_equal(disasm_decode(dis, lgdt5, 3, ADDR, &in), SIM_EDECODE);
	assert_int_equal(disasm_decode(dis, lgdt5, 4, ADDR, &in), SIM_EDECODE);
	assert_int_equal(disasm_decode(dis, lgdt5, 0, ADDR, &in), SIM_EDECODE);
	/* and decoding still works afterwards */
	decode_ok(lgdt5, 5, ADDR, &in);
	assert_int_equal(in.len, 5);
}

static void text_of(const uint8_t *b, size_t n, const char *want)
{
	struct x86_instruction in;
	char buf[X86_TEXT_MAX];

	decode_ok(b, n, ADDR, &in);
	memset(buf, 'x', sizeof buf);
	disasm_text(dis, &in, buf, sizeof buf);
	assert_string_equal(buf, want);
}

/* capstone's exact Intel text, which the trace contract promises. */
static void text(void **state)
{
	struct x86_instruction in;
	char small[5] = "zzzz";

	(void)state;
	text_of((const uint8_t[]){ 0xfa }, 1, "cli");
	text_of((const uint8_t[]){ 0x0f, 0x01, 0x10 }, 3, "lgdt [eax]");
	text_of((const uint8_t[]){ 0x0f, 0x22, 0xc0 }, 3, "mov cr0, eax");
	text_of((const uint8_t[]){ 0x8c, 0xc8 }, 2, "mov eax, cs");
	text_of((const uint8_t[]){ 0xcd, 0x80 }, 2, "int 0x80");
	text_of((const uint8_t[]){ 0xee }, 1, "out dx, al");
	text_of((const uint8_t[]){ 0xcf }, 1, "iretd");
	text_of((const uint8_t[]){ 0x0f, 0x01, 0x54, 0x24, 0x0a }, 5,
		"lgdt [esp + 0xa]");
	text_of((const uint8_t[]){ 0xeb, 0xfe }, 2, "jmp 0x102000");

	/* a short buffer is truncated and terminated, never overrun */
	decode_ok((const uint8_t[]){ 0x0f, 0x01, 0x10 }, 3, ADDR, &in);
	disasm_text(dis, &in, small, 4);
	assert_string_equal(small, "lgd");
	assert_int_equal(small[4], '\0');
	disasm_text(dis, &in, small, 0);	/* size 0: nothing written */
	assert_string_equal(small, "lgd");
}

/*
 * Which instructions Unicorn makes their accesses for in a helper, with a
 * stale EIP [measured: tests/guests/helpereip.S, pusheip.S], and which
 * push (blockcache.c steps a far CALL with another's pushes).
 */
static void stale_and_stores(void **state)
{
	static const struct { uint8_t b[7]; uint8_t n; int stale, pushes; } rows[] = {
		{ { 0x0f, 0xae, 0x00 }, 3, 1, 0 },	/* fxsave [eax] */
		{ { 0x0f, 0xae, 0x08 }, 3, 1, 0 },	/* fxrstor [eax] */
		{ { 0x0f, 0xae, 0x18 }, 3, 0, 0 },	/* stmxcsr [eax] */
		{ { 0xdd, 0x03 }, 2, 1, 0 },		/* fld qword [ebx] */
		{ { 0x9a, 0, 0, 0, 0, 0x08, 0 }, 7, 1, 1 },	/* call far */
		{ { 0xff, 0x18 }, 2, 1, 1 },		/* call far [eax] */
		{ { 0xff, 0x10 }, 2, 0, 1 },		/* call [eax] */
		{ { 0xff, 0x30 }, 2, 0, 1 },		/* push [eax] */
		{ { 0xff, 0x00 }, 2, 0, 0 },		/* inc [eax] */
		{ { 0x50 }, 1, 0, 1 }, { { 0x6a, 0x02 }, 2, 0, 1 },
		{ { 0x0f, 0xa0 }, 2, 0, 1 },		/* push fs */
		{ { 0x9c }, 1, 0, 1 }, { { 0x60 }, 1, 0, 1 },	/* pushf, pusha */
		{ { 0xc8, 0x08, 0x00, 0x02 }, 4, 0, 1 },	/* enter 8, 2 */
		{ { 0x89, 0x03 }, 2, 0, 0 },		/* mov [ebx], eax */
		{ { 0x58 }, 1, 0, 0 }, { { 0xcd, 0x80 }, 2, 1, 0 },	/* pop, int */
	};

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct x86_instruction x;

		assert_int_equal(disasm_decode(dis, rows[i].b, rows[i].n, ADDR,
					       &x), SIM_OK);
		if (!!x86_stale_eip(&x) != rows[i].stale ||
		    !!x86_pushes(&x) != rows[i].pushes)
			fail_msg("row %zu (%02x %02x): stale %d, pushes %d; want "
				 "%d, %d", i, rows[i].b[0], rows[i].b[1],
				 x86_stale_eip(&x), x86_pushes(&x),
				 rows[i].stale, rows[i].pushes);
	}
}

/* Which operations end a basic block, for every operation. */
/*
 * Which instructions load from memory for themselves (vmm_guard.c tells
 * their loads from the CPU's descriptor reads): a memory operand but
 * LEA's and NOP's, the stack, strings, XLAT.
 */
static void reads_memory(void **state)
{
	static const struct { uint8_t b[7]; uint8_t n; int want; } rows[] = {
		{ { 0xa1, 0x10, 0x00, 0xc0, 0xff }, 5, 1 },	/* mov eax, [m] */
		{ { 0x89, 0x03 }, 2, 1 },		/* mov [ebx], eax: counted */
		{ { 0x8d, 0x03 }, 2, 0 },		/* lea eax, [ebx] */
		{ { 0x0f, 0x1f, 0x00 }, 3, 0 },		/* nop [eax] */
		{ { 0x01, 0xd8 }, 2, 0 },		/* add eax, ebx */
		{ { 0x58 }, 1, 1 },			/* pop eax */
		{ { 0x0f, 0xa1 }, 2, 1 },		/* pop fs */
		{ { 0x1f }, 1, 1 },			/* pop ds */
		{ { 0x61 }, 1, 1 }, { { 0x9d }, 1, 1 },	/* popa, popf */
		{ { 0xc3 }, 1, 1 }, { { 0xcb }, 1, 1 },	/* ret, retf */
		{ { 0xcf }, 1, 1 }, { { 0xc9 }, 1, 1 },	/* iret, leave */
		{ { 0xf3, 0xa5 }, 2, 1 },		/* rep movsd */
		{ { 0xac }, 1, 1 }, { { 0xd7 }, 1, 1 },	/* lodsb, xlat */
		{ { 0x8e, 0xd8 }, 2, 0 },		/* mov ds, eax */
		{ { 0x0f, 0x02, 0xc3 }, 3, 0 },		/* lar eax, ebx */
		{ { 0xc5, 0x00 }, 2, 1 },		/* lds eax, [eax] */
		{ { 0x0f, 0xc7, 0x0d, 0x10, 0x00, 0xc0, 0xff }, 7, 1 },
							/* cmpxchg8b [m] */
		{ { 0x50 }, 1, 0 }, { { 0x6a, 0x02 }, 2, 0 },	/* push eax, 2 */
		{ { 0xcd, 0x80 }, 2, 0 },		/* int 0x80 */
	};

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct x86_instruction x;

		assert_int_equal(disasm_decode(dis, rows[i].b, rows[i].n, ADDR,
					       &x), SIM_OK);
		if (!!x86_reads_memory(&x) != rows[i].want)
			fail_msg("row %zu (%02x): reads_memory %d, want %d", i,
				 rows[i].b[0], x86_reads_memory(&x),
				 rows[i].want);
	}
	assert_true(x86_op_reads_descriptors(X86_OP_MOV_TO_SREG));
	assert_false(x86_op_reads_descriptors(X86_OP_DELIVERY));
	assert_true(x86_op_reads_descriptors(X86_OP_IRET));
	assert_true(x86_op_reads_descriptors(X86_OP_LAR));
	assert_false(x86_op_reads_descriptors(X86_OP_MOV_FROM_SREG));
	assert_false(x86_op_reads_descriptors(X86_OP_OTHER));
}

static void ends_block(void **state)
{
	(void)state;
	for (int op = 0; op < X86_OP_COUNT; op++) {
		int want = op == X86_OP_JMP || op == X86_OP_JCC ||
			   op == X86_OP_CALL || op == X86_OP_RET ||
			   op == X86_OP_LOOP || op == X86_OP_CALL_FAR ||
			   op == X86_OP_JMP_FAR || op == X86_OP_RET_FAR ||
			   op == X86_OP_INT || op == X86_OP_INT3 ||
			   op == X86_OP_INTO || op == X86_OP_IRET ||
			   op == X86_OP_SYSENTER || op == X86_OP_SYSEXIT ||
			   op == X86_OP_HLT || op == X86_OP_UD ||
			   op == X86_OP_ABSENT;

		if (!!x86_op_ends_block((enum x86_op)op) != want)
			fail_msg("%s: ends_block %d, want %d", x86_op_name(op),
				 x86_op_ends_block((enum x86_op)op), want);
	}
	assert_false(x86_op_ends_block(X86_OP_OTHER));	/* mov */
	assert_false(x86_op_ends_block(X86_OP_CLI));
	assert_false(x86_op_ends_block(X86_OP_MOV_TO_CR));
	assert_true(x86_op_ends_block(X86_OP_IRET));
}

/* Every operation has its own name; out of range is "?". */
static void op_names(void **state)
{
	(void)state;
	for (int a = 0; a < X86_OP_COUNT; a++) {
		assert_string_not_equal(x86_op_name(a), "?");
		for (int b = a + 1; b < X86_OP_COUNT; b++)
			assert_string_not_equal(x86_op_name(a), x86_op_name(b));
	}
	assert_string_equal(x86_op_name(X86_OP_LGDT), "lgdt");
	assert_string_equal(x86_op_name(X86_OP_MOV_TO_CR), "mov to cr");
	assert_string_equal(x86_op_name(X86_OP_OTHER), "other");
	assert_string_equal(x86_op_name(X86_OP_COUNT), "?");
}

/*
 * Regression (was a bug): MOV to/from DR4 and DR5 decodes as X86_OP_OTHER (class innocuous).
 * DR4/DR5 are aliases of DR6/DR7 when CR4.DE = 0 (SDM 3B 17.2.2) and, like
 * every MOV DRn, #GP at CPL > 0 (SDM 2B "MOV - Move to/from Debug
 * Registers"), so they are privileged.  disasm.c's map_reg() has no case for
 * X86_REG_DR4/DR5 (x86.h has no X86R_DR4/DR5 either), so mov_op() sees
 * X86R_NONE and falls through to OTHER.
 */
static void mov_dr4_dr5(void **state)
{
	struct x86_instruction in;

	(void)state;
	decode_ok((const uint8_t[]){ 0x0f, 0x21, 0xe0 }, 3, ADDR, &in); /* mov eax, dr4 */
	assert_string_equal(x86_op_name(in.op), x86_op_name(X86_OP_MOV_FROM_DR));
	assert_int_equal(classify_op(in.op), CLASS_PRIVILEGED);
	decode_ok((const uint8_t[]){ 0x0f, 0x23, 0xe8 }, 3, ADDR, &in); /* mov dr5, eax */
	assert_string_equal(x86_op_name(in.op), x86_op_name(X86_OP_MOV_TO_DR));
	assert_int_equal(classify_op(in.op), CLASS_PRIVILEGED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ops_table),
		cmocka_unit_test(operands),
		cmocka_unit_test(memory_operands),
		cmocka_unit_test(lengths_and_errors),
		cmocka_unit_test(text),
		cmocka_unit_test(ends_block),
		cmocka_unit_test(reads_memory),
		cmocka_unit_test(stale_and_stores),
		cmocka_unit_test(op_names),
		cmocka_unit_test(mov_dr4_dr5),
	};
	int rc;

	if (disasm_create(&dis) != SIM_OK) {
		fprintf(stderr, "test_disasm: cannot create a decoder\n");
		return 1;
	}
	rc = cmocka_run_group_tests_name("disasm", tests, NULL, NULL);
	disasm_destroy(dis);
	return rc;
}
