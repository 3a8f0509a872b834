/*
 * vmm_priv.h - what the VMM's files share among themselves (not public).
 *
 *   vmm.c          block accounting, instruction/trap/I/O events, port
 *                  dispatch, cost charging, the slice's clock
 *   vmm_run.c      the run loop: fast engine by block, step engine
 *   vmm_trap.c     what to do with each trap, callout or VM exit:
 *                  emulate, reflect, deliver; which ring may run what
 *   vmm_emu.c      one instruction carried out on the virtual state
 *   vmm_far.c      segment loads and far transfers done for the guest
 *   vmm_deliver.c  delivering exceptions and interrupts through the
 *                  guest's IDT
 *   vmm_switch.c   the guest's view of the CPU; moving between rings
 *   vmm_shadow.c   the real GDT/LDT/TSS, shadowing the guest's tables
 *   vmm_mem.c      guest memory, descriptors, operands, TSS stacks
 *   vmm_devices.c  the VMM's own devices (PIC, PIT)
 *   vmm_irq.c      delivering their interrupts; the STI shadow
 *   vmm_hw.c       hardware assist: the VT-x model
 *   vmm_boot.c     the Multiboot hand-over state, deprivileged
 *   vmm_state.c    a vCPU's state saved and loaded
 *   vmm_privop.c   the privileged instructions, emulated on the virtual CPU
 *   bt*.c          the binary translator (bt_priv.h)
 */
#ifndef SIM_VMM_PRIV_H
#define SIM_VMM_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/cost.h"
#include "vmm/blockcache.h"
#include "event.h"
#include "handler.h"
#include "vmm/vcpu.h"
#include "vmm/vmm.h"
#include "vmx/vmx.h"

/* VMM-private selectors, at the top of the real GDT. */
#define VMM_SEL_CS0    (8184u << 3)		/* flat code, DPL 0 */
#define VMM_SEL_DS0    (8185u << 3)		/* flat data, DPL 0 */
#define VMM_SEL_TSS    (8186u << 3)		/* the real TSS */
#define VMM_SEL_GATE   ((8187u << 3) | 3)	/* call gate into the stub */
#define VMM_SEL_CS1    ((8188u << 3) | 1)	/* flat code, DPL 1 */
#define VMM_SEL_CS2    ((8189u << 3) | 2)	/* flat code, DPL 2 */
#define VMM_SEL_CS3    ((8190u << 3) | 3)	/* flat code, DPL 3 */
#define VMM_SEL_LDT    (8191u << 3)		/* the shadow LDT */

/* Offsets inside the stub page (vmm_shadow.c writes the code). */
#define VMM_STUB_LCALL 0x10	/* lcall through VMM_SEL_GATE */
#define VMM_STUB_GATE  0x20	/* ring 0: load segments, iret */
#define VMM_STUB_IRET  (VMM_STUB_GATE + 5 + 4 * 9)	/* its last instruction */

/*
 * The real CPL that runs each virtual ring (ring deprivileging; guest rings 1 and 2 sharing CPL 2 is
 * "ring compression", Uhlig et al. 2005):
 *
 *   guest ring   0   1   2   3
 *   real CPL     1   2   2   3
 *
 * Ring 0 must leave real ring 0 to the VMM, so it moves out to ring 1.
 * Guest ring 1 moves out too, to ring 2: if it shared CPL 1 with the
 * guest kernel, a kernel IRET down to ring 1 would look to the CPU like a
 * return within one ring and skip the stack switch.  Rings 1 and 2 share
 * CPL 2 instead, a compromise few guests notice (hardly any use both).
 * Shadow descriptors get the same mapping of their DPL.
 */
static inline int vmm_real_cpl(int vring)
{
	return vring == 0 ? 1 : vring == 1 ? 2 : vring;
}

/* The virtual ring of code at real CPL cpl running with CS = cs. */
int vmm_vring_at(struct vcpu *v, int cpl, uint16_t cs);

