/*
 * x86.h - the x86 architecture as the guest sees it: registers, flag bits,
 * control-register bits, segment descriptors and exception vectors.
 *
 * Nothing here depends on Unicorn or capstone; it is the vocabulary every
 * other module shares.  Bit positions are those of the Intel SDM, vol. 3A
 * (chapters 2 "System architecture overview", 3 "Protected-mode memory
 * management" and 6 "Interrupt and exception handling").
 */
#ifndef SIM_X86_H
#define SIM_X86_H

#include <stdbool.h>
#include <stdint.h>

/* Registers, named once for the decoder, the CPU wrapper and the VMM. */
enum x86_register {
	X86R_NONE = 0,
	/* 32-bit general purpose registers, in the encoding order of ModRM */
	X86R_EAX, X86R_ECX, X86R_EDX, X86R_EBX,
	X86R_ESP, X86R_EBP, X86R_ESI, X86R_EDI,
	/* their 16-bit halves */
	X86R_AX, X86R_CX, X86R_DX, X86R_BX, X86R_SP, X86R_BP, X86R_SI, X86R_DI,
	/* 8-bit registers */
	X86R_AL, X86R_CL, X86R_DL, X86R_BL, X86R_AH, X86R_CH, X86R_DH, X86R_BH,
	/* segment registers, in the encoding order of MOV Sreg */
	X86R_ES, X86R_CS, X86R_SS, X86R_DS, X86R_FS, X86R_GS,
	X86R_EIP, X86R_EFLAGS,
	X86R_CR0, X86R_CR2, X86R_CR3, X86R_CR4,
	X86R_DR0, X86R_DR1, X86R_DR2, X86R_DR3, X86R_DR4, X86R_DR5,
	X86R_DR6, X86R_DR7,
	X86R_COUNT
};

/* True for the six segment registers. */
static inline bool x86_reg_is_seg(enum x86_register r)
{
	return r >= X86R_ES && r <= X86R_GS;
}

/* Index 0..5 of a segment register (ES CS SS DS FS GS), as in MOV Sreg. */
static inline int x86_seg_index(enum x86_register r)
{
	return (int)r - (int)X86R_ES;
}

/* Name of a register as an assembler would print it ("eax", "cr0"). */
const char *x86_reg_name(enum x86_register r);

/* EFLAGS (SDM 3A 2.3).  IF and IOPL are the bits a VMM must virtualize. */
#define X86_FL_CF     0x00000001u  /* carry */
#define X86_FL_RSVD1  0x00000002u  /* always 1 */
#define X86_FL_PF     0x00000004u
#define X86_FL_AF     0x00000010u
#define X86_FL_ZF     0x00000040u
#define X86_FL_SF     0x00000080u
#define X86_FL_TF     0x00000100u  /* single-step trap */
#define X86_FL_IF     0x00000200u  /* maskable interrupts enabled */
#define X86_FL_DF     0x00000400u
#define X86_FL_OF     0x00000800u
#define X86_FL_IOPL   0x00003000u  /* I/O privilege level, bits 12-13 */
#define X86_FL_NT     0x00004000u  /* nested task */
#define X86_FL_RF     0x00010000u
#define X86_FL_VM     0x00020000u  /* virtual-8086 mode */
#define X86_FL_AC     0x00040000u
#define X86_FL_ID     0x00200000u
#define X86_FL_IOPL_SHIFT 12

/* DR6, the debug status register (SDM 3B 17.2.3). */
#define X86_DR6_BS  0x00004000u  /* single step: the #DB came from TF */

/* CR0 (SDM 3A 2.5). */
#define X86_CR0_PE  0x00000001u  /* protection enable */
#define X86_CR0_MP  0x00000002u
#define X86_CR0_EM  0x00000004u
#define X86_CR0_TS  0x00000008u  /* task switched: lazy FPU switching */
#define X86_CR0_ET  0x00000010u
#define X86_CR0_NE  0x00000020u
#define X86_CR0_WP  0x00010000u
#define X86_CR0_AM  0x00040000u
#define X86_CR0_NW  0x20000000u
#define X86_CR0_CD  0x40000000u
#define X86_CR0_PG  0x80000000u  /* paging */

/* CR4 (SDM 3A 2.5). */
#define X86_CR4_VME 0x00000001u
#define X86_CR4_PVI 0x00000002u
#define X86_CR4_TSD 0x00000004u  /* RDTSC privileged when set */
#define X86_CR4_DE  0x00000008u
#define X86_CR4_PSE 0x00000010u
#define X86_CR4_PAE 0x00000020u
#define X86_CR4_MCE 0x00000040u
#define X86_CR4_PGE 0x00000080u
#define X86_CR4_PCE 0x00000100u
#define X86_CR4_OSFXSR 0x00000200u
#define X86_CR4_OSXMMEXCPT 0x00000400u
#define X86_CR4_UMIP 0x00000800u
#define X86_CR4_VMXE 0x00002000u  /* VMX operation enabled (VT-x) */

