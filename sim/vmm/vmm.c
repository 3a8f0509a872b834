/*
 * vmm.c - the VMM's run loop: let guest code run directly, account for
 * every instruction, and take over when the hardware traps.
 *
 * Guest code runs on the fast engine one translated block at a time.
 * Before each block the CPU calls block_hook(), which looks the block up in
 * the decode cache and adds its instructions to the counters in one go
 * (per class, per ring): this is what keeps accounting cheap.  If a block
 * is cut short by a fault, the instructions after the fault are taken back.
 *
 * Blocks that do port I/O run on the step engine instead, one instruction
 * at a time, so each access is seen at the exact instruction and a device
 * that powers the VM off stops it at once.  The same engine finishes a run
 * whose budget ends inside a block, so vmm_run executes exactly the number
 * of instructions it was asked for.
 */
#include <string.h>

#include "vmm/bt.h"
#include "vmm/cost.h"
#include "sim.h"
#include "status.h"
#include "vm.h"
#include "vmm/vmm_priv.h"
#include "vmx/vmx.h"
#include "vmm/vmm_devices.h"

static struct event_log *events(struct vcpu *v)
{
	return sim_events(v->vm->sim);
}

/* ---- instruction accounting ------------------------------------------ */

void vmm_count(struct vcpu *v, const struct block_insn *bi, int sign)
{
	uint64_t d = (uint64_t)(int64_t)sign;

	v->stats.insns += d;
	v->stats.by_class[bi->cls] += d;
	v->stats.by_vring[v->vring & 3] += d;
	v->stats.by_cpl[v->cpl & 3] += d;
	v->stats.by_path[PATH_DIRECT] += d;
	v->stats.by_mode[v->exec] += d;
	v->stats.cycles += d * COST_INSN;
	v->run.budget -= d;
	v->run.limit_block = NULL;	/* the slice's room changed */
}

/*
 * Lazy accounting: a block that runs again and again (a loop) is counted
 * once per run by bumping hot_runs; its instructions are added to the
 * per-class and per-ring counters only when another block comes along or
 * someone needs exact figures.  This keeps the per-block cost to a few
 * instructions, which is most of what makes direct execution fast here.
 */
void vmm_sync_counters(struct vcpu *v)
{
	const struct block *b = v->run.hot;
	uint64_t r = v->run.hot_runs, n;

	if (r == 0)
		return;
	n = r * b->n;
	v->stats.insns += n;
	for (int c = 0; c < CLASS_COUNT; c++)
		v->stats.by_class[c] += r * b->class_count[c];
	v->stats.by_vring[v->vring & 3] += n;
	v->stats.by_cpl[v->cpl & 3] += n;
	v->stats.by_path[PATH_DIRECT] += n;
	v->stats.by_mode[v->exec] += n;
	v->stats.cycles += n * COST_INSN;
	v->run.blocks_run += r;
	v->run.hot_runs = 0;
}

struct handler vmm_direct_handling(struct vcpu *v,
				   const struct block_insn *bi)
{
	struct handler h = handler_decide(handler_kind_of(&bi->x, false),
					  (enum exec_mode)v->exec, v->vring);

	if (h.path != PATH_DIRECT) {
		/*
		 * The model expects the VMM, but the operands let it run (an
		 * IRET at CPL 1 to ring 3): for a sensitive instruction that
		 * is a hole, the VMM never saw it.
		 */
		h.path = PATH_DIRECT;
		h.why = v->exec == MODE_HW ? WHY_NONROOT :
			bi->cls == CLASS_SENSITIVE ? WHY_HOLE : WHY_NATIVE;
	}
	return h;
}

void vmm_emit_insn(struct vcpu *v, const struct block_insn *bi,
		   struct handler h, uint64_t cycles)
{
	struct event ev = { .kind = EV_INSN };

	ev.t_ns = v->run.slice_ns +
		  (cycles - v->run.slice_cycles) * 1000u / v->vm->cfg.mhz;
	ev.vm = v->vm->id;
	ev.vcpu = (uint16_t)v->id;
	ev.u.insn.eip = bi->x.addr;
	ev.u.insn.len = bi->x.len;
	memcpy(ev.u.insn.bytes, bi->x.bytes, bi->x.len);
	ev.u.insn.vring = (uint8_t)v->vring;
	ev.u.insn.cpl = (uint8_t)v->cpl;
	ev.u.insn.cls = bi->cls;
	ev.u.insn.path = (uint8_t)h.path;
	ev.u.insn.why = (uint8_t)h.why;
	ev.u.insn.mode = v->exec;
	ev.u.insn.xlat = bi->xlat;
	event_log_emit(events(v), &ev);
}

