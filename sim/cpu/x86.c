/*
 * x86.c - names and descriptor encoding for the x86 vocabulary in x86.h.
 */
#include <stddef.h>

#include "cpu/x86.h"

static const char *const reg_names[X86R_COUNT] = {
	[X86R_NONE] = "",
	[X86R_EAX] = "eax", [X86R_ECX] = "ecx", [X86R_EDX] = "edx",
	[X86R_EBX] = "ebx", [X86R_ESP] = "esp", [X86R_EBP] = "ebp",
	[X86R_ESI] = "esi", [X86R_EDI] = "edi",
	[X86R_AX] = "ax", [X86R_CX] = "cx", [X86R_DX] = "dx", [X86R_BX] = "bx",
	[X86R_SP] = "sp", [X86R_BP] = "bp", [X86R_SI] = "si", [X86R_DI] = "di",
	[X86R_AL] = "al", [X86R_CL] = "cl", [X86R_DL] = "dl", [X86R_BL] = "bl",
	[X86R_AH] = "ah", [X86R_CH] = "ch", [X86R_DH] = "dh", [X86R_BH] = "bh",
	[X86R_ES] = "es", [X86R_CS] = "cs", [X86R_SS] = "ss",
	[X86R_DS] = "ds", [X86R_FS] = "fs", [X86R_GS] = "gs",
	[X86R_EIP] = "eip", [X86R_EFLAGS] = "eflags",
	[X86R_CR0] = "cr0", [X86R_CR2] = "cr2", [X86R_CR3] = "cr3",
	[X86R_CR4] = "cr4",
	[X86R_DR0] = "dr0", [X86R_DR1] = "dr1", [X86R_DR2] = "dr2",
	[X86R_DR3] = "dr3", [X86R_DR4] = "dr4", [X86R_DR5] = "dr5",
	[X86R_DR6] = "dr6", [X86R_DR7] = "dr7",
};

const char *x86_reg_name(enum x86_register r)
{
	if ((unsigned)r >= X86R_COUNT)
		return "?";
	return reg_names[r];
}

static const char *const vector_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "#CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23",
	"#24", "#25", "#26", "#27", "#28", "#29", "#SX", "#31",
};

const char *x86_vector_name(int vector)
{
	if (vector < 0 || vector >= 32)
		return NULL;
	return vector_names[vector];
}

bool x86_vector_has_error_code(int vector)
{
	switch (vector) {
	case X86_DF: case X86_TS: case X86_NP: case X86_SS:
	case X86_GP: case X86_PF: case X86_AC:
	case 21: case 29: case 30:	/* #CP, #VC, #SX */
		return true;
	default:
		return false;
	}
}

/*
 * Descriptor layout (SDM 3A figure 3-8):
 *   bits  0-15 limit 15:0        bits 16-39 base 23:0
 *   bits 40-43 type              bit  44    S (code/data)
 *   bits 45-46 DPL               bit  47    P (present)
 *   bits 48-51 limit 19:16       bit  54    D/B
 *   bit  55    G (4 KiB units)   bits 56-63 base 31:24
 * Gates (figure 6-2) keep a selector in bits 16-31 and a split offset.
 */
void x86_desc_decode(uint64_t raw, struct x86_desc *out)
{
	uint32_t lo = (uint32_t)raw, hi = (uint32_t)(raw >> 32);
	uint32_t limit = (lo & 0xffff) | (hi & 0x000f0000);

	out->base = (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000);
	out->g = (hi >> 23) & 1;
	out->limit = out->g ? (limit << 12) | 0xfff : limit;
	out->type = (hi >> 8) & 0xf;
	out->s = (hi >> 12) & 1;
	out->dpl = (hi >> 13) & 3;
	out->p = (hi >> 15) & 1;
	out->db = (hi >> 22) & 1;
	out->gate_sel = (uint16_t)(lo >> 16);
	out->gate_off = (lo & 0xffff) | (hi & 0xffff0000);
}

/*
 * A limit above 1 MiB can only be expressed in 4 KiB units: limit_bytes is
 * then rounded *up* to the end of its page (callers pass page-aligned
 * limits such as 0xffffffff).
 */
uint64_t x86_desc_encode(uint32_t base, uint32_t limit_bytes, uint8_t type,
			 bool s, uint8_t dpl, bool p, bool db)
{
	uint32_t limit = limit_bytes;
	bool g = false;
	uint64_t d;

	if (limit > 0xfffff) {	/* needs 4 KiB granularity */
		limit >>= 12;
		g = true;
	}
	d = (uint64_t)(limit & 0xffff);
	d |= (uint64_t)(base & 0xffffff) << 16;
	d |= (uint64_t)(type & 0xf) << 40;
	d |= (uint64_t)(s ? 1 : 0) << 44;
	d |= (uint64_t)(dpl & 3) << 45;
	d |= (uint64_t)(p ? 1 : 0) << 47;
	d |= (uint64_t)((limit >> 16) & 0xf) << 48;
	d |= (uint64_t)(db ? 1 : 0) << 54;
	d |= (uint64_t)(g ? 1 : 0) << 55;
	d |= (uint64_t)(base >> 24) << 56;
	return d;
}

uint64_t x86_gate_encode(uint16_t sel, uint32_t off, uint8_t type, uint8_t dpl)
{
	return (uint64_t)(off & 0xffff) | ((uint64_t)sel << 16) |
	       ((uint64_t)(type & 0xf) << 40) | ((uint64_t)(dpl & 3) << 45) |
	       (1ull << 47) | ((uint64_t)(off >> 16) << 48);
}
