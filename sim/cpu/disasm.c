/*
 * disasm.c - capstone behind the x86_instruction vocabulary of disasm.h.
 *
 * This is the only file that includes capstone.  It maps capstone's
 * instruction ids onto enum x86_op and its operands onto struct x86_operand,
 * so that the rest of the simulator never depends on capstone's numbering.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <capstone/capstone.h>

#include "cpu/disasm.h"
#include "status.h"

struct disasm {
	csh cs;			/* capstone handle, 32-bit x86, details on */
	cs_insn *scratch;	/* one instruction buffer reused by every call */
};

int disasm_create(struct disasm **out)
{
	struct disasm *d = calloc(1, sizeof *d);

	if (d == NULL)
		return SIM_ENOMEM;
	if (cs_open(CS_ARCH_X86, CS_MODE_32, &d->cs) != CS_ERR_OK) {
		free(d);
		return SIM_EINTERNAL;
	}
	cs_option(d->cs, CS_OPT_DETAIL, CS_OPT_ON);
	d->scratch = cs_malloc(d->cs);
	if (d->scratch == NULL) {
		cs_close(&d->cs);
		free(d);
		return SIM_ENOMEM;
	}
	*out = d;
	return SIM_OK;
}

void disasm_destroy(struct disasm *d)
{
	if (d == NULL)
		return;
	cs_free(d->scratch, 1);
	cs_close(&d->cs);
	free(d);
}

/* capstone register -> ringside register. */
static enum x86_register map_reg(unsigned r)
{
	switch (r) {
	case X86_REG_EAX: return X86R_EAX;
	case X86_REG_ECX: return X86R_ECX;
	case X86_REG_EDX: return X86R_EDX;
	case X86_REG_EBX: return X86R_EBX;
	case X86_REG_ESP: return X86R_ESP;
	case X86_REG_EBP: return X86R_EBP;
	case X86_REG_ESI: return X86R_ESI;
	case X86_REG_EDI: return X86R_EDI;
	case X86_REG_AX: return X86R_AX;
	case X86_REG_CX: return X86R_CX;
	case X86_REG_DX: return X86R_DX;
	case X86_REG_BX: return X86R_BX;
	case X86_REG_SP: return X86R_SP;
	case X86_REG_BP: return X86R_BP;
	case X86_REG_SI: return X86R_SI;
	case X86_REG_DI: return X86R_DI;
	case X86_REG_AL: return X86R_AL;
	case X86_REG_CL: return X86R_CL;
	case X86_REG_DL: return X86R_DL;
	case X86_REG_BL: return X86R_BL;
	case X86_REG_AH: return X86R_AH;
	case X86_REG_CH: return X86R_CH;
	case X86_REG_DH: return X86R_DH;
	case X86_REG_BH: return X86R_BH;
	case X86_REG_ES: return X86R_ES;
	case X86_REG_CS: return X86R_CS;
	case X86_REG_SS: return X86R_SS;
	case X86_REG_DS: return X86R_DS;
	case X86_REG_FS: return X86R_FS;
	case X86_REG_GS: return X86R_GS;
	case X86_REG_CR0: return X86R_CR0;
	case X86_REG_CR2: return X86R_CR2;
	case X86_REG_CR3: return X86R_CR3;
	case X86_REG_CR4: return X86R_CR4;
	case X86_REG_DR0: return X86R_DR0;
	case X86_REG_DR1: return X86R_DR1;
	case X86_REG_DR2: return X86R_DR2;
	case X86_REG_DR3: return X86R_DR3;
	case X86_REG_DR4: return X86R_DR4;
	case X86_REG_DR5: return X86R_DR5;
	case X86_REG_DR6: return X86R_DR6;
	case X86_REG_DR7: return X86R_DR7;
	default: return X86R_NONE;
	}
}

static bool is_cr(enum x86_register r) { return r >= X86R_CR0 && r <= X86R_CR4; }
static bool is_dr(enum x86_register r) { return r >= X86R_DR0 && r <= X86R_DR7; }

