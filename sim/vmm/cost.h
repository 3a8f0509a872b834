/*
 * cost.h - the modelled price, in CPU cycles, of what the VMM does.
 *
 * Simulated time in ringside advances with the work done, never with the
 * wall clock: each guest instruction that runs directly costs one cycle, and
 * each time the VMM takes over costs the figure below.  At a configured
 * clock rate (MHz) cycles become nanoseconds.
 *
 * These figures are order-of-magnitude models, not measurements of this
 * machine, and all but one are assumptions: only a VM exit's round trip
 * is a published measurement (below).  Sources and assumptions (see
 * docs/performance.md):
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
 *  - a VM exit followed by a VM entry (hardware assist): the hardware's
 *    round trip, cited, plus the VMM's handling by exit reason where a
 *    source gives it: see COST_VMX_ROUND_TRIP and cost_exit_table below;
 *  - one sector read or written through the VMKernel's storage stack and
 *    VMFS, on top of the port access that asked for it: 10000 cycles
 *    [assumption: ten microseconds, a request served from the array's
 *    cache; a seek on a spinning disk would be milliseconds].
 */
#ifndef SIM_COST_H
#define SIM_COST_H

#include <stdint.h>

#define COST_INSN          1u	  /* one directly executed instruction */
#define COST_TRAP          2000u  /* trap to the VMM, emulate, resume */
#define COST_REFLECT       2500u  /* deliver into the guest's IDT */
#define COST_VMX_IO        20000u /* port access emulated by the VMX */
#define COST_VMM_DEVICE    200u	  /* port access emulated in the VMM */
#define COST_RING_SWITCH   300u	  /* VMM-made privilege change */
#define COST_CALLOUT       100u	  /* translated code calls the VMM */
#define COST_TRANSLATE     300u	  /* per guest instruction translated */
#define COST_STORAGE_IO    10000u /* one sector through the VMKernel's storage stack */
#define COST_VMKERNEL_IRQ       1000u  /* VMKernel: host interrupt behind a
				     virtual one [assumption: an interrupt
				     handler and a post to the VMM] */

/*
 * The price of a VM exit under hardware assist: the round trip (VM exit,
 * then VM entry back into the guest) that the processor itself takes,
 * plus what the VMM does for the exit's reason.
 *
 * The round trip is measured, not assumed.  Agesen, Mattson, Rugina and
 * Sheldon, "Software Techniques for Avoiding Hardware Virtualization
 * Exits", USENIX ATC 2012, table 1 ("hardware round-trip latency", in
 * cycles, of a VM exit and the VM entry back):
 *     Prescott (Pentium 4, 3Q2005)  3963     Nehalem (3Q2009)       1009
 *     Merom (Core 2, 2Q2006)        1579     Westmere (1Q2010)       761
 *     Penryn (1Q2008)               1266     Sandy Bridge (1Q2011)   784
 * ringside's hw mode shows VT-x as Adams & Agesen (ASPLOS 2006) measured
 * it, on a Pentium 4 672, a Prescott: 3963 cycles.  No second source
 * quoting this table has been found: check the paper before citing these
 * figures elsewhere.
 *
 * The VMM's handling of an exit (decoding, emulating, updating the VMCS)
 * depends on the reason, and no source we have gives it per reason for a
 * VMM of 2006: Adams & Agesen's nanobenchmarks (their figure 4: syscall,
 * in, cr8wr, call/ret, pgfault, divzero, ptemod) time whole guest
 * operations, not the VMM's handling of one exit reason.  So the table below charges nothing
 * for handling and says so, rather than invent a figure.  Port I/O adds
 * its device's cost (COST_VMM_DEVICE or COST_VMX_IO, assumptions above)
 * in every mode, and a HLT's wait is the VMKernel's, not cycles.
 */
#define COST_VMX_ROUND_TRIP 3963u /* Prescott, Agesen et al. 2012 table 1 */
#define COST_VMX_ROUND_TRIP_SOURCE \
	"Agesen et al., USENIX ATC 2012, table 1: Prescott (Pentium 4, the CPU of Adams & Agesen 2006)"

struct cost_exit {
	uint8_t reason;		/* Intel SDM vol. 3C appendix C */
	uint32_t handling;	/* the VMM's cycles on top of the round trip */
	const char *note;	/* where handling comes from, or why it is 0 */
};

#define COST_NO_SOURCE "no published figure, none charged"

/* Every exit reason ringside's VT-x model produces (sim/vmm/vmm_hw.c). */
static const struct cost_exit cost_exit_table[] = {
	{ 0, 0, COST_NO_SOURCE "; a #PF on the VMM's shadow page tables: memory that does not exist" },
	{ 1, 0, COST_NO_SOURCE "; the host interrupt is the VMKernel's" },
	{ 7, 0, COST_NO_SOURCE },
	{ 10, 0, COST_NO_SOURCE },
	{ 12, 0, COST_NO_SOURCE "; the wait after it is the VMKernel's" },
	{ 13, 0, COST_NO_SOURCE },
	{ 14, 0, COST_NO_SOURCE },
	{ 15, 0, COST_NO_SOURCE },
	{ 28, 0, COST_NO_SOURCE },
	{ 29, 0, COST_NO_SOURCE },
	{ 30, 0, COST_NO_SOURCE "; the device's work is added [assumption]" },
	{ 31, 0, COST_NO_SOURCE },
	{ 32, 0, COST_NO_SOURCE },
};

#define COST_EXIT_REASONS (sizeof cost_exit_table / sizeof cost_exit_table[0])

#endif
