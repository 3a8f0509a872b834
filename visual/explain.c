/*
 * explain.c - instructions explained for students (see explain.h).
 *
 * A paragraph is built from three parts:
 *   1. what the operation does on a real CPU (ops[].what);
 *   2. who handled it here and why: one story per way in (the model's
 *      "why", sim/handler.h), told with the guest's ring and the real CPL
 *      (ring deprivileging: under te and bt the guest kernel believes it is
 *      in ring 0 and really runs at CPL 1);
 *   3. what changed: the VMM's emulation on the virtual CPU (ops[].virt),
 *      the wrong answer of a sensitive instruction that did not trap
 *      (ops[].hole), or the device that answered a port access.
 * The stories differ by execution mode: trap-and-emulate (a fault brings
 * the VMM in), binary translation (the VMM rewrote the instruction into a
 * *callout*, or copied it unchanged), hardware assist (the CPU itself
 * *exits* to the VMM).
 * Where the course text simplifies, its sentence follows, marked as the
 * course's, then what ESX really does.
 * Sources for the facts: Intel SDM vol. 3A; Robin & Irvine (USENIX
 * Security 2000) for the holes; Adams & Agesen (ASPLOS 2006) and Bugnion
 * et al. (TOCS 2012) for how VMware's VMM deprivileged its guests.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "explain.h"
#include "handler.h"
#include "trace.h"
#include "vmm/vmm.h"
#include "vmm/vmm_devices.h"
#include "vmx/vmx.h"

/* A bounded string builder: appends never overflow, always terminate. */
struct out {
	char *p;
	size_t size, len;
};

static void say(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->size == 0 || o->len + 1 >= o->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n < o->size - o->len ? (size_t)n
						       : o->size - o->len - 1;
}

struct op_words {
	const char *what;	/* on a real CPU, in ring 0 */
	const char *virt;	/* what the VMM did on the virtual CPU */
	const char *hole;	/* the wrong answer when it runs directly */
};

static const struct op_words ops[X86_OP_COUNT] = {
	[X86_OP_OTHER] = { "An ordinary instruction: arithmetic, a move, a memory access.", NULL, NULL },
	[X86_OP_CLI] = { "CLI clears the interrupt flag (IF): no hardware interrupt may arrive until STI.",
		"it cleared the virtual IF, so the guest believes interrupts are off while the real IF stays as the VMM needs it", NULL },
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
		"the answer was computed for the real CPL, not the ring the guest believes it is in" },
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
};

/* The words of an operation (the ordinary-instruction ones if unknown). */
static const struct op_words *words(unsigned op)
{
	return op < X86_OP_COUNT && ops[op].what ? &ops[op] : &ops[X86_OP_OTHER];
}

const char *explain_op(enum x86_op op)
{
	if ((unsigned)op >= X86_OP_COUNT || ops[op].what == NULL)
		return ops[X86_OP_OTHER].what;
	return ops[op].what;
}

static const char *const ring_names[4] = {
	"ring 0 (kernel)", "ring 1", "ring 2", "ring 3 (user programs)"
};

/* "The guest believes it is in ring 0 (kernel); the real CPU is at CPL 1." */
static void rings(struct out *o, int vring, int cpl)
{
	say(o, " The guest believes it is in %s; the real CPU is at CPL %d",
	    ring_names[vring & 3], cpl);
	if (vring == 0)
		say(o, " (ring deprivileging: real ring 0 is kept for the VMM and VMKernel).");
	else if (vring == cpl)
		say(o, ", so here guest and CPU agree.");
	else
		say(o, " (guest rings 1 and 2 share CPL 2).");
	if (vring == 1 || vring == 2)
		say(o, " The course text names ring 1 \"System services\" and ring 2 \"Device drivers\": that is an operating-system convention, not x86's; x86 defines only four privilege levels, and Windows and Linux use rings 0 and 3 alone.");
}

/* Under hw: the guest kernel is at ring 0, in VT-x non-root mode. */
static void nonroot_rings(struct out *o, int vring, int cpl)
{
	say(o, " The guest is in ring %d of VT-x non-root mode: its own ring, with root mode kept for the VMM.", vring);
	if (vring != cpl)
		say(o, " (Unicorn has no VT-x, so ringside's CPU runs it at CPL %d underneath; the VT-x model decides what exits.)", cpl);
}

