/*
 * vmm_mem.c - the VMM reading and writing what belongs to the guest: its
 * memory, its descriptor tables, the operands of its instructions.
 *
 * Guest memory is identity-mapped (Unicorn 2.0.1 has no paging), so a
 * guest linear address is a guest physical address is an offset into the
 * VM's RAM.  Bytes outside RAM read as 0 and ignore writes, as on QEMU's
 * PC where nothing is at those addresses (tests/guests/nomem.S).
 *
 * Two kinds of access, told apart here and nowhere else.  The VMM acting
 * for the guest (vmm_for_guest: an instruction it carries out, an
 * interrupt it delivers) makes the accesses the CPU would: of nothing,
 * each is the VMM's trap, exactly as when the CPU makes it (vmm_guard.c),
 * and names the guest's instruction [tests/guests/vmmfor.S]; in the local
 * APIC's region, each reaches the APIC (its registers, an MSI), as the
 * CPU's do through its MMIO hooks [tests/guests/apicfor.S, apicmsi.S].
 * The VMM looking for itself (its shadow tables, which ring the guest is
 * in, the bytes of an instruction it decodes) is no access of the
 * guest's: the vmm_peek_ functions, never a trap, and nothing in the
 * APIC's region.
 */
#include <string.h>

#include "sim.h"
#include "vmm/apic.h"
#include "vmm/bt.h"
#include "vm.h"
#include "vmm/vmm_priv.h"

/* ---- guest memory ------------------------------------------------------ */

void vmm_for_guest(struct vcpu *v, const struct x86_instruction *in,
		   uint32_t eip, struct vmm_for *saved)
{
	*saved = v->run.for_guest;
	if (v->run.for_guest.on)
		return;		/* a delivery within the instruction: its own */
	v->run.for_guest.on = true;
	v->run.for_guest.in = in;
	v->run.for_guest.eip = in != NULL ? in->addr : eip;
	v->run.for_guest.delivery = false;
}

void vmm_for_done(struct vcpu *v, const struct vmm_for *saved)
{
	v->run.for_guest = *saved;
	if (!saved->on)
		v->run.cpu_nothing.n = 0;	/* what the CPU made is done with */
}

/*
 * [addr, addr + n) accessed by the VMM (access: CPU_ACCESS_READ or
 * _WRITE): where it meets nothing, and the VMM acts for the guest, the
 * VMM's trap at the first byte there, as the CPU's for its own access.
 */
static void access_nothing(struct vcpu *v, uint32_t addr, uint32_t n,
			   int access)
{
	for (uint32_t i = 0; i < n; i++)
		if (addr + i >= v->vm->ram_size) {	/* wraps, as the CPU */
			if (v->run.for_guest.on)
				vmm_guard_for_guest(v, addr + i, access);
			return;
		}
}

/* The VMM's store of n bytes from in at addr, none of them the APIC's. */
static void ram_write(struct vcpu *v, uint32_t addr, const uint8_t *in,
		      uint32_t n)
{
	struct vm *vm = v->vm;

	access_nothing(v, addr, n, CPU_ACCESS_WRITE);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t a = addr + i;

		if (a < vm->ram_size)
			vm->ram[a] = in[i];
	}
	/*
	 * The VMM's stores bypass the CPU's write hook: tell the caches,
	 * the translators' too (a PUSHF carried out by a callout may land
	 * on the code after it [tests/guests/smcvmm.S]).
	 */
	vm_touch(vm, addr, n);
	if (blockcache_note_write(vm->code, addr, (int)n))
		for (int i = 0; i < vm->nvcpus; i++) {
			cpu_invalidate_code(vm->vcpu[i]->cpu, addr, n);
			bt_code_written(vm->vcpu[i], addr, n);
		}
	vmm_shadow_note_write(v, addr, (int)n);
}