/*
 * Exception vectors (SDM 3A table 6-1).  Vectors 32..255 are the guest's to
 * use for interrupts and system calls (INT n).
 */
enum x86_vector {
	X86_DE = 0,   /* divide error */
	X86_DB = 1,   /* debug */
	X86_NMI = 2,
	X86_BP = 3,   /* breakpoint (INT3) */
	X86_OF = 4,   /* overflow (INTO) */
	X86_BR = 5,   /* BOUND range exceeded */
	X86_UD = 6,   /* invalid opcode */
	X86_NM = 7,   /* device not available (FPU with CR0.TS) */
	X86_DF = 8,   /* double fault */
	X86_TS = 10,  /* invalid TSS */
	X86_NP = 11,  /* segment not present */
	X86_SS = 12,  /* stack-segment fault */
	X86_GP = 13,  /* general protection */
	X86_PF = 14,  /* page fault */
	X86_MF = 16,  /* x87 floating-point error */
	X86_AC = 17,  /* alignment check */
	X86_MC = 18,
	X86_XM = 19   /* SIMD floating-point */
};

/* Short mnemonic of an exception vector ("#GP"), or NULL above 31. */
const char *x86_vector_name(int vector);

/* True when the exception pushes an error code (#DF #TS #NP #SS #GP #PF #AC
 * and the newer #CP #VC #SX). */
bool x86_vector_has_error_code(int vector);

/*
 * Selectors (SDM 3A 3.4.2): index into the GDT or LDT, table indicator (TI)
 * and the requested privilege level (RPL) in the low two bits.
 */
#define X86_SEL_RPL(sel)    ((unsigned)(sel) & 3u)
#define X86_SEL_TI(sel)     (((unsigned)(sel) >> 2) & 1u)
#define X86_SEL_INDEX(sel)  ((unsigned)(sel) >> 3)

/*
 * A segment or gate descriptor, decoded from its two 32-bit halves
 * (SDM 3A 3.4.5).  limit is already scaled by the granularity bit.
 */
struct x86_desc {
	uint32_t base;
	uint32_t limit;     /* effective limit in bytes - 1 */
	uint8_t type;       /* 4-bit type field */
	bool s;             /* 1 = code/data segment, 0 = system (TSS, LDT, gate) */
	uint8_t dpl;        /* descriptor privilege level */
	bool p;             /* present */
	bool db;            /* default operand size 32 bits */
	bool g;             /* granularity 4 KiB */
	/* gates only: target selector and offset */
	uint16_t gate_sel;
	uint32_t gate_off;
};

/* Descriptor type bits for code/data segments (s = 1). */
#define X86_TYPE_ACCESSED   0x1
#define X86_TYPE_WRITABLE   0x2   /* data: writable */
#define X86_TYPE_READABLE   0x2   /* code: readable */
#define X86_TYPE_CONFORMING 0x4   /* code: conforming */
#define X86_TYPE_EXPANDDOWN 0x4   /* data: expand-down */
#define X86_TYPE_CODE       0x8

/* System descriptor types (s = 0). */
#define X86_SYS_TSS16_AVAIL 0x1
#define X86_SYS_LDT         0x2
#define X86_SYS_TSS16_BUSY  0x3
#define X86_SYS_CALLGATE16  0x4
#define X86_SYS_TASKGATE    0x5
#define X86_SYS_INTGATE16   0x6
#define X86_SYS_TRAPGATE16  0x7
#define X86_SYS_TSS32_AVAIL 0x9
#define X86_SYS_TSS32_BUSY  0xB
#define X86_SYS_CALLGATE32  0xC
#define X86_SYS_INTGATE32   0xE
#define X86_SYS_TRAPGATE32  0xF

/* Decode a descriptor from its raw 64 bits (little-endian in memory). */
void x86_desc_decode(uint64_t raw, struct x86_desc *out);

/* Encode a code/data or system segment descriptor. */
uint64_t x86_desc_encode(uint32_t base, uint32_t limit_bytes, uint8_t type,
			 bool s, uint8_t dpl, bool p, bool db);

/* Encode a 32-bit call/interrupt/trap gate. */
uint64_t x86_gate_encode(uint16_t sel, uint32_t off, uint8_t type, uint8_t dpl);

/* Raw-descriptor field helpers, for code that edits a descriptor in place. */
static inline unsigned x86_raw_dpl(uint64_t raw)
{
	return (unsigned)(raw >> 45) & 3u;
}

static inline uint64_t x86_raw_with_dpl(uint64_t raw, unsigned dpl)
{
	return (raw & ~(3ull << 45)) | ((uint64_t)(dpl & 3u) << 45);
}

static inline bool x86_desc_is_code(const struct x86_desc *d)
{
	return d->s && (d->type & X86_TYPE_CODE);
}

static inline bool x86_desc_is_data(const struct x86_desc *d)
{
	return d->s && !(d->type & X86_TYPE_CODE);
}

#endif