/* The course text's sentence about this, marked as such, then the truth. */
static void course(struct out *o, const struct step_record *r)
{
	struct x86_instruction x = { .op = r->op };
	bool vmm_port = r->insn.u.insn.path == PATH_VMM &&
			r->insn.u.insn.cls == CLASS_IO;
	const char *says = handler_course_says(handler_kind_of(&x, vmm_port),
					       r->insn.u.insn.vring);

	if (says == NULL)
		return;
	say(o, " [The course text says: %s] What ESX really does: %s (%s)",
	    says, handler_why_text((enum handler_why)r->insn.u.insn.why),
	    path_text((enum insn_path)r->insn.u.insn.path));
}

/*
 * A write to CR0 or CR4 (MOV, CLTS, LMSW) under VT-x exits only when it
 * changes a bit the VMM owns in the guest/host mask (SDM vol. 3C
 * 25.1.3): say which of the two it was.
 */
static void cr_mask_words(struct out *o, const struct step_record *r,
			  bool exited)
{
	int cr = (r->insn.u.insn.bytes[2] >> 3) & 7;	/* 0f 22 /r */

	if (r->op != X86_OP_CLTS && r->op != X86_OP_LMSW &&
	    !(r->op == X86_OP_MOV_TO_CR && (cr == 0 || cr == 4)))
		return;
	if (exited)
		say(o, " It changed a bit the VMM owns (set in the VMCS's CR0/CR4 guest/host mask: PE NE WP NW CD PG, PSE PAE PGE VMXE), so the CPU left the guest; the VMM updated the read shadow the guest reads that bit from.");
	else
		say(o, " It changed only bits the guest owns (clear in the VMCS's CR0/CR4 guest/host mask: TS MP EM..., TSD...), so there was no exit: the CPU wrote them itself.");
}

static void direct(struct out *o, const struct step_record *r,
		   enum insn_class cls)
{
	const struct op_words *w = words(r->op);
	int vring = r->insn.u.insn.vring, cpl = r->insn.u.insn.cpl;

	if (r->insn.u.insn.why == WHY_NONROOT) {
		if (cls == CLASS_INNOCUOUS)
			say(o, " It ran on the hardware, in non-root mode: no VM exit.");
		else
			say(o, " The VMM's 2006 VT-x controls do not make this exit: the CPU itself ran it in non-root mode, on the guest's own state, and gave the right answer (or delivered the guest's own fault through the guest's IDT).");
		cr_mask_words(o, r, false);
		nonroot_rings(o, vring, cpl);
		return;
	}
	if (cls != CLASS_SENSITIVE) {
		say(o, " It only touches the guest's own registers and memory, so it ran directly on the hardware at full speed: no VMM, no trap.");
		if (vring == 0)
			say(o, " That the guest kernel's ordinary instructions run directly is trap-and-emulate, the classic textbook VMM; ESX never ran guest kernel code directly: it translated it (bt), or used VT-x (hw).");
		rings(o, vring, cpl);
		return;
	}
	say(o, " It is sensitive (it reads or changes state the VMM virtualizes) but not privileged: it does not trap, so it ran directly on the hardware.");
	if (vring == cpl) {
		say(o, " In ring %d the guest and the CPU agree on the privilege level, so for this code the answer is right.",
		    vring);
		return;
	}
	if (w->hole)
		say(o, " The result is wrong: %s.", w->hole);
	say(o, " This is one of the x86 'holes' (Robin & Irvine, 2000) that make trap-and-emulate impossible on x86 (Popek & Goldberg, 1974); binary translation closes them.");
	rings(o, vring, cpl);
}

static void privileged(struct out *o, const struct step_record *r)
{
	const struct op_words *w = words(r->op);
	char detail[160];

	say(o, " It is privileged: only ring 0 may run it. The guest kernel believes it is in ring 0 but really runs at CPL %d, so the CPU refused it with a general-protection fault (#GP).",
	    r->insn.u.insn.cpl);
	say(o, " The VMM caught the fault and emulated the instruction on the virtual CPU");
	if (w->virt)
		say(o, ": %s.", w->virt);
	else
		say(o, ".");
	if (r->insn.u.insn.path == PATH_VMKERNEL)
		say(o, " The vCPU now has nothing to do, so the VMM blocked its world: the VMKernel deschedules it and runs other worlds until an interrupt for this VM arrives.");
	say(o, " Then the VMM resumed the guest after it, fooling the guest into believing its call was serviced by a real ring 0.");
	if (r->has_trap) {
		trace_trap_detail(&r->trap, detail, sizeof detail);
		if (detail[0])
			say(o, " Here: %s.", detail);
	}
}