/*
 * The local APIC's region, 1 MiB (vm.c maps it, as one MMIO region, for
 * the CPU's accesses: apic.h).  QEMU's CPU and its helpers reach the APIC
 * there, for whatever instruction [measured: tests/guests/apicfor.S; past
 * the first page, apicmsi.S's LDS and interrupt frame], and so does
 * the VMM acting for the guest, through the same hooks (vmm_irq.c) and at
 * the same cost.  QEMU's APIC answers aligned 4-byte accesses only
 * (narrower: loads 0, stores dropped), and QEMU's memory core shapes the
 * others before the APIC sees them (accel/tcg/cputlb.c, load_helper and
 * store_helper): an unaligned load, or one that crosses a page, is two
 * aligned loads of its size, combined; such a store is a store of each
 * byte, none of which the APIC takes [measured: tests/guests/apicedge.S].
 * The VMM makes its accesses of 1, 2 or 4 bytes the same way.
 */
static bool in_apic(uint32_t addr)
{
	return addr - APIC_BASE_DEFAULT < APIC_SPACE_SIZE;
}

/* Does the VMM's access for the guest of n (1, 2 or 4) bytes at addr,
 * or one of the two aligned loads QEMU would make an unaligned one into,
 * reach the APIC's region? */
static bool near_apic(const struct vcpu *v, uint32_t addr, uint32_t n)
{
	uint32_t first = addr & ~(n - 1);
	uint32_t last = first == addr ? addr + n - 1 : first + 2 * n - 1;

	return v->run.for_guest.on && (n == 1 || n == 2 || n == 4) &&
	       (in_apic(first) || in_apic(last));
}

/* Little-endian, as x86 keeps its words. */
static uint32_t le(const uint8_t *b, uint32_t n)
{
	uint32_t x = 0;

	for (uint32_t i = 0; i < n; i++)
		x |= (uint32_t)b[i] << (8 * i);
	return x;
}

/* One aligned load of n bytes at addr: the APIC's, or memory's. */
static uint32_t piece_load(struct vcpu *v, uint32_t addr, uint32_t n)
{
	uint8_t b[4];

	if (in_apic(addr))
		return vmm_mmio_read_hook(v, addr - APIC_BASE_DEFAULT, (int)n);
	access_nothing(v, addr, n, CPU_ACCESS_READ);
	vmm_peek_guest(v, addr, b, n);
	return le(b, n);
}

/* One aligned store of n bytes at addr: to the APIC, or to memory. */
static void piece_store(struct vcpu *v, uint32_t addr, uint32_t n,
			uint32_t value)
{
	uint8_t b[4] = { (uint8_t)value, (uint8_t)(value >> 8),
			 (uint8_t)(value >> 16), (uint8_t)(value >> 24) };

	if (in_apic(addr))
		vmm_mmio_write_hook(v, addr - APIC_BASE_DEFAULT, (int)n, value);
	else
		ram_write(v, addr, b, n);
}

/* The VMM's load of n (1, 2 or 4) bytes at addr near the APIC's region,
 * into out, as QEMU's CPU makes it. */
static void apic_page_load(struct vcpu *v, uint32_t addr, uint32_t n,
			  uint8_t *out)
{
	uint32_t first = addr & ~(n - 1), shift = (addr - first) * 8;
	uint64_t x = piece_load(v, first, n);

	if (shift != 0)		/* the second aligned load, above the first */
		x = (x >> shift) |
		    (uint64_t)piece_load(v, first + n, n) << (8 * n - shift);
	for (uint32_t i = 0; i < n; i++)
		out[i] = (uint8_t)(x >> (8 * i));
}

/* The VMM's store of n (1, 2 or 4) bytes from in at addr near the APIC's
 * region, as QEMU's CPU makes it: whole if aligned, else byte by byte. */
static void apic_page_store(struct vcpu *v, uint32_t addr, uint32_t n,
			    const uint8_t *in)
{
	if ((addr & (n - 1)) == 0) {
		piece_store(v, addr, n, le(in, n));
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		piece_store(v, addr + i, 1, in[i]);
}

void vmm_peek_guest(struct vcpu *v, uint32_t addr, void *buf, uint32_t n)
{
	struct vm *vm = v->vm;
	uint8_t *out = buf;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t a = addr + i;	/* wraps at 4 GiB, as the CPU does */

		out[i] = a < vm->ram_size ? vm->ram[a] : 0;
	}
}

