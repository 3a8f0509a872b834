/*
 * vmm_guard.c - the VMM's area is out of the guest's reach, and memory
 * that does not exist behaves as on the reference PC.
 *
 * A deprivileging VMM lives in the guest's own address space: ringside's
 * keeps its real GDT, LDT, TSS, the stub that changes privilege levels
 * and (under binary translation) the translation cache in the top 4 MiB
 * (vmm.h).  VMware hid that area by truncating every guest segment below
 * it, so a guest access there is a #GP the VMM sees, and emulates as an
 * access to whatever the guest's machine has at that address [Adams &
 * Agesen, ASPLOS 2006, sec. 3.2; Bugnion et al., TOCS 2012, sec. 6.2].
 * On the reference PC (qemu-system-i386) nothing is there: a load gives
 * 0 and a store goes nowhere, as past the end of RAM [measured:
 * tests/guests/nomem.S], so that is what the guest gets, in every mode.
 *
 * Unicorn, like QEMU's TCG, does not check segment limits, so the VMM
 * checks each access to the area itself (cpu.h, the guard hook) and lets
 * through only its own:
 *   - the stub, run when the VMM switches rings (switch_via_stub arms
 *     it; a jump there is refused when it is not armed), and what the
 *     stub and its far call and IRET read and write;
 *   - under binary translation, the translation cache, run as such;
 *   - the CPU reading a descriptor of the guest's part of the real GDT
 *     or of the shadow LDT (a segment load, a far jump through the
 *     guest's gate), and setting the accessed bit of one the VMM copied
 *     from the guest's own tables (vmm_shadow_is_accessed_bit): a read
 *     made while an instruction that reads descriptors runs, of bytes
 *     that instruction does not load for itself (running_stale);
 *   - the CPU reading the real TSS for an inner ring's stack, or one of
 *     the VMM's own descriptors: they have DPL 0 unless the stub is
 *     armed (vmm_guard_arm), so a guest load of one is #GP(selector).
 * Anything else is the guest's: the CPU makes it as nothing (cpu_hooks.c
 * hides the VMM's bytes for that access and puts them back), and the
 * VMM's trap is an event (vmm_no_memory).  Past the end of RAM the CPU
 * has nothing mapped, and every access comes here too.
 *
 * Unicorn's hook does not say whether a read is the CPU's own descriptor
 * read or a load of the guest's, and inside its helpers (those that read
 * descriptors: a segment load, a far transfer and a far CALL's pushes,
 * IRET, LAR; and CMPXCHG8B, BOUND, x87, FXSAVE, FXRSTOR) the EIP it
 * reports is still that of the last plain access before [measured:
 * tests/guests/descread.S, iretvmm.S, helpereip.S, pusheip.S].  So the
 * instruction decides: the one being stepped, or the one in a block run
 * whole whose accesses have a stale EIP (x86_stale_eip), a block that
 * mixes that with another instruction's loads (or a far CALL with
 * another's pushes) being stepped up to its last such instruction
 * (BLOCK_STALE_MIXED, blockcache.c).  The trap names that instruction
 * and its operation, as the VMM's for its own accesses do.  The answer is
 * exact whatever the guest's code, at the price of stepping those
 * instructions (a kernel's return to user mode: MOV to FS and GS, then
 * IRET).
 * Code fetched from nothing is zeros, run by the VMM one instruction at a
 * time (vmm_guard_run_nothing, below).
 */
#include <string.h>

#include "cpu/cpu.h"
#include "sim.h"
#include "status.h"
#include "vm.h"
#include "vmm/bt.h"
#include "vmm/cost.h"
#include "vmm/vmm_priv.h"

static bool in_stub(uint32_t off)
{
	return off >= VMM_STUB_OFF && off < VMM_STUB_OFF + 0x1000;
}

/*
 * A descriptor of the guest's part of the real GDT (copied from the
 * guest's, or zero: the null one, and those past the guest's limit, where
 * a load faults as it should) or of the shadow LDT.  The VMM's own eight
 * descriptors are not the guest's.
 */
static bool guest_descriptor(uint32_t off)
{
	if (off < VMM_LDT_OFF)		/* the GDT is at VMM_GDT_OFF, 0 */
		return off < 8 * VMM_GUEST_GDT_ENTRIES;
	return off < VMM_STUB_OFF;
}

