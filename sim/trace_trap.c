/*
 * trace_trap.c - a trap event in words: the text trace's line for it, what
 * the VMM did and what changed (the "detail" of the trace), and which
 * fields it carries.
 */
#include <stdbool.h>
#include <stdio.h>

#include "cpu/x86.h"
#include "trace.h"
#include "trace_priv.h"
#include "vmm/apic.h"
#include "vmm/vmm.h"

/*
 * Does a trap event's vector mean something?  It does where a vector was
 * raised or delivered: a #GP trap (te), a reflected fault, an INT n, a
 * device interrupt.  A callout, a VM exit and SYSENTER (which reaches the
 * VMM through the real SYSENTER MSRs, the VMM's) raise none.
 */
bool trace_trap_has_vector(const struct event *ev)
{
	return ev->u.trap.action != TRAP_CALLOUT &&
	       ev->u.trap.action != TRAP_VM_EXIT &&
	       ev->u.trap.action != TRAP_STARTUP &&
	       !ev->u.trap.vm_exit &&
	       ev->u.trap.op != X86_OP_SYSENTER;	/* enters by its MSRs */
}

/* What an SMI does, ringside's words for every way one comes. */
#define SMI_DROPPED "dropped: ringside has no system management mode " \
	"(QEMU's CPU enters it, and SeaBIOS's SMI handler returns with nothing changed)"

/* What an INIT does at vCPU t (bsp: the bootstrap processor). */
static const char *init_does(bool bsp)
{
	return bsp ? "it would restart in the firmware, which reboots the PC; "
		     "ringside has no firmware: the VM stops (QEMU -no-reboot stops too)"
		   : "it is reset and waits for a SIPI";
}

/*
 * An MSI (apic_bus.c): whom it reached and what it did there.  The
 * delivery mode is the data's bits 10:8; the destination ID the
 * address's bits 19:12, logical if bit 2 is set.
 */
static void msi_detail(const struct event *ev, char *buf, size_t size)
{
	static const char *const modes[8] = {
		"fixed", "lowest-priority", "SMI", "reserved-mode", "NMI",
		"INIT", "start-up", "ExtINT",
	};
	uint32_t t = ev->u.trap.a, addr = ev->u.trap.b;
	int mode = (int)(ev->u.trap.c >> 8) & 7;
	const char *what;

	if (t == UINT32_MAX) {
		snprintf(buf, size, "%s MSI to %s ID 0x%02x: no local APIC has it, nobody takes it",
			 modes[mode], addr & 4 ? "logical" : "APIC",
			 (addr >> 12) & 0xff);
		return;
	}
	switch (mode) {
	case 0: case 1: what = "into its IRR"; break;
	case 7: what = "into its IRR as a fixed interrupt (as QEMU)"; break;
	case 4: what = "an NMI for it"; break;
	case 5: what = init_does(t == 0); break;	/* vCPU 0: the BSP */
	case 6: what = "dropped: an MSI starts no processor (as QEMU)"; break;
	case 3: what = "dropped: a reserved mode (as QEMU)"; break;
	default: what = SMI_DROPPED; break;
	}
	snprintf(buf, size, "%s MSI, vector 0x%02x, to vCPU %u: %s",
		 modes[mode], ev->u.trap.vector, t, what);
}

/* What the VMM answers to RDPMC once it has it (vmm_emu.c). */
#define RDPMC_DETAIL "the virtual CPU has no performance counters: #UD for the guest"

