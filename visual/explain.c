/*
 * explain.c - instructions explained for students (see explain.h): an
 * executed step as a paragraph, the path's hops, why a VM is not running.
 * Each operation's words are in explain_ops.c; what will happen to the
 * next instruction, in explain_next.c.
 *
 * A paragraph is built from three parts:
 *   1. what the operation does on a real CPU (explain_ops.c's what);
 *   2. who handled it here and why: one story per way in (the model's
 *      "why", sim/handler.h), told with the guest's ring and the real CPL
 *      (ring deprivileging: under te and bt the guest kernel believes it is
 *      in ring 0 and really runs at CPL 1);
 *   3. what changed: the VMM's emulation on the virtual CPU (its virt),
 *      the wrong answer of a sensitive instruction that did not trap
 *      (its hole), or the device that answered a port access.
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
#include "explain_priv.h"
#include "handler.h"
#include "trace.h"
#include "vmm/cost.h"
#include "vmm/vmm.h"
#include "vmm/vmm_devices.h"
#include "vmx/vmx.h"

void explain_say(struct explain_out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	trace_vappend(o->p, o->size, &o->len, fmt, ap);
	va_end(ap);
}

static const char *const ring_names[4] = {
	"ring 0 (kernel)", "ring 1", "ring 2", "ring 3 (user programs)"
};

/* "The guest believes it is in ring 0 (kernel); the real CPU is at CPL 1." */
static void rings(struct explain_out *o, int vring, int cpl)
{
	explain_say(o, " The guest believes it is in %s; the real CPU is at CPL %d",
	    ring_names[vring & 3], cpl);
	if (vring == 0)
		explain_say(o, " (ring deprivileging: real ring 0 is kept for the VMM and VMKernel).");
	else if (vring == cpl)
		explain_say(o, ", so here guest and CPU agree.");
	else
		explain_say(o, " (guest rings 1 and 2 share CPL 2).");
	if (vring == 1 || vring == 2)
		explain_say(o, " The course text names ring 1 \"System services\" and ring 2 \"Device drivers\": that is an operating-system convention, not x86's; x86 defines only four privilege levels, and Windows and Linux use rings 0 and 3 alone.");
}

/* Under hw: the guest kernel is at ring 0, in VT-x non-root mode. */
static void nonroot_rings(struct explain_out *o, int vring, int cpl)
{
	explain_say(o, " The guest is in ring %d of VT-x non-root mode: its own ring, with root mode kept for the VMM.", vring);
	if (vring != cpl)
		explain_say(o, " (Unicorn has no VT-x, so ringside's CPU runs it at CPL %d underneath; the VT-x model decides what exits.)", cpl);
}

/* The course text's sentence about this, marked as such, then the truth. */
static void course(struct explain_out *o, const struct step_record *r)
{
	struct x86_instruction x = { .op = r->op };
	bool vmm_port = r->insn.u.insn.path == PATH_VMM &&
			r->insn.u.insn.cls == CLASS_IO;
	const char *says = handler_course_says(handler_kind_of(&x, vmm_port),
					       r->insn.u.insn.vring);

	if (says == NULL)
		return;
	explain_say(o, " [The course text says: %s] What ESX really does: %s (%s)",
	    says, r->insn.u.insn.path == PATH_VMX ?
	    "The VMM took the port access and handed it to the VMX, the VM's user world that emulates its slow devices." :
	    handler_why_text((enum handler_why)r->insn.u.insn.why),
	    path_text((enum insn_path)r->insn.u.insn.path));
}

size_t explain_course(const struct step_record *r, char *buf, size_t size)
{
	struct explain_out o = { buf, size, 0 };

	if (size > 0)
		buf[0] = '\0';
	course(&o, r);
	if (o.len > 0) {	/* without the paragraph's space before it */
		memmove(buf, buf + 1, o.len);
		o.len--;
	}
	return o.len;
}

/*
 * A write to CR0 or CR4 (MOV, CLTS, LMSW) under VT-x exits only when it
 * changes a bit the VMM owns in the guest/host mask (SDM vol. 3C
 * 25.1.3): say which of the two it was.
 */
