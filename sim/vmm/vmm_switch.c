/*
 * vmm_switch.c - the guest's view of the CPU, and moving the guest.
 *
 * The guest believes it runs with CS = 0x08 at ring 0; the real CPU runs it
 * with CS = 0x09 at CPL 1 (or, under binary translation, runs a translated
 * copy of its code from the VMM's area).  Everything the VMM shows the
 * guest - an exception frame, a PUSH CS, the return address of a far call
 * - must be the guest's view.  This file converts between the two views:
 * vmm_current_target() reads the guest's view of the CPU, vmm_switch()
 * makes the real CPU run a given guest view.
 */
#include <string.h>

#include "vmm/bt.h"
#include "vmm/cost.h"
#include "sim.h"
#include "vm.h"
#include "vmm/vmm_priv.h"

uint16_t vmm_guest_cs(struct vcpu *v)
{
	if (v->run.in_bt)
		return v->run.bt_cs;	/* the real CS is the VMM's code segment */
	return (uint16_t)((cpu_reg(v->cpu, X86R_CS) & ~3u) | (unsigned)v->vring);
}

uint16_t vmm_guest_ss(struct vcpu *v)
{
	return (uint16_t)((cpu_reg(v->cpu, X86R_SS) & ~3u) | (unsigned)v->vring);
}

uint32_t vmm_guest_eip(struct vcpu *v)
{
	uint32_t eip = cpu_reg(v->cpu, X86R_EIP);

	if (vmm_guard_in_nothing(v))
		return eip;	/* not translated code: the guest's own EIP */
	return v->run.in_bt ? bt_guest_eip(v, eip) : eip;
}

void vmm_current_target(struct vcpu *v, struct vmm_target *t)
{
	if (v->run.stub_armed) {	/* where the guest already is */
		*t = v->run.stub_target;
		return;
	}
	t->eip = vmm_guest_eip(v);
	t->esp = cpu_reg(v->cpu, X86R_ESP);
	t->eflags = vmm_guest_eflags(v);
	t->cs = vmm_guest_cs(v);
	t->ss = vmm_guest_ss(v);
	t->ds = (uint16_t)cpu_reg(v->cpu, X86R_DS);
	t->es = (uint16_t)cpu_reg(v->cpu, X86R_ES);
	t->fs = (uint16_t)cpu_reg(v->cpu, X86R_FS);
	t->gs = (uint16_t)cpu_reg(v->cpu, X86R_GS);
}

/*
 * CPL 1 holds only the guest kernel and CPL 3 only user code; CPL 2 holds
 * guest rings 1 and 2, told apart by the DPL of the guest's own
 * descriptor for CS.
 */
int vmm_vring_at(struct vcpu *v, int cpl, uint16_t cs)
{
	uint64_t raw;

	if (cpl <= 1)
		return 0;
	if (cpl == 3)
		return 3;
	if (vmm_peek_desc(v, cs, &raw) && x86_raw_dpl(raw) == 1)
		return 1;
	return 2;
}

static void set_seg(struct vcpu *v, enum x86_register r, uint16_t sel)
{
	if (cpu_reg(v->cpu, r) == sel)
		return;
	if (cpu_set_reg(v->cpu, r, sel) != 0)
		cpu_set_reg(v->cpu, r, 0);	/* not loadable here: null */
}

/* The real register state that runs a guest-view target. */
struct real_target {
	uint32_t eip, esp, eflags;
	uint16_t cs, ss, ds, es, fs, gs;
};

/*
 * Through the stub: from the current ring, a far call through the VMM's
 * call gate reaches ring 0 in the VMM's area; there the stub loads the
 * data segments and IRETs to the target frame the VMM wrote.  IRET from
 * ring 0 may enter any outer ring, and nulls data segments the new ring
 * may not use, exactly as for the guest's own IRET.
 */
