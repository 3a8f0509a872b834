/*
 * classify.h - who handles an instruction, and why.
 *
 * Popek and Goldberg (1974) split a machine's instructions into
 * *privileged* ones (they trap when run outside the most privileged mode)
 * and *sensitive* ones (they read or change the machine's control state).
 * A machine can be virtualized by trap-and-emulate only if every sensitive
 * instruction is privileged.  On x86 eighteen are not (Robin and Irvine,
 * USENIX Security 2000): they run at any ring without trapping and quietly
 * give a deprivileged guest kernel the wrong answer.
 *
 * ringside gives every executed instruction one class and one handler path:
 *
 *   class       examples                   path when handled normally
 *   innocuous   mov add jmp call           guest > hardware (direct execution)
 *   privileged  cli lgdt mov cr0 hlt       guest > vmm > vmkernel > vmm > guest
 *   io          in out ins outs            guest > vmm > vmx > vmm > guest
 *   sensitive   pushf sgdt mov r,cs int n  guest > hardware (no trap: the hole)
 *
 * A fault the guest itself would take on real hardware (CLI at ring 3, a bad
 * selector) is reflected by the VMM into the guest's own IDT:
 * guest > vmm > guest.
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
 * Handler paths: the components an instruction visits, in order.  The
 * names are the trace's ("guest", "vmm", "vmkernel", "vmx", "hardware").
 */
enum insn_path {
	PATH_DIRECT = 0,	/* guest > hardware */
	PATH_PRIVILEGED,	/* guest > vmm > vmkernel > vmm > guest */
	PATH_IO,		/* guest > vmm > vmx > vmm > guest */
	PATH_REFLECT,		/* guest > vmm > guest */
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

/* The path an instruction of this class takes when nothing goes wrong. */
enum insn_path classify_default_path(enum insn_class cls);

/* "innocuous", "privileged", "io", "sensitive". */
const char *class_name(enum insn_class cls);

/* Hops of a path; returns how many were written to hops[PATH_MAX_HOPS]. */
int path_hops(enum insn_path path, enum path_hop hops[PATH_MAX_HOPS]);

/* "guest", "hardware", "vmm", "vmkernel", "vmx". */
const char *hop_name(enum path_hop hop);

/* The path written as the TUI and headless text show it: "guest>vmm>guest". */
const char *path_text(enum insn_path path);

#endif