uint32_t vmm_peek32(struct vcpu *v, uint32_t addr)
{
	uint8_t b[4];

	vmm_peek_guest(v, addr, b, 4);
	return le(b, 4);
}

void vmm_read_guest(struct vcpu *v, uint32_t addr, void *buf, uint32_t n)
{
	if (near_apic(v, addr, n)) {
		apic_page_load(v, addr, n, buf);
		return;
	}
	access_nothing(v, addr, n, CPU_ACCESS_READ);
	vmm_peek_guest(v, addr, buf, n);
}

uint32_t vmm_read32(struct vcpu *v, uint32_t addr)
{
	uint8_t b[4];

	vmm_read_guest(v, addr, b, 4);
	return le(b, 4);
}

uint16_t vmm_read16(struct vcpu *v, uint32_t addr)
{
	uint8_t b[2];

	vmm_read_guest(v, addr, b, 2);
	return (uint16_t)(b[0] | b[1] << 8);
}

void vmm_write_guest(struct vcpu *v, uint32_t addr, const void *buf,
		     uint32_t n)
{
	if (near_apic(v, addr, n)) {
		apic_page_store(v, addr, n, buf);
		return;
	}
	ram_write(v, addr, buf, n);
}

void vmm_write32(struct vcpu *v, uint32_t addr, uint32_t value)
{
	uint8_t b[4] = { (uint8_t)value, (uint8_t)(value >> 8),
			 (uint8_t)(value >> 16), (uint8_t)(value >> 24) };

	vmm_write_guest(v, addr, b, 4);
}

/* ---- the guest's descriptors and operands ------------------------------- */

bool vmm_tss_stack(struct vcpu *v, int ring, uint16_t *ss, uint32_t *esp)
{
	const struct vcpu_virt *vv = &v->virt;
	uint32_t at = 4 + 8u * (uint32_t)ring;	/* ESPn, then SSn */

	if ((vv->tr & ~3u) == 0 || at + 5 > vv->tr_limit)
		return false;
	*esp = vmm_read32(v, vv->tr_base + at);
	*ss = vmm_read16(v, vv->tr_base + at + 4);
	return true;
}

/* Where sel's descriptor is in the guest's own GDT or LDT (*at), if the
 * selector names one within the table's limit. */
static bool desc_at(struct vcpu *v, uint16_t sel, uint32_t *at)
{
	uint32_t base, limit, off = X86_SEL_INDEX(sel) * 8u;

	if (X86_SEL_TI(sel)) {
		if ((v->virt.ldtr & ~3u) == 0)
			return false;
		base = v->virt.ldt_base;
		limit = v->virt.ldt_limit;
	} else {
		if (X86_SEL_INDEX(sel) == 0)
			return false;	/* the null selector */
		base = v->virt.gdt_base;
		limit = v->virt.gdt_limit;
	}
	if (off + 7 > limit)
		return false;
	*at = base + off;
	return true;
}

bool vmm_guest_desc(struct vcpu *v, uint16_t sel, uint64_t *raw)
{
	uint32_t at;

	if (!desc_at(v, sel, &at))
		return false;
	*raw = (uint64_t)vmm_read32(v, at) | (uint64_t)vmm_read32(v, at + 4) << 32;
	return true;
}

bool vmm_peek_desc(struct vcpu *v, uint16_t sel, uint64_t *raw)
{
	uint32_t at;

	if (!desc_at(v, sel, &at))
		return false;
	*raw = (uint64_t)vmm_peek32(v, at) | (uint64_t)vmm_peek32(v, at + 4) << 32;
	return true;
}

/* The guest's descriptor of segment register seg (zeros if none): what
 * the CPU holds in the register's hidden part, no access of the guest's. */