static const char *device_words(enum vmx_device d)
{
	switch (d) {
	case DEV_SERIAL:
		return "the emulated 16550 serial port (COM1): what the guest writes to 0x3f8 appears on the console";
	case DEV_DEBUG_EXIT:
		return "the debug-exit port: writing it powers the VM off, as on QEMU";
	case DEV_POST:
		return "the POST-code port, which PC code uses for tiny delays";
	case DEV_PARALLEL:
		return "the emulated parallel port (LPT1): bytes strobed to 0x378 go to the printer";
	case DEV_CDROM:
		return "the emulated ATAPI CD-ROM drive on the secondary IDE channel, which reads sectors from the VM's ISO image";
	case DEV_PIC:
		return "the emulated 8259A interrupt controller, which the VMM itself keeps: it decides which device interrupt the guest gets next";
	case DEV_PIT:
		return "the emulated 8254 timer, which the VMM itself keeps: its ticks become the guest's timer interrupts";
	case DEV_DISK:
		return "the emulated ATA disk controller on the primary IDE channel, which the VMM itself keeps: when a sector must move, the VMKernel's storage stack reads or writes the VM's disk file on its datastore (the disk events in the log)";
	default:
		return "no device at all: reads give all ones";
	}
}

static void io(struct out *o, const struct step_record *r)
{
	say(o, " Devices are not the guest's to touch: the VMM intercepted the access and passed it to the VMX, the VM's user world that emulates serial and parallel ports and the CD-ROM.");
	if (r->has_io) {
		const struct event *e = &r->io;

		say(o, " Port 0x%04x %s 0x%x: %s.", e->u.io.port,
		    e->u.io.dir == IO_OUT ? "was sent" : "answered", e->u.io.value,
		    device_words((enum vmx_device)e->u.io.device));
	}
}

/* guest > vmm > guest: which of the VMM's stories it was. */
static void reflect(struct out *o, const struct step_record *r,
		    enum insn_class cls)
{
	int action = r->has_trap ? r->trap.u.trap.action : -1;
	const char *vec = r->has_trap ? x86_vector_name(r->trap.u.trap.vector)
				      : NULL;

	if (cls == CLASS_IO && r->has_io && action != TRAP_REFLECTED) {
		/* a device the VMM emulates itself: no trip to the VMX */
		say(o, r->io.u.io.device == DEV_DISK ?
		    " The VMM intercepted the access and answered it itself: a disk driver touches the controller's registers hundreds of times per sector, so the VMM keeps them for speed instead of sending each access to the VMX. Port 0x%04x %s 0x%x: %s." :
		    " The VMM intercepted the access and answered it itself: the interrupt controller and the timer are touched on every timer tick, so the VMM keeps them for speed instead of sending each access to the VMX. Port 0x%04x %s 0x%x: %s.",
		    r->io.u.io.port,
		    r->io.u.io.dir == IO_OUT ? "was sent" : "answered",
		    r->io.u.io.value,
		    device_words((enum vmx_device)r->io.u.io.device));
		rings(o, r->insn.u.insn.vring, r->insn.u.insn.cpl);
		return;
	}
	switch (action) {
	case TRAP_SOFT_INT:
		say(o, " The CPU would look up the gate in the IDT, but the real IDT is the VMM's: the VMM caught the interrupt and did what the CPU would have done, reading gate 0x%02x of the guest's own IDT, switching to the kernel stack from the guest's TSS if the ring changes, pushing the return frame and jumping to the guest's handler. No VMKernel work: the guest handles it.",
		    r->trap.u.trap.vector);
		break;
	case TRAP_VMM_EMULATED:
		if (r->op == X86_OP_RDTSC)
			say(o, " RDTSC was made to trap (CR4.TSD), and the VMM answered with the guest's virtual time.");
		else if (r->op == X86_OP_MOV_TO_SREG || r->op == X86_OP_POP_SREG ||
			 r->op == X86_OP_LOAD_FAR_PTR)
			say(o, " The guest loaded SS with a ring-0 selector; at CPL 1 the CPU demands the stack's RPL match the CPL, so it faulted. The VMM loaded the ring-1 version instead (ring aliasing: the guest's ring is not the real one) and resumed the guest.");
		else
			say(o, " The return frame names ring 0 (the VMM always shows the guest its virtual CS), which the real CPU at CPL 1 refuses as a return to a more privileged ring. The VMM performed the return itself, into the guest kernel's code at CPL 1.");
		break;
	case TRAP_REFLECTED:
		say(o, " It raised %s, and the guest would take this fault on real hardware too", vec ? vec : "an exception");
		if (cls == CLASS_PRIVILEGED)
			say(o, " (only ring 0 may run it, and the guest is in ring %d)",
			    r->insn.u.insn.vring);
		else if (cls == CLASS_IO)
			say(o, " (the guest's IOPL forbids port access from ring %d)",
			    r->insn.u.insn.vring);
		say(o, ". The VMM caught it and reflected it: it delivered %s through the guest's own IDT to the guest kernel's handler, exactly as the CPU would have. The guest handles its own fault.",
		    vec ? vec : "the exception");
		break;
	case TRAP_HALTED:
		say(o, " The VMM stopped the virtual CPU.");
		break;
	case TRAP_TRIPLE_FAULT:
		say(o, " Delivering the fault failed three times: a real PC would reset; the VM is powered off.");
		break;
	default:
		say(o, " The VMM took over, did the work, and resumed the guest.");
		break;
	}
	rings(o, r->insn.u.insn.vring, r->insn.u.insn.cpl);
}

