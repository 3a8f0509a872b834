/*
 * cost.h - the modelled price, in CPU cycles, of what the VMM does.
 *
 * Simulated time in ringside advances with the work done, never with the
 * wall clock: each guest instruction that runs directly costs one cycle, and
 * each time the VMM takes over costs the figure below.  At a configured
 * clock rate (MHz) cycles become nanoseconds.
 *
 * These figures are order-of-magnitude models, not measurements of this
 * machine.  Sources and assumptions (see docs/performance.md):
 *  - a #GP trap from ring 1 into the VMM and back, including decoding and
 *    emulating the instruction: about 2000 cycles [assumption, in line with
 *    Adams & Agesen, ASPLOS 2006, who report trap round trips of hundreds
 *    to thousands of cycles on Pentium 4 class CPUs];
 *  - reflecting a fault or INT n into the guest's IDT: the trap plus the
 *    frame push, about 2500 cycles [assumption];
 *  - a port access handed to the VMX user world: a full world switch out of
 *    the VMM and back, about 20000 cycles [assumption: VMware documents
 *    VMX-emulated devices as the slow path; tens of microseconds per access
 *    on 2006 hardware];
 *  - a privilege switch through the VMM's call-gate stub: 300 cycles
 *    [assumption: a call gate plus an IRET].
 */
#ifndef SIM_COST_H
#define SIM_COST_H

#define COST_INSN          1u	  /* one directly executed instruction */
#define COST_TRAP          2000u  /* trap to the VMM, emulate, resume */
#define COST_REFLECT       2500u  /* deliver into the guest's IDT */
#define COST_VMX_IO        20000u /* port access emulated by the VMX */
#define COST_RING_SWITCH   300u	  /* VMM-made privilege change */

#endif