/* Emit direct-execution events for cur's instructions up to `upto`. */
static void resolve(struct vcpu *v, uint32_t upto)
{
	if (v->run.cur == NULL)
		return;
	if (v->trace_insns)
		for (uint32_t i = v->run.cur_done; i < upto; i++)
			vmm_emit_insn(v, &v->run.cur->insns[i],
				      vmm_direct_handling(v, &v->run.cur->insns[i]),
				      v->run.cur_t0 + (uint64_t)(i + 1) * COST_INSN);
	if (upto > v->run.cur_done)
		v->run.cur_done = upto;
}

void vmm_finish_block(struct vcpu *v)
{
	if (v->run.cur != NULL)
		resolve(v, v->run.cur->n);
	v->run.cur = NULL;
}

/*
 * The current block ends at its instruction i: those before i ran (their
 * events now), those from `from` on did not (taken back).
 */
static void cut_block(struct vcpu *v, uint32_t i, uint32_t from)
{
	const struct block *b = v->run.cur;

	resolve(v, i);
	for (uint32_t j = from; j < b->n; j++)
		vmm_count(v, &b->insns[j], -1);
	v->run.cur_done = b->n;
}

const struct block_insn *vmm_current_insn(struct vcpu *v, uint32_t eip,
					  bool after)
{
	const struct block *b = v->run.cur;
	uint32_t i;

	vmm_sync_counters(v);
	if (v->run.step_insn != NULL)
		return v->run.step_insn;
	if (b == NULL)
		return NULL;
	for (i = v->run.cur_done; i < b->n; i++) {
		const struct x86_instruction *x = &b->insns[i].x;

		if (after ? x->addr + x->len == eip : x->addr == eip)
			break;
	}
	if (i == b->n)
		return NULL;
	cut_block(v, i, i + 1);	/* i is the hook's: it runs */
	return &b->insns[i];
}

void vmm_abandon_block(struct vcpu *v, const struct block_insn *bi)
{
	uint32_t i = (uint32_t)(bi - v->run.cur->insns);

	vmm_sync_counters(v);
	cut_block(v, i, i);	/* bi runs again, in a block of its own */
}

void vmm_set_path(struct vcpu *v, const struct block_insn *bi,
		  enum insn_path path, enum handler_why why)
{
	struct handler h = { path, why };

	uint64_t cycles = v->stats.cycles;

	if (bi == NULL)
		return;
	if (v->run.step_insn != NULL) {
		if (v->run.step_accounted)
			return;		/* rep: one event per instruction */
		v->run.step_accounted = 1;
	} else if (v->run.cur != NULL) {
		cycles = v->run.cur_t0 + (uint64_t)(bi - v->run.cur->insns + 1) *
				     COST_INSN;
	}
	v->stats.by_path[PATH_DIRECT]--;
	v->stats.by_path[path]++;
	if (v->trace_insns)
		vmm_emit_insn(v, bi, h, cycles);
}

void vmm_slice_begin(struct vcpu *v, const struct vmm_slice *s)
{
	vmm_sync_counters(v);
	v->run.slice_ns = s->t0_ns;
	v->run.slice_cycles = v->stats.cycles;
	v->run.cycle_end = s->cycles > UINT64_MAX - v->stats.cycles ?
			   UINT64_MAX : v->stats.cycles + s->cycles;
	v->run.cycle_hit = false;
	v->run.limit_block = NULL;
}

void vmm_slice_until(struct vcpu *v, uint64_t ns)
{
	uint64_t now = vmm_now_ns(v), end = v->stats.cycles;

	if (ns == UINT64_MAX)
		return;
	if (ns > now)
		end += (ns - now) * v->vm->cfg.mhz / 1000u;
	if (end < v->run.cycle_end)
		v->run.cycle_end = end;
}

bool vmm_slice_spent(const struct vcpu *v)
{
	return v->run.cycle_hit;
}

uint64_t vmm_now_ns(struct vcpu *v)
{
	vmm_sync_counters(v);
	return v->run.slice_ns + (v->stats.cycles - v->run.slice_cycles) *
				 1000u / v->vm->cfg.mhz;
}

/*
 * The VMKernel gives a vCPU a run of so many cycles (up to the end of its
 * quantum, or its VM's next timer tick).  Only the VMM's own work can jump
 * far past that in one instruction, so this is where the end is noticed:
 * the run stops right after the instruction being handled.
 */