/* ---- vmm_mem.c: guest memory, descriptors, operands, stack ------------ */

/*
 * The guest's stack for ring `ring` from its TSS (SDM 3A 7.2.1, 32-bit
 * TSS: ESPn at 4 + 8n, SSn after it).  False if there is no TSS or it is
 * too short: the caller raises #TS with the TSS's selector (and EXT).
 */
bool vmm_tss_stack(struct vcpu *v, int ring, uint16_t *ss, uint32_t *esp);

/*
 * The VMM acts for the guest from now until vmm_for_done(v, saved): its
 * accesses are the guest instruction in's (NULL: the one at eip, an
 * interrupt's delivery), and where they meet nothing each is the VMM's
 * trap (vmm_guard_for_guest).  Within an act already begun, the EIP
 * stays the first one's (the delivery of its fault; vmm_deliver names
 * the operation X86_OP_DELIVERY for an exception's or interrupt's frame).
 */
void vmm_for_guest(struct vcpu *v, const struct x86_instruction *in,
		   uint32_t eip, struct vmm_for *saved);
void vmm_for_done(struct vcpu *v, const struct vmm_for *saved);

/* Read guest physical memory; bytes outside RAM read as 0 (a trap, if
 * the VMM acts for the guest). */
void vmm_read_guest(struct vcpu *v, uint32_t addr, void *buf, uint32_t n);
uint32_t vmm_read32(struct vcpu *v, uint32_t addr);
uint16_t vmm_read16(struct vcpu *v, uint32_t addr);

/* The VMM's own look at guest memory (0 outside RAM): never a trap. */
void vmm_peek_guest(struct vcpu *v, uint32_t addr, void *buf, uint32_t n);
uint32_t vmm_peek32(struct vcpu *v, uint32_t addr);

/* Write guest physical memory (outside RAM: dropped, a trap if the VMM
 * acts for the guest), noting code changes. */
void vmm_write_guest(struct vcpu *v, uint32_t addr, const void *buf,
		     uint32_t n);
void vmm_write32(struct vcpu *v, uint32_t addr, uint32_t value);

/*
 * The guest's own descriptor for a selector, from its GDT or LDT as the
 * guest set them (the virtual tables, not the shadow).  Returns false if the
 * selector is null or beyond the table's limit.  vmm_peek_desc: the VMM's
 * own look at it.
 */
bool vmm_guest_desc(struct vcpu *v, uint16_t sel, uint64_t *raw);
bool vmm_peek_desc(struct vcpu *v, uint16_t sel, uint64_t *raw);

/* Base address of the segment in a segment register (guest descriptor). */
uint32_t vmm_seg_base(struct vcpu *v, enum x86_register seg);

/* Linear address of a memory operand. */
uint32_t vmm_operand_addr(struct vcpu *v, const struct x86_operand *op);

/* Value of a register or memory operand, zero-extended to 32 bits. */
uint32_t vmm_operand_read(struct vcpu *v, const struct x86_operand *op);

/* Store to a register or memory operand (size from the operand). */
void vmm_operand_write(struct vcpu *v, const struct x86_operand *op,
		       uint32_t value);

/*
 * A guest stack the VMM pushes to and pops from on the guest's behalf.  A
 * 16-bit stack segment (its descriptor's B flag clear) is addressed with
 * SP, and a push or pop changes SP only, ESP's top half kept (SDM 3A
 * 3.4.5) [tests/guests/stack16.S].
 */
struct vmm_stack {
	uint32_t base;		/* SS base (the guest's descriptor) */
	uint32_t esp;		/* ESP, all of it */
	uint32_t mask;		/* what addresses it: 0xffff (SP), or all */
};

