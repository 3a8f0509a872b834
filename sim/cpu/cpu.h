/*
 * cpu.h - the simulated physical CPU (the only user of Unicorn).
 *
 * A struct cpu is one x86 processor that a vCPU runs on.  It holds two
 * Unicorn engines over the same memory: a *fast* engine that runs whole
 * translated blocks with a per-block hook (the way a VMM lets guest code
 * run directly on the hardware), and a *step* engine that executes exactly
 * one instruction per call (for single-stepping, for exact stops, and for
 * blocks the VMM wants to watch closely).  Only one engine holds the live
 * register state at a time; cpu.c moves it between them.
 *
 * The VMM sees the CPU only through this interface and the callbacks in
 * struct cpu_hooks, which Unicorn calls while guest code runs.
 */
#ifndef SIM_CPU_H
#define SIM_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/x86.h"

/* Callbacks into the VMM, made while cpu_run executes guest code. */
struct cpu_hooks {
	void *ctx;
	/*
	 * The fast engine is about to run the block at [addr, addr+size)
	 * (in guest RAM or the VMM's area).
	 * Return 0 to run it, 1 to stop before it (it does not execute).
	 */
	int (*block)(void *ctx, uint32_t addr, uint32_t size);
	/*
	 * The CPU raised exception or interrupt `vector` (a fault, or INT n).
	 * Unicorn delivers nothing itself: the handler decides everything.
	 * It must call cpu_exception_ack first.
	 */
	void (*exception)(void *ctx, int vector);
	/* IN and OUT (and each element of INS/OUTS). */
	uint32_t (*port_in)(void *ctx, uint16_t port, int size);
	void (*port_out)(void *ctx, uint16_t port, int size, uint32_t value);
	/* A guest store to RAM (for code-change and descriptor tracing). */
	void (*mem_write)(void *ctx, uint32_t addr, int size);
	/*
	 * SYSENTER ran (EIP on it).  Unicorn does no transition itself: the
	 * handler does what the CPU would and may write EIP as usual.
	 */
	void (*sysenter)(void *ctx);
	/* A load or store of the device page (offset in it). */
	uint32_t (*mmio_read)(void *ctx, uint32_t off, int size);
	void (*mmio_write)(void *ctx, uint32_t off, int size, uint32_t value);
	/*
	 * A read or write (value: what is stored) of the VMM's area (struct
	 * cpu_config vmm_base..) by the running code (CPU_ACCESS_*; fetches
	 * there reach the block hook).  Return 0 to let it happen (the VMM's
	 * own: its stub, the CPU reading the descriptor tables it owns), 1 if
	 * it is the guest's, 2 if it is the guest's and the run must stop
	 * before the next block (bytes that are run as code).  The guest's is
	 * made as on a PC where nothing is there: a read gives 0, a store
	 * goes nowhere (cpu_hooks.c hides the VMM's bytes for the access and
	 * puts them back before anyone else looks), and no_memory is told.
	 */
	int (*guard)(void *ctx, uint32_t addr, int size, int access,
		     uint32_t value);
	/*
	 * The guest touched memory that does not exist: past its RAM (no
	 * device there), or the VMM's area (the guard said so).  The access
	 * has been made as nothing: a read gave 0, a store was dropped.
	 */
	void (*no_memory)(void *ctx, uint32_t addr, int size, int access);
	/*
	 * The CPU replaced its engine `engine` (enum cpu_engine) with a new
	 * one, after `retranslations` pieces of translated code thrown away
	 * or made alone (cpu_set_renew_after).  Called by cpu_run before it
	 * runs anything, never inside Unicorn; may be NULL.
	 */
	void (*renewed)(void *ctx, int engine, uint32_t retranslations);
};

enum cpu_access { CPU_ACCESS_READ = 0, CPU_ACCESS_WRITE = 1, CPU_ACCESS_FETCH = 2 };

