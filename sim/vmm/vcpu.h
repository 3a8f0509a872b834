/*
 * vcpu.h - a virtual CPU: what the guest believes beside what is real.
 *
 * The guest kernel thinks it owns ring 0.  It does not: the VMM runs it at
 * ring 1 ("ring deprivileging") and keeps, for every piece of state the
 * guest can see at ring 0, a *virtual* copy: the interrupt flag, the I/O
 * privilege level, the control registers, the descriptor-table registers,
 * the model-specific registers.  Privileged instructions trap to the VMM,
 * which reads and writes this virtual copy instead of the real CPU.  The
 * real CPU's registers (in struct cpu) belong to the VMM.
 */
#ifndef SIM_VCPU_H
#define SIM_VCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/apic.h"
#include "vmm/blockcache.h"
#include "cpu/classify.h"
#include "cpu/cpu.h"
#include "event.h"

/* The virtual MSRs a guest can read and write (others read as 0). */
enum vcpu_msr {
	VMSR_TSC,		/* 0x010 IA32_TIME_STAMP_COUNTER */
	VMSR_APIC_BASE,		/* 0x01b IA32_APIC_BASE */
	VMSR_SYSENTER_CS,	/* 0x174 */
	VMSR_SYSENTER_ESP,	/* 0x175 */
	VMSR_SYSENTER_EIP,	/* 0x176 */
	VMSR_PAT,		/* 0x277 IA32_PAT */
	VMSR_EFER,		/* 0xc0000080 */
	VMSR_COUNT
};

/* The CPU state as the guest believes it to be. */
struct vcpu_virt {
	uint32_t cr0, cr2, cr3, cr4;
	uint32_t dr[8];			/* DR0-DR7 (4 and 5 alias 6 and 7) */
	uint32_t gdt_base;		/* GDTR */
	uint16_t gdt_limit;
	uint32_t idt_base;		/* IDTR */
	uint16_t idt_limit;
	uint16_t ldtr;			/* LDTR selector and its descriptor */
	uint32_t ldt_base, ldt_limit;
	uint16_t tr;			/* TR selector and its TSS */
	uint32_t tr_base, tr_limit;
	bool iflag;			/* EFLAGS.IF: interrupts enabled */
	uint8_t iopl;			/* EFLAGS.IOPL */
	uint64_t msr[VMSR_COUNT];
	uint64_t tsc_offset;		/* guest TSC = cycles + offset */
};

enum vcpu_state {
	VCPU_RUNNING = 0,
	VCPU_HALTED,			/* HLT: waiting for an interrupt */
	VCPU_STOPPED			/* the VM is off */
};

/*
 * Counters, per vCPU.  Instructions are counted once each as executed.
 * Only uint64_t members (vcpu_stats_add adds them as an array); the
 * single ones are listed, with their names, in vcpu_stats.c.
 */
struct vcpu_stats {
	uint64_t insns;
	uint64_t by_class[CLASS_COUNT];
	uint64_t by_vring[4];		/* by the ring the guest believes */
	uint64_t by_cpl[4];		/* by the real CPL */
	uint64_t by_path[PATH_COUNT];
	uint64_t traps;			/* privileged instructions emulated */
	uint64_t reflected;		/* the CPU's faults passed on to the
				   guest (not the VMM's: injected) */
	uint64_t soft_ints;		/* INT n delivered by the VMM */
	uint64_t vmm_emulated;		/* sensitive instructions fixed up */
	uint64_t io;			/* port accesses sent to the VMX */
	uint64_t vmm_io;		/* ... answered by the VMM (PIC, PIT) */
	uint64_t ring_switches;		/* VMM-made privilege changes */
	uint64_t callouts;		/* bt: translated code called the VMM */
	uint64_t exits;			/* hw: VM exits */
	uint64_t exit_reasons[64];	/* hw: VM exits by SDM reason number */
	uint64_t by_mode[MODE_COUNT];	/* instructions by execution mode */
	uint64_t cycles;		/* modelled cycles consumed */
	uint64_t sys_cycles;		/* ... of which VMKernel work done for it (%SYS) */
	uint64_t vmx_cycles;		/* ... of which the VMX's (device work) */
	uint64_t interrupts;		/* device interrupts delivered */
};