/* The guest's stack now (SS:ESP); a stack of segment d at esp. */
void vmm_stack_of(struct vcpu *v, struct vmm_stack *s);
void vmm_stack_at(struct vmm_stack *s, const struct x86_desc *d, uint32_t esp);
/* The linear address off bytes above the top of s. */
uint32_t vmm_stack_addr(const struct vmm_stack *s, uint32_t off);
/* Move the top of s by n bytes (a RET n's, an IRET's), within its mask. */
void vmm_stack_add(struct vmm_stack *s, uint32_t n);
void vmm_push(struct vcpu *v, struct vmm_stack *s, uint32_t value, int size);
uint32_t vmm_pop(struct vcpu *v, struct vmm_stack *s, int size);

/* ---- vmm_switch.c: the guest's view of the CPU, and moving it ---------- */

/* (struct vmm_target, a state to resume the guest with: vcpu.h) */

/*
 * The guest's current state as a target (to modify and switch to).  While
 * the VMM's stub is armed, the state it is about to IRET to (the guest is
 * already there: a #DB after the instruction that sent it, vmm_do).
 */
void vmm_current_target(struct vcpu *v, struct vmm_target *t);

/*
 * Resume the guest at t.  Sets the virtual IF and IOPL from t->eflags.  If
 * the real CPL changes, the switch goes through the VMM's stub: a call
 * gate to ring 0, then IRET to the target.
 */
void vmm_switch(struct vcpu *v, const struct vmm_target *t);


/* ---- vmm_deliver.c: interrupt delivery --------------------------------- */

enum deliver_kind {
	DELIVER_EXCEPTION = 0,	/* a fault or trap raised by an instruction */
	DELIVER_SOFT,		/* INT n, INT3, INTO: gate DPL is checked */
	DELIVER_EXTERNAL	/* a device interrupt */
};

/*
 * Deliver vector through the guest's IDT as the CPU would: gate checks,
 * stack switch from the guest's TSS, frame push, IF clearing.  A failure
 * during delivery becomes #GP/#NP/#TS/#SS, then #DF, then a triple fault
 * (the VM is powered off).  return_eip is the EIP the frame saves;
 * fault_eip the address of the instruction that caused it (a fault during
 * delivery saves that one).  Returns true if the guest resumes, false on a
 * triple fault.
 */
bool vmm_deliver(struct vcpu *v, int vector, enum deliver_kind kind,
		 bool has_error, uint32_t error, uint32_t return_eip,
		 uint32_t fault_eip);

/* ---- vmm_emu.c, vmm_far.c: an instruction as ring-0 hardware does it --- */

enum emu_result {
	EMU_NEXT = 0,	/* done: continue with the next instruction */
	EMU_JUMP,	/* done: continue at emu.target (a control transfer) */
	EMU_INT,	/* INT n: deliver emu.vector through the guest's IDT */
	EMU_FAULT,	/* the guest's own exception (emu.vector, emu.error) */
	EMU_HALT	/* HLT: the virtual CPU stops */
};

struct emu {
	enum emu_result result;
	int vector;
	uint32_t error;
	struct vmm_target target;	/* EMU_JUMP */
	uint32_t a, b;			/* what changed, for the trap event */
};

/*
 * Carry out instruction `in` (at guest address in->addr) on the guest's
 * state exactly as the real CPU would with the guest in its virtual ring:
 * privileged instructions on the virtual CPU (vmm_privop.c), port I/O
 * through the VMX or the VMM's own PIC and PIT,
 * sensitive ones from the virtual state (the answers real ring-0 hardware
 * gives, which trap-and-emulate cannot).  Moves nothing itself: the caller
 * resumes at in->addr + in->len (EMU_NEXT), switches to out->target, or
 * delivers the fault or interrupt.  `bi` is the instruction's cache entry
 * (for I/O events); may be NULL.
 */
void vmm_emulate(struct vcpu *v, const struct block_insn *bi,
		 const struct x86_instruction *in, struct emu *out);

