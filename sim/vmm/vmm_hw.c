/*
 * vmm_hw.c - hardware assist, modelled on Intel VT-x.
 *
 * With VT-x (2005) the CPU gained a second set of privilege levels: the VMM
 * runs in "root" mode, the guest in "non-root" mode - *at its own ring 0*.
 * Nothing is deprivileged any more, so the sensitive instructions give the
 * right answers by themselves: POPF sets IF, SGDT shows the guest's GDT.
 * Instead of trapping on privilege, the CPU leaves the guest ("VM exit")
 * on the events the VMM chose in its VMCS controls, saves the guest state,
 * and runs the VMM; VM entry resumes the guest.  Each exit has a reason
 * number (Intel SDM vol. 3C, appendix C "VMX basic exit reasons").
 *
 * Unicorn has no VT-x, so ringside models it: the guest kernel is shown at
 * ring 0 in non-root mode, though Unicorn runs it at CPL 1 underneath, and
 * every instruction the model must see is intercepted before it runs.
 * Those that would exit under the controls below are VM exits; the rest
 * are done the way non-root ring-0 hardware does them, with no exit and no
 * VMM in the path.  The controls are the primary ones of the first VT-x
 * processors (2005-2006: no secondary controls, so no descriptor-table
 * exiting, no WBINVD exiting, no EPT), as a VMM with shadow page tables of
 * the time set them [Intel SDM vol. 3C ch. 24-25; Adams & Agesen 2006]:
 *
 *   always exit              CPUID (10), INVD (13), triple fault (2)
 *   HLT exiting              HLT (12)
 *   INVLPG exiting           INVLPG (14)        (shadow page tables)
 *   RDPMC exiting            RDPMC (15), at ring 0 or with CR4.PCE set
 *                            (elsewhere the CPU's own #GP comes first);
 *                            the VMM has no counters to show: #UD
 *   CR0/CR4 guest/host masks MOV to CR0/CR4, CLTS, LMSW (28), only
 *                            when they change a bit the VMM owns (below)
 *   CR3-load/store exiting   MOV to/from CR3 (28)
 *   MOV-DR exiting           MOV to/from DRn (29)
 *   unconditional I/O        IN OUT INS OUTS (30)
 *   no MSR bitmaps           RDMSR (31), WRMSR (32)
 *   TSC offsetting           RDTSC runs with no exit: the CPU adds the
 *                            VMCS's TSC offset, so guest time stays virtual
 *   external-interrupt exiting  a device interrupt while the guest runs
 *                            exits (1); the VMM injects the guest's
 *                            virtual interrupt on the next VM entry
 *   interrupt-window exiting set by the VMM while a virtual interrupt
 *                            waits for the guest's IF: exits (7) once
 *                            STI, POPF or IRET opens the window; then the
 *                            interrupt is injected
 *
 * No exit: CLI, STI, PUSHF, POPF, IRET, INT n, far transfers, segment
 * loads, LAR/LSL/VERR/VERW; LGDT LIDT LLDT LTR and SGDT SIDT SLDT STR (the
 * guest's own descriptor-table registers are live in non-root mode, which
 * is why SGDT gives the right answer); WBINVD; SMSW and MOV from CR0/CR4
 * (answered from the CR read shadows); MOV to/from CR2; the guest's own
 * exceptions (delivered through its IDT by the CPU).
 */
#include "vmm/cost.h"
#include "vm.h"
#include "vmm/vmm_priv.h"

/*
 * The CR0 and CR4 guest/host masks [Intel SDM vol. 3C 24.6.6].  A bit set
 * in a mask is the VMM's: the guest reads it from the read shadow (the
 * value the guest believes it wrote) and a write that would change it
 * exits; a bit clear is the guest's, live in the real register, read and
 * written with no exit [SDM 25.1.3, 27.1.3 for what an exit then saves].
 * What a VMM of 2006 with shadow page tables owns:
 *   CR0.PE, CR0.PG  VMX operation of the first VT-x processors requires
 *                   both set (IA32_VMX_CR0_FIXED0): a guest with paging
 *                   off runs on the VMM's 1:1 shadow page tables;
 *   CR0.NE          fixed to 1 in VMX operation (IA32_VMX_CR0_FIXED0);
 *   CR0.WP          decides how the shadow page tables treat supervisor
 *                   writes to read-only pages;
 *   CR0.CD, CR0.NW  caching is the host's, not the guest's;
 *   CR4.PSE PAE PGE the page-table formats the shadows are built in;
 *   CR4.VMXE        set while in VMX operation; the guest must see it 0.
 * The guest keeps CR0.MP EM TS ET AM (its FPU switching, its alignment
 * checks) and CR4.VME PVI TSD DE MCE PCE OSFXSR OSXMMEXCPT: changing
 * these costs no exit.  (The first KVM, Linux 2.6.20 of 2007,
 * drivers/kvm/kvm.h, has the same KVM_GUEST_CR0_MASK and
 * KVM_VM_CR0_ALWAYS_ON; its CR4 mask also owns VME, because it ran the
 * guest's real mode in virtual-8086 mode, which ringside's guests never use.)
 */
