/*
 * vmm_state.h - one vCPU's whole state as the VMM keeps it, saved and put
 * back (vmm_state.c): for stepping back (history.c) and for moving a VM
 * to another host (vm_snap.h).
 */
#ifndef SIM_VMM_STATE_H
#define SIM_VMM_STATE_H

#include "vmm/vcpu.h"

struct vmm_state;

/*
 * Save vCPU v (between runs; a privilege switch in progress is finished
 * first).  The state refers to nothing of v's: it can be loaded into
 * another vCPU of the same execution mode.
 */
int vmm_state_save(struct vcpu *v, struct vmm_state **out);

/* Put a saved state on v.  SIM_ESTATE if v runs in another mode. */
int vmm_state_load(struct vcpu *v, const struct vmm_state *st);

void vmm_state_free(struct vmm_state *st);

#endif