void trace_trap_detail(const struct event *ev, char *buf, size_t size)
{
	uint32_t a = ev->u.trap.a, b = ev->u.trap.b;

	buf[0] = '\0';
	if (ev->u.trap.faulted && ev->u.trap.op != X86_OP_RDPMC) {
		/* nothing changed: the fault is the next event */
		snprintf(buf, size, "the VMM's emulation ends in a fault for the guest: the next event");
		return;
	}
	switch (ev->u.trap.action) {
	case TRAP_SOFT_INT:
		snprintf(buf, size, "INT 0x%02x through the guest's IDT, returns to 0x%08x",
			 ev->u.trap.vector, a);
		return;
	case TRAP_REFLECTED:
		snprintf(buf, size, "the guest's own %s: delivered through its IDT",
			 x86_vector_name(ev->u.trap.vector) ?
			 x86_vector_name(ev->u.trap.vector) : "exception");
		return;
	case TRAP_TRIPLE_FAULT:
		snprintf(buf, size, "triple fault");
		return;
	case TRAP_INJECTED:
		snprintf(buf, size, a == INJECT_ON_ENTRY ?
			 "the VMM's answer: %s injected on the VM entry, through the guest's IDT" :
			 "the VMM's answer: %s, which the CPU did not raise, delivered through the guest's IDT",
			 x86_vector_name(ev->u.trap.vector) ?
			 x86_vector_name(ev->u.trap.vector) : "an exception");
		return;
	case TRAP_INTERRUPT:
		if (a == UINT32_MAX)	/* not the PIC's: the local APIC's */
			snprintf(buf, size, "%s delivered through the guest's IDT by the local APIC",
				 ev->u.trap.vector == 2 ? "NMI" : "vector");
		else
			snprintf(buf, size, "IRQ %u delivered through the guest's IDT at vector 0x%02x",
				 a, ev->u.trap.vector);
		return;
	case TRAP_IPI:
		if ((b & 0xff) == DM_SMI)
			snprintf(buf, size, "SMI %s vCPU %u: " SMI_DROPPED,
				 b & APIC_EV_LOCAL ? "from the LVT of" : "to", a);
		else
			snprintf(buf, size, "%s IPI, vector 0x%02x, to vCPU %u (the VMM's APIC; the VMKernel wakes its world)",
				 b == 4 ? "NMI" : b == 1 ? "lowest-priority" : "fixed",
				 ev->u.trap.vector, a);
		return;
	case TRAP_MSI:
		msi_detail(ev, buf, size);
		return;
	case TRAP_STARTUP:
		if ((b & 0xff) == DM_INIT)
			snprintf(buf, size, "INIT to vCPU %u: %s", a,
				 init_does((b & APIC_EV_BSP) != 0));
		else if (b & 0x100)
			snprintf(buf, size, "SIPI to vCPU %u: ignored, it is not waiting for one", a);
		else
			snprintf(buf, size, "SIPI to vCPU %u: it starts in real mode at 0x%05x",
				 a, (unsigned)ev->u.trap.vector << 12);
		return;
	case TRAP_NO_MEMORY:
		snprintf(buf, size, b == 2 ? "code fetched from 0x%08x: no memory there, the VMM runs its zeros"
				    : b ? "store to 0x%08x: no memory there, the VMM drops it"
				    : "load from 0x%08x: no memory there, the VMM gives 0",
			 a);
		return;
	case TRAP_CALLOUT:
		if (ev->u.trap.op == X86_OP_RET || ev->u.trap.op == X86_OP_JMP ||
		    ev->u.trap.op == X86_OP_CALL) {
			snprintf(buf, size, "continue at 0x%08x", a);
			return;
		}
		break;
	case TRAP_VMM_EMULATED:
		switch (ev->u.trap.op) {
		case X86_OP_RDTSC:
			snprintf(buf, size, "virtual TSC = 0x%08x%08x", b, a);
			break;
		case X86_OP_RDPMC:
			snprintf(buf, size, RDPMC_DETAIL);
			break;
		case X86_OP_SYSENTER:
			snprintf(buf, size, "into the guest kernel at 0x%04x:0x%08x, from its SYSENTER MSRs",
				 b, a);
			break;
		case X86_OP_MOV_TO_SREG: case X86_OP_POP_SREG:
		case X86_OP_LOAD_FAR_PTR:
			snprintf(buf, size, "SS = 0x%04x loaded as 0x%04x (ring aliasing)",
				 a, b);
			break;
		default:
			snprintf(buf, size, "far return to 0x%04x:0x%08x done by the VMM",
				 b, a);
			break;
		}
		return;
	default:
		break;
	}
	switch (ev->u.trap.op) {
	case X86_OP_SYSENTER:
		snprintf(buf, size, "into the guest kernel at 0x%04x:0x%08x, from its SYSENTER MSRs",
			 b, a);
		break;
	case X86_OP_CPUID:
		snprintf(buf, size, "CPUID leaf 0x%x answered from the virtual CPU: EAX = 0x%08x",
			 a, b);
		break;
	case X86_OP_RDPMC:
		snprintf(buf, size, RDPMC_DETAIL);
		break;
	case X86_OP_SYSEXIT:
		snprintf(buf, size, "back to ring 3 at 0x%04x:0x%08x (EDX), stack from ECX",
			 b, a);
		break;
	case X86_OP_CLI: case X86_OP_STI:
		snprintf(buf, size, "virtual IF %u -> %u", a, b);
		break;
	case X86_OP_HLT:
		snprintf(buf, size, a ? "vCPU waits for an interrupt"
				      : "halted with interrupts off");
		break;
	case X86_OP_LGDT:
		snprintf(buf, size, "virtual GDTR = 0x%08x/0x%04x (shadowed)", a, b);
		break;
	case X86_OP_LIDT:
		snprintf(buf, size, "virtual IDTR = 0x%08x/0x%04x", a, b);
		break;
	case X86_OP_LLDT:
		snprintf(buf, size, "virtual LDTR 0x%04x -> 0x%04x", a, b);
		break;
	case X86_OP_LTR:
		snprintf(buf, size, "virtual TR 0x%04x -> 0x%04x", a, b);
		break;
	case X86_OP_RDMSR: case X86_OP_WRMSR:
		snprintf(buf, size, "MSR 0x%x = 0x%08x", a, b);
		break;
	case X86_OP_MOV_FROM_CR: case X86_OP_MOV_FROM_DR:
		snprintf(buf, size, "reads virtual value 0x%08x", b);
		break;
	case X86_OP_MOV_TO_CR: case X86_OP_MOV_TO_DR:
	case X86_OP_LMSW: case X86_OP_CLTS:
		snprintf(buf, size, "virtual 0x%08x -> 0x%08x", a, b);
		break;
	default:
		break;
	}
}