static void seg_desc(struct vcpu *v, enum x86_register seg, struct x86_desc *d)
{
	uint64_t raw = 0;

	vmm_peek_desc(v, (uint16_t)cpu_reg(v->cpu, seg), &raw);
	x86_desc_decode(raw, d);
}

uint32_t vmm_seg_base(struct vcpu *v, enum x86_register seg)
{
	struct x86_desc d;

	seg_desc(v, seg, &d);
	return d.base;
}

uint32_t vmm_operand_addr(struct vcpu *v, const struct x86_operand *op)
{
	uint32_t a = (uint32_t)op->disp;
	enum x86_register seg = (enum x86_register)op->seg;

	if (op->base != X86R_NONE)
		a += cpu_reg(v->cpu, (enum x86_register)op->base);
	if (op->index != X86R_NONE)
		a += cpu_reg(v->cpu, (enum x86_register)op->index) * op->scale;
	if (seg == X86R_NONE)	/* default segment: SS for stack bases */
		seg = op->base == X86R_ESP || op->base == X86R_EBP ?
		      X86R_SS : X86R_DS;
	return a + vmm_seg_base(v, seg);
}

uint32_t vmm_operand_read(struct vcpu *v, const struct x86_operand *op)
{
	uint32_t a;

	switch (op->kind) {
	case X86_OPND_REG:
		return cpu_reg(v->cpu, (enum x86_register)op->reg);
	case X86_OPND_IMM:
		return (uint32_t)op->imm;
	case X86_OPND_MEM:
		a = vmm_operand_addr(v, op);
		if (op->size == 1) {
			uint8_t b;

			vmm_read_guest(v, a, &b, 1);
			return b;
		}
		return op->size == 2 ? vmm_read16(v, a) : vmm_read32(v, a);
	default:
		return 0;
	}
}

void vmm_operand_write(struct vcpu *v, const struct x86_operand *op,
		       uint32_t value)
{
	uint8_t b[4] = { (uint8_t)value, (uint8_t)(value >> 8),
			 (uint8_t)(value >> 16), (uint8_t)(value >> 24) };

	if (op->kind == X86_OPND_REG)
		cpu_set_reg(v->cpu, (enum x86_register)op->reg, value);
	else if (op->kind == X86_OPND_MEM)
		vmm_write_guest(v, vmm_operand_addr(v, op), b,
				op->size ? op->size : 4);
}


/* ---- the guest's stack ---------------------------------------------------- */

void vmm_stack_of(struct vcpu *v, struct vmm_stack *s)
{
	struct x86_desc d;

	seg_desc(v, X86R_SS, &d);
	vmm_stack_at(s, &d, cpu_reg(v->cpu, X86R_ESP));
}

void vmm_stack_at(struct vmm_stack *s, const struct x86_desc *d, uint32_t esp)
{
	s->base = d->base;
	s->esp = esp;
	s->mask = d->db ? 0xffffffffu : 0xffffu;
}

uint32_t vmm_stack_addr(const struct vmm_stack *s, uint32_t off)
{
	return s->base + ((s->esp + off) & s->mask);
}

void vmm_stack_add(struct vmm_stack *s, uint32_t n)
{
	s->esp = (s->esp & ~s->mask) | ((s->esp + n) & s->mask);
}

void vmm_push(struct vcpu *v, struct vmm_stack *s, uint32_t value, int size)
{
	uint8_t b[4] = { (uint8_t)value, (uint8_t)(value >> 8),
			 (uint8_t)(value >> 16), (uint8_t)(value >> 24) };

	vmm_stack_add(s, (uint32_t)-size);
	vmm_write_guest(v, vmm_stack_addr(s, 0), b, (uint32_t)size);
}

uint32_t vmm_pop(struct vcpu *v, struct vmm_stack *s, int size)
{
	uint32_t a = vmm_stack_addr(s, 0);
	uint32_t value = size == 4 ? vmm_read32(v, a) : vmm_read16(v, a);

	vmm_stack_add(s, (uint32_t)size);
	return value;
}