/* Operand i of a decoded instruction is a register satisfying pred. */
static bool opnd_reg_is(const struct x86_instruction *in, int i,
			bool (*pred)(enum x86_register))
{
	return in->nops > i && in->ops[i].kind == X86_OPND_REG &&
	       pred((enum x86_register)in->ops[i].reg);
}

static bool is_seg(enum x86_register r) { return x86_reg_is_seg(r); }

/* Classify a MOV by what it moves: control, debug or segment registers. */
static enum x86_op mov_op(const struct x86_instruction *in)
{
	if (opnd_reg_is(in, 0, is_cr))
		return X86_OP_MOV_TO_CR;
	if (opnd_reg_is(in, 1, is_cr))
		return X86_OP_MOV_FROM_CR;
	if (opnd_reg_is(in, 0, is_dr))
		return X86_OP_MOV_TO_DR;
	if (opnd_reg_is(in, 1, is_dr))
		return X86_OP_MOV_FROM_DR;
	if (opnd_reg_is(in, 0, is_seg))
		return X86_OP_MOV_TO_SREG;
	if (opnd_reg_is(in, 1, is_seg))
		return X86_OP_MOV_FROM_SREG;
	return X86_OP_OTHER;
}

static enum x86_op map_op(unsigned id, const struct x86_instruction *in)
{
	switch (id) {
	case X86_INS_CLI: return X86_OP_CLI;
	case X86_INS_STI: return X86_OP_STI;
	case X86_INS_HLT: return X86_OP_HLT;
	case X86_INS_LGDT: return X86_OP_LGDT;
	case X86_INS_LIDT: return X86_OP_LIDT;
	case X86_INS_LLDT: return X86_OP_LLDT;
	case X86_INS_LTR: return X86_OP_LTR;
	case X86_INS_LMSW: return X86_OP_LMSW;
	case X86_INS_CLTS: return X86_OP_CLTS;
	case X86_INS_INVD: return X86_OP_INVD;
	case X86_INS_WBINVD: return X86_OP_WBINVD;
	case X86_INS_INVLPG: return X86_OP_INVLPG;
	case X86_INS_RDMSR: return X86_OP_RDMSR;
	case X86_INS_WRMSR: return X86_OP_WRMSR;
	case X86_INS_SYSEXIT: return X86_OP_SYSEXIT;
	case X86_INS_SYSENTER: return X86_OP_SYSENTER;
	case X86_INS_IN: return X86_OP_IN;
	case X86_INS_OUT: return X86_OP_OUT;
	case X86_INS_INSB: case X86_INS_INSW: case X86_INS_INSD:
		return X86_OP_INS;
	case X86_INS_OUTSB: case X86_INS_OUTSW: case X86_INS_OUTSD:
		return X86_OP_OUTS;
	case X86_INS_SGDT: return X86_OP_SGDT;
	case X86_INS_SIDT: return X86_OP_SIDT;
	case X86_INS_SLDT: return X86_OP_SLDT;
	case X86_INS_SMSW: return X86_OP_SMSW;
	case X86_INS_STR: return X86_OP_STR;
	case X86_INS_PUSHF: case X86_INS_PUSHFD: return X86_OP_PUSHF;
	case X86_INS_POPF: case X86_INS_POPFD: return X86_OP_POPF;
	case X86_INS_LAR: return X86_OP_LAR;
	case X86_INS_LSL: return X86_OP_LSL;
	case X86_INS_VERR: return X86_OP_VERR;
	case X86_INS_VERW: return X86_OP_VERW;
	case X86_INS_PUSH:
		return opnd_reg_is(in, 0, is_seg) ? X86_OP_PUSH_SREG : X86_OP_OTHER;
	case X86_INS_POP:
		return opnd_reg_is(in, 0, is_seg) ? X86_OP_POP_SREG : X86_OP_OTHER;
	case X86_INS_MOV: return mov_op(in);
	case X86_INS_LDS: case X86_INS_LES: case X86_INS_LFS:
	case X86_INS_LGS: case X86_INS_LSS:
		return X86_OP_LOAD_FAR_PTR;
	case X86_INS_LCALL: return X86_OP_CALL_FAR;
	case X86_INS_LJMP: return X86_OP_JMP_FAR;
	case X86_INS_RETF: return X86_OP_RET_FAR;
	case X86_INS_INT: return X86_OP_INT;
	case X86_INS_INT3: return X86_OP_INT3;
	case X86_INS_INTO: return X86_OP_INTO;
	case X86_INS_IRET: case X86_INS_IRETD: return X86_OP_IRET;
	case X86_INS_RDTSC: return X86_OP_RDTSC;
	case X86_INS_RDPMC: return X86_OP_RDPMC;
	case X86_INS_CPUID: return X86_OP_CPUID;
	case X86_INS_UD2: case X86_INS_UD2B: case X86_INS_UD0:
		return X86_OP_UD;
	/*
	 * Instructions of later processors that the reference CPU, QEMU's
	 * qemu32, does not have, so its CPUID does not announce them: each
	 * raises #UD there (SDM vol. 2B: SYSCALL/SYSRET "#UD if not in
	 * 64-bit mode or IA32_EFER.SCE = 0" on Intel, RDTSCP "#UD if
	 * CPUID.80000001H:EDX.RDTSCP[bit 27] = 0", CLAC/STAC "#UD if
	 * CPUID.(EAX=07H,ECX=0H):EBX.SMAP[bit 20] = 0").  Unicorn's CPU runs
	 * some of them anyway, so the VMM raises the #UD itself (and so for
	 * whole instruction sets: absent_group below).
	 */
	case X86_INS_SYSCALL: case X86_INS_SYSRET: case X86_INS_RDTSCP:
	case X86_INS_CLAC: case X86_INS_STAC:
		return X86_OP_ABSENT;
	case X86_INS_JMP: return X86_OP_JMP;
	case X86_INS_CALL: return X86_OP_CALL;
	case X86_INS_RET: return X86_OP_RET;
	case X86_INS_JAE: case X86_INS_JA: case X86_INS_JBE: case X86_INS_JB:
	case X86_INS_JE: case X86_INS_JGE: case X86_INS_JG: case X86_INS_JLE:
	case X86_INS_JL: case X86_INS_JNE: case X86_INS_JNO: case X86_INS_JNP:
	case X86_INS_JNS: case X86_INS_JO: case X86_INS_JP: case X86_INS_JS:
		return X86_OP_JCC;
	case X86_INS_JCXZ: case X86_INS_JECXZ: case X86_INS_LOOP:
	case X86_INS_LOOPE: case X86_INS_LOOPNE:
		return X86_OP_LOOP;
	default:
		return X86_OP_OTHER;
	}
}