/* Who takes over after the VMM, by path, in a few words. */
static const char *after_vmm(const struct step_record *r)
{
	switch (r->insn.u.insn.path) {
	case PATH_VMKERNEL:
		return "emulated it on the virtual CPU, then blocked the vCPU's world, which the VMKernel deschedules until an interrupt";
	case PATH_VMX:
		return "passed the port access to the VMX, the VM's user world that emulates its devices";
	default:
		if (r->has_io)
			return r->io.u.io.device == DEV_DISK ?
			       "answered the port access itself (the disk controller is the VMM's own; the sectors come from the VMKernel)" :
			       "answered the port access itself (the PIC and the PIT are the VMM's own devices)";
		return "emulated it itself, on the virtual CPU";
	}
}

/*
 * Binary translation: guest kernel code never runs as it is.  The VMM
 * translated it into its translation cache (TC); this instruction was
 * either copied (IDENT) or rewritten (non-IDENT).
 */
static void translated(struct out *o, const struct step_record *r)
{
	const struct op_words *w = words(r->op);
	char detail[160];

	say(o, " Under binary translation the VMM never runs guest kernel code as it is: it first translated this code into its translation cache.");
	if (!r->has_trap) {
		if (r->insn.u.insn.xlat == 2)
			say(o, " This instruction was rewritten (non-IDENT) so that control stays inside the translation cache, and it ran on the hardware with no VMM involved.");
		else
			say(o, " This instruction is innocuous, so it was copied unchanged (IDENT) and ran directly on the hardware, at full speed.");
		return;
	}
	say(o, " This one was rewritten into a callout: a plain call into the VMM, no fault, far cheaper than a trap. The VMM %s",
	    after_vmm(r));
	if (r->insn.u.insn.cls == CLASS_PRIVILEGED && w->virt)
		say(o, ": %s.", w->virt);
	else if (r->insn.u.insn.cls == CLASS_SENSITIVE)
		say(o, ", from the virtual state: the x86 hole of trap-and-emulate is closed, and the guest gets the right answer.");
	else if (r->insn.u.insn.why == WHY_LOOKUP)
		say(o, ": its target is known only when it runs, so the VMM found (or made) the translation of that address and continued there.");
	else
		say(o, ".");
	if (r->has_io)
		say(o, " Port 0x%04x: the %s.", r->io.u.io.port,
		    r->io.u.io.dir == IO_OUT ? "guest wrote it" : "guest read it");
	trace_trap_detail(&r->trap, detail, sizeof detail);
	if (detail[0])
		say(o, " Here: %s.", detail);
}

/* Hardware assist: the CPU exits to the VMM by itself. */
static void vm_exit(struct out *o, const struct step_record *r)
{
	char detail[160];

	say(o, " With hardware assist (Intel VT-x) the guest kernel runs at ring 0 in the CPU's non-root mode, and this instruction makes the CPU itself leave it: a VM exit (reason: %s). The VMM, in root mode, %s, then re-entered the guest with a VM entry. No translation and no deprivileging tricks, but each exit and entry is expensive (see docs/hardware-assist.md for the cost).",
	    vmm_exit_reason_name(r->trap.u.trap.exit_reason), after_vmm(r));
	cr_mask_words(o, r, true);
	trace_trap_detail(&r->trap, detail, sizeof detail);
	if (detail[0])
		say(o, " Here: %s.", detail);
}