#define HW_CR0_OWNED (X86_CR0_PE | X86_CR0_NE | X86_CR0_WP | X86_CR0_NW | \
		      X86_CR0_CD | X86_CR0_PG)
#define HW_CR4_OWNED (X86_CR4_PSE | X86_CR4_PAE | X86_CR4_PGE | X86_CR4_VMXE)
/* The values the VMM gives the bits it owns in the real registers. */
#define HW_CR0_REAL (X86_CR0_PE | X86_CR0_NE | X86_CR0_WP | X86_CR0_PG)
#define HW_CR4_REAL X86_CR4_VMXE

/* SDM vol. 3C table C-1. */
enum {
	EXIT_EXCEPTION_NMI = 0, EXIT_EXTERNAL_INTERRUPT = 1, EXIT_INTERRUPT_WINDOW = 7,
	EXIT_TRIPLE_FAULT = 2, EXIT_CPUID = 10, EXIT_HLT = 12, EXIT_INVD = 13,
	EXIT_INVLPG = 14, EXIT_RDPMC = 15, EXIT_CR_ACCESS = 28,
	EXIT_DR_ACCESS = 29, EXIT_IO = 30, EXIT_RDMSR = 31, EXIT_WRMSR = 32
};

const char *vmm_exit_reason_name(int reason)
{
	switch (reason) {
	case EXIT_EXCEPTION_NMI: return "exception or NMI";
	case EXIT_EXTERNAL_INTERRUPT: return "external interrupt";
	case EXIT_INTERRUPT_WINDOW: return "interrupt window";
	case EXIT_TRIPLE_FAULT: return "triple fault";
	case EXIT_CPUID: return "CPUID";
	case EXIT_HLT: return "HLT";
	case EXIT_INVD: return "INVD";
	case EXIT_INVLPG: return "INVLPG";
	case EXIT_RDPMC: return "RDPMC";
	case EXIT_CR_ACCESS: return "control-register access";
	case EXIT_DR_ACCESS: return "MOV DR";
	case EXIT_IO: return "I/O instruction";
	case EXIT_RDMSR: return "RDMSR";
	case EXIT_WRMSR: return "WRMSR";
	default: return "?";
	}
}

static const struct cost_exit *exit_cost(int reason)
{
	for (size_t i = 0; i < COST_EXIT_REASONS; i++)
		if (cost_exit_table[i].reason == reason)
			return &cost_exit_table[i];
	return NULL;
}

uint32_t vmm_exit_cost(int reason)
{
	const struct cost_exit *c = exit_cost(reason);

	return COST_VMX_ROUND_TRIP + (c ? c->handling : 0);
}

const char *vmm_exit_cost_note(int reason)
{
	const struct cost_exit *c = exit_cost(reason);

	return c ? c->note : COST_NO_SOURCE;
}

/* The exit an instruction causes under the controls above, or -1. */
int vmm_hw_exit_reason(const struct x86_instruction *in)
{
	enum x86_register cr = X86R_NONE;

	switch ((enum x86_op)in->op) {
	case X86_OP_CPUID: return EXIT_CPUID;
	case X86_OP_HLT: return EXIT_HLT;
	case X86_OP_INVD: return EXIT_INVD;
	case X86_OP_INVLPG: return EXIT_INVLPG;
	case X86_OP_RDPMC: return EXIT_RDPMC;
	case X86_OP_CLTS: case X86_OP_LMSW: return EXIT_CR_ACCESS;
	case X86_OP_MOV_TO_CR:
		cr = (enum x86_register)in->ops[0].reg;
		return cr == X86R_CR2 ? -1 : EXIT_CR_ACCESS;
	case X86_OP_MOV_FROM_CR:
		cr = (enum x86_register)in->ops[1].reg;
		return cr == X86R_CR3 ? EXIT_CR_ACCESS : -1;
	case X86_OP_MOV_TO_DR: case X86_OP_MOV_FROM_DR: return EXIT_DR_ACCESS;
	case X86_OP_IN: case X86_OP_OUT: case X86_OP_INS: case X86_OP_OUTS:
		return EXIT_IO;
	case X86_OP_RDMSR: return EXIT_RDMSR;
	case X86_OP_WRMSR: return EXIT_WRMSR;
	default: return -1;
	}
}

