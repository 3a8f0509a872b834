/*
 * vmm.h - the virtual machine monitor: runs a guest deprivileged and takes
 * over whenever the guest does something only ring 0 may do.
 *
 * Trap-and-emulate, the classical VMM ("ring deprivileging", Adams &
 * Agesen, ASPLOS 2006, section 2; ESX never ran guest kernel code this
 * way: it translated it, bt.h, deprivileged the same way):
 *  - the guest kernel runs at real CPL 1, guest user code at CPL 3 (and
 *    guest rings 1 and 2, if used, at CPL 2): all execute directly on the
 *    hardware;
 *  - the VMM owns the real GDT, IDT and TSS, kept in a private area at the
 *    top of the address space that guest segments are truncated to exclude;
 *    the guest's descriptors are *shadowed* there with DPL 0 turned into 1;
 *    (see vmm_real_cpl in vmm_priv.h for the whole mapping)
 *  - a privileged instruction at CPL 1 raises #GP; the VMM decodes it and
 *    emulates it on the virtual CPU state (vcpu.h) itself; the VMKernel
 *    takes part only when the guest halts (its world blocks);
 *  - exceptions and INT n go to the VMM first; it delivers them through the
 *    guest's own IDT exactly as the hardware would have (reflected), and
 *    the exceptions its emulation decides the same way (injected);
 *  - port I/O traps too: the VMM answers the PIC and the PIT itself
 *    (vmm_devices.c) and sends every other port to the VMX (vmx.c).
 *
 * The private area (4 MiB at VMM_BASE, one per vCPU):
 *   +0x000000  real GDT, 8192 descriptors (top 8 are the VMM's own)
 *   +0x010000  shadow LDT
 *   +0x020000  stub code that switches privilege levels
 *   +0x021000  real TSS
 *   +0x022000  frame the stubs return through
 *   +0x030000  top of the VMM's ring-0 stack
 *   +0x031000  a page of zeros: code the guest runs from nothing
 */
#ifndef SIM_VMM_H
#define SIM_VMM_H

#include <stdint.h>

#include "vmx/guest.h"
#include "vmm/vcpu.h"

#define VMM_BASE 0xffc00000u
#define VMM_SIZE 0x00400000u
#define VMM_GDT_OFF   0x000000u
#define VMM_LDT_OFF   0x010000u
#define VMM_STUB_OFF  0x020000u
#define VMM_TSS_OFF   0x021000u
#define VMM_FRAME_OFF 0x022000u
#define VMM_STACK_OFF 0x030000u
#define VMM_NOTHING_OFF 0x031000u

/*
 * The guest may use GDT entries 0..VMM_GUEST_GDT_ENTRIES-1; the VMM keeps
 * the last eight for itself.
 */
#define VMM_GUEST_GDT_ENTRIES 8184

/* Why vmm_run returned. */
enum vmm_stop {
	VMM_STOP_BUDGET = 0,	/* ran the requested number of instructions */
	VMM_STOP_HALTED,	/* the vCPU executed HLT */
	VMM_STOP_OFF,		/* the VM powered off */
	VMM_STOP_REQUESTED	/* the VMM stopped early: see struct vmm_ran */
};

/* The CPU time the VMKernel gives a vCPU: from t0_ns, so many cycles. */
struct vmm_slice {
	uint64_t t0_ns;		/* simulated time the slice begins */
	uint64_t cycles;	/* cycles it may use (each run: >= 1 insn) */
};

/* What one vmm_run did, for the VMKernel that gave the slice. */
struct vmm_ran {
	enum vmm_stop why;
	uint64_t insns;		/* instructions it ran */
	bool irq_window;	/* an interrupt can come in now: vmm_irq_poll */
};

/* The callbacks the CPU must make into the VMM for vCPU v. */
void vmm_hooks(struct vcpu *v, struct cpu_hooks *out);

/* Prepare a vCPU for the Multiboot hand-over state in *boot. */
int vmm_vcpu_init(struct vcpu *v, const struct guest_boot *boot);

/*
 * The VMKernel scheduled this vCPU: its clock reads s->t0_ns now, and the
 * runs that follow end once s->cycles have been used (struct vmm_ran).
 */