/*
 * The VMM's gate into its stub (slot 8187) and its flat ring 1-3 code
 * segments (8188-8190) are usable only while the stub is armed: DPL 3, 1,
 * 2 and 3 then, DPL 0 otherwise, so that a guest naming them (past its own
 * GDT limit, which the real GDT's does not enforce) gets #GP(selector), as
 * on QEMU where they are past the limit (tests/guests/vmmgate.S).
 */
void vmm_guard_arm(struct vcpu *v, bool armed)
{
	uint64_t *gdt = (uint64_t *)(v->vmm_area + VMM_GDT_OFF);
	static const unsigned dpl[4] = { 3, 1, 2, 3 };	/* gate, CS1-CS3 */

	v->run.stub_armed = armed;
	if (armed)
		v->run.nothing_eip = 0;	/* the VMM sends the CPU there */
	for (int i = 0; i < 4; i++)
		gdt[8187 + i] = x86_raw_with_dpl(gdt[8187 + i], armed ? dpl[i] : 0);
}

bool vmm_guard_fetch(struct vcpu *v, uint32_t addr, uint32_t size)
{
	uint32_t off = addr - VMM_BASE;

	if (addr < VMM_BASE)
		return true;
	if (off >= BT_TC_OFF && v->run.in_bt)
		return true;	/* translated code, run as translated code */
	if (!in_stub(off) || !v->run.stub_armed) {
		vmm_guard_nothing_at(v, addr);	/* the guest's jump */
		return false;
	}
	if (off + size > VMM_STUB_OFF + VMM_STUB_IRET)
		vmm_guard_arm(v, false);	/* its last instruction */
	return true;
}

/* Do [a, a + n) and [b, b + m) meet (modulo 4 GiB, as addresses wrap)? */
static bool overlap(uint32_t a, uint32_t n, uint32_t b, uint32_t m)
{
	return (n && b - a < n) || (m && a - b < m);
}

/*
 * Does [addr, addr + size) touch what instruction d accesses for itself:
 * its memory operand (a far pointer, a selector; what a helper loads or
 * stores, up to FXSAVE's and FXRSTOR's 512 bytes), the stack it pops (POP
 * to a segment register, a far RET or IRET: the whole frame of a return
 * to an outer ring) or, for a store, the stack a far CALL pushes on
 * (its own, or an inner ring's from the TSS: in a block run whole no other
 * instruction pushes, BLOCK_STALE_MIXED)?  The registers are still d's
 * own: the CPU writes them once its accesses are done.
 */
static bool own_access(struct vcpu *v, const struct x86_instruction *d,
		       uint32_t addr, int size, bool store)
{
	bool far = d->op == X86_OP_LOAD_FAR_PTR || d->op == X86_OP_CALL_FAR ||
		   d->op == X86_OP_JMP_FAR;
	bool helper = !x86_op_reads_descriptors((enum x86_op)d->op);
	struct vmm_stack s;
	uint32_t n = 0;

	for (int k = 0; k < d->nops; k++) {
		const struct x86_operand *op = &d->ops[k];
		uint32_t len = far ? d->opsize + 2u :	/* off:sel */
			       helper ? 512u : op->size;

		if (op->kind != X86_OPND_MEM)
			continue;
		if (overlap(vmm_operand_addr(v, op), len, addr, (uint32_t)size))
			return true;
	}
	if (store && d->op == X86_OP_CALL_FAR)
		return true;
	if (d->op == X86_OP_POP_SREG)
		n = d->opsize;
	else if (d->op == X86_OP_IRET)
		n = 5u * d->opsize;	/* EIP, CS, EFLAGS, ESP, SS */
	else if (d->op == X86_OP_RET_FAR)
		n = 4u * d->opsize + (d->nops && d->ops[0].kind == X86_OPND_IMM ?
				      (uint32_t)d->ops[0].imm : 0);
	vmm_stack_of(v, &s);
	return overlap(vmm_stack_addr(&s, 0), n, addr, (uint32_t)size);
}

/* The guest's block the CPU is running whole (NULL: the VMM's glue
 * between translated units, or a block not decoded). */
