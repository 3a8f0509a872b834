/*
 * handler.c - the model of who handles each instruction (see handler.h).
 *
 * Sources: Adams & Agesen, "A Comparison of Software and Hardware
 * Techniques for x86 Virtualization" (ASPLOS 2006) for trap-and-emulate,
 * binary translation (callouts, IDENT code, the translation cache) and
 * first-generation VT-x; Bugnion et al., "Bringing Virtualization to the
 * x86 Architecture with the Original VMware Workstation" (TOCS 2012) for
 * when guest code runs directly (guest ring 3, IF=1, IOPL<3); Robin &
 * Irvine (USENIX Security 2000) for the holes; Intel SDM vol. 3C ch. 25
 * for what VT-x exits on (privilege checks come before VM exits, so a
 * privileged instruction at guest ring 3 is the guest's own #GP, delivered
 * by the CPU without an exit).
 */
#include "handler.h"

enum handler_kind handler_kind_of(const struct x86_instruction *in,
				  bool vmm_port)
{
	enum x86_register cr;

	switch ((enum x86_op)in->op) {
	case X86_OP_HLT:
		return HK_HLT;
	/*
	 * First-generation VT-x has no descriptor-table exiting and no
	 * WBINVD exiting (both came later, as secondary controls): the
	 * guest's own GDTR, IDTR, LDTR and TR are live in non-root mode.
	 * CLI and STI act on the guest's real IF.
	 */
	case X86_OP_CLI: case X86_OP_STI:
	case X86_OP_LGDT: case X86_OP_LIDT: case X86_OP_LLDT: case X86_OP_LTR:
	case X86_OP_WBINVD:
		return HK_PRIV_NONROOT;
	case X86_OP_MOV_TO_CR:
		/*
		 * CR3 loads exit; CR0 and CR4 loads exit when they change a
		 * bit of the guest/host mask, as a kernel's usually do (PG,
		 * PE, PAE): the usual case here, the exact rule in vmm_hw.c;
		 * CR2 is the guest's own
		 */
		cr = (enum x86_register)in->ops[0].reg;
		return cr == X86R_CR2 ? HK_PRIV_NONROOT : HK_PRIVILEGED;
	case X86_OP_MOV_FROM_CR:
		/* CR3 stores exit; CR0 and CR4 are read from the read shadows */
		cr = (enum x86_register)in->ops[1].reg;
		return cr == X86R_CR3 ? HK_PRIVILEGED : HK_PRIV_NONROOT;
	case X86_OP_LMSW: case X86_OP_CLTS:
	case X86_OP_MOV_TO_DR: case X86_OP_MOV_FROM_DR:
	case X86_OP_INVD: case X86_OP_INVLPG:
	case X86_OP_RDMSR: case X86_OP_WRMSR:
		return HK_PRIVILEGED;
	case X86_OP_SYSEXIT:	/* VT-x has no SYSEXIT exiting */
		return HK_PRIV_NONROOT;
	case X86_OP_IN: case X86_OP_OUT: case X86_OP_INS: case X86_OP_OUTS:
		return vmm_port ? HK_IO_VMM : HK_IO_VMX;
	case X86_OP_SGDT: case X86_OP_SIDT: case X86_OP_SLDT:
	case X86_OP_SMSW: case X86_OP_STR:
		return HK_HOLE_REG;
	/*
	 * A deprivileging VMM truncates the guest's segments so that they
	 * stop below its own area at the top of the address space, in the
	 * shadow descriptors the CPU really uses: LSL reads that limit at
	 * any ring, ring 3 included (tests/guests/ring3desc.S against QEMU).
	 */
	case X86_OP_LSL:
		return HK_HOLE_LIMIT;
	case X86_OP_PUSHF: case X86_OP_POPF:
	case X86_OP_LAR: case X86_OP_VERR: case X86_OP_VERW:
	case X86_OP_PUSH_SREG: case X86_OP_POP_SREG:
	case X86_OP_MOV_TO_SREG: case X86_OP_MOV_FROM_SREG:
	case X86_OP_LOAD_FAR_PTR:
	case X86_OP_CALL_FAR: case X86_OP_JMP_FAR:
		return HK_HOLE_CPL;
	case X86_OP_SYSENTER:
		return HK_SYSENTER;
	case X86_OP_IRET: case X86_OP_RET_FAR:
		return HK_RPL_TRAP;
	case X86_OP_RDTSC:
		return HK_RDTSC;
	case X86_OP_INT: case X86_OP_INT3: case X86_OP_INTO:
		return HK_SOFT_INT;
	case X86_OP_CPUID:
		return HK_CPUID;
	case X86_OP_RDPMC:
		return HK_RDPMC;
	case X86_OP_RET:
		return HK_INDIRECT;
	case X86_OP_JMP: case X86_OP_CALL:
		return in->nops >= 1 && in->ops[0].kind == X86_OPND_IMM ?
		       HK_INNOCUOUS : HK_INDIRECT;
	default:
		return HK_INNOCUOUS;
	}
}