size_t explain_step(const struct step_record *r, char *buf, size_t size)
{
	struct out o = { buf, size, 0 };
	enum insn_class cls;

	if (size)
		buf[0] = '\0';
	if (!r->valid) {
		say(&o, "Nothing has run yet. Press s to run one instruction and watch who handles it: the hardware directly, the VMM (emulating it), the VMKernel (when the guest halts) or the VMX (the slow devices).");
		return o.len;
	}
	cls = (enum insn_class)r->insn.u.insn.cls;
	if (r->has_trap && r->trap.u.trap.action == TRAP_INTERRUPT) {
		say(&o, "A device interrupt came in before this instruction: IRQ %u (vector 0x%02x). The guest had interrupts on (its virtual IF), so the VMM acknowledged the request at its virtual PIC and delivered it through the guest's own IDT, as the CPU would have; the instruction is the interrupt handler's. ",
		    r->trap.u.trap.a, r->trap.u.trap.vector);
	}
	say(&o, "%s", explain_op((enum x86_op)r->op));
	switch (r->insn.u.insn.why) {
	case WHY_EXIT:
		vm_exit(&o, r);
		break;
	case WHY_TRANSLATED: case WHY_CALLOUT: case WHY_LOOKUP:
		translated(&o, r);
		break;
	case WHY_NATIVE: case WHY_HOLE: case WHY_NONROOT:
		if (r->insn.u.insn.mode == MODE_DIRECT) {
			say(&o, " Guest user code (ring 3, interrupts on) needs no translation: the VMM lets it run directly on the CPU (direct execution), at full speed.");
			if (r->insn.u.insn.why == WHY_HOLE && words(r->op)->hole)
				say(&o, " But it is sensitive and did not trap, so even here the guest sees the VMM: %s.",
				    words(r->op)->hole);
			rings(&o, r->insn.u.insn.vring, r->insn.u.insn.cpl);
		} else {
			direct(&o, r, cls);
		}
		break;
	case WHY_TRAP:
		if (cls == CLASS_PRIVILEGED)
			privileged(&o, r);
		else if (cls == CLASS_IO && r->insn.u.insn.path == PATH_VMX)
			io(&o, r);
		else
			reflect(&o, r, cls);
		break;
	default:
		reflect(&o, r, cls);
		break;
	}
	course(&o, r);
	return o.len;
}

/*
 * What will happen to an instruction depends on the execution mode as
 * much as on its class: trap-and-emulate waits for a fault, binary
 * translation has already rewritten the code, hardware assist exits only
 * where the VMM's controls ask it to.
 */
/* What the model says will happen, in the future tense, by its "why". */
static const char *const next_words[WHY_COUNT] = {
	[WHY_NATIVE] = "it will run directly on the hardware, and give the right answer",
	[WHY_TRANSLATED] = "it will run as translated code in the translation cache (unchanged if it is IDENT; jumps and calls are rewritten to stay in the cache)",
	[WHY_NONROOT] = "no VM exit for this one: the CPU will do it itself in non-root mode, on the guest's own state",
	[WHY_HOLE] = "sensitive but not privileged: it will run without a trap and see the VMM's real state (an x86 hole)",
	[WHY_TRAP] = "it will trap (#GP at CPL 1) and the VMM will emulate it on the virtual CPU",
	[WHY_CALLOUT] = "not safe to run as it is: the translator rewrote it into a callout, and the VMM will emulate it",
	[WHY_EXIT] = "the VMM's VT-x controls make this exit: the CPU will leave the guest for the VMM",
	[WHY_REFLECT] = "real hardware would refuse it here too: the guest's own #GP, which the VMM will deliver through the guest's IDT",
	[WHY_DELIVER] = "a software interrupt: the VMM will deliver it through the guest's IDT",
	[WHY_LOOKUP] = "its target is known only when it runs: the translator will look up the target's translation",
};

/*
 * What will happen to an instruction depends on the execution mode as
 * much as on its class: the model (handler.h) says which way it goes.
 */