static void charged(struct vcpu *v)
{
	v->run.limit_block = NULL;	/* the slice's room changed */
	vmm_sync_counters(v);
	if (!v->run.cycle_hit && v->stats.cycles >= v->run.cycle_end) {
		v->run.cycle_hit = true;
		vmm_stop_soon(v);
	}
}

void vmm_charge(struct vcpu *v, uint64_t cycles)
{
	v->stats.cycles += cycles;
	charged(v);
}

void vmm_charge_vmkernel(struct vcpu *v, uint64_t cycles)
{
	v->stats.cycles += cycles;
	v->stats.sys_cycles += cycles;
	charged(v);
}

void vmm_charge_vmx(struct vcpu *v, uint64_t cycles)
{
	v->stats.cycles += cycles;
	v->stats.vmx_cycles += cycles;
	charged(v);
}

void vmm_stop_soon(struct vcpu *v)
{
	v->run.stop_request = 1;
	cpu_request_stop(v->cpu);
}

void vmm_request_stop(struct vcpu *v)
{
	vmm_stop_soon(v);
}

/* ---- rings ------------------------------------------------------------- */

/* Where is the guest now?  The real CPL, refined by vmm_vring_at(). */
void vmm_sync_ring(struct vcpu *v)
{
	int old = v->vring;

	vmm_sync_counters(v);	/* what ran so far ran in the old ring */
	v->cpl = cpu_cpl(v->cpu);
	if (v->run.in_bt)		/* the real CS is the VMM's: ask the guest's */
		v->vring = (int)X86_SEL_RPL(v->run.bt_cs);
	else
		v->vring = vmm_vring_at(v, v->cpl,
					(uint16_t)cpu_reg(v->cpu, X86R_CS));
	if (v->vring != old) {
		struct event ev = { .kind = EV_RING };

		ev.u.ring.from = (uint8_t)old;
		ev.u.ring.to = (uint8_t)v->vring;
		ev.u.ring.cpl = (uint8_t)v->cpl;
		ev.u.ring.eip = cpu_reg(v->cpu, X86R_EIP);
		vm_emit(v->vm, v->id, &ev);
	}
}

uint32_t vmm_guest_eflags(struct vcpu *v)
{
	uint32_t fl = cpu_reg(v->cpu, X86R_EFLAGS);

	fl &= ~(X86_FL_IF | X86_FL_IOPL);
	if (v->virt.iflag)
		fl |= X86_FL_IF;
	fl |= (uint32_t)v->virt.iopl << X86_FL_IOPL_SHIFT;
	return fl;
}

/* ---- CPU hooks ----------------------------------------------------------- */

/*
 * The decoded block for the CPU's block at addr: first in the vCPU's small
 * direct-mapped table (the hot loop hits it every time), then in the
 * VM's block cache.  The table is wiped when the cache retires blocks.
 */
static const struct block *lookup(struct vcpu *v, uint32_t addr,
				  uint32_t size)
{
	unsigned slot = (addr ^ addr >> 9) & (VCPU_LOOKUP_SLOTS - 1);
	uint64_t gen = *v->run.code_gen + (v->run.tc_gen ? *v->run.tc_gen : 0);
	const struct block *b = v->run.hot;

	if (v->run.lookup_gen != gen) {
		memset(v->run.lookup, 0, sizeof v->run.lookup);
		v->run.lookup_gen = gen;
	} else if (b != NULL && b->addr == addr && b->size == size) {
		return b;	/* the same block again: a loop */
	}
	b = v->run.lookup[slot];
	if (b == NULL || b->addr != addr || b->size != size) {
		/* translated code has its own accounting views (bt.c) */
		b = addr >= VMM_BASE ? bt_block(v, addr, size)
				     : blockcache_get(v->vm->code, addr, size);
		v->run.lookup[slot] = b;
	}
	return b;
}

