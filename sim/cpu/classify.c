/*
 * classify.c - the static class of every x86 operation ringside decodes.
 *
 * Sources: Intel SDM vol. 3A section 2.8 "System instruction summary" for
 * the privileged list; Robin & Irvine, "Analysis of the Intel Pentium's
 * ability to support a secure virtual machine monitor" (USENIX Security
 * 2000) for the sensitive-but-unprivileged list.
 */
#include "cpu/classify.h"

enum insn_class classify_op(enum x86_op op)
{
	switch (op) {
	/*
	 * Privileged: at CPL > 0 the CPU raises #GP instead of executing them
	 * (CLI and STI when CPL > IOPL; the VMM keeps the real IOPL at 0).
	 */
	case X86_OP_CLI: case X86_OP_STI: case X86_OP_HLT:
	case X86_OP_LGDT: case X86_OP_LIDT: case X86_OP_LLDT: case X86_OP_LTR:
	case X86_OP_LMSW: case X86_OP_CLTS:
	case X86_OP_MOV_TO_CR: case X86_OP_MOV_FROM_CR:
	case X86_OP_MOV_TO_DR: case X86_OP_MOV_FROM_DR:
	case X86_OP_INVD: case X86_OP_WBINVD: case X86_OP_INVLPG:
	case X86_OP_RDMSR: case X86_OP_WRMSR: case X86_OP_SYSEXIT:
		return CLASS_PRIVILEGED;

	/* Port I/O reaches devices, which the VMX emulates. */
	case X86_OP_IN: case X86_OP_OUT: case X86_OP_INS: case X86_OP_OUTS:
		return CLASS_IO;

	/*
	 * Sensitive but unprivileged: the Robin & Irvine eighteen, in two
	 * groups.  Sensitive-register instructions read or write state the
	 * VMM virtualizes (SGDT SIDT SLDT SMSW PUSHF POPF); protection-system
	 * instructions consult the current privilege level (LAR LSL VERR VERW
	 * POP/PUSH/MOV sreg, far CALL/JMP/RET, INT n, STR; IRET with them).
	 * RDTSC reads time and CPUID the processor's identity, which the VMM
	 * also virtualizes (DESIGN.md's class table; VMMs emulate CPUID under
	 * binary translation, VT-x exits on it unconditionally).  RDPMC
	 * reads the performance counters: at CPL > 0 it is allowed only
	 * when CR4.PCE is set (SDM vol. 2B, RDPMC), a register the VMM
	 * virtualizes, so a VMM must see it: the deprivileging VMM keeps
	 * the real PCE clear, VT-x has "RDPMC exiting".
	 */
	case X86_OP_SGDT: case X86_OP_SIDT: case X86_OP_SLDT:
	case X86_OP_SMSW: case X86_OP_STR:
	case X86_OP_PUSHF: case X86_OP_POPF:
	case X86_OP_LAR: case X86_OP_LSL: case X86_OP_VERR: case X86_OP_VERW:
	case X86_OP_PUSH_SREG: case X86_OP_POP_SREG:
	case X86_OP_MOV_TO_SREG: case X86_OP_MOV_FROM_SREG:
	case X86_OP_LOAD_FAR_PTR:
	case X86_OP_CALL_FAR: case X86_OP_JMP_FAR: case X86_OP_RET_FAR:
	case X86_OP_INT: case X86_OP_INT3: case X86_OP_INTO: case X86_OP_IRET:
	case X86_OP_RDTSC: case X86_OP_RDPMC:
	case X86_OP_SYSENTER: case X86_OP_CPUID:
		return CLASS_SENSITIVE;

	default:
		return CLASS_INNOCUOUS;
	}
}

static const char *const class_names[CLASS_COUNT] = {
	"innocuous", "privileged", "io", "sensitive"
};

const char *class_name(enum insn_class cls)
{
	return (unsigned)cls < CLASS_COUNT ? class_names[cls] : "?";
}

static const enum path_hop path_table[PATH_COUNT][PATH_MAX_HOPS + 1] = {
	/* each row ends with HOP_COUNT */
	[PATH_DIRECT] = { HOP_GUEST, HOP_HARDWARE, HOP_COUNT },
	[PATH_VMM] = { HOP_GUEST, HOP_VMM, HOP_GUEST, HOP_COUNT },
	[PATH_VMKERNEL] = { HOP_GUEST, HOP_VMM, HOP_VMKERNEL, HOP_VMM,
			    HOP_GUEST, HOP_COUNT },
	[PATH_VMX] = { HOP_GUEST, HOP_VMM, HOP_VMX, HOP_VMM, HOP_GUEST,
		       HOP_COUNT },
};

int path_hops(enum insn_path path, enum path_hop hops[PATH_MAX_HOPS])
{
	int n = 0;

	if ((unsigned)path >= PATH_COUNT)
		return 0;
	while (n < PATH_MAX_HOPS && path_table[path][n] != HOP_COUNT) {
		hops[n] = path_table[path][n];
		n++;
	}
	return n;
}

static const char *const hop_names[HOP_COUNT] = {
	"guest", "hardware", "vmm", "vmkernel", "vmx"
};

const char *hop_name(enum path_hop hop)
{
	return (unsigned)hop < HOP_COUNT ? hop_names[hop] : "?";
}

static const char *const path_texts[PATH_COUNT] = {
	[PATH_DIRECT] = "guest>hardware",
	[PATH_VMM] = "guest>vmm>guest",
	[PATH_VMKERNEL] = "guest>vmm>vmkernel>vmm>guest",
	[PATH_VMX] = "guest>vmm>vmx>vmm>guest",
};

const char *path_text(enum insn_path path)
{
	return (unsigned)path < PATH_COUNT ? path_texts[path] : "?";
}