static const struct block *running_block(struct vcpu *v)
{
	const struct block *b = v->run.cur;
	uint32_t eip;

	if (b == NULL) {
		eip = cpu_reg(v->cpu, X86R_EIP);
		if (v->run.in_bt && eip >= VMM_BASE + BT_TC_OFF)
			eip = bt_guest_eip(v, eip);	/* the guest's */
		b = blockcache_get(v->vm->code, eip, 0);
	}
	return b != NULL && b->n > 0 ? b : NULL;
}

/*
 * The instruction the CPU is running whose accesses Unicorn reports with a
 * stale EIP (x86_stale_eip: it reads descriptors, or accesses memory in a
 * helper), or NULL; *glue when the CPU runs none of the guest's (the VMM's
 * glue between translated units).  Stepped, the instruction is known; in
 * a block run whole, it is the block's one such instruction that accesses
 * memory for itself, or any if none does: a block that mixes one with
 * another instruction's loads is stepped (BLOCK_STALE_MIXED), as the EIP
 * Unicorn reports inside its helpers is a previous instruction's
 * [measured: tests/guests/descread.S, helpereip.S].
 */
static const struct block_insn *running_stale(struct vcpu *v, bool *glue)
{
	const struct block_insn *si = v->run.step_insn;
	const struct block *b;

	*glue = false;
	if (si != NULL)
		return x86_stale_eip(&si->x) ? si : NULL;
	b = running_block(v);
	if (b == NULL) {
		*glue = true;
		return NULL;
	}
	return block_stale_insn(b);
}

/*
 * The guest's instruction at eip, which the CPU is running (the one
 * stepped, or one of the block run whole), or NULL if the VMM has not
 * decoded it: to name its operation in the trap, as the VMM names its own
 * accesses for an instruction.
 */
static const struct x86_instruction *running_at(struct vcpu *v, uint32_t eip)
{
	const struct block_insn *si = v->run.step_insn;
	const struct block *b = si != NULL ? NULL : running_block(v);

	if (si != NULL)
		return si->x.addr == eip ? &si->x : NULL;
	for (uint32_t i = 0; b != NULL && i < b->n; i++)
		if (b->insns[i].x.addr == eip)
			return &b->insns[i].x;
	return NULL;
}

/*
 * Is a read of the descriptor tables the CPU's (a descriptor for an
 * instruction that loads one, or an inner ring's SS:ESP), not the guest's
 * own load of their bytes (which finds nothing)?  Unicorn does not say:
 * it is the CPU's when the instruction running reads descriptors and the
 * bytes are not the ones it loads for itself (its far pointer, the frame
 * it pops), which the guest gets as nothing, as any other load.
 */
static bool reads_descriptors(struct vcpu *v, uint32_t addr, int size)
{
	bool glue;
	const struct block_insn *d = running_stale(v, &glue);

	if (glue)
		return true;	/* not the guest's code: the VMM's */
	return d != NULL && x86_op_reads_descriptors((enum x86_op)d->x.op) &&
	       !own_access(v, &d->x, addr, size, false);
}

/* 1: the guest's access, 2: ... of bytes run as code (stop before more). */
int vmm_guard(void *ctx, uint32_t addr, int size, int access, uint32_t value)
{
	struct vcpu *v = ctx;
	uint32_t off = addr - VMM_BASE;
	bool tables = off < VMM_STUB_OFF ||
		      (off >= VMM_TSS_OFF && off < VMM_TSS_OFF + 0x68);

	if (in_stub(cpu_reg(v->cpu, X86R_EIP) - VMM_BASE))
		return 0;	/* the stub's own far call, loads and IRET */
	if (access == CPU_ACCESS_WRITE && guest_descriptor(off) &&
	    vmm_shadow_is_accessed_bit(v, addr, size, value))
		return 0;	/* the CPU marks a descriptor accessed */
	if (access == CPU_ACCESS_READ && tables &&
	    reads_descriptors(v, addr, size))
		return 0;	/* a descriptor, or an inner ring's SS:ESP; the
				   VMM's own have DPL 0 unless armed (#GP) */
	return in_stub(off) || off >= BT_TC_OFF ? 2 : 1;
}