/* vmm_far.c: loads of segment registers and far transfers. */
void vmm_emu_load_seg(struct vcpu *v, const struct x86_instruction *in,
		      struct emu *out);
void vmm_emu_far(struct vcpu *v, const struct x86_instruction *in,
		 struct emu *out);
/* SYSENTER and SYSEXIT, from the guest's virtual SYSENTER MSRs. */
void vmm_emu_sysenter(struct vcpu *v, struct emu *out);
void vmm_emu_sysexit(struct vcpu *v, struct emu *out);

/* Set the outcome to "the guest's own fault". */
static inline void emu_fault(struct emu *out, int vector, uint32_t error)
{
	out->result = EMU_FAULT;
	out->vector = vector;
	out->error = error;
}

/* ---- vmm_hw.c: the VT-x model ----------------------------------------- */


/* Hardware assist: handle bi before it runs; false: just run it. */
bool vmm_hw_intercept(struct vcpu *v, const struct block_insn *bi);

/* Hardware assist: VM exits for an external interrupt (1), an open
 * interrupt window (7). */
/*
 * A VM exit for `reason` taken: counted (in all and by reason) and its
 * cost charged (vmm_exit_cost).  Every exit goes through here.
 */
void vmm_hw_count_exit(struct vcpu *v, int reason);
void vmm_hw_interrupt_exit(struct vcpu *v);
void vmm_hw_window_exit(struct vcpu *v);

/* ---- vmm_shadow.c ----------------------------------------------------- */

/* Build the VMM's own descriptors, TSS and stubs; load GDTR/IDTR/TR. */
void vmm_shadow_init(struct vcpu *v);

/* Re-copy the guest's GDT / LDT / TSS stack pointers into the real ones. */
void vmm_shadow_gdt(struct vcpu *v);
void vmm_shadow_ldt(struct vcpu *v);
void vmm_shadow_tss(struct vcpu *v);

/* A guest store: if it hit the guest's GDT, LDT or TSS, resync it. */
void vmm_shadow_note_write(struct vcpu *v, uint32_t addr, int size);

/*
 * The CPU stored into the real GDT or LDT: it set the accessed bit of a
 * descriptor it loaded.  Set it in the guest's own descriptor too.
 */
void vmm_shadow_note_real_write(struct vcpu *v, uint32_t addr, int size);

/*
 * Whether the store of value at addr in the real GDT or LDT is the CPU
 * setting the accessed bit of a descriptor shadowed from the guest's (and
 * nothing else): the one store there the guard lets through.
 */
bool vmm_shadow_is_accessed_bit(struct vcpu *v, uint32_t addr, int size,
				 uint32_t value);

/* ---- vmm_trap.c ------------------------------------------------------- */

/* How the VMM got control of an instruction. */
enum vmm_entry {
	ENTRY_TRAP,	/* te: the CPU faulted (#GP) */
	ENTRY_CALLOUT,	/* bt: translated code called the VMM */
	ENTRY_EXIT,	/* hw: a VM exit */
	ENTRY_HARDWARE	/* hw: no exit; what the hardware itself does */
};

/*
 * Carry out instruction bi for the guest and resume it: account the way in
 * (trap, callout, exit), emulate, then continue at the real address `next`,
 * jump, deliver, or halt.  code: the SDM's exit reason (ENTRY_EXIT), or
 * the error code of the #GP the CPU raised (ENTRY_TRAP; SYSENTER raises
 * none); 0 otherwise.
 */
void vmm_do(struct vcpu *v, const struct block_insn *bi, enum vmm_entry how,
	    uint32_t code, uint32_t next);

/*
 * Single-stepping (vmm_trap.c): will the CPU raise a #DB after `in`
 * (EFLAGS.TF set as it begins, and not MOV SS/POP SS)?  Then
 * vmm_single_step gives the guest that #DB, DR6.BS set, with next in its
 * frame; raised: the CPU raised it (or non-root mode would), else the VMM
 * carried the instruction out and raises it itself.
 */
