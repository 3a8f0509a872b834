/*
 * vmm_shadow.c - the real descriptor tables, owned by the VMM.
 *
 * The CPU only ever uses the VMM's GDT, LDT and TSS.  To let the guest's
 * segment loads and far jumps run directly anyway, the VMM copies
 * ("shadows") the guest's descriptors into the real GDT at the same
 * indices, with two changes:
 *   - the DPL is moved out like the rings themselves (vmm_real_cpl: 0 to
 *     1, 1 to 2), because the guest kernel runs at CPL 1 and must be able
 *     to load its own segments (ring deprivileging);
 *   - limits are cut so no guest segment reaches the VMM's area at the top
 *     of the address space ("segment truncation", as VMware did).
 * System descriptors (TSS, LDT, task gates) are not copied: LTR and LLDT
 * trap, and the VMM keeps the guest's TSS and LDT in its virtual state.
 * Call gates are copied as they are: their targets are shadowed too.
 *
 * The guest may change its tables with ordinary stores at any time.  Real
 * VMMs write-protect the pages ("tracing"); here every guest store already
 * passes the VMM's write hook, which calls vmm_shadow_note_write().
 */
#include <string.h>

#include "vm.h"
#include "vmm/vmm_priv.h"

static uint64_t *real_gdt(struct vcpu *v)
{
	return (uint64_t *)(void *)(v->vmm_area + VMM_GDT_OFF);
}

static uint64_t *real_ldt(struct vcpu *v)
{
	return (uint64_t *)(void *)(v->vmm_area + VMM_LDT_OFF);
}

/* Replace the 20-bit limit field of a raw descriptor (keeping G). */
static uint64_t with_limit_field(uint64_t raw, uint32_t field)
{
	raw &= ~0x000f00000000ffffull;
	raw |= (uint64_t)(field & 0xffff);
	raw |= (uint64_t)((field >> 16) & 0xf) << 48;
	return raw;
}

/* The real descriptor that stands for the guest's descriptor raw. */
static uint64_t shadow_of(uint64_t raw)
{
	struct x86_desc d;

	x86_desc_decode(raw, &d);
	if (d.s) {
		bool expand_down = !(d.type & X86_TYPE_CODE) &&
				   (d.type & X86_TYPE_EXPANDDOWN);

		raw = x86_raw_with_dpl(raw, (unsigned)vmm_real_cpl(d.dpl));
		if (expand_down) {
			/*
			 * An expand-down segment reaches from its limit up to
			 * the top of its range: no limit can keep it out of
			 * the VMM's area.  The shadow becomes an expand-up
			 * segment ending below the area.  What the guest may
			 * use still works; offsets at or below its limit, which
			 * should fault, no longer do (docs/fidelity.md).
			 */
			uint64_t top = d.db ? 0xffffffffull : 0xffffull;

			if ((uint64_t)d.base + top < VMM_BASE)
				return raw;	/* never reaches the area */
			raw &= ~((uint64_t)X86_TYPE_EXPANDDOWN << 40);
			d.limit = 0xffffffffu;
			d.g = true;
			raw |= 1ull << 55;	/* G: the limit counts pages */
		}
		if (d.base >= VMM_BASE)
			return 0;	/* wholly inside the VMM's area */
		if ((uint64_t)d.base + d.limit >= VMM_BASE) {
			uint32_t last = VMM_BASE - 1 - d.base;

			raw = with_limit_field(raw, d.g ? last >> 12 : last);
		}
		/*
		 * The accessed bit stays the guest's: when the CPU sets it
		 * in the shadow on a segment load, the write hook passes it
		 * on to the guest's own descriptor (vmm_shadow_note_real_write)
		 * as the CPU would have set it there.
		 */
		return raw;
	}
	if (d.type == X86_SYS_CALLGATE32 || d.type == X86_SYS_CALLGATE16)
		return raw;
	return 0;
}