/*
 * The trap a real VMM takes on the guest's access to nothing, and its
 * answer: under te and bt a #GP (the truncated segment) for the VMM's
 * area, a page fault (nothing mapped) past RAM; under hw a VM exit for
 * a #PF (exit reason 0, exception or NMI): the VT-x of 2006 has no EPT, so
 * the VMM runs the guest on shadow page tables (1:1 while the guest's
 * paging is off, vmm_hw.c) that map only its RAM, with #PF set in the
 * exception bitmap (as the first KVM did without EPT).  The VMM sees the
 * address is none of the guest's and answers for the memory that is not
 * there; the guest never sees the fault.  Counted and shown, not acted on: the CPU made the access as
 * nothing already, and a stop in the middle of a block would end it early
 * while its instructions are counted whole.
 */
uint32_t vmm_guard_fault_cost(const struct vcpu *v)
{
	return v->exec == MODE_HW ? vmm_exit_cost(0) : COST_TRAP;
}

/*
 * The instruction whose access it is, if the EIP Unicorn reports may be a
 * previous one's: a load of a far return's or IRET's frame is made in
 * the helper that reads the descriptor, a far CALL's pushes in its
 * helper, an x87 load or store in its helper, where the EIP is stale.
 * The instruction running is known (running_stale), and so is what it
 * accesses.
 */
static const struct x86_instruction *accessor(struct vcpu *v, uint32_t addr,
					      int size, int access)
{
	bool glue;
	const struct block_insn *d;

	if (v->run.step_insn != NULL)
		return NULL;	/* stepped: the EIP is the instruction's */
	d = running_stale(v, &glue);
	return d != NULL && own_access(v, &d->x, addr, size,
				       access == CPU_ACCESS_WRITE) ? &d->x : NULL;
}

/* The VMM's trap for an access of nothing by instruction in (NULL: the
 * one at the guest's EIP): its cost, and the event. */
static void no_memory_trap(struct vcpu *v, const struct x86_instruction *in,
			   uint32_t addr, int access)
{
	v->stats.cycles += vmm_guard_fault_cost(v);
	v->run.limit_block = NULL;	/* the slice's room changed */
	vmm_trap_event(v, in, addr >= VMM_BASE && v->exec != MODE_HW ?
			      X86_GP : X86_PF,
		       TRAP_NO_MEMORY, false, 0, addr, (uint32_t)access, 0);
}

/* Did the CPU trap already for this access of instruction eip's? */
static bool cpu_made(const struct vcpu *v, uint32_t eip, uint32_t addr,
		     int access)
{
	const struct vmm_cpu_nothing *c = &v->run.cpu_nothing;

	for (int i = 0; i < c->n && c->eip == eip; i++)
		if (c->at[i].addr == addr && c->at[i].access == access)
			return true;
	return false;
}

void vmm_no_memory(void *ctx, uint32_t addr, int size, int access)
{
	struct vcpu *v = ctx;
	const struct x86_instruction *in = accessor(v, addr, size, access);
	struct vmm_cpu_nothing *c = &v->run.cpu_nothing;
	uint32_t eip = in != NULL ? in->addr : vmm_guest_eip(v);

	if (in == NULL)
		in = running_at(v, eip);	/* (NULL: named by its EIP) */

	if (v->run.step_insn != NULL)	/* stepped: its path is the VMM's */
		vmm_set_path(v, v->run.step_insn, PATH_VMM,
			     v->exec == MODE_HW ? WHY_EXIT : WHY_TRAP);
	if (c->n > 0 && c->eip != eip)
		c->n = 0;
	if (c->n < VMM_CPU_NOTHING && !cpu_made(v, eip, addr, access)) {
		c->eip = eip;
		c->at[c->n].addr = addr;
		c->at[c->n++].access = access;
	}
	no_memory_trap(v, in, addr, access);
}

/*
 * The VMM's own access, made for the guest (vmm_mem.c): where the CPU
 * would have made it, a real VMM would take the same fault (an unmapped
 * page, a truncated segment; under hw the #PF exit its shadow page tables
 * give), and so does ringside's, naming the instruction it carries out,
 * or the delivery of an exception or interrupt at its EIP (X86_OP_DELIVERY:
 * the frame it pushes, the gate and descriptors it reads; an INT n's are
 * the instruction's own).
 */