struct cpu_config {
	uint8_t *ram;		/* guest RAM, owned by the VM, mapped at 0 */
	uint32_t ram_size;	/* multiple of 4 KiB (from there to the */
				/*   VMM's area: nothing, see no_memory) */
	uint8_t *vmm;		/* the VMM's private area, owned by the vCPU */
	uint32_t vmm_base;	/* where it is mapped (top of the 4 GiB) */
	uint32_t vmm_size;
	uint32_t tables_base;	/* the VMM's descriptor tables: stores the CPU */
	uint32_t tables_size;	/*   makes there (accessed bits) reach mem_write */
	uint32_t mmio_base;	/* a device's region (the local APIC's): loads */
	uint32_t mmio_size;	/*   and stores there reach mmio_read/write
				   (0: none) */
	uint8_t apic_id;	/* what CPUID tells this processor it is */
	bool tsc_deadline;	/* CPUID announces the APIC's TSC-deadline
				   timer (leaf 1 ECX bit 24) */
};

/* CPUID.01H:ECX bit 24: the local APIC timer has TSC-deadline mode. */
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)

enum cpu_engine { CPU_FAST = 0, CPU_STEP = 1 };

/* Why cpu_run returned. */
enum cpu_exit {
	CPU_EXIT_STOPPED = 0,	/* budget done, stop requested, or block hook */
	CPU_EXIT_BAD_INSN,	/* invalid opcode at EIP (#UD) */
	CPU_EXIT_BAD_MEMORY,	/* access to unmapped memory (see fault_addr) */
	CPU_EXIT_ERROR		/* Unicorn failed: a ringside bug */
};

struct cpu_exit_info {
	enum cpu_exit exit;
	uint32_t fault_addr;	/* CPU_EXIT_BAD_MEMORY: the address */
	int fault_write;	/* ... and whether it was a write (2 = fetch) */
	const char *error;	/* CPU_EXIT_ERROR: Unicorn's message */
};

struct cpu;

/*
 * Create a CPU over cfg's memory.  The CPU starts at CPL 0 in 32-bit
 * protected mode with flat segments, as Unicorn does.  The hooks struct is
 * copied.  Returns SIM_OK, SIM_ENOMEM or SIM_EINTERNAL (Unicorn missing or
 * broken; *error then says why).
 */
int cpu_create(const struct cpu_config *cfg, const struct cpu_hooks *hooks,
	       struct cpu **out, const char **error);
void cpu_destroy(struct cpu *c);

/*
 * Run guest code from the current EIP.  CPU_FAST runs until the block hook
 * or cpu_request_stop stops it; CPU_STEP runs exactly `count` instructions
 * (count >= 1).  Fills *info.
 */
void cpu_run(struct cpu *c, enum cpu_engine e, uint64_t count,
	     struct cpu_exit_info *info);

/*
 * Run the one instruction at EIP on the step engine; next is the address
 * after it.  Unicorn then translates that instruction alone (its
 * translation ends where the run would end), so a store into the bytes
 * after it is not a store into the code being run: Unicorn 2.0.1 restarts
 * such a store for ever [measured: tests/guests/smcself.S].
 */
void cpu_step_one(struct cpu *c, uint32_t next, struct cpu_exit_info *info);

/*
 * Run the one instruction at EIP, which stores into its own bytes and
 * does not end blocks, on the step engine, up to next, with no count of
 * instructions.  Unicorn gives the instruction's translation up at the
 * store, as any translation stored into (vmm_smc.c), and runs it again
 * alone (cflags_next_tb = 1); but with a count (uc_emu_start's, as
 * cpu_run and cpu_step_one pass 1) the given-up run is counted, and the
 * count ends the run before the retry: EIP unchanged, and the next step
 * gives it up again, for ever [measured: Unicorn 2.0.1, MOV to its own
 * opcode at 0x1001 run with count 1, alone (until 0x1008) or not: a
 * write and two blocks at 0x1001 each time, EIP stays 0x1001; with no
 * count and until 0x1008: two writes, EIP 0x1008; tests/guests/
 * smcshadow.S under hw].  It stops at next, where Unicorn stops before
 * fetching, or at an exception or INT n, which the VMM's exception hook
 * then gets after the run (before the handler runs: tests/guests/
 * smcfault.S): only an instruction that cannot jump elsewhere may use
 * it.
 */
void cpu_step_own(struct cpu *c, uint32_t next, struct cpu_exit_info *info);