#define N WHY_NATIVE
#define T WHY_TRANSLATED
#define R WHY_NONROOT
#define H WHY_HOLE
#define P WHY_TRAP
#define C WHY_CALLOUT
#define X WHY_EXIT
#define F WHY_REFLECT
#define D WHY_DELIVER
#define L WHY_LOOKUP

/*
 * The table, guest rings 0 1 2 3 in each cell, by execution mode.
 *
 * te: the guest kernel runs at CPL 1, guest rings 1-2 at CPL 2, ring 3 at
 *     CPL 3.  Privileged instructions trap at ring 0; elsewhere they are
 *     the guest's own #GP, which the VMM reflects.  The holes run without
 *     trapping: SGDT and its group are wrong at every ring (they show the
 *     VMM's tables), and so is LSL (the VMM's truncated limits); the
 *     CPL-dependent ones only where CPL is not the guest's ring.  RDTSC
 *     traps everywhere (CR4.TSD keeps time virtual).
 *     IRET and far RET trap when they return to the kernel's RPL 0.
 *     SYSENTER enters the VMM, whose entry the real SYSENTER MSRs hold.
 *     RDPMC traps at every CPL, the real CR4.PCE being clear: at ring 0
 *     the VMM emulates it; elsewhere, with the guest's PCE clear too,
 *     real hardware would refuse it, so it is the guest's own #GP.
 * bt: translated code (guest rings 0-2, and ring 3 while IF=0 or IOPL=3):
 *     IDENT code in the translation cache, callouts for what the VMM must
 *     do, lookups for indirect transfers.  A privileged instruction
 *     outside ring 0 is still the guest's own #GP: the callout reaches
 *     the VMM, which refuses it as the CPU would and injects the #GP.
 * direct: bt's direct execution of guest ring 3 (IF=1, IOPL<3): as te's
 *     ring 3, holes included ("Red Pill": SGDT shows the VMM's GDT; LSL
 *     the truncated limit).
 * hw: the guest kernel runs at ring 0 in non-root mode: only what the
 *     2006 controls name exits; the rest, holes included, runs right.
 *     Privilege checks come before exits: a privileged instruction or
 *     port I/O outside the allowed rings is the guest's own #GP, which the
 *     CPU delivers through the guest's IDT with no exit; so is RDPMC at
 *     rings 1-3 with CR4.PCE clear, which exits at ring 0 (RDPMC exiting).
 */
static const uint8_t table[HK_COUNT][MODE_COUNT][4] = {
	/*                   te            bt            hw            direct */
	[HK_INNOCUOUS] =    { { N, N, N, N }, { T, T, T, T }, { N, N, N, N }, { N, N, N, N } },
	[HK_INDIRECT] =     { { N, N, N, N }, { L, L, L, L }, { N, N, N, N }, { N, N, N, N } },
	[HK_PRIVILEGED] =   { { P, F, F, F }, { C, F, F, F }, { X, R, R, R }, { F, F, F, F } },
	[HK_PRIV_NONROOT] = { { P, F, F, F }, { C, F, F, F }, { R, R, R, R }, { F, F, F, F } },
	[HK_HLT] =          { { P, F, F, F }, { C, F, F, F }, { X, R, R, R }, { F, F, F, F } },
	[HK_IO_VMM] =       { { P, F, F, F }, { C, F, F, F }, { X, R, R, R }, { F, F, F, F } },
	[HK_IO_VMX] =       { { P, F, F, F }, { C, F, F, F }, { X, R, R, R }, { F, F, F, F } },
	[HK_HOLE_REG] =     { { H, H, H, H }, { C, C, C, C }, { R, R, R, R }, { H, H, H, H } },
	[HK_HOLE_LIMIT] =   { { H, H, H, H }, { C, C, C, C }, { R, R, R, R }, { H, H, H, H } },
	[HK_HOLE_CPL] =     { { H, H, H, N }, { C, C, C, C }, { R, R, R, R }, { N, N, N, N } },
	[HK_RPL_TRAP] =     { { P, P, P, N }, { C, C, C, C }, { R, R, R, R }, { N, N, N, N } },
	[HK_RDTSC] =        { { P, P, P, P }, { C, C, C, C }, { R, R, R, R }, { P, P, P, P } },
	[HK_SOFT_INT] =     { { D, D, D, D }, { D, D, D, D }, { R, R, R, R }, { D, D, D, D } },
	[HK_CPUID] =        { { H, H, H, H }, { C, C, C, C }, { X, X, X, X }, { H, H, H, H } },
	[HK_SYSENTER] =     { { P, P, P, P }, { C, C, C, C }, { R, R, R, R }, { P, P, P, P } },
	[HK_RDPMC] =        { { P, F, F, F }, { C, F, F, F }, { X, R, R, R }, { F, F, F, F } },
};

#undef N
#undef T
#undef R
#undef H
#undef P
#undef C
#undef X
#undef F
#undef D
#undef L

enum insn_path handler_owner(enum handler_kind kind)
{
	switch (kind) {
	case HK_HLT: return PATH_VMKERNEL;
	case HK_IO_VMX: return PATH_VMX;
	default: return PATH_VMM;
	}
}