size_t explain_next(const struct x86_instruction *x, int vring,
		    enum exec_mode exec, char *buf, size_t size)
{
	struct out o = { buf, size, 0 };
	bool imm_port = x->op == X86_OP_IN ? x->ops[1].kind == X86_OPND_IMM
					   : x->ops[0].kind == X86_OPND_IMM;
	uint16_t port = (uint16_t)(x->op == X86_OP_IN ? x->ops[1].imm
						       : x->ops[0].imm);
	bool vmm_port = imm_port && vmm_devices_owns_port(port);
	struct handler h = handler_decide(handler_kind_of(x, vmm_port), exec,
					  vring);
	int reason = vmm_hw_exit_reason(x);

	if (size)
		buf[0] = '\0';
	say(&o, "%s", next_words[h.why]);
	if (h.why == WHY_EXIT && reason >= 0)
		say(&o, " (reason %d: %s)", reason, vmm_exit_reason_name(reason));
	if (h.why == WHY_EXIT && reason == 28 && x->op != X86_OP_MOV_FROM_CR &&
	    !(x->op == X86_OP_MOV_TO_CR && x->ops[0].reg == X86R_CR3))
		say(&o, " if it changes a bit the VMM owns in the CR0/CR4 guest/host mask; a change of the guest's own bits only (TS, MP, TSD...) runs in non-root mode with no exit");
	if (h.path == PATH_VMKERNEL)
		say(&o, "; then the VMKernel deschedules the halted vCPU's world");
	else if (h.path == PATH_VMX)
		say(&o, "; the VMX's device model answers the port");
	else if (x->op >= X86_OP_IN && x->op <= X86_OP_OUTS && !imm_port &&
		 h.path != PATH_DIRECT && h.why != WHY_REFLECT)
		say(&o, "; the port in DX says whose device it is: the VMM's (PIC, PIT) or the VMX's");
	say(&o, ".");
	return o.len;
}

const char *explain_hop(enum path_hop hop)
{
	switch (hop) {
	case HOP_GUEST:
		return "Guest: the guest OS's own code, in the ring it believes it is in.";
	case HOP_HARDWARE:
		return "Hardware: the physical CPU runs the guest's instruction directly (direct execution).";
	case HOP_VMM:
		return "VMM: one per VM, a world per vCPU; it emulates privileged and sensitive instructions on the virtual CPU, and the PIC and the PIT.";
	case HOP_VMKERNEL:
		return "VMKernel: the hypervisor below the VMMs; it schedules worlds (a halted vCPU's world blocks), takes the host's interrupts, owns memory, runs storage, network and the VMX.";
	case HOP_VMX:
		return "VMX: a user world per VM; it bootstrapped the VM and emulates serial ports, parallel ports and the CD-ROM.";
	default:
		return "";
	}
}

const char *explain_hop_title(enum path_hop hop)
{
	static const char *const titles[HOP_COUNT] = {
		[HOP_GUEST] = "Guest", [HOP_HARDWARE] = "Hardware",
		[HOP_VMM] = "VMM", [HOP_VMKERNEL] = "VMKernel",
		[HOP_VMX] = "VMX",
	};

	return (unsigned)hop < HOP_COUNT ? titles[hop] : "?";
}

size_t explain_power(const struct vm *vm, char *buf, size_t size)
{
	struct out o = { buf, size, 0 };

	if (size)
		buf[0] = '\0';
	if (vm->state == VM_ON) {
		say(&o, "running");
		return o.len;
	}
	if (vm->state == VM_HALTED) {
		say(&o, "halted: HLT with interrupts off at 0x%08x", vm->exit_status);
		return o.len;
	}
	switch (vm->power_reason) {
	case POWER_DEBUG_EXIT:
		say(&o, "powered off: the guest wrote 0x%02x to the debug-exit port",
		    vm->exit_status);
		break;
	case POWER_IDLE:
		say(&o, "powered off: HLT with interrupts on, and no device will ever interrupt");
		break;
	case POWER_TRIPLE_FAULT:
		say(&o, "powered off: triple fault at 0x%08x (a real PC would reset)",
		    vm->exit_status);
		break;
	case POWER_BAD_MEMORY:
		say(&o, "powered off: the guest touched 0x%08x, where there is no memory",
		    vm->exit_status);
		break;
	case POWER_USER:
		say(&o, "powered off by the user");
		break;
	default:
		say(&o, "powered off: %s at 0x%08x",
		    power_reason_name(vm->power_reason), vm->exit_status);
		break;
	}
	return o.len;
}
