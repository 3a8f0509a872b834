/*
 * vmm_sipi.c - starting an application processor: INIT, then a start-up
 * IPI (SIPI) whose vector names the 4 KiB page where the AP begins, in
 * real mode, at CS = vector << 8, IP = 0 (Intel SDM vol. 3A 8.4.4, the
 * MP initialization protocol).
 *
 * The AP's first instructions (the "trampoline") switch it to protected
 * mode: load a GDT, set CR0.PE, far-jump into 32-bit code.  Unicorn 2.0.1
 * cannot run real mode once an engine has run protected mode, so the VMM
 * interprets those few real-mode instructions itself, on the vCPU's
 * registers kept here, until the far jump that enters protected mode; from
 * there the AP runs like any vCPU, deprivileged (vmm_vcpu_init).  This is
 * the documented equivalent of docs/fidelity.md: a guest written for QEMU
 * boots its APs unchanged as long as its trampoline uses the instructions
 * below (what start-up code uses: CLI, CLD, NOP, XOR, MOV to and from
 * segment, general and control registers and [disp16] memory, MOV of an
 * immediate, OR, LGDT, LIDT, LMSW, JMP, far JMP, INVD, WBINVD); anything
 * else stops the VM, with the instruction's address as its status.
 */
#include <string.h>

#include "status.h"
#include "vm.h"
#include "vmm/vmm_priv.h"

#define SIPI_MAX_INSNS 256	/* a trampoline is a few dozen */

/* The AP's registers while it runs real mode. */
struct real {
	uint32_t r[8];			/* EAX ECX EDX EBX ESP EBP ESI EDI */
	uint16_t seg[6];		/* ES CS SS DS FS GS */
	uint32_t ip, cr0;
	uint32_t gdt_base, idt_base;
	uint16_t gdt_limit, idt_limit;
	struct vm *vm;
	bool bad;
};

enum { ES, CS, SS, DS, FS, GS };

static uint8_t rd8(struct real *s, uint32_t addr)
{
	if (addr >= s->vm->ram_size) {
		s->bad = true;
		return 0;
	}
	return s->vm->ram[addr];
}

static uint32_t rd(struct real *s, uint32_t addr, int n)
{
	uint32_t v = 0;

	for (int i = 0; i < n; i++)
		v |= (uint32_t)rd8(s, addr + (uint32_t)i) << (8 * i);
	return v;
}

/* The next n bytes of code. */
static uint32_t fetch(struct real *s, int n)
{
	uint32_t v = rd(s, ((uint32_t)s->seg[CS] << 4) + (s->ip & 0xffff), n);

	s->ip += (uint32_t)n;
	return v;
}

static void set_reg(struct real *s, int r, uint32_t v, bool wide)
{
	s->r[r] = wide ? v : (s->r[r] & 0xffff0000u) | (v & 0xffff);
}

/* A memory operand [disp16] (mod 00, r/m 110), the only form handled. */
static bool mem_operand(struct real *s, uint8_t modrm, int seg, uint32_t *addr)
{
	if ((modrm & 0xc7) != 0x06)
		return false;
	*addr = ((uint32_t)s->seg[seg] << 4) + fetch(s, 2);
	return true;
}

/*
 * One real-mode instruction.  Returns 1 when a far jump entered protected
 * mode (*cs, *eip: where), 0 to go on, -1 if it is not one of ours.
 */