struct handler handler_decide(enum handler_kind kind, enum exec_mode mode,
			      int vring)
{
	struct handler h = { PATH_DIRECT, WHY_NATIVE };
	if ((unsigned)kind >= HK_COUNT || (unsigned)mode >= MODE_COUNT)
		return h;
	h.why = (enum handler_why)table[kind][mode][vring & 3];
	switch (h.why) {
	case WHY_TRAP: case WHY_CALLOUT: case WHY_EXIT:
		h.path = handler_owner(kind);
		break;
	case WHY_REFLECT: case WHY_DELIVER: case WHY_LOOKUP:
		h.path = PATH_VMM;
		break;
	default:
		h.path = PATH_DIRECT;
		break;
	}
	return h;
}

static const char *const why_names[WHY_COUNT] = {
	[WHY_NATIVE] = "native", [WHY_TRANSLATED] = "translated",
	[WHY_NONROOT] = "non-root", [WHY_HOLE] = "hole",
	[WHY_TRAP] = "trap", [WHY_CALLOUT] = "callout", [WHY_EXIT] = "exit",
	[WHY_REFLECT] = "reflect", [WHY_DELIVER] = "deliver",
	[WHY_LOOKUP] = "lookup",
};

const char *handler_why_name(enum handler_why why)
{
	return (unsigned)why < WHY_COUNT ? why_names[why] : "?";
}

static const char *const kind_names[HK_COUNT] = {
	[HK_INNOCUOUS] = "innocuous", [HK_INDIRECT] = "indirect",
	[HK_PRIVILEGED] = "privileged", [HK_PRIV_NONROOT] = "privileged",
	[HK_HLT] = "hlt", [HK_IO_VMM] = "io (vmm device)",
	[HK_IO_VMX] = "io (vmx device)", [HK_HOLE_REG] = "sensitive",
	[HK_HOLE_LIMIT] = "sensitive", [HK_HOLE_CPL] = "sensitive",
	[HK_RPL_TRAP] = "sensitive",
	[HK_RDTSC] = "time", [HK_SOFT_INT] = "int n", [HK_CPUID] = "cpuid",
	[HK_SYSENTER] = "sysenter", [HK_RDPMC] = "counters",
};

const char *handler_kind_name(enum handler_kind kind)
{
	return (unsigned)kind < HK_COUNT ? kind_names[kind] : "?";
}

static const char *const why_texts[WHY_COUNT] = {
	[WHY_NATIVE] = "The CPU ran it as it is, with the right answer; no VMM involved.",
	[WHY_TRANSLATED] = "It ran as translated code in the translation cache (copied IDENT, or a rewritten jump): no trap, no VMM entry.",
	[WHY_NONROOT] = "VT-x non-root mode: the guest runs at its own rings, so the CPU did it on the guest's own state with no VM exit (outside ring 0 a privileged instruction is the guest's own #GP, which the CPU delivers through the guest's IDT).",
	[WHY_HOLE] = "Sensitive but not privileged: no trap, so the CPU answered from the VMM's real state - the wrong answer for the guest (a hole).",
	[WHY_TRAP] = "It trapped (#GP at the guest kernel's real CPL 1) and the VMM emulated it on the virtual CPU.",
	[WHY_CALLOUT] = "The translator replaced it by a callout: the VMM emulated it on the virtual CPU, no trap.",
	[WHY_EXIT] = "A VM exit: the CPU switched to the VMM in root mode, which emulated it and resumed the guest with a VM entry.",
	[WHY_REFLECT] = "The guest's own fault (real hardware would fault too): the VMM delivered it through the guest's IDT.",
	[WHY_DELIVER] = "A software interrupt: the VMM delivered it through the guest's virtual IDT.",
	[WHY_LOOKUP] = "An indirect jump, call or return: the translator looked up (or made) the target's translation.",
};

const char *handler_why_text(enum handler_why why)
{
	return (unsigned)why < WHY_COUNT ? why_texts[why] : "?";
}

/* The course text's sentences (seed, lines 20-23), verbatim. */
#define RINGS_1_3 "\"Direct execution is used in ESX for all processing calls in the Protecttion Rings of 1 thru 3 of cpu.\""
#define RING_0 "\"In such case, VMM sends instruction to VMKernel and return results to the guest OS.\""

const char *handler_course_says(enum handler_kind kind, int vring)
{
	switch (kind) {
	case HK_PRIVILEGED: case HK_PRIV_NONROOT: case HK_HLT:
	case HK_IO_VMM: case HK_IO_VMX:
		if (vring == 0)
			return RING_0;
		return RINGS_1_3;
	case HK_INNOCUOUS: case HK_INDIRECT:
		if (vring == 0)
			return NULL;
		return RINGS_1_3;
	case HK_HOLE_REG: case HK_HOLE_LIMIT: case HK_HOLE_CPL:
	case HK_RPL_TRAP: case HK_RDTSC:
	case HK_CPUID: case HK_SOFT_INT: case HK_SYSENTER:
	case HK_RDPMC:
		return RINGS_1_3;
	default:
		return NULL;
	}
}