bool vmm_steps_over(struct vcpu *v, const struct x86_instruction *in);
void vmm_single_step(struct vcpu *v, const struct block_insn *bi,
		     uint32_t next, bool raised);

/* The CPU hook for exceptions and INT n. */
void vmm_exception_hook(void *ctx, int vector);

/* The CPU hook for SYSENTER (vmm_trap.c). */
void vmm_sysenter_hook(void *ctx);

/*
 * The CPU's guard hook (cpu.h): 1 (2: bytes run as code) if the access
 * to the VMM's area at addr is the guest's, which finds nothing there
 * (vmm_guard.c).
 */
int vmm_guard(void *ctx, uint32_t addr, int size, int access, uint32_t value);

/* The CPU's no_memory hook (cpu.h): the VMM's trap, an event. */
void vmm_no_memory(void *ctx, uint32_t addr, int size, int access);

/* vmm_run.c: the CPU replaced an engine (cpu_hooks.renewed): EV_ENGINE. */
void vmm_renewed_hook(void *ctx, int engine, uint32_t retranslations);

/* The same trap for the VMM's own access at addr, made for the guest
 * (vmm_for_guest; access: CPU_ACCESS_READ or _WRITE). */
void vmm_guard_for_guest(struct vcpu *v, uint32_t addr, int access);

/*
 * What the VMM's own fault on a page it keeps from the guest costs
 * (memory that does not exist, the local APIC's page): a trap under te
 * and bt, a #PF exit under hw (its shadow page tables map only RAM).
 */
uint32_t vmm_guard_fault_cost(const struct vcpu *v);

/*
 * The guest's EIP is at addr, where there is no memory (past RAM, or the
 * VMM's area): the VMM runs what is fetched there (vmm_guard_run_nothing)
 * from now on.
 */
void vmm_guard_nothing_at(struct vcpu *v, uint32_t addr);

/*
 * Does every access of block b land in RAM (BLOCK_FIXED_ADDRS, at
 * addresses in RAM with the segments as they are)?  Then
 * none reaches the guard, and a block that mixes accesses Unicorn reports
 * with a stale EIP with other loads (BLOCK_STALE_MIXED) runs whole.
 */
bool vmm_guard_block_in_ram(struct vcpu *v, const struct block *b);

/* Is the guest's EIP in nothing, for the VMM to run (vmm_guard.c)? */
bool vmm_guard_in_nothing(const struct vcpu *v);

/*
 * Run the guest's instruction at EIP, some or all of it in nothing (past
 * RAM, the local APIC's page, the VMM's area): the zeros QEMU's CPU
 * fetches there, RAM's bytes for the rest.
 */
int vmm_guard_run_nothing(struct vcpu *v);

/*
 * The guest's EIP for the CPU's eip: the same, but while the VMM runs an
 * instruction from nothing (vmm_guard_run_nothing), where it stands in the
 * guest's code.
 */
uint32_t vmm_guard_nothing_eip(const struct vcpu *v, uint32_t eip);

/*
 * The CPU is about to run [addr, addr+size): true if it may; false if it
 * is the guest jumping into the VMM's area, where it finds nothing: the
 * VMM runs what it fetches there (vmm_guard_run_nothing).
 */
bool vmm_guard_fetch(struct vcpu *v, uint32_t addr, uint32_t size);

/* Arm the stub (the VMM sends the CPU there) or disarm it (vmm_guard.c). */
void vmm_guard_arm(struct vcpu *v, bool armed);


/*
 * Handle an exception raised by instruction bi (NULL if unknown) with the
 * CPU's error code.  eip is where the CPU left EIP.
 */
void vmm_handle_exception(struct vcpu *v, const struct block_insn *bi,
			  int vector, uint32_t error, uint32_t eip);