static void map_operand(const cs_x86_op *src, struct x86_operand *dst)
{
	memset(dst, 0, sizeof *dst);
	dst->size = src->size;
	switch (src->type) {
	case X86_OP_REG:
		dst->kind = X86_OPND_REG;
		dst->reg = (uint8_t)map_reg(src->reg);
		break;
	case X86_OP_IMM:
		dst->kind = X86_OPND_IMM;
		dst->imm = src->imm;
		break;
	case X86_OP_MEM:
		dst->kind = X86_OPND_MEM;
		dst->seg = (uint8_t)map_reg(src->mem.segment);
		dst->base = (uint8_t)map_reg(src->mem.base);
		dst->index = (uint8_t)map_reg(src->mem.index);
		dst->scale = (uint8_t)(src->mem.scale ? src->mem.scale : 1);
		dst->disp = (int32_t)src->mem.disp;
		break;
	default:
		break;
	}
}

/*
 * Instruction sets qemu32's CPUID does not announce (leaf 1 ECX has only
 * SSE3; no leaf 7, no extended features): their instructions are #UD on
 * the reference machine, as QEMU checks each against its CPU's features
 * [measured: tests/guests/features.S, pshufb and crc32 on
 * qemu-system-i386].  Unicorn's CPU runs some of them anyway.
 */