void vmm_guard_for_guest(struct vcpu *v, uint32_t addr, int access)
{
	const struct vmm_for *f = &v->run.for_guest;
	struct x86_instruction at = {
		.addr = f->eip,
		.op = f->delivery ? X86_OP_DELIVERY : X86_OP_OTHER,
	};

	if (cpu_made(v, f->eip, addr, access))
		return;	/* te: the CPU tried it and trapped there already */
	no_memory_trap(v, f->in != NULL && !f->delivery ? f->in : &at, addr,
		       access);
}

/*
 * Code fetched from nothing.  QEMU's CPU runs what it reads there, zeros:
 * ADD [EAX], AL, two bytes at a time, until something (an interrupt)
 * takes it elsewhere [measured: tests/guests/nocode.S].  So it does in
 * the local APIC's page, whose registers answer 0 to a read narrower than
 * 4 bytes (QEMU's apic_mem_read), and QEMU fetches opcode and ModRM a byte
 * at a time [measured: nocode.S, a 1-byte load at 0xfee00030 gives 0, a
 * 4-byte one 0x00050014].  An instruction partly in RAM is read the same
 * way: RAM's bytes, and zeros for the rest.  One that wraps from
 * 0xffffffff to 0 runs on QEMU from the last byte of its BIOS ROM, which
 * is 0 as well [measured: tests/guests/jmptop.S]; one that begins in RAM
 * and ends past it makes QEMU 7.2 itself abort (an assertion in its
 * translator), so QEMU with more RAM, zeros there, is the reference for
 * it [tests/guests/badmem.S].
 *
 * A real VMM takes the fault (the truncated code segment, an unmapped
 * page; under hw a #PF exit) and emulates the instruction; ringside's VMM
 * runs it on the step engine from a page of zeros it keeps for that
 * (VMM_NOTHING_OFF), the RAM part of its bytes copied in for that one
 * instruction, then puts EIP back where the guest is: after it, or where
 * a relative branch goes (an absolute one went there already), with a
 * CALL's return address the guest's.  The TC, the stub and the block hook
 * never take the EIP for theirs while nothing_eip holds it; an exception
 * raised meanwhile is the guest's, at its own EIP (vmm_guard_nothing_eip).
 */
#define NOTHING_LIN (VMM_BASE + VMM_NOTHING_OFF)

static const uint8_t zeros[X86_INSN_MAX];

void vmm_guard_nothing_at(struct vcpu *v, uint32_t addr)
{
	v->run.nothing_eip = addr;
}

bool vmm_guard_in_nothing(const struct vcpu *v)
{
	return v->run.nothing_eip != 0 && !v->run.stub_armed &&
	       cpu_reg(v->cpu, X86R_EIP) == v->run.nothing_eip;
}

uint32_t vmm_guard_nothing_eip(const struct vcpu *v, uint32_t eip)
{
	if (v->run.step_insn == NULL || eip - NOTHING_LIN > X86_INSN_MAX)
		return eip;
	return v->run.step_insn->x.addr + (eip - NOTHING_LIN);
}

/*
 * Nothing at a, for code: past RAM, the local APIC's page (it fetches as
 * zeros too) and the VMM's area with it.
 */
static bool nothing_there(const struct vcpu *v, uint32_t a)
{
	return a >= v->vm->ram_size;
}

/* A direct branch (JMP, Jcc, CALL, LOOP rel): its target, relative. */
static bool relative_branch(const struct x86_instruction *x)
{
	return (x->op == X86_OP_JMP || x->op == X86_OP_JCC ||
		x->op == X86_OP_CALL || x->op == X86_OP_LOOP) &&
	       x->nops > 0 && x->ops[0].kind == X86_OPND_IMM;
}

/*
 * Where the guest is (*next), once its instruction x (at eip) ran at
 * NOTHING_LIN and the CPU is at ran: after it (or at it, faulted), or
 * where its relative branch goes; elsewhere, where it jumped or where the
 * VMM delivered an exception (under bt: into its translation, which is
 * not the guest's to go on from: false).  A CALL's return address is made
 * the guest's.
 */