static int block_hook(void *ctx, uint32_t addr, uint32_t size)
{
	struct vcpu *v = ctx;
	const struct block *b;
	uint64_t left;
	bool short_slice = false;

	if (v->run.retry.state != RETRY_NONE ||
	    (v->run.cur != NULL && addr - v->run.cur->addr < v->run.cur->size &&
	     (size < v->run.cur->size || v->run.cur->n == 1)))
		vmm_smc_next_block(v, addr, size);	/* rare: SMC's retry */
	if (v->trace_insns && v->run.cur != NULL)
		resolve(v, v->run.cur->n);
	v->run.cur = NULL;
	if (v->run.stop_request || v->run.tc_stale ||
	    (addr == v->run.nothing_eip && addr != 0))
		return 1;	/* (nothing there: the VMM runs it, vmm_run) */
	if (addr >= VMM_BASE && !(v->run.in_bt && addr >= VMM_BASE + BT_TC_OFF)) {
		if (!vmm_guard_fetch(v, addr, size))
			return 1;	/* the guest jumped into the VMM's area */
	} else {
		if (v->run.stub_armed)	/* the guest's code runs */
			vmm_guard_arm(v, false);
	}
	if (addr >= VMM_BASE && addr < VMM_BASE + BT_TC_OFF)
		return 0;	/* the VMM's own switch stub: not guest work */
	b = lookup(v, addr, size);
	if (b != NULL && b->n == 0)
		return 0;	/* glue between translated units: let it run */
	if (v->run.budget == 0)
		return 1;	/* stop only where a guest instruction begins */
	/*
	 * Room in the slice?  A loop (the same block again) is checked
	 * against a limit worked out once; anything else, or the VMM's own
	 * work since (vmm_charge), works it out again.
	 */
	if (b == NULL || b != v->run.hot || b != v->run.limit_block ||
	    v->run.hot_runs >= v->run.hot_limit) {
		left = vmm_slice_left(v);
		if (left == 0) {
			/* the slice is used up: the VMKernel's turn */
			v->run.cycle_hit = true;
			v->run.stop_request = 1;
			return 1;
		}
		short_slice = b != NULL && b->n > left;
		v->run.limit_block = short_slice ? NULL : b;
		if (b != NULL && !short_slice)
			v->run.hot_limit = (b == v->run.hot ? v->run.hot_runs : 0) +
					   left / b->n;
	}
	if (b == NULL || (b->flags & (BLOCK_HAS_IO | BLOCK_ABSENT)) ||
	    b->n > v->run.budget || short_slice ||
	    (v->exec == MODE_HW && (b->flags & BLOCK_NEEDS_VMM))) {
		/*
		 * Single-step this block: it does I/O, ends with an
		 * instruction the CPU lacks, the budget or the slice ends
		 * inside it, or (hardware assist) it holds instructions the model of
		 * VT-x must see before they run.
		 */
		v->run.slow_next = 1;
		v->run.slow_lo = addr;
		v->run.slow_hi = addr + size;
		return 1;
	}
	if ((b->flags & BLOCK_STALE_MIXED) && !vmm_guard_block_in_ram(v, b)) {
		/*
		 * It mixes descriptor reads with other loads, which the
		 * guard must tell apart (vmm_guard.c): stepped up to its last
		 * instruction that reads descriptors; the rest, which has
		 * none, is a block of its own on the fast engine.  (Not if
		 * no access of it can reach the guard.)
		 */
		v->run.slow_next = 1;
		v->run.slow_lo = addr;
		v->run.slow_hi = block_stale_end(b);
		return 1;
	}
	if (v->run.ring_dirty) {
		vmm_sync_ring(v);
		v->run.ring_dirty = 0;
	}
	if (b != v->run.hot) {
		vmm_sync_counters(v);
		v->run.hot = b;
	}
	v->run.hot_runs++;
	v->run.budget -= b->n;
	v->run.cur = b;
	v->run.cur_done = 0;
	if (v->trace_insns) {
		/* events carry exact times: no lazy counting while tracing */
		vmm_sync_counters(v);
		v->run.cur_t0 = v->stats.cycles - (uint64_t)b->n * COST_INSN;
	}
	if (b->flags & BLOCK_FAR_END)
		v->run.ring_dirty = 1;	/* a far transfer may change rings */
	return 0;
}

/* The I/O instruction a port hook belongs to. */
static const struct block_insn *io_insn(struct vcpu *v)
{
	const struct block *b = v->run.cur;

	vmm_sync_counters(v);
	if (v->run.step_insn != NULL)
		return v->run.step_insn;
	if (b == NULL)
		return NULL;
	/* fast engine (only if decoding missed the I/O): next I/O insn */
	for (uint32_t i = v->run.cur_done; i < b->n; i++)
		if (b->insns[i].cls == CLASS_IO)
			return vmm_current_insn(v, b->insns[i].x.addr, false);
	return NULL;
}

static void io_event(struct vcpu *v, const struct block_insn *bi,
		     uint16_t port, int size, enum io_dir dir, uint32_t value,
		     enum vmx_device dev)
{
	struct event ev = { .kind = EV_IO };

