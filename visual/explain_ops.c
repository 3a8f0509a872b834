/*
 * explain_ops.c - the words of each x86 operation the model knows: what it
 * does on a real CPU in ring 0, what the VMM did for it on the virtual CPU
 * (emulation, under trap-and-emulate, a callout or a VM exit), and, for
 * the sensitive but unprivileged ones, the wrong answer the guest gets when
 * it runs directly (Robin & Irvine, USENIX Security 2000).
 * Sources: Intel SDM vol. 2 (each instruction) and vol. 3A.
 */
#include "explain.h"
#include "explain_priv.h"

static const struct explain_op_words ops[X86_OP_COUNT] = {
	[X86_OP_OTHER] = { "An ordinary instruction: arithmetic, a move, a memory access.", NULL, NULL },
	[X86_OP_CLI] = { "CLI clears the interrupt flag (IF): no hardware interrupt may arrive until STI.",
		"it cleared the virtual IF, so the guest believes interrupts are off while the real IF stays as the VMM needs it", NULL,
		/* Adams & Agesen, ASPLOS 2006 (DESIGN.md; binary-translation.md) */
		"ESX's translator does less here: Adams & Agesen's example turns CLI into one write of the virtual IF inside the translation cache, with no call into the VMM at all. ringside's translator is simpler: it calls out for every privileged instruction, and pays a callout's cycles" },
	[X86_OP_STI] = { "STI sets the interrupt flag (IF): hardware interrupts may arrive again.",
		"it set the virtual IF: the guest believes interrupts are on again", NULL },
	[X86_OP_HLT] = { "HLT stops the CPU until the next interrupt.",
		"the virtual CPU stops: it waits for an interrupt, or with interrupts off it is halted for good", NULL },
	[X86_OP_LGDT] = { "LGDT loads the GDTR: where the Global Descriptor Table, the list of segments, lives.",
		"it recorded the guest's GDTR and copied (shadowed) its descriptors into the VMM's real GDT, turning DPL 0 into DPL 1", NULL },
	[X86_OP_LIDT] = { "LIDT loads the IDTR: where the Interrupt Descriptor Table, one gate per interrupt and exception, lives.",
		"it recorded the guest's IDTR; the real IDT stays the VMM's, and the VMM delivers interrupts to the guest's gates itself", NULL },
	[X86_OP_LLDT] = { "LLDT loads the LDTR: which Local Descriptor Table the current task uses.",
		"it recorded the virtual LDTR and shadowed that table's descriptors", NULL },
	[X86_OP_LTR] = { "LTR loads the task register: which TSS holds the stacks used to enter ring 0.",
		"it recorded the virtual TR; the VMM reads the guest's TSS for the kernel stack when it delivers an interrupt", NULL },
	[X86_OP_LMSW] = { "LMSW writes the low four bits of CR0 (the machine status word).",
		"it changed the virtual CR0; the real CR0 stays the VMM's", NULL },
	[X86_OP_CLTS] = { "CLTS clears CR0.TS, the flag an OS uses to save FPU registers lazily.",
		"it cleared TS in the virtual CR0", NULL },
	[X86_OP_MOV_TO_CR] = { "MOV to a control register changes how the CPU works (CR0: protection and paging; CR3: the page tables; CR4: extensions).",
		"it changed the virtual control register; the real one stays the VMM's", NULL },
	[X86_OP_MOV_FROM_CR] = { "MOV from a control register reads CR0, CR2, CR3 or CR4.",
		"it returned the virtual value, the one the guest itself last wrote", NULL },
	[X86_OP_MOV_TO_DR] = { "MOV to a debug register sets a hardware breakpoint.",
		"it changed the virtual debug register", NULL },
	[X86_OP_MOV_FROM_DR] = { "MOV from a debug register reads a hardware breakpoint setting.",
		"it returned the virtual debug register", NULL },
	[X86_OP_INVD] = { "INVD empties the caches without writing them back.",
		"nothing of the guest's to keep: the cache work is the real machine's business, and the guest resumes", NULL },
	[X86_OP_WBINVD] = { "WBINVD writes the caches back to memory and empties them.",
		"nothing of the guest's to keep: the cache work is the real machine's business, and the guest resumes", NULL },
	[X86_OP_INVLPG] = { "INVLPG drops one page from the TLB, the CPU's cache of address translations.",
		"it dropped the page from the VMM's own translations (the shadow page tables the VMM keeps)", NULL },
	[X86_OP_RDMSR] = { "RDMSR reads a model-specific register (its number is in ECX).",
		"it returned the virtual MSR", NULL },
	[X86_OP_WRMSR] = { "WRMSR writes a model-specific register (its number is in ECX).",
		"it wrote the virtual MSR", NULL },
	[X86_OP_SYSEXIT] = { "SYSEXIT returns from a fast system call to ring 3.", NULL, NULL },
	[X86_OP_IN] = { "IN reads a value from an I/O port: it asks a device.", NULL, NULL },
	[X86_OP_OUT] = { "OUT writes a value to an I/O port: it tells a device.", NULL, NULL },
	[X86_OP_INS] = { "INS reads a device's port into memory (with REP, a whole buffer).", NULL, NULL },
	[X86_OP_OUTS] = { "OUTS writes memory to a device's port (with REP, a whole buffer).", NULL, NULL },
	[X86_OP_SGDT] = { "SGDT stores the GDTR (where the GDT lives) into memory.", NULL,
		"the guest read the VMM's real GDTR, not the table it loaded itself" },
	[X86_OP_SIDT] = { "SIDT stores the IDTR (where the IDT lives) into memory.", NULL,
		"the guest read the VMM's real IDTR, not the table it loaded itself" },
	[X86_OP_SLDT] = { "SLDT stores the LDTR selector.", NULL,
		"the guest read the VMM's LDTR, not its own" },
	[X86_OP_SMSW] = { "SMSW stores the machine status word (the low bits of CR0).", NULL,
		"the guest read the real CR0 bits, not its virtual CR0" },
	[X86_OP_STR] = { "STR stores the task register's selector.", NULL,
		"the guest read the VMM's TR, not its own" },
	[X86_OP_PUSHF] = { "PUSHF pushes EFLAGS, including IF and IOPL, onto the stack.", NULL,
		"the guest saw the real IF and IOPL, not its virtual ones" },
	[X86_OP_POPF] = { "POPF pops EFLAGS from the stack; in ring 0 that may change IF and IOPL.", NULL,
		"at CPL 1 the CPU silently ignored the change to IF and IOPL: the guest's interrupts are not switched as it believes" },
	[X86_OP_LAR] = { "LAR reads a segment's access rights, as allowed from the current privilege level.", NULL,
		"the answer was computed for the real CPL, not the ring the guest believes it is in" },
	[X86_OP_LSL] = { "LSL reads a segment's limit, as allowed from the current privilege level.", NULL,
		"the CPU read the VMM's shadow descriptor, whose limit stops below the VMM's own area at the top of the address space (segment truncation), not the guest's: wrong at any deprivileged ring, ring 3 included" },
	[X86_OP_VERR] = { "VERR asks whether a segment is readable from the current privilege level.", NULL,
		"the answer was computed for the real CPL, not the ring the guest believes it is in" },
	[X86_OP_VERW] = { "VERW asks whether a segment is writable from the current privilege level.", NULL,
		"the answer was computed for the real CPL, not the ring the guest believes it is in" },
	[X86_OP_PUSH_SREG] = { "PUSH of a segment register saves a selector; its low two bits are a privilege level.", NULL,
		"the selector shows the real privilege level in its low bits, not the guest's ring" },
	[X86_OP_POP_SREG] = { "POP into a segment register loads a selector, checked against the current privilege level.", NULL,
		"the selector was checked against the real CPL" },
	[X86_OP_MOV_TO_SREG] = { "MOV to a segment register loads a selector, checked against the current privilege level.", NULL,
		"the selector was checked against the real CPL" },
	[X86_OP_MOV_FROM_SREG] = { "MOV from a segment register reads a selector; CS's low two bits are the current privilege level.", NULL,
		"reading CS shows the real CPL in its low bits, not the ring the guest believes it is in" },
	[X86_OP_LOAD_FAR_PTR] = { "LDS/LES/LFS/LGS/LSS load a segment register and a pointer together.", NULL,
		"the selector was checked against the real CPL" },
	[X86_OP_CALL_FAR] = { "A far CALL loads a new CS, which holds the privilege level, and may go through a call gate.", NULL,
		"the privilege checks used the real CPL" },
	[X86_OP_JMP_FAR] = { "A far JMP loads a new CS, which holds the privilege level.", NULL,
		"the privilege checks used the real CPL" },
	[X86_OP_RET_FAR] = { "A far RET pops EIP and CS; returning to an outer ring also pops the stack.", NULL,
		"the privilege checks used the real CPL" },
	[X86_OP_INT] = { "INT n raises software interrupt n: the CPU looks up gate n in the IDT and jumps to its handler; this is how a program makes a system call.", NULL, NULL },
	[X86_OP_INT3] = { "INT3 is the one-byte breakpoint interrupt (vector 3) debuggers plant in code.", NULL, NULL },
	[X86_OP_INTO] = { "INTO raises the overflow interrupt (vector 4) if the overflow flag is set.", NULL, NULL },
	[X86_OP_IRET] = { "IRET returns from an interrupt handler: it pops EIP, CS and EFLAGS, and the stack too when it returns to an outer ring.", NULL,
		"at CPL 1 IRET never restores the real IF, and the VMM did not see it: the virtual IF and IOPL keep their old values" },
	[X86_OP_RDTSC] = { "RDTSC reads the time-stamp counter, the CPU's cycle count.", NULL,
		"the guest read real time instead of its virtual time" },
	[X86_OP_RDPMC] = { "RDPMC reads a performance-monitoring counter (ECX picks it); outside ring 0 only if CR4.PCE allows it.",
		"the virtual CPU has no performance counters, so the VMM gave the guest #UD, as QEMU does", NULL },
	[X86_OP_SYSENTER] = { "SYSENTER is the fast system-call entry into ring 0.", NULL, NULL },
	[X86_OP_JMP] = { "JMP jumps: ordinary control flow inside the guest.", NULL, NULL },
	[X86_OP_JCC] = { "A conditional jump: ordinary control flow inside the guest.", NULL, NULL },
	[X86_OP_CALL] = { "CALL calls a function: ordinary control flow inside the guest.", NULL, NULL },
	[X86_OP_RET] = { "RET returns from a function: ordinary control flow inside the guest.", NULL, NULL },
	[X86_OP_LOOP] = { "LOOP counts ECX down and jumps back: ordinary control flow.", NULL, NULL },
	[X86_OP_CPUID] = { "CPUID asks the processor what it is and what it can do.", NULL,
		"it does not trap, so the guest read the real processor's identity and features, which the VMM can neither hide nor change" },
	[X86_OP_UD] = { "UD2 is invalid on purpose: it always raises #UD (invalid opcode).", NULL, NULL },
	[X86_OP_ABSENT] = { "This instruction belongs to a later processor: CPUID does not announce it, so it raises #UD (invalid opcode) as on QEMU's qemu32.", NULL, NULL },
	[X86_OP_DELIVERY] = { "No instruction: the VMM delivered an exception or interrupt through the guest's IDT, reading its gate and pushing its frame as the CPU would.", NULL, NULL },
};

const struct explain_op_words *explain_op_words(unsigned op)
{
	return op < X86_OP_COUNT && ops[op].what ? &ops[op] : &ops[X86_OP_OTHER];
}

const char *explain_op(enum x86_op op)
{
	if ((unsigned)op >= X86_OP_COUNT || ops[op].what == NULL)
		return ops[X86_OP_OTHER].what;
	return ops[op].what;
}
