/*
 * cpu_cpuid.c - the processor's answers to CPUID, for the CPU (its hook)
 * and for the VMM, which answers a guest's CPUID the same way.
 */
#include <stdbool.h>
#include <stddef.h>

#include "cpu/cpu_priv.h"

/*
 * The processor's CPUID: QEMU 7.2's "qemu32" with -smp 1, the reference
 * machine [measured: tests/guests/cpuid.S on qemu-system-i386; the rows
 * are its output].  Unicorn's qemu32 (QEMU 5) answers leaves 1, 2, 4,
 * 0x80000001 and 0x40000000 otherwise, so ringside's CPU answers from this
 * table instead.  Past the last basic or extended leaf an Intel CPU
 * answers the last basic leaf (4, with the subleaf asked); leaf 4 has four
 * cache subleaves, then zeros; 0x40000000 is TCG's hypervisor leaf.
 */
static const struct { uint32_t leaf, sub, r[4]; } cpuid_rows[] = {
	{ 0x00000000, 0, { 0x00000004, 0x756e6547, 0x6c65746e, 0x49656e69 } },
	{ 0x00000001, 0, { 0x00000663, 0x00000800, 0x80000001, 0x0781abfd } },
	{ 0x00000002, 0, { 0x00000001, 0x00000000, 0x0000004d, 0x002c307d } },
	{ 0x00000003, 0, { 0, 0, 0, 0 } },
	{ 0x00000004, 0, { 0x00000121, 0x01c0003f, 0x0000003f, 0x00000001 } },
	{ 0x00000004, 1, { 0x00000122, 0x01c0003f, 0x0000003f, 0x00000001 } },
	{ 0x00000004, 2, { 0x00000143, 0x03c0003f, 0x00000fff, 0x00000001 } },
	{ 0x00000004, 3, { 0x00000163, 0x03c0003f, 0x00003fff, 0x00000006 } },
	{ 0x40000000, 0, { 0x40000001, 0x54474354, 0x43544743, 0x47435447 } },
	{ 0x80000000, 0, { 0x80000004, 0x756e6547, 0x6c65746e, 0x49656e69 } },
	{ 0x80000001, 0, { 0x00000663, 0, 0, 0 } },
	{ 0x80000002, 0, { 0x554d4551, 0x72695620, 0x6c617574, 0x55504320 } },
	{ 0x80000003, 0, { 0x72657620, 0x6e6f6973, 0x352e3220, 0x0000002b } },
	{ 0x80000004, 0, { 0, 0, 0, 0 } },
};

void cpu_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	bool basic = leaf <= 4, ext = leaf >= 0x80000000u && leaf <= 0x80000004u;

	if (leaf >= 0x40000000u && leaf <= 0x400000ffu) {
		if (leaf != 0x40000000u) {
			out[0] = out[1] = out[2] = out[3] = 0;
			return;
		}
	} else if (!basic && !ext) {
		leaf = 4;	/* out of range: the last basic leaf */
	}
	if (leaf != 4)
		sub = 0;
	for (size_t i = 0; i < sizeof cpuid_rows / sizeof cpuid_rows[0]; i++) {
		if (cpuid_rows[i].leaf == leaf && cpuid_rows[i].sub == sub) {
			for (int k = 0; k < 4; k++)
				out[k] = cpuid_rows[i].r[k];
			return;
		}
	}
	out[0] = out[1] = out[2] = out[3] = 0;	/* leaf 4 past its caches */
}

void cpu_cpuid_of(const struct cpu *c, uint32_t leaf, uint32_t sub,
		  uint32_t out[4])
{
	cpu_cpuid(leaf, sub, out);
	if (leaf == 1) {
		out[1] |= (uint32_t)c->cfg.apic_id << 24;
		if (c->cfg.tsc_deadline)
			out[2] |= CPUID_1_ECX_TSC_DEADLINE;
		if (c->apic_off)
			out[3] &= ~CPUID_1_EDX_APIC;
	}
}

void cpu_set_apic_feature(struct cpu *c, bool on)
{
	c->apic_off = !on;
}

/* CPUID run by the CPU: answered from the table; 1 skips Unicorn's own. */
int cpu_cpuid_hook(uc_engine *uc, void *ud)
{
	static const int regs[4] = {
		UC_X86_REG_EAX, UC_X86_REG_EBX, UC_X86_REG_ECX, UC_X86_REG_EDX
	};
	const struct cpu *c = ud;
	uint32_t leaf, sub, r[4];

	uc_reg_read(uc, UC_X86_REG_EAX, &leaf);
	uc_reg_read(uc, UC_X86_REG_ECX, &sub);
	cpu_cpuid_of(c, leaf, sub, r);
	for (int i = 0; i < 4; i++)
		uc_reg_write(uc, regs[i], &r[i]);
	return 1;
}