static void shadow_range(struct vcpu *v, uint64_t *table, uint32_t base,
			 uint32_t first, uint32_t last)
{
	for (uint32_t i = first; i <= last; i++) {
		uint64_t raw = (uint64_t)vmm_peek32(v, base + 8 * i) |
			       (uint64_t)vmm_peek32(v, base + 8 * i + 4) << 32;

		table[i] = i == 0 && table == real_gdt(v) ? 0 : shadow_of(raw);
	}
}

static uint32_t entries(uint32_t limit, uint32_t max)
{
	uint32_t n = (limit + 1) / 8;

	return n > max ? max : n;
}

void vmm_shadow_gdt(struct vcpu *v)
{
	uint32_t n = entries(v->virt.gdt_limit, VMM_GUEST_GDT_ENTRIES);
	uint64_t *gdt = real_gdt(v);

	if (n > 0)
		shadow_range(v, gdt, v->virt.gdt_base, 0, n - 1);
	for (uint32_t i = n; i < v->run.gdt_shadowed; i++)
		gdt[i] = 0;
	v->run.gdt_shadowed = n;
}

void vmm_shadow_ldt(struct vcpu *v)
{
	struct cpu_table_reg ldtr = { 0, 0, 0, 0 };
	uint64_t *ldt = real_ldt(v);
	uint32_t n = 0;

	if ((v->virt.ldtr & ~3u) != 0) {
		n = entries(v->virt.ldt_limit, 8192);
		if (n > 0)
			shadow_range(v, ldt, v->virt.ldt_base, 0, n - 1);
		ldtr.selector = VMM_SEL_LDT;
		ldtr.base = VMM_BASE + VMM_LDT_OFF;
		ldtr.limit = v->virt.ldt_limit;
		ldtr.flags = 0x8200;	/* present, type 2 (LDT) */
	}
	for (uint32_t i = n; i < v->run.ldt_shadowed; i++)
		ldt[i] = 0;
	v->run.ldt_shadowed = n;
	cpu_set_table(v->cpu, CPU_LDTR, &ldtr);
}

/*
 * The real TSS's ring-1 stack is the guest's ring-0 stack, and its ring-2
 * stack the guest's ring-1 stack, so a call gate from guest user code into
 * the guest kernel (which the CPU runs natively) lands on the stack the
 * guest chose.
 */
void vmm_shadow_tss(struct vcpu *v)
{
	uint8_t *tss = v->vmm_area + VMM_TSS_OFF;
	uint32_t esp0 = 0, ss0 = 0, esp2 = 0, ss2 = 0;
	uint16_t link = 0;

	if ((v->virt.tr & ~3u) != 0 && v->virt.tr_limit >= 27) {
		/*
		 * The back link too: an IRET with NT set at CPL 1 runs on
		 * the CPU, which reads it here and looks the selector up in
		 * the real GDT, where the guest's descriptors are (iretnt.S).
		 */
		link = (uint16_t)vmm_peek32(v, v->virt.tr_base);
		esp0 = vmm_peek32(v, v->virt.tr_base + 4);
		ss0 = (uint16_t)vmm_peek32(v, v->virt.tr_base + 8);
		esp2 = vmm_peek32(v, v->virt.tr_base + 12);
		ss2 = (uint16_t)vmm_peek32(v, v->virt.tr_base + 16);
		if (ss0 & ~3u)
			ss0 = (ss0 & ~3u) | 1;
		if (ss2 & ~3u)
			ss2 = (ss2 & ~3u) | 2;
	}
	memcpy(tss + 0, &link, 2);	/* back link */
	memcpy(tss + 12, &esp0, 4);	/* esp1 */
	memcpy(tss + 16, &ss0, 4);	/* ss1 */
	memcpy(tss + 20, &esp2, 4);	/* esp2 */
	memcpy(tss + 24, &ss2, 4);	/* ss2 */
}

static bool overlaps(uint32_t addr, int size, uint32_t base, uint32_t len)
{
	return len != 0 && addr < base + len && addr + (uint32_t)size > base;
}