static bool absent_group(const cs_detail *det)
{
	static const uint8_t absent[] = {
		X86_GRP_3DNOW, X86_GRP_AES, X86_GRP_ADX, X86_GRP_AVX,
		X86_GRP_AVX2, X86_GRP_AVX512, X86_GRP_BMI, X86_GRP_BMI2,
		X86_GRP_F16C, X86_GRP_FMA, X86_GRP_FMA4, X86_GRP_FSGSBASE,
		X86_GRP_RTM, X86_GRP_SHA, X86_GRP_SSE41, X86_GRP_SSE42,
		X86_GRP_SSE4A, X86_GRP_SSSE3, X86_GRP_PCLMUL, X86_GRP_XOP,
		X86_GRP_CDI, X86_GRP_ERI, X86_GRP_TBM, X86_GRP_SGX,
		X86_GRP_DQI, X86_GRP_BWI, X86_GRP_PFI, X86_GRP_VLX,
		X86_GRP_SMAP,
	};

	for (int i = 0; i < det->groups_count; i++)
		for (size_t k = 0; k < sizeof absent; k++)
			if (det->groups[i] == absent[k])
				return true;
	return false;
}

int disasm_decode(struct disasm *d, const uint8_t *code, size_t len,
		  uint32_t addr, struct x86_instruction *out)
{
	const uint8_t *p = code;
	size_t n = len < X86_INSN_MAX ? len : X86_INSN_MAX;
	uint64_t a = addr;
	cs_insn *ci = d->scratch;
	const cs_x86 *x;

	if (!cs_disasm_iter(d->cs, &p, &n, &a, ci))
		return SIM_EDECODE;
	memset(out, 0, sizeof *out);
	out->addr = addr;
	out->len = (uint8_t)ci->size;
	memcpy(out->bytes, ci->bytes, ci->size);
	x = &ci->detail->x86;
	out->opsize = x->prefix[2] == X86_PREFIX_OPSIZE ? 2 : 4;
	out->rep = x->prefix[0] == X86_PREFIX_REP ||
		   x->prefix[0] == X86_PREFIX_REPNE;
	out->nops = x->op_count > 3 ? 3 : x->op_count;
	for (int i = 0; i < out->nops; i++)
		map_operand(&x->operands[i], &out->ops[i]);
	out->op = (uint16_t)map_op(ci->id, out);
	if (out->op == X86_OP_OTHER && absent_group(ci->detail))
		out->op = X86_OP_ABSENT;
	return SIM_OK;
}

void disasm_text(struct disasm *d, const struct x86_instruction *in,
		 char *buf, size_t size)
{
	const uint8_t *p = in->bytes;
	size_t n = in->len;
	uint64_t a = in->addr;
	cs_insn *ci = d->scratch;

	if (size == 0)
		return;
	if (!cs_disasm_iter(d->cs, &p, &n, &a, ci)) {
		snprintf(buf, size, "(bad)");
		return;
	}
	if (ci->op_str[0] != '\0')
		snprintf(buf, size, "%s %s", ci->mnemonic, ci->op_str);
	else
		snprintf(buf, size, "%s", ci->mnemonic);
}

int x86_op_ends_block(enum x86_op op)
{
	switch (op) {
	case X86_OP_JMP: case X86_OP_JCC: case X86_OP_CALL: case X86_OP_RET:
	case X86_OP_LOOP: case X86_OP_CALL_FAR: case X86_OP_JMP_FAR:
	case X86_OP_RET_FAR: case X86_OP_INT: case X86_OP_INT3:
	case X86_OP_INTO: case X86_OP_IRET: case X86_OP_SYSENTER:
	case X86_OP_SYSEXIT: case X86_OP_HLT: case X86_OP_UD:
	case X86_OP_ABSENT:
		return 1;
	default:
		return 0;
	}
}

