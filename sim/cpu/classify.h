/*
 * classify.h - the class of an instruction, and the handler paths.
 *
 * Popek and Goldberg (1974) split a machine's instructions into
 * *privileged* ones (they trap when run outside the most privileged mode)
 * and *sensitive* ones (they read or change the machine's control state).
 * A machine can be virtualized by trap-and-emulate only if every sensitive
 * instruction is privileged.  On x86 seventeen (eighteen mnemonics) are
 * not (Robin and Irvine, USENIX Security 2000): they run at any ring
 * without trapping and quietly give a deprivileged guest kernel the wrong
 * answer.
 *
 * ringside gives every executed instruction one class (here) and one
 * handling: who acted (the path, below) and how it got there (its "why").
 * Which path and why an instruction of each kind takes in each mode and
 * ring is the model in handler.h.
 */
#ifndef SIM_CLASSIFY_H
#define SIM_CLASSIFY_H

#include "cpu/disasm.h"

enum insn_class {
	CLASS_INNOCUOUS = 0,
	CLASS_PRIVILEGED,
	CLASS_IO,
	CLASS_SENSITIVE,
	CLASS_COUNT
};

/*
 * Handler paths: WHO acted on an instruction, the components it visits in
 * order.  The names are the trace's ("guest", "vmm", "vmkernel", "vmx",
 * "hardware").  How it got there (trap, callout, exit, hole...) is not a
 * path but its reason (enum handler_why, handler.h).
 */
enum insn_path {
	PATH_DIRECT = 0,	/* guest > hardware: the CPU ran it */
	PATH_VMM,		/* guest > vmm > guest: the VMM alone handled it
				   (emulation, its own PIC/PIT, a reflected
				   fault, an INT n, a translation lookup) */
	PATH_VMKERNEL,		/* guest > vmm > vmkernel > vmm > guest: the
				   VMKernel acted too (HLT blocks the world) */
	PATH_VMX,		/* guest > vmm > vmx > vmm > guest: a port of
				   the VMX's devices (serial, parallel, CD) */
	PATH_COUNT
};

enum path_hop {
	HOP_GUEST = 0,
	HOP_HARDWARE,
	HOP_VMM,
	HOP_VMKERNEL,
	HOP_VMX,
	HOP_COUNT
};

#define PATH_MAX_HOPS 5

/* The static class of an operation. */
enum insn_class classify_op(enum x86_op op);

/* "innocuous", "privileged", "io", "sensitive". */
const char *class_name(enum insn_class cls);

/* Hops of a path; returns how many were written to hops[PATH_MAX_HOPS]. */
int path_hops(enum insn_path path, enum path_hop hops[PATH_MAX_HOPS]);

/* "guest", "hardware", "vmm", "vmkernel", "vmx". */
const char *hop_name(enum path_hop hop);

/* The path written as the TUI and headless text show it: "guest>vmm>guest". */
const char *path_text(enum insn_path path);

#endif