static void cr_mask_words(struct explain_out *o, const struct step_record *r,
			  bool exited)
{
	int cr = (r->insn.u.insn.bytes[2] >> 3) & 7;	/* 0f 22 /r */

	if (r->op != X86_OP_CLTS && r->op != X86_OP_LMSW &&
	    !(r->op == X86_OP_MOV_TO_CR && (cr == 0 || cr == 4)))
		return;
	if (exited)
		explain_say(o, " It changed a bit the VMM owns (set in the VMCS's CR0/CR4 guest/host mask: PE NE WP NW CD PG, PSE PAE PGE VMXE), so the CPU left the guest; the VMM updated the read shadow the guest reads that bit from.");
	else
		explain_say(o, " It changed only bits the guest owns (clear in the VMCS's CR0/CR4 guest/host mask: TS MP EM..., TSD...), so there was no exit: the CPU wrote them itself.");
}

static void direct(struct explain_out *o, const struct step_record *r,
		   enum insn_class cls)
{
	const struct explain_op_words *w = explain_op_words(r->op);
	int vring = r->insn.u.insn.vring, cpl = r->insn.u.insn.cpl;

	if (r->insn.u.insn.why == WHY_NONROOT) {
		if (cls == CLASS_INNOCUOUS)
			explain_say(o, " It ran on the hardware, in non-root mode: no VM exit.");
		else if ((cls == CLASS_PRIVILEGED || cls == CLASS_IO) && vring > 0)
			explain_say(o, " No VM exit: outside ring 0 real hardware refuses it, and VT-x checks privilege before any exit, so the CPU itself delivered the guest's own #GP through the guest's IDT, as on a machine without a VMM.");
		else
			explain_say(o, " The VMM's 2006 VT-x controls do not make this exit: the CPU itself ran it in non-root mode, on the guest's own state, and gave the right answer (or delivered the guest's own fault through the guest's IDT).");
		cr_mask_words(o, r, false);
		nonroot_rings(o, vring, cpl);
		return;
	}
	if (cls != CLASS_SENSITIVE) {
		explain_say(o, " It only touches the guest's own registers and memory, so it ran directly on the hardware at full speed: no VMM, no trap.");
		if (vring == 0)
			explain_say(o, " That the guest kernel's ordinary instructions run directly is trap-and-emulate, the classic textbook VMM; ESX never ran guest kernel code directly: it translated it (bt), or used VT-x (hw).");
		rings(o, vring, cpl);
		return;
	}
	explain_say(o, " It is sensitive (it reads or changes state the VMM virtualizes) but not privileged: it does not trap, so it ran directly on the hardware.");
	if (vring == cpl) {
		explain_say(o, " In ring %d the guest and the CPU agree on the privilege level, so for this code the answer is right.",
		    vring);
		return;
	}
	if (w->hole)
		explain_say(o, " The result is wrong: %s.", w->hole);
	explain_say(o, " This is one of the x86 'holes' (Robin & Irvine, 2000) that make trap-and-emulate impossible on x86 (Popek & Goldberg, 1974); binary translation closes them.");
	rings(o, vring, cpl);
}