struct vm;

/*
 * The STI shadow, as the VMM plays it (vmm_irq.c).  STI enables interrupts
 * one instruction late, so `sti; hlt` cannot lose a wake-up: when STI
 * finds an interrupt waiting, the run ends after STI, exactly one more
 * instruction runs, and only then does the interrupt come in.
 */
enum vmm_sti_shadow {
	STI_SHADOW_NONE = 0,	/* nothing pending */
	STI_SHADOW_STI_RAN,	/* STI ran with an interrupt waiting: stop */
	STI_SHADOW_ONE_MORE	/* the next run is the one instruction after it */
};

/*
 * The retry of a block the fast engine gave up (vmm_smc.c).  x86 makes a
 * store into code about to run take effect before it runs; QEMU, and
 * Unicorn with it, keeps that promise for a store into the block being
 * run by giving the block up before the store, then running the storing
 * instruction again alone, in a block of one instruction it lets finish
 * (cflags_next_tb = 1, TARGET_HAS_PRECISE_SMC).  A block of one
 * instruction is also what follows STI or MOV SS, or what TF makes, and
 * a CALL alone is also a jump back to it: only this record tells the
 * retry apart.
 */
enum vmm_retry_state {
	RETRY_NONE = 0,		/* no block given up */
	RETRY_DUE,		/* given up at eip: the next block there of
				   len bytes is its retry */
	RETRY_RUNNING		/* the fast engine runs that retry */
};

struct vmm_retry {
	enum vmm_retry_state state;
	uint32_t eip;		/* the storing instruction ... */
	uint32_t len;		/* ... and its length: the retry's block */
};

/*
 * A complete register state to resume the guest with, *as the guest sees
 * it*: CS and SS with the guest's own RPL (0 for its kernel), EFLAGS with
 * its virtual IF and IOPL, EIP in its own code.  vmm_switch() turns it
 * into the real state (ring deprivileging, translated code).
 */
struct vmm_target {
	uint32_t eip, esp, eflags;
	uint16_t cs, ss, ds, es, fs, gs;
};

/*
 * Accesses to guest memory the VMM makes for the guest, as the CPU would
 * (an instruction it carries out, an interrupt it delivers): of nothing,
 * each is the VMM's trap, as when the CPU makes it (vmm_mem.c).
 */
struct vmm_for {
	bool on;				/* the VMM acts for the guest */
	uint32_t eip;				/* ... for the instruction here */
	const struct x86_instruction *in;	/* ... this one (NULL: unknown) */
	bool delivery;				/* ... delivering an exception
						   or interrupt (its frame) */
};

/*
 * The CPU's own accesses of nothing since the VMM last acted for the
 * guest, all by the instruction at eip (vmm_guard.c).  Under te the VMM
 * carries out an instruction after the CPU tried it and trapped (IRET):
 * its loads the CPU made already are not trapped a second time.
 */
#define VMM_CPU_NOTHING 8
struct vmm_cpu_nothing {
	uint32_t eip;
	int n;
	struct { uint32_t addr; int access; } at[VMM_CPU_NOTHING];
};

/*
 * The VMM's private run state of a vCPU: which block it is in, how much
 * of the run is left, the instruction being stepped, the interrupt
 * shadow, the slice the VMKernel gave it.  Only sim/vmm/ reads or writes
 * these; vmm_state.c saves and loads what outlives a run.
 */
struct vmm_run {
	uint64_t blocks_run;		/* engine use (diagnostics, not state): */
	uint64_t steps_run;		/* blocks on the fast engine, steps on the other */

	/* the slice the VMKernel gave (vmm_slice_begin) */
	uint64_t slice_ns;		/* simulated time when this slice began */
	uint64_t slice_cycles;		/* stats.cycles when this slice began */
	uint64_t cycle_end;		/* the slice ends here ... */
	bool cycle_hit;			/* ... and the VMM's work reached it */