/* May the guest's current ring execute `in` (class cls)?  (vmm_trap.c) */
bool vmm_ring_allows(const struct vcpu *v, enum insn_class cls,
		     const struct x86_instruction *in);

/* ---- vmm.c: accounting ------------------------------------------------ */

/*
 * The instruction the CPU is at in the current block (fast engine) or
 * step (step engine), given the EIP a hook sees: `after` if the CPU left
 * EIP past the instruction (INT n).  Marks it, and everything before it in
 * the block, as executed and everything after as not.  Returns NULL if no
 * instruction matches.
 */
const struct block_insn *vmm_current_insn(struct vcpu *v, uint32_t eip,
					  bool after);

/*
 * The fast engine abandons the current block at bi, one of its
 * instructions not yet accounted (v->run.cur_done on): those before bi
 * ran, bi and those after it did not and are taken back (bi runs again
 * from the start, in a block of its own: vmm_smc_store).
 */
void vmm_abandon_block(struct vcpu *v, const struct block_insn *bi);

/* ---- vmm_smc.c: self-modifying code on the fast engine ----------------- */

/*
 * A store of the guest's at [addr, addr+size), about to be made on the
 * fast engine: if it lands in the block being run, the CPU abandons that
 * block at the storing instruction, and the count follows.
 */
void vmm_smc_store(struct vcpu *v, uint32_t addr, int size);

/*
 * The fast engine enters a block at addr of size bytes, while a block
 * given up waits for its retry or inside the current block (v->run.cur):
 * the record of the retry (v->run.retry) follows; if the block is the
 * current one given up at a store into the storing instruction's own
 * bytes, which no memory hook saw, the count follows as for
 * vmm_smc_store and the store is noted as vmm_guest_store notes one.
 */
void vmm_smc_next_block(struct vcpu *v, uint32_t addr, uint32_t size);

/*
 * A guest store at [addr, addr+size) in RAM (not the VMM's area): the
 * dirty-page log, the code caches of every engine, the shadow tables.
 */
void vmm_guest_store(struct vcpu *v, uint32_t addr, int size);

/* Count (sign +1) or take back (-1) one executed instruction. */
void vmm_count(struct vcpu *v, const struct block_insn *bi, int sign);

/* Emit the EV_INSN of bi with its handling (path and why), at `cycles`. */
void vmm_emit_insn(struct vcpu *v, const struct block_insn *bi,
		   struct handler h, uint64_t cycles);

/*
 * How bi was handled when it ran on the CPU with no VMM entry: natively,
 * as translated code, in non-root mode, or through a hole (the model,
 * handler.h, for this VM's mode and the guest's ring).
 */
struct handler vmm_direct_handling(struct vcpu *v,
				   const struct block_insn *bi);

/* The fast engine's block is over: emit its remaining EV_INSNs. */
void vmm_finish_block(struct vcpu *v);

/* Record how the current instruction was handled: who acted, and how. */
void vmm_set_path(struct vcpu *v, const struct block_insn *bi,
		  enum insn_path path, enum handler_why why);

/* A port access the VMM hands to the VMX: counts, event, device. */
uint32_t vmm_port_in(struct vcpu *v, const struct block_insn *bi,
		     uint16_t port, int size);
void vmm_port_out(struct vcpu *v, const struct block_insn *bi, uint16_t port,
		  int size, uint32_t value);

/* Add modelled cycles (trap costs) to the vCPU's time. */
void vmm_charge(struct vcpu *v, uint64_t cycles);

/* The port an IN, OUT, INS or OUTS instruction addresses now. */
uint16_t vmm_insn_port(struct vcpu *v, const struct x86_instruction *in);

/* ---- the VMM's own devices and their interrupts (vmm_irq.c) ---- */

/* After the VMM handled `in` (NULL: a port access): let a waiting
 * interrupt in as soon as the guest can take it. */
void vmm_irq_window_check(struct vcpu *v, const struct x86_instruction *in);