/* The trap in words, as the text trace says it (trace_priv.h). */
void trace_trap_text(const struct event *ev, struct sbuf *b)
{
	const char *vec = x86_vector_name(ev->u.trap.vector);
	const char *op = x86_op_name((enum x86_op)ev->u.trap.op);
	const char *action = trap_action_name((enum trap_action)ev->u.trap.action);
	char detail[160];

	trace_sb_printf(b, "%08x  ", ev->u.trap.eip);
	if (ev->u.trap.vm_exit) {
		trace_sb_printf(b, "VM exit, %s",
		    vmm_exit_reason_name(ev->u.trap.exit_reason));
		if (ev->u.trap.exit_reason == 0 && vec)	/* which */
			trace_sb_printf(b, ": %s", vec);
		if (ev->u.trap.op != X86_OP_OTHER)	/* an instruction's */
			trace_sb_printf(b, ", on %s", op);
	} else if (ev->u.trap.action == TRAP_INTERRUPT) {
		trace_sb_printf(b, "interrupt");
	} else if (ev->u.trap.action == TRAP_IPI ||
		   ev->u.trap.action == TRAP_STARTUP) {
		trace_sb_printf(b, "%s %s", action,
		    ev->u.trap.b & APIC_EV_LOCAL ? "from an LVT entry of the local APIC"
						 : "through the local APIC's ICR");
	} else if (ev->u.trap.action == TRAP_MSI) {
		trace_sb_printf(b, "msi: 0x%08x stored at 0x%08x, in the local APIC's region",
				ev->u.trap.c, ev->u.trap.b);
	} else if (ev->u.trap.action == TRAP_CALLOUT) {
		trace_sb_printf(b, "callout to the VMM for %s", op);
	} else if (!trace_trap_has_vector(ev)) {
		trace_sb_printf(b, "%s enters the VMM (the real MSRs are the VMM's): %s",
		    op, action);
	} else {
		trace_sb_printf(b, "trap %s", vec ? vec : "INT");
		if (!vec)
			trace_sb_printf(b, " 0x%02x", ev->u.trap.vector);
		if (ev->u.trap.action != TRAP_NO_MEMORY ||
		    ev->u.trap.op != X86_OP_OTHER)	/* an instruction's */
			trace_sb_printf(b, " on %s", op);
		trace_sb_printf(b, ": %s", action);
	}
	trace_trap_detail(ev, detail, sizeof detail);
	if (detail[0])
		trace_sb_printf(b, " (%s)", detail);
}