int x86_op_reads_descriptors(enum x86_op op)
{
	switch (op) {
	case X86_OP_MOV_TO_SREG: case X86_OP_POP_SREG:
	case X86_OP_LOAD_FAR_PTR: case X86_OP_CALL_FAR: case X86_OP_JMP_FAR:
	case X86_OP_RET_FAR: case X86_OP_IRET: case X86_OP_LAR:
	case X86_OP_LSL: case X86_OP_VERR: case X86_OP_VERW:
	case X86_OP_LLDT: case X86_OP_LTR: case X86_OP_INT:
	case X86_OP_INT3: case X86_OP_INTO: case X86_OP_SYSENTER:
		return 1;
	default:
		return 0;
	}
}

/* Position of the opcode after any prefixes (Intel SDM vol. 2, 2.1.1). */
static int opcode_index(const struct x86_instruction *in)
{
	static const uint8_t prefixes[] = {
		0xf0, 0xf2, 0xf3, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65, 0x66, 0x67
	};
	int i = 0;

	while (i < in->len && memchr(prefixes, in->bytes[i], sizeof prefixes))
		i++;
	return i;
}

int x86_reads_memory(const struct x86_instruction *in)
{
	int i = opcode_index(in);
	uint8_t b = i < in->len ? in->bytes[i] : 0;
	uint8_t b2 = i + 1 < in->len ? in->bytes[i + 1] : 0;

	if (b == 0x8d || (b == 0x0f && b2 == 0x1f))
		return 0;			/* LEA, NOP r/m: no access */
	for (int k = 0; k < in->nops; k++)
		if (in->ops[k].kind == X86_OPND_MEM)
			return 1;
	if (b == 0x0f)				/* POP FS, POP GS */
		return b2 == 0xa1 || b2 == 0xa9;
	return (b >= 0x58 && b <= 0x5f) ||	/* POP r */
	       b == 0x07 || b == 0x17 || b == 0x1f ||	/* POP ES/SS/DS */
	       b == 0x61 || b == 0x9d ||	/* POPA, POPF */
	       b == 0xc2 || b == 0xc3 || b == 0xca || b == 0xcb ||
	       b == 0xcf || b == 0xc8 || b == 0xc9 ||	/* RET...LEAVE */
	       (b >= 0xa4 && b <= 0xa7) || (b >= 0xac && b <= 0xaf) ||
	       b == 0x6e || b == 0x6f || b == 0xd7;	/* strings, XLAT */
}

int x86_stale_eip(const struct x86_instruction *in)
{
	int i = opcode_index(in);
	uint8_t b = i < in->len ? in->bytes[i] : 0;
	uint8_t b2 = i + 1 < in->len ? in->bytes[i + 1] : 0;
	int reg = i + 2 < in->len ? in->bytes[i + 2] >> 3 & 7 : 0; /* 0F xx /r */

	if (x86_op_reads_descriptors((enum x86_op)in->op))
		return 1;
	if (!x86_reads_memory(in))
		return 0;		/* the register forms: no access */
	if (b == 0x0f)
		return (b2 == 0xc7 && reg == 1) ||	/* CMPXCHG8B */
		       (b2 == 0xae && reg <= 1);	/* FXSAVE, FXRSTOR */
	return b == 0x62 ||				/* BOUND */
	       (b >= 0xd8 && b <= 0xdf);		/* x87 */
}