static void privileged(struct explain_out *o, const struct step_record *r)
{
	const struct explain_op_words *w = explain_op_words(r->op);
	char detail[160];

	explain_say(o, " It is privileged: only ring 0 may run it. The guest kernel believes it is in ring 0 but really runs at CPL %d, so the CPU refused it with a general-protection fault (#GP).",
	    r->insn.u.insn.cpl);
	explain_say(o, " The VMM caught the fault and emulated the instruction on the virtual CPU");
	if (w->virt)
		explain_say(o, ": %s.", w->virt);
	else
		explain_say(o, ".");
	if (r->insn.u.insn.path == PATH_VMKERNEL)
		explain_say(o, " The vCPU now has nothing to do, so the VMM blocked its world: the VMKernel deschedules it and runs other worlds until an interrupt for this VM arrives.");
	explain_say(o, " Then the VMM resumed the guest after it, fooling the guest into believing its call was serviced by a real ring 0.");
	if (r->has_trap) {
		trace_trap_detail(&r->trap, detail, sizeof detail);
		if (detail[0])
			explain_say(o, " Here: %s.", detail);
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

static void io(struct explain_out *o, const struct step_record *r)
{
	explain_say(o, " Devices are not the guest's to touch: the VMM intercepted the access and passed it to the VMX, the VM's user world that emulates serial and parallel ports and the CD-ROM.");
	if (r->has_io) {
		const struct event *e = &r->io;

		explain_say(o, " Port 0x%04x %s 0x%x: %s.", e->u.io.port,
		    e->u.io.dir == IO_OUT ? "was sent" : "answered", e->u.io.value,
		    device_words((enum vmx_device)e->u.io.device));
	}
}

/* Why real hardware refuses it at the guest's ring (reflected or injected). */
static void say_why_refused(struct explain_out *o, const struct step_record *r,
			    enum insn_class cls)
{
	if (cls == CLASS_PRIVILEGED)
		explain_say(o, " (only ring 0 may run it, and the guest is in ring %d)",
		    r->insn.u.insn.vring);
	else if (cls == CLASS_IO)
		explain_say(o, " (the guest's IOPL forbids port access from ring %d)",
		    r->insn.u.insn.vring);
	else if (r->op == X86_OP_RDPMC)
		explain_say(o, " (RDPMC outside ring 0 needs CR4.PCE, which the guest left clear)");
}

/* guest > vmm > guest: which of the VMM's stories it was. */
static void reflect(struct explain_out *o, const struct step_record *r,
		    enum insn_class cls)
{
	int action = r->has_trap ? r->trap.u.trap.action : -1;
	const char *vec = r->has_trap ? x86_vector_name(r->trap.u.trap.vector)
				      : NULL;

	if (cls == CLASS_IO && r->has_io && action != TRAP_REFLECTED) {
		/* a device the VMM emulates itself: no trip to the VMX */
		explain_say(o, r->io.u.io.device == DEV_DISK ?
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
		explain_say(o, " The CPU would look up the gate in the IDT, but the real IDT is the VMM's: the VMM caught the interrupt and did what the CPU would have done, reading gate 0x%02x of the guest's own IDT, switching to the kernel stack from the guest's TSS if the ring changes, pushing the return frame and jumping to the guest's handler. No VMKernel work: the guest handles it.",
		    r->trap.u.trap.vector);
		break;
	case TRAP_VMM_EMULATED:
		if (r->op == X86_OP_RDTSC)
			explain_say(o, " RDTSC was made to trap (CR4.TSD), and the VMM answered with the guest's virtual time.");
		else if (r->op == X86_OP_RDPMC)
			explain_say(o, " RDPMC was made to trap (the VMM keeps the real CR4.PCE clear), and the VMM answered as the guest's virtual CPU: it has no performance counters, so the VMM injected #UD (the CPU had raised #GP, not #UD), as QEMU's CPU answers.");
		else if (r->op == X86_OP_MOV_TO_SREG || r->op == X86_OP_POP_SREG ||
			 r->op == X86_OP_LOAD_FAR_PTR)
			explain_say(o, " The guest loaded SS with a ring-0 selector; at CPL 1 the CPU demands the stack's RPL match the CPL, so it faulted. The VMM loaded the ring-1 version instead (ring aliasing: the guest's ring is not the real one) and resumed the guest.");
		else
			explain_say(o, " The return frame names ring 0 (the VMM always shows the guest its virtual CS), which the real CPU at CPL 1 refuses as a return to a more privileged ring. The VMM performed the return itself, into the guest kernel's code at CPL 1.");
		break;
	case TRAP_REFLECTED:
		explain_say(o, " It raised %s, and the guest would take this fault on real hardware too", vec ? vec : "an exception");
		say_why_refused(o, r, cls);
		explain_say(o, ". The VMM caught it and reflected it: it delivered %s through the guest's own IDT to the guest kernel's handler, exactly as the CPU would have. The guest handles its own fault.",
		    vec ? vec : "the exception");
		break;
	case TRAP_INJECTED:
		/* a refusal after a callout: the CPU raised nothing */
		explain_say(o, " The translated code called the VMM here instead of running it, so the CPU raised nothing; the VMM, emulating it, refused it as real hardware would");
		say_why_refused(o, r, cls);
		explain_say(o, ". It injected %s: it delivered it through the guest's own IDT to the guest kernel's handler. The guest handles its own fault.",
		    vec ? vec : "the exception");
		break;
	case TRAP_HALTED:
		explain_say(o, " The VMM stopped the virtual CPU.");
		break;
	case TRAP_TRIPLE_FAULT:
		explain_say(o, " Delivering the fault failed three times: a real PC would reset; the VM is powered off.");
		break;
	default:
		explain_say(o, " The VMM took over, did the work, and resumed the guest.");
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
static void translated(struct explain_out *o, const struct step_record *r)
{
	const struct explain_op_words *w = explain_op_words(r->op);
	char detail[160];

	explain_say(o, " Under binary translation the VMM never runs guest kernel code as it is: it first translated this code into its translation cache.");
	if (!r->has_trap) {
		if (r->insn.u.insn.xlat == 2)
			explain_say(o, " This instruction was rewritten (non-IDENT) so that control stays inside the translation cache, and it ran on the hardware with no VMM involved.");
		else
			explain_say(o, " This instruction is innocuous, so it was copied unchanged (IDENT) and ran directly on the hardware, at full speed.");
		return;
	}
	explain_say(o, " This one was rewritten into a callout: a plain call into the VMM, no fault, far cheaper than a trap. The VMM %s",
	    after_vmm(r));
	if (r->insn.u.insn.cls == CLASS_PRIVILEGED && w->virt)
		explain_say(o, ": %s.", w->virt);
	else if (r->insn.u.insn.cls == CLASS_SENSITIVE)
		explain_say(o, ", from the virtual state: the x86 hole of trap-and-emulate is closed, and the guest gets the right answer.");
	else if (r->insn.u.insn.why == WHY_LOOKUP)
		explain_say(o, ": its target is known only when it runs, so the VMM found (or made) the translation of that address and continued there.");
	else
		explain_say(o, ".");
	if (w->esx_bt && r->insn.u.insn.vring == 0)	/* (ring 0: it ran) */
		explain_say(o, " %s.", w->esx_bt);
	if (r->has_io)
		explain_say(o, " Port 0x%04x: the %s.", r->io.u.io.port,
		    r->io.u.io.dir == IO_OUT ? "guest wrote it" : "guest read it");
	trace_trap_detail(&r->trap, detail, sizeof detail);
	if (detail[0])
		explain_say(o, " Here: %s.", detail);
}

/* Hardware assist: the CPU exits to the VMM by itself. */
static void vm_exit(struct explain_out *o, const struct step_record *r)
{
	char detail[160];

	explain_say(o, " With hardware assist (Intel VT-x) the guest kernel runs at ring 0 in the CPU's non-root mode, and this instruction makes the CPU itself leave it: a VM exit (reason: %s). The VMM, in root mode, %s, then re-entered the guest with a VM entry. No translation and no deprivileging tricks, but each exit and entry is expensive: %u cycles for the round trip on the first VT-x CPUs (Prescott, measured by Agesen et al., USENIX ATC 2012), and ringside charges nothing more for the VMM's handling, for which no source gives a figure.",
	    vmm_exit_reason_name(r->trap.u.trap.exit_reason), after_vmm(r),
	    COST_VMX_ROUND_TRIP);
	cr_mask_words(o, r, true);
	trace_trap_detail(&r->trap, detail, sizeof detail);
	if (detail[0])
		explain_say(o, " Here: %s.", detail);
}

size_t explain_step(const struct step_record *r, char *buf, size_t size)
{
	struct explain_out o = { buf, size, 0 };
	enum insn_class cls;

	if (size)
		buf[0] = '\0';
	if (!r->valid) {
		explain_say(&o, "Nothing has run yet. Press s to run one instruction and watch who handles it: the hardware directly, the VMM (emulating it), the VMKernel (when the guest halts) or the VMX (the slow devices).");
		return o.len;
	}
	cls = (enum insn_class)r->insn.u.insn.cls;
	if (r->has_trap && r->trap.u.trap.action == TRAP_INTERRUPT) {
		explain_say(&o, "A device interrupt came in before this instruction: IRQ %u (vector 0x%02x). The guest had interrupts on (its virtual IF), so the VMM acknowledged the request at its virtual PIC and delivered it through the guest's own IDT, as the CPU would have; the instruction is the interrupt handler's. ",
		    r->trap.u.trap.a, r->trap.u.trap.vector);
	}
	explain_say(&o, "%s", explain_op((enum x86_op)r->op));
	switch (r->insn.u.insn.why) {
	case WHY_EXIT:
		vm_exit(&o, r);
		break;
	case WHY_TRANSLATED: case WHY_CALLOUT: case WHY_LOOKUP:
		translated(&o, r);
		break;
	case WHY_NATIVE: case WHY_HOLE: case WHY_NONROOT:
		if (r->insn.u.insn.mode == MODE_DIRECT) {
			explain_say(&o, " Guest user code (ring 3, interrupts on) needs no translation: the VMM lets it run directly on the CPU (direct execution), at full speed.");
			const char *hole = explain_op_words(r->op)->hole;

			if (r->insn.u.insn.why == WHY_HOLE && hole)
				explain_say(&o, " But it is sensitive and did not trap, so even here the guest sees the VMM: %s.",
				    hole);
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
	if (r->has_trap && r->trap.u.trap.action == TRAP_NO_MEMORY)
		explain_say(&o, " It touched 0x%08x, where the guest's machine has no memory (past its RAM, or the VMM's own area at the top of the address space, which a real VMM hides by truncating the guest's segments). The access trapped to the VMM, which made it as on a real PC: a load gives 0, a store goes nowhere, code there is zeros; the VMM's own data stays unseen.",
		    r->trap.u.trap.a);
	course(&o, r);
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
	struct explain_out o = { buf, size, 0 };

	if (size)
		buf[0] = '\0';
	if (vm->state == VM_ON) {
		explain_say(&o, "running");
		return o.len;
	}
	if (vm->state == VM_HALTED) {
		explain_say(&o, "halted: HLT with interrupts off at 0x%08x", vm->exit_status);
		return o.len;
	}
	if (vm->state == VM_PAUSED) {
		explain_say(&o, "paused: its datastore is full, the write to sector %u held (Y retries, C cancels)",
		    vm->exit_status);
		return o.len;
	}
	switch (vm->power_reason) {
	case POWER_DEBUG_EXIT:
		explain_say(&o, "powered off: the guest wrote 0x%02x to the debug-exit port",
		    vm->exit_status);
		break;
	case POWER_IDLE:
		explain_say(&o, "powered off: HLT with interrupts on, and no device will ever interrupt");
		break;
	case POWER_TRIPLE_FAULT:
		explain_say(&o, "powered off: triple fault at 0x%08x (a real PC would reset)",
		    vm->exit_status);
		break;
	case POWER_BAD_MEMORY:
		explain_say(&o, "powered off: the guest touched 0x%08x, where there is no memory",
		    vm->exit_status);
		break;
	case POWER_INIT_RESET:
		explain_say(&o, "powered off: INIT reset the bootstrap processor at 0x%08x; a PC would rerun its firmware and reboot, ringside has no firmware",
		    vm->exit_status);
		break;
	case POWER_USER:
		explain_say(&o, "powered off by the user");
		break;
	default:
		explain_say(&o, "powered off: %s at 0x%08x",
		    power_reason_name(vm->power_reason), vm->exit_status);
		break;
	}
	return o.len;
}
