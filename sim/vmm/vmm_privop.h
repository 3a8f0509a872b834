/*
 * vmm_privop.h - the VMM emulating privileged instructions.
 *
 * The course text says: when guest code needs ring 0, "VMM sends
 * instruction to VMKernel and return results to the guest OS".  That is
 * the course's simplification.  In ESX the VMM itself emulates privileged
 * instructions on the virtual CPU, whichever way it got control: after a
 * trap (te), from a callout in the translation cache (bt), after a VM exit
 * (hw) [Adams & Agesen, ASPLOS 2006].  The VMKernel, the layer below,
 * only comes in where it acts: a HLT makes the VMM block the vCPU's
 * world, and the VMKernel deschedules it until an interrupt.
 *
 * vmm_privop_emulate() carries the instruction out on the virtual CPU
 * state (vcpu.h), never on the real CPU, and reports what changed.
 */
#ifndef SIM_VMM_PRIVOP_H
#define SIM_VMM_PRIVOP_H

#include <stdint.h>

#include "cpu/disasm.h"
#include "vmm/vcpu.h"

enum privop_result {
	PRIVOP_DONE = 0,	/* emulated: resume after the instruction */
	PRIVOP_FAULT,	/* the guest's own fault (e.g. bad CR0 bits) */
	PRIVOP_HALT	/* HLT: the virtual CPU stops */
};

struct privop_outcome {
	enum privop_result result;
	int vector;		/* PRIVOP_FAULT: the exception ... */
	uint32_t error;		/* ... and its error code */
	uint32_t before, after;	/* the value changed, for the event */
};

/*
 * Virtualize privileged instruction `in`, executed at virtual ring 0 (or,
 * for CLI/STI, at a ring the virtual IOPL allows).  Does not move EIP.
 */
void vmm_privop_emulate(struct vcpu *v, const struct x86_instruction *in,
			 struct privop_outcome *out);

/*
 * Load the real CR0 and CR4: the VMM's own bits plus the guest's bits the
 * hardware must enforce (CR0.TS and EM for the FPU, CR4's SSE enables).
 * CR4.TSD is always set, so RDTSC traps and guest time stays simulated.
 */
void vmm_privop_sync_control(struct vcpu *v);

/* MSR number of a virtual MSR slot, and the slot of a number (-1: none). */
uint32_t vmm_privop_msr_number(enum vcpu_msr m);
int vmm_privop_msr_slot(uint32_t number);

#endif
