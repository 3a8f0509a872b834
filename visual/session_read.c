/*
 * session_read.c - what the views read from a session's world: the VM on
 * screen, its registers (real and virtual), guest code decoded from its
 * RAM, the mode each instruction runs under, and the breakpoints (see
 * session.h).  Nothing here changes the world.
 */
#include <stdio.h>
#include <string.h>

#include "session.h"
#include "status.h"
#include "vm.h"
#include "vmm/bt.h"
#include "vmm/vmm.h"

struct vm *session_vm(struct session *s)
{
	return sim_vm(s->sim, s->focus);
}

struct vcpu *session_vcpu(struct session *s)
{
	struct vm *vm = session_vm(s);
	int i = s->shown_vcpu;

	if (i < 0 || i >= vm->nvcpus || vm->vcpu[i] == NULL)
		i = 0;
	return vm->vcpu[i];
}

bool session_vm_running(struct session *s)
{
	return session_vm(s)->state == VM_ON;
}

uint64_t session_position(struct session *s)
{
	return sim_insns(s->sim);
}

void session_read_regs(struct session *s, struct regs *r)
{
	struct vcpu *v = session_vcpu(s);
	struct cpu *c = v->cpu;

	memset(r, 0, sizeof *r);
	r->valid = true;
	for (int i = 0; i < 8; i++)
		r->gpr[i] = cpu_reg(c, (enum x86_register)(X86R_EAX + i));
	r->eip = cpu_reg(c, X86R_EIP);
	r->eflags = cpu_reg(c, X86R_EFLAGS);
	for (int i = 0; i < 6; i++)
		r->seg[i] = (uint16_t)cpu_reg(c, (enum x86_register)(X86R_ES + i));
	r->cr[0] = cpu_reg(c, X86R_CR0);
	r->cr[2] = cpu_reg(c, X86R_CR2);
	r->cr[3] = cpu_reg(c, X86R_CR3);
	r->cr[4] = cpu_reg(c, X86R_CR4);
	cpu_get_table(c, CPU_GDTR, &r->gdtr);
	cpu_get_table(c, CPU_IDTR, &r->idtr);
	cpu_get_table(c, CPU_LDTR, &r->ldtr);
	cpu_get_table(c, CPU_TR, &r->tr);
	r->cpl = cpu_cpl(c);
	/*
	 * The guest's own view.  It believes CS's low bits are the ring it is
	 * in.  Under binary translation the real CS and EIP are the VMM's
	 * (translated code in its translation cache): the guest's are the
	 * CS the translation stands for, and the guest address it is at.
	 */
	r->vring = v->vring & 3;
	r->geip = vmm_guest_eip(v);
	r->vcs = vmm_guest_cs(v);
	r->veflags = vmm_guest_eflags(v);
	r->vcr[0] = v->virt.cr0;
	r->vcr[2] = v->virt.cr2;
	r->vcr[3] = v->virt.cr3;
	r->vcr[4] = v->virt.cr4;
	r->vgdt_base = v->virt.gdt_base;
	r->vgdt_limit = v->virt.gdt_limit;
	r->vidt_base = v->virt.idt_base;
	r->vidt_limit = v->virt.idt_limit;
	r->vldtr = v->virt.ldtr;
	r->vtr = v->virt.tr;
}

bool session_decode(struct session *s, uint32_t addr,
		    struct x86_instruction *out)
{
	struct vm *vm = session_vm(s);
	uint32_t len;

	if (addr >= vm->ram_size)
		return false;
	len = vm->ram_size - addr < X86_INSN_MAX ? vm->ram_size - addr
						  : X86_INSN_MAX;
	return disasm_decode(sim_disasm(s->sim), vm->ram + addr, len, addr,
			     out) == SIM_OK;
}

void session_insn_text(struct session *s, const struct x86_instruction *x,
		       char *buf, size_t size)
{
	disasm_text(sim_disasm(s->sim), x, buf, size);
}

/*
 * How an instruction runs, as the code pane labels it:
 *   te            trap-and-emulate (the privileged ones trap);
 *   bt IDENT      binary translation, copied unchanged into the TC;
 *   bt non-IDENT  ... rewritten (a callout to the VMM, or control flow
 *                 kept inside the TC);
 *   bt            ... not translated yet;
 *   direct        guest user code run directly (under bt);
 *   hw / hw exit  hardware assist: privileged and I/O instructions exit.
 * The mode is the vCPU's now: code the guest runs later in another ring
 * may run under another one.
 */
const char *session_mode_label(struct session *s, uint32_t addr, int cls,
			       bool wide)
{
	struct vcpu *v = session_vcpu(s);
	struct bt_view view;

	switch (v->exec) {
	case MODE_BT:
		if (v->bt == NULL || bt_view(v->bt, addr, &view) != SIM_OK)
			return "bt";
		for (int i = 0; i < view.n; i++)
			if (view.insn[i].guest == addr) {
				if (view.insn[i].ident)
					return wide ? "bt IDENT" : "IDENT";
				return wide ? "bt non-IDENT" : "rewr.";
			}
		return "bt";
	case MODE_HW:
		if (cls == CLASS_PRIVILEGED || cls == CLASS_IO)
			return wide ? "hw exit" : "exit";
		return "hw";
	default:
		return exec_mode_name((enum exec_mode)v->exec);
	}
}

/* ---- breakpoints --------------------------------------------------------- */

bool session_break_at(const struct session *s, uint32_t addr)
{
	for (int i = 0; i < s->nbrk; i++)
		if (s->brk[i] == addr)
			return true;
	return false;
}

bool session_break_toggle(struct session *s, uint32_t addr)
{
	for (int i = 0; i < s->nbrk; i++) {
		if (s->brk[i] == addr) {
			s->brk[i] = s->brk[--s->nbrk];
			return false;
		}
	}
	if (s->nbrk == SESSION_MAX_BREAKS)
		return false;
	s->brk[s->nbrk++] = addr;
	return true;
}

void session_break_clear(struct session *s)
{
	s->nbrk = 0;
	s->brk_classes = 0;
}