/*
 * Instructions the slice still has room for (vmm_slice_begin), at a block
 * boundary: the counters not yet synced (the repeated block) included.
 * A run stops where this reaches 0, however the caller split its budget.
 */
static inline uint64_t vmm_slice_left(const struct vcpu *v)
{
	uint64_t c = v->stats.cycles;

	if (v->run.hot != NULL)
		c += v->run.hot_runs * v->run.hot->n * COST_INSN;
	return c < v->run.cycle_end ? (v->run.cycle_end - c) / COST_INSN : 0;
}

/*
 * CPU hooks for the local APIC's page (vmm_irq.c): a guest load or store
 * there is a trap the VMM answers from the vCPU's APIC (apic.c), 4 bytes
 * at a time, as QEMU's APIC (a narrower load gives 0, a narrower store
 * is dropped).  The VMM's own accesses for the guest go there too
 * (vmm_mem.c).
 */
uint32_t vmm_mmio_read_hook(void *ctx, uint32_t off, int size);
void vmm_mmio_write_hook(void *ctx, uint32_t off, int size, uint32_t value);
/* The guest changed its local APIC (a store, WRMSR of the TSC deadline):
 * an interrupt it lets in ends the run at the next block boundary. */
void vmm_irq_apic_written(struct vcpu *v);

/*
 * A SIPI arrived at a vCPU waiting for one (vmm_sipi.c): run its real-
 * mode trampoline at vector << 12 up to protected mode, and start it.
 */
int vmm_sipi_start(struct vcpu *v, uint8_t vector);

/* A run about to start: how many instructions the STI shadow lets it run. */
uint64_t vmm_irq_shadow_limit(const struct vcpu *v, uint64_t max_insns);

/* A run of `insns` instructions ended: the STI shadow moves on. */
void vmm_irq_shadow_ran(struct vcpu *v, uint64_t insns);

/* The ATA disk controller's registers (vmm_disk.c). */
uint32_t vmm_disk_in(struct vcpu *v, uint16_t port, int size);
void vmm_disk_out(struct vcpu *v, uint16_t port, int size, uint32_t value);

/* Charge cycles of device emulation done by the VMX (a world switch). */
/*
 * Charge VMKernel work done on the vCPU's behalf (esxtop's %SYS): taking
 * the host interrupt behind a virtual one, a sector through the storage
 * stack.  The VMM's own work (traps,
 * callouts, exits) is the VMM world's running time, vmm_charge().
 */
void vmm_charge_vmkernel(struct vcpu *v, uint64_t cycles);

void vmm_charge_vmx(struct vcpu *v, uint64_t cycles);

/* Emit an EV_TRAP for instruction `in` (exit_reason: TRAP_VM_EXIT only). */
void vmm_trap_event(struct vcpu *v, const struct x86_instruction *in, int vector,
		    enum trap_action action, bool has_error, uint32_t error,
		    uint32_t a, uint32_t b, uint8_t exit_reason);

/*
 * The same for how the VMM got instruction `in` (a trap, a callout, a VM
 * exit), once its emulation `e` is done: a and b are what changed, and
 * the event says whether the emulation ended in a fault for the guest.
 */
void vmm_trap_event_emu(struct vcpu *v, const struct x86_instruction *in,
			int vector, enum trap_action action,
			const struct emu *e, uint8_t exit_reason);

/* The step engine, for bt_step: account one instruction, finish it. */
void vmm_begin_step(struct vcpu *v, const struct block_insn *bi);
void vmm_end_step(struct vcpu *v);

/* A HLT the VMM handled in a hook: move EIP past it now. */
void vmm_finish_halt(struct vcpu *v);

/* What cpu_run reported, once the hooks are done (invalid opcode...). */
int vmm_after_run(struct vcpu *v, const struct cpu_exit_info *info);

/* Ask the run to end after this hook returns (do not write EIP too). */
void vmm_stop_soon(struct vcpu *v);

#endif
