/*
 * vmkernel.h - the VMKernel: ESX's hypervisor proper.
 *
 * The seed text's model: when guest code needs ring 0, "VMM sends
 * instruction to VMKernel and return results to the guest OS.  VMM fools
 * the guest OS into thinking that its calls are being serviced by an
 * actual protection ring 0."  In ringside the VMM catches the trap and
 * decodes the instruction; vmkernel_virtualize() carries it out on the
 * virtual CPU state (vcpu.h), never on the real CPU, and reports what
 * changed.  (Real ESX does most of this inside the VMM itself; the seed's
 * simplification is kept because it names who is responsible.)
 */
#ifndef SIM_VMKERNEL_H
#define SIM_VMKERNEL_H

#include <stdint.h>

#include "cpu/disasm.h"
#include "vmm/vcpu.h"

enum vmk_result {
	VMK_DONE = 0,	/* emulated: resume after the instruction */
	VMK_FAULT,	/* the guest's own fault (e.g. bad CR0 bits) */
	VMK_HALT	/* HLT: the virtual CPU stops */
};

struct vmk_outcome {
	enum vmk_result result;
	int vector;		/* VMK_FAULT: the exception ... */
	uint32_t error;		/* ... and its error code */
	uint32_t before, after;	/* the value changed, for the event */
};

/*
 * Virtualize privileged instruction `in`, executed at virtual ring 0 (or,
 * for CLI/STI, at a ring the virtual IOPL allows).  Does not move EIP.
 */
void vmkernel_virtualize(struct vcpu *v, const struct x86_instruction *in,
			 struct vmk_outcome *out);

/*
 * Load the real CR0 and CR4: the VMM's own bits plus the guest's bits the
 * hardware must enforce (CR0.TS and EM for the FPU, CR4's SSE enables).
 * CR4.TSD is always set, so RDTSC traps and guest time stays simulated.
 */
void vmkernel_sync_control(struct vcpu *v);

/* MSR number of a virtual MSR slot, and the slot of a number (-1: none). */
uint32_t vmkernel_msr_number(enum vcpu_msr m);
int vmkernel_msr_slot(uint32_t number);

#endif