void vmm_shadow_note_write(struct vcpu *v, uint32_t addr, int size)
{
	struct vcpu_virt *vv = &v->virt;
	uint32_t first, last;

	if (v->run.gdt_shadowed &&
	    overlaps(addr, size, vv->gdt_base, v->run.gdt_shadowed * 8)) {
		first = addr > vv->gdt_base ? (addr - vv->gdt_base) / 8 : 0;
		last = (addr + (uint32_t)size - 1 - vv->gdt_base) / 8;
		if (last >= v->run.gdt_shadowed)
			last = v->run.gdt_shadowed - 1;
		shadow_range(v, real_gdt(v), vv->gdt_base, first, last);
	}
	if (v->run.ldt_shadowed &&
	    overlaps(addr, size, vv->ldt_base, v->run.ldt_shadowed * 8)) {
		first = addr > vv->ldt_base ? (addr - vv->ldt_base) / 8 : 0;
		last = (addr + (uint32_t)size - 1 - vv->ldt_base) / 8;
		if (last >= v->run.ldt_shadowed)
			last = v->run.ldt_shadowed - 1;
		shadow_range(v, real_ldt(v), vv->ldt_base, first, last);
	}
	if ((vv->tr & ~3u) && overlaps(addr, size, vv->tr_base + 4, 24))
		vmm_shadow_tss(v);
}

/*
 * The guest descriptor a slot of the real GDT or shadow LDT was copied
 * from: its address in the guest's table.  False for the VMM's own slots
 * and slots past what was copied.
 */
static bool guest_slot(struct vcpu *v, uint32_t addr, uint32_t *at)
{
	uint32_t off = addr - VMM_BASE;

	if (off < VMM_GDT_OFF + 8 * v->run.gdt_shadowed)
		*at = v->virt.gdt_base + (off - VMM_GDT_OFF) / 8 * 8;
	else if (off >= VMM_LDT_OFF && off < VMM_LDT_OFF + 8 * v->run.ldt_shadowed)
		*at = v->virt.ldt_base + (off - VMM_LDT_OFF) / 8 * 8;
	else
		return false;
	return true;
}

static uint64_t read_desc(struct vcpu *v, uint32_t at)
{
	return (uint64_t)vmm_peek32(v, at) | (uint64_t)vmm_peek32(v, at + 4) << 32;
}

bool vmm_shadow_is_accessed_bit(struct vcpu *v, uint32_t addr, int size,
				 uint32_t value)
{
	uint32_t at;
	uint64_t want;

	if (size != 4 || (addr & 7) != 4 || addr - VMM_BASE < 8 ||
	    !guest_slot(v, addr, &at))
		return false;
	want = shadow_of(read_desc(v, at));
	return want != 0 && (value | 0x100) == ((uint32_t)(want >> 32) | 0x100);
}

void vmm_shadow_note_real_write(struct vcpu *v, uint32_t addr, int size)
{
	uint32_t at;
	uint64_t raw;

	(void)size;
	if (!guest_slot(v, addr, &at))
		return;		/* the VMM's own descriptors */
	raw = read_desc(v, at);
	if (!(raw & (1ull << 40)))
		vmm_write32(v, at + 4, (uint32_t)(raw >> 32) | 0x100);
}

/*
 * The stub the VMM switches privilege levels with, hand-assembled:
 *
 *   +0x10  lcall VMM_SEL_GATE:0        from ring 1-3, through the gate
 *   +0x20  mov   esp, FRAME            ring 0 (the gate lands here)
 *          mov   ds, ss:[FRAME+20]     the target's data segments
 *          mov   es, ss:[FRAME+24]
 *          mov   fs, ss:[FRAME+28]
 *          mov   gs, ss:[FRAME+32]
 *          iretd                       to FRAME: eip cs eflags esp ss
 */
static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void write_stub(uint8_t *stub)
{
	uint32_t frame = VMM_BASE + VMM_FRAME_OFF;
	static const uint8_t modrm[4] = { 0x1d, 0x05, 0x25, 0x2d };
	uint8_t *p = stub + VMM_STUB_LCALL;

	*p++ = 0x9a;			/* lcall ptr16:32 */
	put32(p, 0);
	p += 4;
	*p++ = (uint8_t)VMM_SEL_GATE;
	*p++ = (uint8_t)(VMM_SEL_GATE >> 8);

	p = stub + VMM_STUB_GATE;
	*p++ = 0xbc;			/* mov esp, imm32 */
	put32(p, frame);
	p += 4;
	for (int i = 0; i < 4; i++) {	/* mov sreg, ss:[disp32] */
		*p++ = 0x36;
		*p++ = 0x8e;
		*p++ = modrm[i];
		put32(p, frame + 20 + 4 * (uint32_t)i);
		p += 4;
	}
	*p = 0xcf;			/* iretd */
}