uint32_t vmm_hw_cr_mask(int cr)
{
	return cr == 0 ? HW_CR0_OWNED : cr == 4 ? HW_CR4_OWNED : 0;
}

uint32_t vmm_hw_cr_shadow(const struct vcpu *v, int cr)
{
	/* the VMM writes the guest's value to the shadow on every CR exit */
	return cr == 0 ? v->virt.cr0 : cr == 4 ? v->virt.cr4 : 0;
}

uint32_t vmm_hw_cr_real(const struct vcpu *v, int cr)
{
	uint32_t mask = vmm_hw_cr_mask(cr);
	uint32_t own = cr == 0 ? HW_CR0_REAL : cr == 4 ? HW_CR4_REAL : 0;

	return (vmm_hw_cr_shadow(v, cr) & ~mask) | (own & mask);
}

/*
 * Does this CR0/CR4 access exit, given the value it writes, the masks and
 * the read shadows?  SDM vol. 3C 25.1.3: MOV to CR0/CR4 exits if a masked
 * bit of the source differs from the shadow; CLTS if CR0.TS is masked and
 * set in the shadow; LMSW if it would set a masked PE that the shadow has
 * clear, or change a masked MP, EM or TS.
 */
static bool cr_write_exits(struct vcpu *v, const struct x86_instruction *in)
{
	uint32_t m0 = HW_CR0_OWNED, s0 = vmm_hw_cr_shadow(v, 0), src;
	enum x86_register cr;

	switch ((enum x86_op)in->op) {
	case X86_OP_CLTS:
		return (m0 & s0 & X86_CR0_TS) != 0;
	case X86_OP_LMSW:
		src = vmm_operand_read(v, &in->ops[0]);
		return ((m0 & X86_CR0_PE) && (src & X86_CR0_PE) &&
			!(s0 & X86_CR0_PE)) || ((src ^ s0) & m0 & 0xeu) != 0;
	case X86_OP_MOV_TO_CR:
		cr = (enum x86_register)in->ops[0].reg;
		if (cr != X86R_CR0 && cr != X86R_CR4)
			return true;	/* CR3: CR3-load exiting */
		src = vmm_operand_read(v, &in->ops[1]);
		return ((src ^ vmm_hw_cr_shadow(v, cr == X86R_CR0 ? 0 : 4)) &
			vmm_hw_cr_mask(cr == X86R_CR0 ? 0 : 4)) != 0;
	default:
		return true;
	}
}

/*
 * The step engine is about to run bi in hardware-assist mode.  Returns true
 * if the model handled it (exit or no-exit emulation), false if it should
 * simply run (innocuous code).
 */
bool vmm_hw_intercept(struct vcpu *v, const struct block_insn *bi)
{
	int reason = vmm_hw_exit_reason(&bi->x);

	if (bi->cls == CLASS_INNOCUOUS)
		return false;
	if (reason == EXIT_CR_ACCESS && vmm_ring_allows(v, bi->cls, &bi->x) &&
	    !cr_write_exits(v, &bi->x))
		reason = -1;	/* only the guest's bits change: no exit */
	vmm_do(v, bi, reason >= 0 ? ENTRY_EXIT : ENTRY_HARDWARE,
	       reason >= 0 ? (uint32_t)reason : 0, bi->x.addr + bi->x.len);
	return true;
}

/*
 * A VM exit caused by an event rather than an instruction: an external
 * interrupt (1) or an open interrupt window (7).  The interrupt itself is
 * then injected on the VM entry (VM-entry interruption-information field),
 * which is the "interrupt" event that follows.
 */
void vmm_hw_count_exit(struct vcpu *v, int reason)
{
	v->stats.exits++;
	v->stats.exit_reasons[reason & 63]++;
	vmm_charge(v, vmm_exit_cost(reason));
}

static void event_exit(struct vcpu *v, int reason)
{
	vmm_hw_count_exit(v, reason);
	vmm_trap_event(v, NULL, 0, TRAP_VM_EXIT, false, 0, 0, 0,
		       (uint8_t)reason);
}

void vmm_hw_interrupt_exit(struct vcpu *v)
{
	event_exit(v, EXIT_EXTERNAL_INTERRUPT);
}

void vmm_hw_window_exit(struct vcpu *v)
{
	event_exit(v, EXIT_INTERRUPT_WINDOW);
}