void vmm_slice_begin(struct vcpu *v, const struct vmm_slice *s);

/*
 * End the slice no later than simulated time ns (UINT64_MAX: no change):
 * something the VMM did (a device programmed) brought an interrupt
 * nearer than the VMKernel knew when it gave the slice.
 */
void vmm_slice_until(struct vcpu *v, uint64_t ns);

/* Has the VMM's work used the slice's cycles up? */
bool vmm_slice_spent(const struct vcpu *v);

/* Simulated time as this vCPU has reached it within its slice. */
uint64_t vmm_now_ns(struct vcpu *v);

/*
 * Run up to max_insns guest instructions (exactly that many unless the
 * guest halts or powers off, the slice is spent (vmm_slice_spent), or an
 * interrupt can come in first).  Returns SIM_OK or SIM_EINTERNAL.
 */
int vmm_run(struct vcpu *v, uint64_t max_insns, struct vmm_ran *out);

/* Run exactly one guest instruction (the step engine). */
int vmm_step(struct vcpu *v, enum vmm_stop *why);

/*
 * Finish a privilege switch the VMM started (the CPU is in the VMM's stub),
 * so the CPU is back in guest code.  Not for use inside CPU hooks.
 */
int vmm_settle(struct vcpu *v);

/* Stop a running vCPU as soon as possible (safe from hooks). */
void vmm_request_stop(struct vcpu *v);

/*
 * Store the disk write the controller holds for want of room again
 * (vmm_disk.c, ata_retry), on vCPU 0's account.  False if none is held.
 */
bool vmm_disk_retry(struct vm *vm);

/*
 * The guest's CS, SS and EIP as it believes them to be: its own RPL 0 for
 * kernel code, and its own code address even while translated code runs.
 */
uint16_t vmm_guest_cs(struct vcpu *v);
uint16_t vmm_guest_ss(struct vcpu *v);
uint32_t vmm_guest_eip(struct vcpu *v);

/* The guest-visible EFLAGS: real flags with the virtual IF and IOPL. */
uint32_t vmm_guest_eflags(struct vcpu *v);

/*
 * Bring v->stats up to date (the fast path counts repeated blocks lazily).
 * Call before reading the counters in the middle of a run.
 */
void vmm_sync_counters(struct vcpu *v);

/*
 * Rebuild the VMM's real GDT, LDT and TSS from the vCPU's virtual state
 * (after a snapshot of that state was put back).
 */
void vmm_rebuild_tables(struct vcpu *v);

/* The name the Intel SDM gives a VM exit reason ("I/O instruction"). */
const char *vmm_exit_reason_name(int reason);

/*
 * The modelled cycles of a VM exit for this reason: the hardware's round
 * trip plus the VMM's handling (sim/vmm/cost.h, with its sources), and
 * what the handling figure rests on.
 */
uint32_t vmm_exit_cost(int reason);
const char *vmm_exit_cost_note(int reason);

/*
 * Hardware assist: the VM exit reason an instruction causes under the VMX
 * controls ringside's VMM sets (vmm_hw.c), or -1 if the CPU handles it in
 * non-root mode without leaving the guest.
 */
int vmm_hw_exit_reason(const struct x86_instruction *in);

/*
 * Hardware assist's CR0 and CR4 (cr 0 or 4): the guest/host mask (the
 * bits the VMM owns: a write changing one exits), the read shadow (what
 * the guest reads for them) and the value the CPU really runs the guest
 * with.  A MOV to CR0/CR4, CLTS or LMSW that changes only the guest's
 * bits runs in non-root mode with no exit (vmm_hw.c).
 */
uint32_t vmm_hw_cr_mask(int cr);
uint32_t vmm_hw_cr_shadow(const struct vcpu *v, int cr);
uint32_t vmm_hw_cr_real(const struct vcpu *v, int cr);

/*
 * Between runs: if the guest can take an interrupt now (its virtual IF is
 * set and the PIC has one), acknowledge it and deliver it through the
 * guest's IDT, waking a halted vCPU.  Emits an EV_TRAP "interrupt".
 */
int vmm_irq_poll(struct vcpu *v);

/* Refresh v->cpl and v->vring from the real CPU. */
void vmm_sync_ring(struct vcpu *v);

#endif