	ev.u.io.eip = bi ? bi->x.addr : cpu_reg(v->cpu, X86R_EIP);
	ev.u.io.port = port;
	ev.u.io.size = (uint8_t)size;
	ev.u.io.dir = (uint8_t)dir;
	ev.u.io.device = (uint8_t)dev;
	ev.u.io.value = value;
	vm_emit(v->vm, v->id, &ev);
}

/*
 * A port access, once the VMM has control (by a trap, a callout or a VM
 * exit, charged by whoever brought it in): the VMM's own devices (PIC,
 * PIT) are answered here; the rest goes to the VMX, a world switch away.
 */
uint32_t vmm_port_in(struct vcpu *v, const struct block_insn *bi,
		     uint16_t port, int size)
{
	uint32_t value;

	if (vmm_devices_owns_port(port)) {
		v->stats.vmm_io++;
		vmm_charge(v, COST_VMM_DEVICE);
		value = vmm_devices_in(v, port, size);
		io_event(v, bi, port, size, IO_IN, value, vmm_devices_at(port));
		return value;
	}
	v->stats.io++;
	value = vmx_port_in(v->vm->vmx, v->id, port, size);
	vmm_charge_vmx(v, COST_VMX_IO);
	io_event(v, bi, port, size, IO_IN, value, vmx_device_at(port));
	return value;
}

void vmm_port_out(struct vcpu *v, const struct block_insn *bi, uint16_t port,
		  int size, uint32_t value)
{
	if (vmm_devices_owns_port(port)) {
		v->stats.vmm_io++;
		vmm_charge(v, COST_VMM_DEVICE);
		io_event(v, bi, port, size, IO_OUT, value, vmm_devices_at(port));
		vmm_devices_out(v, port, size, value);
		return;
	}
	v->stats.io++;
	vmm_charge_vmx(v, COST_VMX_IO);
	/* the access first, then what it causes (output, power-off) */
	io_event(v, bi, port, size, IO_OUT, value, vmx_device_at(port));
	vmx_port_out(v->vm->vmx, v->id, port, size, value);
}

/*
 * Port I/O executed directly (trap-and-emulate): the CPU model calls these
 * hooks.  A real deprivileged VMM sees the access as a trap (IOPL 0 at
 * CPL 1); Unicorn never faults on I/O, so the hook stands in for the trap.
 */
static uint32_t port_in_hook(void *ctx, uint16_t port, int size)
{
	struct vcpu *v = ctx;
	const struct block_insn *bi = io_insn(v);
	uint32_t value;

	vmm_charge(v, COST_TRAP);	/* the #GP a real VMM would take */
	vmm_set_path(v, bi, vmm_devices_owns_port(port) ? PATH_VMM : PATH_VMX, WHY_TRAP);
	value = vmm_port_in(v, bi, port, size);
	vmm_irq_window_check(v, NULL);	/* the device may have raised one */
	return value;
}

static void port_out_hook(void *ctx, uint16_t port, int size, uint32_t value)
{
	struct vcpu *v = ctx;
	const struct block_insn *bi = io_insn(v);

	vmm_charge(v, COST_TRAP);	/* the #GP a real VMM would take */
	vmm_set_path(v, bi, vmm_devices_owns_port(port) ? PATH_VMM : PATH_VMX, WHY_TRAP);
	vmm_port_out(v, bi, port, size, value);
	vmm_irq_window_check(v, NULL);	/* the device may have raised one */
}

static void mem_write_hook(void *ctx, uint32_t addr, int size)
{
	struct vcpu *v = ctx;

	if (addr >= VMM_BASE) {		/* the CPU set an accessed bit */
		vmm_shadow_note_real_write(v, addr, size);
		return;
	}
	vmm_smc_store(v, addr, size);	/* before the cache forgets it */
	vmm_guest_store(v, addr, size);
}

void vmm_hooks(struct vcpu *v, struct cpu_hooks *out)
{
	out->ctx = v;
	out->block = block_hook;
	out->exception = vmm_exception_hook;
	out->port_in = port_in_hook;
	out->port_out = port_out_hook;
	out->mem_write = mem_write_hook;
	out->sysenter = vmm_sysenter_hook;
	out->mmio_read = vmm_mmio_read_hook;
	out->mmio_write = vmm_mmio_write_hook;
	out->guard = vmm_guard;
	out->no_memory = vmm_no_memory;
	out->renewed = vmm_renewed_hook;
}