/*
 * Unicorn 2.0.1 keeps memory for every piece of code it translates, also
 * once that code is thrown away (cpu_invalidate_code: the guest wrote
 * there) or translated alone (cpu_step_one), and in the end crashes in
 * page_collection_lock (Unicorn issue #1946).  So an engine that has
 * done n of those (default CPU_RENEW_AFTER) is replaced by a new one at
 * the next cpu_run: its register state moves over as between the two
 * engines, its memory is the VM's own, its hooks are made again; only
 * its translations are lost, and made again.  hooks->renewed says so.
 * n = 0: never.  [measured: tests/guests/smcloop.S under te, a million
 * self-patches: peak RSS 890 MB without, 165 MB at n = 65,536, 58 MB at
 * 16,384, in the same 36 s]
 */
#define CPU_RENEW_AFTER 16384u
void cpu_set_renew_after(struct cpu *c, uint32_t n);

/* Ask the running engine to stop at the next opportunity (from a hook). */
void cpu_request_stop(struct cpu *c);

/*
 * Inside the exception hook: read the error code the CPU computed for the
 * exception, and clear Unicorn's "exception in flight" state so the next
 * exception is not mistaken for a double fault (Unicorn bug #1883).
 */
uint32_t cpu_exception_ack(struct cpu *c);

/*
 * What the processor answers to CPUID leaf/subleaf (EAX, EBX, ECX, EDX in
 * out): QEMU's qemu32, the reference machine.  A VMM that emulates CPUID
 * passes these through, as ESX passed the host's features.
 */
void cpu_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4]);

/*
 * The same, on processor c: leaf 1 says its local APIC ID (EBX bits
 * 24-31, as on QEMU's -smp machines), the TSC-deadline timer if its
 * configuration has it (ECX bit 24), and the APIC (EDX bit 9) unless the
 * VMM turned that off (cpu_set_apic_feature).  Its CPUID instruction
 * (te) and the VMM's emulation of it (bt, hw) both answer this.
 */
void cpu_cpuid_of(const struct cpu *c, uint32_t leaf, uint32_t sub,
		  uint32_t out[4]);

/* CPUID.01H:EDX.APIC: on (as at reset) or off (the APIC globally
 * disabled: QEMU's cpu_clear_apic_feature). */
#define CPUID_1_EDX_APIC (1u << 9)
void cpu_set_apic_feature(struct cpu *c, bool on);

/* Registers of the live engine.  Segment registers read as selectors. */
uint32_t cpu_reg(struct cpu *c, enum x86_register r);

/*
 * Write a register.  Segment loads go through the CPU's protection checks
 * (a selector the current CPL may not load fails with SIM_ESTATE).
 */
int cpu_set_reg(struct cpu *c, enum x86_register r, uint32_t value);

/* Descriptor-table registers. */
enum cpu_table { CPU_GDTR, CPU_IDTR, CPU_LDTR, CPU_TR };

struct cpu_table_reg {
	uint16_t selector;	/* LDTR and TR only */
	uint32_t base;
	uint32_t limit;
	uint32_t flags;		/* LDTR/TR: descriptor bits 8-23 of the high word */
};

void cpu_get_table(struct cpu *c, enum cpu_table t, struct cpu_table_reg *out);
int cpu_set_table(struct cpu *c, enum cpu_table t,
		  const struct cpu_table_reg *in);

/* Current privilege level of the real CPU (0..3). */
int cpu_cpl(struct cpu *c);

/* Forget translated code for [addr, addr+len) in both engines. */
void cpu_invalidate_code(struct cpu *c, uint32_t addr, uint32_t len);

/*
 * The same, for the engine that is *not* running: the running one noticed
 * the store itself (guest stores to code from inside a hook).
 */
void cpu_invalidate_code_idle(struct cpu *c, uint32_t addr, uint32_t len);

/*
 * The complete register state of the CPU (everything Unicorn keeps: general,
 * segment, control, FPU registers...), to take and put back later.
 */
struct cpu_state;
int cpu_state_save(struct cpu *c, struct cpu_state **out);
void cpu_state_load(struct cpu *c, const struct cpu_state *st);
void cpu_state_free(struct cpu_state *st);

/* The engine that holds the live state now. */
enum cpu_engine cpu_active_engine(const struct cpu *c);

/* Unicorn's version as "2.0.1". */
const char *cpu_library_version(void);

#endif