static bool back_to_guest(struct vcpu *v, const struct x86_instruction *x,
			  uint32_t eip, uint32_t ran, uint32_t *next)
{
	uint32_t off = ran - NOTHING_LIN, ret = NOTHING_LIN + x->len, sp;
	struct vmm_stack s;

	if (x->op == X86_OP_CALL) {
		vmm_stack_of(v, &s);
		sp = vmm_stack_addr(&s, 0);
		if (vmm_peek32(v, sp) == ret)
			vmm_write32(v, sp, eip + x->len);
	}
	*next = ran;
	if (off <= X86_INSN_MAX)
		*next = eip + off;
	else if (relative_branch(x) && off == (uint32_t)x->ops[0].imm - eip)
		*next = (uint32_t)x->ops[0].imm;
	else if (v->run.in_bt && ran >= VMM_BASE + BT_TC_OFF)
		return false;
	return true;
}

/* The guest's code at eip (RAM's bytes, zeros where there is nothing) into
 * the VMM's page of zeros, or out of it (n bytes; Unicorn's translations
 * of them forgotten). */
static void nothing_page(struct vcpu *v, const uint8_t *code, uint32_t n)
{
	memcpy(v->vmm_area + VMM_NOTHING_OFF, code ? code : zeros, n);
	cpu_invalidate_code(v->cpu, NOTHING_LIN, n);
}

int vmm_guard_run_nothing(struct vcpu *v)
{
	uint32_t eip = cpu_reg(v->cpu, X86R_EIP), next;
	uint8_t code[X86_INSN_MAX];
	struct block_insn bi = { .xlat = 0 };
	struct cpu_exit_info info;
	uint32_t i = 0, len;
	bool ram, flow;
	int rc;

	v->run.nothing_eip = 0;
	vmm_peek_guest(v, eip, code, sizeof code);	/* 0 past RAM */
	if (disasm_decode(sim_disasm(v->vm->sim), code, sizeof code, eip,
			  &bi.x) != SIM_OK) {
		bi.x.addr = eip;	/* the CPU reads on and gives #UD */
		bi.x.len = sizeof code;
	}
	len = bi.x.len;
	while (i < len && !nothing_there(v, eip + i))
		i++;			/* the first byte fetched from nothing */
	ram = memcmp(code, zeros, len) != 0;
	bi.cls = (uint8_t)classify_op((enum x86_op)bi.x.op);
	vmm_begin_step(v, &bi);
	vmm_no_memory(v, eip + (i < len ? i : 0), (int)len,
		      CPU_ACCESS_FETCH);
	if (ram)
		nothing_page(v, code, len);
	cpu_set_reg(v->cpu, X86R_EIP, NOTHING_LIN);	/* flat CS: base 0 */
	cpu_run(v->cpu, CPU_STEP, 1, &info);
	if (ram)
		nothing_page(v, NULL, len);
	flow = back_to_guest(v, &bi.x, eip, cpu_reg(v->cpu, X86R_EIP), &next);
	cpu_set_reg(v->cpu, X86R_EIP, next);
	rc = vmm_after_run(v, &info);
	vmm_end_step(v);
	if (!flow || v->vm->state != VM_ON ||
	    cpu_reg(v->cpu, X86R_EIP) != next || v->run.stub_armed)
		return rc;	/* off, or the VMM sent the guest elsewhere */
	if (nothing_there(v, next))
		v->run.nothing_eip = next;	/* on in nothing */
	else if (v->run.in_bt)
		bt_jump_guest(v, next);	/* out of it, into RAM: translated */
	return rc;
}

/* The largest memory operand: FXSAVE's 512 bytes (Intel SDM vol. 2A). */
#define OPERAND_MAX 512

bool vmm_guard_block_in_ram(struct vcpu *v, const struct block *b)
{
	/* (paged or not: Unicorn uses the linear address as physical) */
	if (!(b->flags & BLOCK_FIXED_ADDRS))
		return false;
	for (uint32_t i = 0; i < b->n; i++) {
		const struct x86_instruction *x = &b->insns[i].x;

		for (int k = 0; k < x->nops; k++)
			if (x->ops[k].kind == X86_OPND_MEM &&
			    (uint64_t)vmm_operand_addr(v, &x->ops[k]) +
			    OPERAND_MAX > v->vm->ram_size)
				return false;
	}
	return true;
}
