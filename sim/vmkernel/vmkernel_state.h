/*
 * vmkernel_state.h - the VMKernel scheduler's state (pCPUs and worlds),
 * saved and put back on the same host (vmkernel_state.c).
 */
#ifndef SIM_VMKERNEL_STATE_H
#define SIM_VMKERNEL_STATE_H

#include <stdbool.h>

struct vmkernel;
struct vmkernel_state;

int vmkernel_state_save(const struct vmkernel *k,
			struct vmkernel_state **out);
/*
 * Put it back: the worlds made since are freed, the others get their
 * saved state (a VM that left since runs here again).  SIM_ESTATE if it
 * does not fit.
 */
int vmkernel_state_load(struct vmkernel *k, const struct vmkernel_state *st);
void vmkernel_state_free(struct vmkernel_state *st);

/* Does the state fit k (its worlds the first of k's, the same pCPUs)? */
bool vmkernel_state_fits(const struct vmkernel *k,
			 const struct vmkernel_state *st);

#endif
