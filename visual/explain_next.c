/*
 * explain_next.c - what will happen to the instruction at EIP, for the
 * "Next:" line, before it runs: the model (sim/handler.h) decides by the
 * instruction's kind, the execution mode and the guest's ring.
 */
#include <stdbool.h>
#include <stdint.h>

#include "explain.h"
#include "explain_priv.h"
#include "handler.h"
#include "vmm/vmm.h"
#include "vmm/vmm_devices.h"

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
 * A privileged instruction, or port I/O with IOPL 0, outside ring 0: the
 * guest's own #GP on real hardware, and under VT-x too, where privilege
 * is checked before any VM exit (Intel SDM vol. 3C 25.1.1).
 */
static bool outside_ring0_faults(const struct x86_instruction *x)
{
	enum handler_kind k = handler_kind_of(x, false);

	return k == HK_PRIVILEGED || k == HK_PRIV_NONROOT || k == HK_HLT ||
	       k == HK_IO_VMX;
}

/*
 * What will happen to an instruction depends on the execution mode as
 * much as on its class: the model (handler.h) says which way it goes.
 */
size_t explain_next(const struct x86_instruction *x, int vring,
		    enum exec_mode exec, char *buf, size_t size)
{
	struct explain_out o = { buf, size, 0 };
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
	if (h.why == WHY_NONROOT && vring > 0 && outside_ring0_faults(x))
		explain_say(&o, "no VM exit: real hardware refuses it outside ring 0, and the CPU checks that first; it will deliver the guest's own #GP through the guest's IDT");
	else
		explain_say(&o, "%s", next_words[h.why]);
	if (h.why == WHY_EXIT && reason >= 0)
		explain_say(&o, " (reason %d: %s)", reason, vmm_exit_reason_name(reason));
	if (h.why == WHY_EXIT && reason == 28 && x->op != X86_OP_MOV_FROM_CR &&
	    !(x->op == X86_OP_MOV_TO_CR && x->ops[0].reg == X86R_CR3))
		explain_say(&o, " if it changes a bit the VMM owns in the CR0/CR4 guest/host mask; a change of the guest's own bits only (TS, MP, TSD...) runs in non-root mode with no exit");
	if (h.path == PATH_VMKERNEL)
		explain_say(&o, "; then the VMKernel deschedules the halted vCPU's world");
	else if (h.path == PATH_VMX)
		explain_say(&o, "; the VMX's device model answers the port");
	else if (x->op >= X86_OP_IN && x->op <= X86_OP_OUTS && !imm_port &&
		 h.path != PATH_DIRECT && h.why != WHY_REFLECT)
		explain_say(&o, "; the port in DX says whose device it is: the VMM's (PIC, PIT) or the VMX's");
	explain_say(&o, ".");
	return o.len;
}