static int step(struct real *s, uint16_t *cs, uint32_t *eip)
{
	bool wide = false;
	int seg = DS;
	uint8_t op, m;
	uint32_t addr, v;

	for (;;) {
		op = (uint8_t)fetch(s, 1);
		if (op == 0x66)
			wide = true;
		else if (op == 0x2e)
			seg = CS;
		else if (op == 0x3e || op == 0x67)
			continue;
		else
			break;
	}
	switch (op) {
	case 0xfa: case 0xfc: case 0x90:	/* CLI, CLD, NOP */
		return 0;
	case 0x31: case 0x33:			/* XOR r, r */
		m = (uint8_t)fetch(s, 1);
		if ((m & 0xc0) != 0xc0)
			return -1;
		v = s->r[m & 7] ^ s->r[(m >> 3) & 7];
		set_reg(s, op == 0x31 ? m & 7 : (m >> 3) & 7, v, wide);
		return 0;
	case 0x8b: case 0x89:			/* MOV r, [disp16] / [disp16], r */
		m = (uint8_t)fetch(s, 1);
		if (!mem_operand(s, m, seg, &addr))
			return -1;
		if (op == 0x8b) {
			set_reg(s, (m >> 3) & 7, rd(s, addr, wide ? 4 : 2), wide);
		} else if (addr + (wide ? 4u : 2u) <= s->vm->ram_size) {
			uint32_t v = s->r[(m >> 3) & 7];

			for (int i = 0; i < (wide ? 4 : 2); i++)
				s->vm->ram[addr + (uint32_t)i] = (uint8_t)(v >> (8 * i));
			vm_touch(s->vm, addr, wide ? 4u : 2u);
		} else {
			return -1;
		}
		return 0;
	case 0x8e: case 0x8c:			/* MOV Sreg, r / r, Sreg */
		m = (uint8_t)fetch(s, 1);
		if ((m & 0xc0) != 0xc0 || ((m >> 3) & 7) > GS)
			return -1;
		if (op == 0x8e)
			s->seg[(m >> 3) & 7] = (uint16_t)s->r[m & 7];
		else
			set_reg(s, m & 7, s->seg[(m >> 3) & 7], wide);
		return 0;
	case 0xb8: case 0xb9: case 0xba: case 0xbb:	/* MOV r, imm */
	case 0xbc: case 0xbd: case 0xbe: case 0xbf:
		set_reg(s, op - 0xb8, fetch(s, wide ? 4 : 2), wide);
		return 0;
	case 0x0c: case 0x0d:			/* OR AL/AX/EAX, imm */
		v = fetch(s, op == 0x0c ? 1 : wide ? 4 : 2);
		set_reg(s, 0, s->r[0] | v, true);
		return 0;
	case 0x83:				/* OR r, imm8 */
		m = (uint8_t)fetch(s, 1);
		if ((m & 0xf8) != 0xc8)
			return -1;
		v = (uint32_t)(int32_t)(int8_t)fetch(s, 1);
		set_reg(s, m & 7, s->r[m & 7] | v, wide);
		return 0;
	case 0xeb:				/* JMP rel8 */
		v = (uint32_t)(int32_t)(int8_t)fetch(s, 1);
		s->ip = (s->ip + v) & 0xffff;
		return 0;
	case 0xe9:				/* JMP rel16 */
		v = (uint32_t)(int32_t)(int16_t)fetch(s, 2);
		s->ip = (s->ip + v) & 0xffff;
		return 0;
	case 0xea:				/* JMP ptr16:16 / ptr16:32 */
		*eip = fetch(s, wide ? 4 : 2);
		*cs = (uint16_t)fetch(s, 2);
		if (s->cr0 & X86_CR0_PE)
			return 1;
		s->seg[CS] = *cs;
		s->ip = *eip;
		return 0;
	case 0x0f:
		break;
	default:
		return -1;
	}
	op = (uint8_t)fetch(s, 1);
	switch (op) {
	case 0x08: case 0x09:			/* INVD, WBINVD */
		return 0;
	case 0x01:				/* LGDT, LIDT [disp16]; LMSW r */
		m = (uint8_t)fetch(s, 1);
		if ((m & 0xf8) == 0xf0) {	/* LMSW: PE, MP, EM, TS */
			s->cr0 = (s->cr0 & ~0xeu) | (s->r[m & 7] & 0xf);
			return 0;
		}
		if ((((m >> 3) & 7) != 2 && ((m >> 3) & 7) != 3) ||
		    !mem_operand(s, m, seg, &addr))
			return -1;
		v = rd(s, addr + 2, 4) & (wide ? 0xffffffffu : 0x00ffffffu);
		if (((m >> 3) & 7) == 2) {
			s->gdt_limit = (uint16_t)rd(s, addr, 2);
			s->gdt_base = v;
		} else {
			s->idt_limit = (uint16_t)rd(s, addr, 2);
			s->idt_base = v;
		}
		return 0;
	case 0x20: case 0x22:			/* MOV r32, CR0 / CR0, r32 */
		m = (uint8_t)fetch(s, 1);
		if ((m & 0xc0) != 0xc0 || ((m >> 3) & 7) != 0)
			return -1;
		if (op == 0x20)
			s->r[m & 7] = s->cr0;
		else
			s->cr0 = s->r[m & 7] | X86_CR0_ET;
		return 0;
	default:
		return -1;
	}
}

