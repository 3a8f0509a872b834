/*
 * disasm.h - decoding guest instructions (the only user of capstone).
 *
 * The VMM must know what an instruction is before it can decide who handles
 * it.  disasm turns guest bytes into a struct x86_instruction: which operation it
 * is (in ringside's own vocabulary, enum x86_op), its operands, its length,
 * and the text capstone prints for it.  Decoding happens once per guest
 * block and is cached by blockcache; nothing decodes per executed
 * instruction.
 */
#ifndef SIM_DISASM_H
#define SIM_DISASM_H

#include <stddef.h>
#include <stdint.h>

#include "cpu/x86.h"

/*
 * The operations the VMM cares about.  Everything else is X86_OP_OTHER, an
 * ordinary instruction the hardware runs directly.  Grouped as the x86
 * virtualization literature groups them.
 */
enum x86_op {
	X86_OP_OTHER = 0,

	/* privileged: fault with #GP when CPL > 0 (CLI/STI: when CPL > IOPL) */
	X86_OP_CLI, X86_OP_STI, X86_OP_HLT,
	X86_OP_LGDT, X86_OP_LIDT, X86_OP_LLDT, X86_OP_LTR,
	X86_OP_LMSW, X86_OP_CLTS,
	X86_OP_MOV_TO_CR, X86_OP_MOV_FROM_CR,
	X86_OP_MOV_TO_DR, X86_OP_MOV_FROM_DR,
	X86_OP_INVD, X86_OP_WBINVD, X86_OP_INVLPG,
	X86_OP_RDMSR, X86_OP_WRMSR, X86_OP_SYSEXIT,

	/* port I/O */
	X86_OP_IN, X86_OP_OUT, X86_OP_INS, X86_OP_OUTS,

	/* sensitive but unprivileged: the x86 "holes" (Robin & Irvine 2000) */
	X86_OP_SGDT, X86_OP_SIDT, X86_OP_SLDT, X86_OP_SMSW, X86_OP_STR,
	X86_OP_PUSHF, X86_OP_POPF,
	X86_OP_LAR, X86_OP_LSL, X86_OP_VERR, X86_OP_VERW,
	X86_OP_PUSH_SREG, X86_OP_POP_SREG,
	X86_OP_MOV_TO_SREG, X86_OP_MOV_FROM_SREG,
	X86_OP_LOAD_FAR_PTR,	/* LDS LES LFS LGS LSS */
	X86_OP_CALL_FAR, X86_OP_JMP_FAR, X86_OP_RET_FAR,
	X86_OP_INT, X86_OP_INT3, X86_OP_INTO, X86_OP_IRET,
	X86_OP_RDTSC,		/* time: ringside makes it trap (CR4.TSD) */
	X86_OP_RDPMC,		/* performance counters: CR4.PCE opens them to
				   rings 1-3; the VMM keeps the real PCE clear */
	X86_OP_SYSENTER,

	/* ordinary control flow: ends a block, runs directly */
	X86_OP_JMP, X86_OP_JCC, X86_OP_CALL, X86_OP_RET, X86_OP_LOOP,

	/* others the VMM needs to recognise */
	X86_OP_CPUID, X86_OP_UD,
	X86_OP_ABSENT,		/* SYSCALL, RDTSCP, CLAC...: not on this CPU (#UD) */

	/* no instruction: what the VMM does for the guest on its own */
	X86_OP_DELIVERY,	/* an exception's or interrupt's delivery: the
				   IDT, the descriptors, the frame it pushes */

	X86_OP_COUNT
};

enum x86_operand_kind {
	X86_OPND_NONE = 0,
	X86_OPND_REG,
	X86_OPND_MEM,
	X86_OPND_IMM
};