static void switch_via_stub(struct vcpu *v, const struct real_target *r)
{
	static const uint16_t stub_cs[4] = {
		VMM_SEL_CS0, VMM_SEL_CS1, VMM_SEL_CS2, VMM_SEL_CS3
	};
	uint32_t vals[9] = { r->eip, r->cs, r->eflags, r->esp, r->ss,
			     r->ds, r->es, r->fs, r->gs };
	int cur = cpu_cpl(v->cpu);

	memcpy(v->vmm_area + VMM_FRAME_OFF, vals, sizeof vals);
	/*
	 * The stub is the VMM's code, not the guest's to single-step: a
	 * guest's EFLAGS.TF (a user debugger's step, tests/guests/tfuser.S)
	 * would raise a #DB at each of its instructions.  Its IRET loads
	 * the target's EFLAGS, TF included.
	 */
	cpu_set_reg(v->cpu, X86R_EFLAGS,
		    cpu_reg(v->cpu, X86R_EFLAGS) & ~X86_FL_TF);
	vmm_guard_arm(v, true);		/* vmm_guard.c: the stub may run */
	cpu_set_reg(v->cpu, X86R_CS, stub_cs[cur]);
	cpu_set_reg(v->cpu, X86R_EIP, VMM_BASE + VMM_STUB_OFF +
		    (cur == 0 ? VMM_STUB_GATE : VMM_STUB_LCALL));
	/* in VT-x non-root mode the CPU changes rings by itself */
	if (v->exec != MODE_HW) {
		v->stats.ring_switches++;
		vmm_charge(v, COST_RING_SWITCH);
	}
}

static void ring_event(struct vcpu *v, int from, uint32_t eip)
{
	struct event ev = { .kind = EV_RING };

	ev.u.ring.from = (uint8_t)from;
	ev.u.ring.to = (uint8_t)v->vring;
	ev.u.ring.cpl = (uint8_t)v->cpl;
	ev.u.ring.eip = eip;
	vm_emit(v->vm, v->id, &ev);
}

void vmm_switch(struct vcpu *v, const struct vmm_target *t)
{
	int vring = (int)X86_SEL_RPL(t->cs), real = vmm_real_cpl(vring);
	int cur = cpu_cpl(v->cpu), old = v->vring;
	struct real_target r;
	bool direct;

	vmm_sync_counters(v);	/* what ran so far ran in the old ring */

	/* the guest's IF and IOPL stay virtual; the real IF stays on */
	v->virt.iflag = (t->eflags & X86_FL_IF) != 0;
	v->virt.iopl = (uint8_t)((t->eflags & X86_FL_IOPL) >> X86_FL_IOPL_SHIFT);
	r.eflags = (t->eflags & ~(X86_FL_IF | X86_FL_IOPL | X86_FL_VM)) |
		   X86_FL_IF | X86_FL_RSVD1;
	r.eip = t->eip;
	r.esp = t->esp;
	r.cs = (uint16_t)((t->cs & ~3u) | (unsigned)real);
	r.ss = (uint16_t)((t->ss & ~3u) | (unsigned)real);
	r.ds = t->ds;
	r.es = t->es;
	r.fs = t->fs;
	r.gs = t->gs;
	v->vring = vring;
	v->cpl = real;
	/* binary translation may run a translated copy instead */
	if (v->vm->cfg.mode == MODE_BT)
		bt_place(v, t, &r.cs, &r.eip);
	else
		v->run.in_bt = false;

	direct = real == cur;
	if (direct && cpu_reg(v->cpu, X86R_CS) != r.cs &&
	    cpu_set_reg(v->cpu, X86R_CS, r.cs) != 0)
		direct = false;		/* e.g. execute-only code: use IRET */
	if (direct) {
		cpu_set_reg(v->cpu, X86R_EFLAGS, r.eflags);
		cpu_set_reg(v->cpu, X86R_ESP, r.esp);
		set_seg(v, X86R_SS, r.ss);
		set_seg(v, X86R_DS, r.ds);
		set_seg(v, X86R_ES, r.es);
		set_seg(v, X86R_FS, r.fs);
		set_seg(v, X86R_GS, r.gs);
		cpu_set_reg(v->cpu, X86R_EIP, r.eip);
		if (v->run.stub_armed)	/* a switch it was to make: not now */
			vmm_guard_arm(v, false);
	} else {
		v->run.stub_target = *t;
		switch_via_stub(v, &r);
	}
	if (v->vring != old)
		ring_event(v, old, t->eip);
}
