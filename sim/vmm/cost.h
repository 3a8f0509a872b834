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
 *  - a port access to a device the VMM emulates itself (PIC, PIT):
 *    200 cycles on top of the trap, callout or exit that brought the
 *    VMM in [assumption: a few register updates in the monitor];
 *  - a port access handed to the VMX user world: a full world switch out of
 *    the VMM and back, about 20000 cycles [assumption: VMware documents
 *    VMX-emulated devices as the slow path; tens of microseconds per access
 *    on 2006 hardware];
 *  - a privilege switch through the VMM's call-gate stub: 300 cycles
 *    [assumption: a call gate plus an IRET];
 *  - a callout from translated code into the VMM (binary translation):
 *    100 cycles [assumption: a call and return within the VMM's own ring,
 *    no fault; Adams & Agesen describe callouts as far cheaper than traps];
 *  - translating one guest instruction: 300 cycles [assumption];
 *  - a VM exit followed by a VM entry (hardware assist): 1500 cycles
 *    [assumption: Adams & Agesen, ASPLOS 2006, measured round trips of
 *    this order on the first VT-x processors, and argued that exits, not
 *    instructions, dominate the cost of hardware assist];
 *  - one sector read or written through the VMKernel's storage stack and
 *    VMFS, on top of the port access that asked for it: 10000 cycles
 *    [assumption: ten microseconds, a request served from the array's
 *    cache; a seek on a spinning disk would be milliseconds].
 */
#ifndef SIM_COST_H
#define SIM_COST_H

#define COST_INSN          1u	  /* one directly executed instruction */
#define COST_TRAP          2000u  /* trap to the VMM, emulate, resume */
#define COST_REFLECT       2500u  /* deliver into the guest's IDT */
#define COST_VMX_IO        20000u /* port access emulated by the VMX */
#define COST_VMM_DEVICE    200u	  /* port access emulated in the VMM */
#define COST_RING_SWITCH   300u	  /* VMM-made privilege change */
#define COST_CALLOUT       100u	  /* translated code calls the VMM */
#define COST_TRANSLATE     300u	  /* per guest instruction translated */
#define COST_VM_EXIT       1500u  /* VM exit + VM entry */
#define COST_STORAGE_IO    10000u /* one sector through the VMKernel's storage stack */
#define COST_VMKERNEL_IRQ       1000u  /* VMKernel: host interrupt behind a
				     virtual one [assumption: an interrupt
				     handler and a post to the VMM] */

#endif