struct x86_operand {
	uint8_t kind;		/* enum x86_operand_kind */
	uint8_t size;		/* in bytes */
	uint8_t reg;		/* OPND_REG: enum x86_register */
	uint8_t seg;		/* OPND_MEM: segment register (enum x86_register) */
	uint8_t base;		/* OPND_MEM: base register or X86R_NONE */
	uint8_t index;		/* OPND_MEM: index register or X86R_NONE */
	uint8_t scale;		/* OPND_MEM: 1, 2, 4 or 8 */
	int32_t disp;		/* OPND_MEM: displacement */
	int64_t imm;		/* OPND_IMM: the immediate */
};

#define X86_INSN_MAX 15		/* longest x86 instruction, in bytes */
#define X86_TEXT_MAX 96		/* room for capstone's "mnemonic operands" */

/* One decoded instruction. */
struct x86_instruction {
	uint32_t addr;		/* guest address of its first byte */
	uint8_t len;		/* length in bytes */
	uint8_t bytes[X86_INSN_MAX];
	uint16_t op;		/* enum x86_op */
	uint8_t opsize;		/* operand size: 2 or 4 bytes */
	uint8_t rep;		/* has a REP/REPE/REPNE prefix */
	uint8_t nops;		/* number of operands */
	struct x86_operand ops[3];	/* in Intel order: destination first */
};

/* Opaque decoder (owns a capstone handle). */
struct disasm;

/* Create a 32-bit x86 decoder.  Returns SIM_OK or SIM_ENOMEM/SIM_EINTERNAL. */
int disasm_create(struct disasm **out);
void disasm_destroy(struct disasm *d);

/*
 * Decode the instruction at code[0..len) located at guest address addr.
 * On success fills *out and returns SIM_OK; SIM_EDECODE if the bytes are not
 * a valid instruction (the guest will get #UD from the CPU).
 */
int disasm_decode(struct disasm *d, const uint8_t *code, size_t len,
		  uint32_t addr, struct x86_instruction *out);

/*
 * Write capstone's text for an instruction ("mov eax, cr0") into buf.
 * Intel syntax, exactly as capstone prints mnemonic and operands.
 */
void disasm_text(struct disasm *d, const struct x86_instruction *in,
		 char *buf, size_t size);

/* True if the instruction ends a basic block (any control transfer). */
int x86_op_ends_block(enum x86_op op);

/*
 * True if the CPU reads a descriptor (of the GDT, the LDT, or the TSS for
 * an inner ring's stack) to run op: a segment load, a far transfer, IRET,
 * LAR, LSL, VERR, VERW, LLDT, LTR, INT n, SYSENTER.
 */
int x86_op_reads_descriptors(enum x86_op op);

/*
 * True if the instruction may load from memory for itself: a memory
 * operand (but LEA's and a NOP's, which are only addresses; a store's
 * counts too, which only errs on the safe side), the stack
 * (POP, POPA, POPF, RET, RETF, IRET, LEAVE, ENTER) or a string (MOVS,
 * CMPS, LODS, SCAS, OUTS, XLAT).  Its descriptor reads are not counted.
 */
int x86_reads_memory(const struct x86_instruction *in);

/*
 * True if Unicorn 2.0.1 makes the instruction's memory accesses in a
 * helper, where the EIP its memory hook reports is still a previous
 * instruction's: one that reads descriptors (x86_op_reads_descriptors;
 * a far CALL's pushes too), CMPXCHG8B, BOUND, the x87 instructions with a
 * memory operand, FXSAVE and FXRSTOR [measured: tests/guests/descread.S,
 * iretvmm.S, helpereip.S, pusheip.S].
 */
int x86_stale_eip(const struct x86_instruction *in);

/*
 * True if the instruction pushes on the stack: PUSH (a register, an
 * immediate, a segment register, memory), PUSHA, PUSHF, CALL (near or
 * far), ENTER: the stores x86_reads_memory leaves out (it counts memory
 * operands, a string instruction's included).
 */
int x86_pushes(const struct x86_instruction *in);

/* Short lower-case name of an operation, for explanations ("lgdt"). */
const char *x86_op_name(enum x86_op op);

#endif