/*
 * A flat writable data segment of the guest's GDT for SS and the data
 * registers until the AP's own code loads them (it does, right after
 * the far jump: in real mode they still held 16-bit values).
 */
static uint16_t data_selector(struct real *s)
{
	for (uint32_t sel = 8; sel + 7 <= s->gdt_limit; sel += 8) {
		uint32_t hi = rd(s, s->gdt_base + sel + 4, 4);

		/* present, DPL 0, code/data, data, writable */
		if ((hi & 0x9e00u) == 0x9200u && ((hi >> 13) & 3) == 0)
			return (uint16_t)sel;
	}
	return 0;
}

int vmm_sipi_start(struct vcpu *v, uint8_t vector)
{
	struct real s;
	struct guest_boot boot;
	uint16_t cs = 0;
	uint32_t eip = 0, at = 0;
	int r = 0, i;

	memset(&s, 0, sizeof s);
	s.vm = v->vm;
	s.seg[CS] = (uint16_t)(vector << 8);
	s.cr0 = X86_CR0_ET | 0x60000000u;	/* reset: CD, NW, ET */
	s.idt_limit = 0x3ff;
	s.r[2] = 0x663;				/* EDX: family/model/stepping */
	for (i = 0; i < SIPI_MAX_INSNS && r == 0; i++) {
		at = ((uint32_t)s.seg[CS] << 4) + (s.ip & 0xffff);
		r = step(&s, &cs, &eip);
		if (s.bad)
			r = -1;
	}
	if (r != 1) {
		/* not a trampoline this VMM can run: the VM stops, saying where */
		vm_power_off(v->vm, POWER_BAD_INSN, at);
		return SIM_OK;
	}
	memset(&boot, 0, sizeof boot);
	boot.eax = s.r[0];
	boot.ebx = s.r[3];
	boot.eip = eip;
	boot.eflags = 0x2;
	boot.cr0 = s.cr0 & ~0x60000000u;
	boot.cs = cs;
	boot.ds = data_selector(&s);
	boot.gdt_base = s.gdt_base;
	boot.gdt_limit = s.gdt_limit;
	boot.idt_base = s.idt_base;
	boot.idt_limit = s.idt_limit;
	if (vmm_vcpu_init(v, &boot) != SIM_OK) {
		vm_power_off(v->vm, POWER_BAD_INSN, at);
		return SIM_OK;
	}
	v->virt.msr[VMSR_APIC_BASE] &= ~0x100u;	/* not the BSP */
	cpu_set_reg(v->cpu, X86R_ECX, s.r[1]);
	cpu_set_reg(v->cpu, X86R_EDX, s.r[2]);
	cpu_set_reg(v->cpu, X86R_ESP, s.r[4]);
	cpu_set_reg(v->cpu, X86R_EBP, s.r[5]);
	cpu_set_reg(v->cpu, X86R_ESI, s.r[6]);
	cpu_set_reg(v->cpu, X86R_EDI, s.r[7]);
	return SIM_OK;
}