	/* recently run blocks, by address (vmm.c lookup()) */
#define VCPU_LOOKUP_SLOTS 256
	const struct block *lookup[VCPU_LOOKUP_SLOTS];
	const uint64_t *code_gen;	/* the block cache's generation ... */
	uint64_t lookup_gen;		/* ... when lookup[] was filled */

	/* lazy accounting (vmm_sync_counters): runs of `hot` not yet counted */
	const struct block *hot;
	uint64_t hot_runs;
	/* the slice has room until hot_runs reaches hot_limit, for this
	 * block (block_hook; NULL once the VMM's own work used cycles) */
	const struct block *limit_block;
	uint64_t hot_limit;

	/* the block the fast engine is running (vmm.c) */
	const struct block *cur;
	uint32_t cur_done;		/* instructions of cur accounted as run */
	uint64_t cur_t0;		/* cycles when cur started */
	int ring_dirty;			/* re-read CPL before the next block */
	uint64_t budget;		/* instructions this run may still run */
	int slow_next;			/* a block was declined: step it */
	uint32_t slow_lo, slow_hi;	/* ... its address range */
	struct vmm_retry retry;		/* a block given up, and its retry */

	/* the instruction the step engine is running */
	const struct block_insn *step_insn;
	struct block_insn step_copy;	/* bt: a stable copy of it */
	int step_accounted;

	int stop_request;		/* a hook asked the run to end */
	int pending_halt;		/* HLT seen in a hook; finish after stop */
	uint32_t halt_next;		/* ... where to resume after it */

	/* the binary translator's view (bt mode) */
	bool in_bt;			/* running translated code from the TC */
	uint16_t bt_cs;			/* ... standing for this guest CS */
	const uint64_t *tc_gen;		/* the translator's view generation */
	bool tc_stale;			/* translated code was written: stop */

	/* interrupts (vmm_irq.c) */
	bool irq_window;		/* stopped so an interrupt can come in */
	enum vmm_sti_shadow sti_state;	/* STI's shadow, as runs go */
	bool sti_shadow;		/* STI ran: no interrupt before ... */
	uint32_t sti_next;		/* ... the instruction here has run */

	/* the real tables the VMM shadows (vmm_shadow.c) */
	uint32_t gdt_shadowed;		/* guest GDT entries copied to the real one */
	uint32_t ldt_shadowed;		/* guest LDT entries in the shadow LDT */
	bool stub_armed;		/* the VMM sent the CPU to its stub */
	struct vmm_target stub_target;	/* ... to IRET to this (vmm_switch.c) */
	uint32_t nothing_eip;		/* the guest's EIP, where there is no
					   memory: the VMM runs it (0: not;
					   vmm_guard.c) */
	struct vmm_for for_guest;	/* whose accesses the VMM is making
					   (vmm_mem.c, vmm_for_guest) */
	struct vmm_cpu_nothing cpu_nothing;	/* ... and the CPU made */
	uint32_t polls;			/* CPU runs, for sim_poll (vmm_run.c) */
};

/*
 * A virtual CPU as the rest of the simulator sees it: the virtual CPU
 * state, whether it runs, its rings and its counters.  `run` is the VMM's.
 */
struct vcpu {
	struct vm *vm;			/* owner */
	int id;
	struct cpu *cpu;		/* the physical CPU it runs on */
	uint8_t *vmm_area;		/* the VMM's private memory (vmm.h) */
	struct vcpu_virt virt;
	struct apic apic;		/* its local APIC (apic.c owns it) */
	enum vcpu_state state;
	int vring;			/* ring the guest believes it is in */
	int cpl;			/* real CPL */
	struct vcpu_stats stats;
	bool trace_insns;		/* someone wants EV_INSN events */
	/* execution mode (event.h enum exec_mode): te, hw, or bt/direct */
	uint8_t exec;
	struct bt *bt;			/* the translator (bt.h), bt mode only */
	struct vmm_run run;		/* the VMM's, private (above) */
};

#endif