int x86_pushes(const struct x86_instruction *in)
{
	int i = opcode_index(in);
	uint8_t b = i < in->len ? in->bytes[i] : 0;
	uint8_t b2 = i + 1 < in->len ? in->bytes[i + 1] : 0;
	int reg = b2 >> 3 & 7;				/* FF /r */

	if (b == 0x0f)
		return b2 == 0xa0 || b2 == 0xa8;	/* PUSH FS, GS */
	return (b >= 0x50 && b <= 0x57) ||		/* PUSH r */
	       b == 0x68 || b == 0x6a ||		/* PUSH imm */
	       b == 0x06 || b == 0x0e || b == 0x16 || b == 0x1e ||
	       b == 0x60 || b == 0x9c ||		/* PUSHA, PUSHF */
	       b == 0xe8 || b == 0x9a || b == 0xc8 ||	/* CALL, ENTER */
	       (b == 0xff && (reg == 2 || reg == 3 || reg == 6));
}

static const char *const op_names[X86_OP_COUNT] = {
	[X86_OP_OTHER] = "other",
	[X86_OP_CLI] = "cli", [X86_OP_STI] = "sti", [X86_OP_HLT] = "hlt",
	[X86_OP_LGDT] = "lgdt", [X86_OP_LIDT] = "lidt",
	[X86_OP_LLDT] = "lldt", [X86_OP_LTR] = "ltr",
	[X86_OP_LMSW] = "lmsw", [X86_OP_CLTS] = "clts",
	[X86_OP_MOV_TO_CR] = "mov to cr", [X86_OP_MOV_FROM_CR] = "mov from cr",
	[X86_OP_MOV_TO_DR] = "mov to dr", [X86_OP_MOV_FROM_DR] = "mov from dr",
	[X86_OP_INVD] = "invd", [X86_OP_WBINVD] = "wbinvd",
	[X86_OP_INVLPG] = "invlpg", [X86_OP_RDMSR] = "rdmsr",
	[X86_OP_WRMSR] = "wrmsr", [X86_OP_SYSEXIT] = "sysexit",
	[X86_OP_IN] = "in", [X86_OP_OUT] = "out",
	[X86_OP_INS] = "ins", [X86_OP_OUTS] = "outs",
	[X86_OP_SGDT] = "sgdt", [X86_OP_SIDT] = "sidt", [X86_OP_SLDT] = "sldt",
	[X86_OP_SMSW] = "smsw", [X86_OP_STR] = "str",
	[X86_OP_PUSHF] = "pushf", [X86_OP_POPF] = "popf",
	[X86_OP_LAR] = "lar", [X86_OP_LSL] = "lsl",
	[X86_OP_VERR] = "verr", [X86_OP_VERW] = "verw",
	[X86_OP_PUSH_SREG] = "push sreg", [X86_OP_POP_SREG] = "pop sreg",
	[X86_OP_MOV_TO_SREG] = "mov to sreg",
	[X86_OP_MOV_FROM_SREG] = "mov from sreg",
	[X86_OP_LOAD_FAR_PTR] = "load far pointer",
	[X86_OP_CALL_FAR] = "far call", [X86_OP_JMP_FAR] = "far jmp",
	[X86_OP_RET_FAR] = "far ret", [X86_OP_INT] = "int",
	[X86_OP_INT3] = "int3", [X86_OP_INTO] = "into", [X86_OP_IRET] = "iret",
	[X86_OP_RDTSC] = "rdtsc", [X86_OP_RDPMC] = "rdpmc", [X86_OP_SYSENTER] = "sysenter",
	[X86_OP_JMP] = "jmp", [X86_OP_JCC] = "jcc", [X86_OP_CALL] = "call",
	[X86_OP_RET] = "ret", [X86_OP_LOOP] = "loop",
	[X86_OP_CPUID] = "cpuid", [X86_OP_UD] = "ud2",
	[X86_OP_ABSENT] = "absent",
	[X86_OP_DELIVERY] = "delivery",
};

const char *x86_op_name(enum x86_op op)
{
	if ((unsigned)op >= X86_OP_COUNT || op_names[op] == NULL)
		return "?";
	return op_names[op];
}
