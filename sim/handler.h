/*
 * handler.h - who really handles each instruction, and why: ringside's one
 * model of it.
 *
 * The course text's model is "direct execution for rings 1-3; ring-0 work
 * is sent by the VMM to the VMKernel, which returns the results".  What ESX
 * does [Adams & Agesen, ASPLOS 2006; Bugnion et al., TOCS 2012]:
 *
 *   - the VMM (one per VM) emulates privileged and sensitive instructions
 *     on the virtual CPU itself: after a trap (te), inline or by a callout
 *     from the translation cache (bt), after a VM exit (hw);
 *   - the VMKernel appears only where it acts: a guest HLT makes the VMM
 *     block the vCPU's world, which the VMKernel deschedules until an
 *     interrupt (host interrupts, the storage stack and running the VMX
 *     world are its other jobs);
 *   - the VMX answers the ports of the non-critical devices (serial,
 *     parallel, CD-ROM); the VMM emulates the PIC and the PIT itself;
 *   - under binary translation only guest ring 3 (with IF=1, IOPL<3) runs
 *     directly; guest rings 0-2 run as translated code.
 *
 * An instruction's handling has two parts, kept apart so each word means
 * one thing:
 *
 *   path   WHO acted: guest>hardware, guest>vmm>guest,
 *          guest>vmm>vmkernel>vmm>guest, guest>vmm>vmx>vmm>guest
 *   why    HOW it got there: it ran natively, in the translation cache, in
 *          VT-x non-root mode, through a hole (wrong answer), or the VMM
 *          got control by a trap, a callout or a VM exit; or the VMM
 *          reflected the guest's own fault, delivered an INT n, or looked
 *          up an indirect jump's target in the translation cache.
 *
 * handler_decide() is the table (kind x execution mode x guest ring) the
 * VMM, the explanations, the quiz and the docs read.  It assumes IOPL 0
 * and CR4.PCE 0, as ordinary kernels set them.  The runtime may still end elsewhere when
 * the instruction itself faults (a bad CR0 value is the guest's own #GP)
 * or when its operands decide (an IRET to ring 3 does not trap at CPL 1:
 * it runs, a hole; under VT-x a MOV to CR0/CR4, CLTS or LMSW that changes
 * only the guest's bits of the CR guest/host masks does not exit).
 */
#ifndef SIM_HANDLER_H
#define SIM_HANDLER_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/disasm.h"
#include "event.h"

/*
 * What an instruction is to a VMM: finer than its class (classify.h),
 * because HLT, the two kinds of port and the two kinds of hole are
 * handled differently.
 */
enum handler_kind {
	HK_INNOCUOUS = 0,	/* mov add jmp rel: nothing to virtualize */
	HK_INDIRECT,		/* ret, jmp/call through a register or memory */
	HK_PRIVILEGED,		/* #GP outside ring 0; exits under VT-x */
	HK_PRIV_NONROOT,	/* privileged, but VT-x (2006) lets it run:
				   cli sti lgdt lidt lldt ltr wbinvd, mov from
				   cr0/cr4 (read shadows), mov cr2 */
	HK_HLT,			/* privileged; the vCPU's world blocks */
	HK_IO_VMM,		/* port I/O to the PIC or PIT (the VMM's) */
	HK_IO_VMX,		/* port I/O to the VMX's devices */
	HK_HOLE_REG,		/* sgdt sidt sldt smsw str: the real tables'
				   registers, wrong at any deprivileged ring
				   ("Red Pill") */
	HK_HOLE_LIMIT,		/* lsl: the limit of the VMM's shadow
				   descriptor, truncated below the VMM's area
				   (segment truncation): wrong at any
				   deprivileged ring, ring 3 included */
	HK_HOLE_CPL,		/* pushf popf lar verr verw, sreg moves,
				   far call/jmp: wrong only where the guest's
				   ring is not the real CPL */
	HK_RPL_TRAP,		/* iret, far ret: fault at CPL 1 on the guest
				   kernel's RPL-0 selectors (ring aliasing) */
	HK_RDTSC,		/* time: CR4.TSD makes it trap; TSC offsetting
				   under VT-x */
	HK_SOFT_INT,		/* int n, int3, into */
	HK_CPUID,		/* unprivileged; VMMs virtualize its answer */
	HK_SYSENTER,		/* fast system call: the real MSRs are the
				   VMM's under te, the guest's under VT-x */
	HK_RDPMC,		/* performance counters: the real CR4.PCE is
				   kept clear (te, bt), RDPMC exiting (VT-x) */
	HK_COUNT
};

/* How the instruction reached its handler (the trace's "why"). */
enum handler_why {
	WHY_NATIVE = 0,	/* the CPU ran it as is, with the right answer */
	WHY_TRANSLATED,	/* bt: ran in the translation cache, no VMM entry */
	WHY_NONROOT,	/* hw: VT-x non-root mode ran it, no VM exit */
	WHY_HOLE,	/* sensitive, no trap: the CPU answered from the
			   VMM's real state, a wrong answer */
	WHY_TRAP,	/* te: it trapped; the VMM emulated it */
	WHY_CALLOUT,	/* bt: the translation called the VMM, which
			   emulated it */
	WHY_EXIT,	/* hw: a VM exit; the VMM emulated it; VM entry */
	WHY_REFLECT,	/* the guest's own fault: the VMM delivered it
			   through the guest's IDT */
	WHY_DELIVER,	/* INT n: the VMM delivered it through the IDT */
	WHY_LOOKUP,	/* bt: an indirect transfer; the translator found
			   the target's translation */
	WHY_COUNT
};

struct handler {
	enum insn_path path;
	enum handler_why why;
};

/*
 * The kind of instruction `in`; vmm_port says whether its port (for I/O)
 * is one the VMM emulates itself (the PIC, the PIT).
 */
enum handler_kind handler_kind_of(const struct x86_instruction *in,
				  bool vmm_port);

/*
 * The model: how an instruction of `kind` is handled when the vCPU runs in
 * execution mode `mode` (MODE_TE, MODE_BT for translated code, MODE_HW,
 * MODE_DIRECT for bt's direct execution of ring 3) and the guest is in
 * ring `vring` (0-3).
 */
struct handler handler_decide(enum handler_kind kind, enum exec_mode mode,
			      int vring);

/*
 * Who acts once the VMM has control of an instruction of `kind`: the VMM
 * alone, the VMKernel too (HLT), or the VMX (its devices' ports).
 */
enum insn_path handler_owner(enum handler_kind kind);

/* "native", "translated", ... (the trace's spelling). */
const char *handler_why_name(enum handler_why why);
/* "innocuous", "indirect", ... */
const char *handler_kind_name(enum handler_kind kind);

/* One sentence: what `why` means, for explanations and docs. */
const char *handler_why_text(enum handler_why why);

/*
 * Where the course text simplifies: its sentence about instructions of
 * `kind` in guest ring `vring` (marked as the course's by the caller), or
 * NULL where it says nothing wrong.
 */
const char *handler_course_says(enum handler_kind kind, int vring);

#endif