/* The VMM's own descriptors, TSS and stub, in its area (memory only). */
static void build_tables(struct vcpu *v)
{
	uint64_t *gdt = real_gdt(v);
	uint8_t *tss = v->vmm_area + VMM_TSS_OFF;
	uint32_t esp0 = VMM_BASE + VMM_STACK_OFF, ss0 = VMM_SEL_DS0;
	uint32_t iomap = 0x68;	/* past the TSS limit: no I/O bitmap */

	memset(v->vmm_area, 0, VMM_STACK_OFF);
	gdt[8184] = x86_desc_encode(0, 0xffffffffu, 0xb, true, 0, true, true);
	gdt[8185] = x86_desc_encode(0, 0xffffffffu, 0x3, true, 0, true, true);
	gdt[8186] = x86_desc_encode(VMM_BASE + VMM_TSS_OFF, 0x67,
				    X86_SYS_TSS32_AVAIL, false, 0, true, false);
	gdt[8187] = x86_gate_encode(VMM_SEL_CS0,
				    VMM_BASE + VMM_STUB_OFF + VMM_STUB_GATE,
				    X86_SYS_CALLGATE32, 3);
	gdt[8188] = x86_desc_encode(0, 0xffffffffu, 0xb, true, 1, true, true);
	gdt[8189] = x86_desc_encode(0, 0xffffffffu, 0xb, true, 2, true, true);
	gdt[8190] = x86_desc_encode(0, 0xffffffffu, 0xb, true, 3, true, true);
	gdt[8191] = x86_desc_encode(VMM_BASE + VMM_LDT_OFF, 0xffff,
				    X86_SYS_LDT, false, 0, true, false);
	memcpy(tss + 4, &esp0, 4);
	memcpy(tss + 8, &ss0, 4);
	memcpy(tss + 102, &iomap, 2);
	write_stub(v->vmm_area + VMM_STUB_OFF);
	vmm_guard_arm(v, v->run.stub_armed);
	v->run.gdt_shadowed = v->run.ldt_shadowed = 0;
}

void vmm_rebuild_tables(struct vcpu *v)
{
	build_tables(v);
	vmm_shadow_gdt(v);
	vmm_shadow_ldt(v);
	vmm_shadow_tss(v);
}

void vmm_shadow_init(struct vcpu *v)
{
	struct cpu_table_reg t;

	build_tables(v);
	t = (struct cpu_table_reg){ 0, VMM_BASE + VMM_GDT_OFF, 0xffff, 0 };
	cpu_set_table(v->cpu, CPU_GDTR, &t);
	/* the real IDT: never consulted (the VMM delivers everything) */
	t = (struct cpu_table_reg){ 0, VMM_BASE + VMM_FRAME_OFF + 0x800, 0x7ff, 0 };
	cpu_set_table(v->cpu, CPU_IDTR, &t);
	/* Unicorn wants TR's flags as descriptor bits 8-23: present, type 9 */
	t = (struct cpu_table_reg){ VMM_SEL_TSS, VMM_BASE + VMM_TSS_OFF, 0x67,
				    0x8900 };
	cpu_set_table(v->cpu, CPU_TR, &t);
	t = (struct cpu_table_reg){ 0, 0, 0, 0 };
	cpu_set_table(v->cpu, CPU_LDTR, &t);
	cpu_set_reg(v->cpu, X86R_CS, VMM_SEL_CS0);
	cpu_set_reg(v->cpu, X86R_SS, VMM_SEL_DS0);
	cpu_set_reg(v->cpu, X86R_DS, VMM_SEL_DS0);
	cpu_set_reg(v->cpu, X86R_ES, VMM_SEL_DS0);
}
