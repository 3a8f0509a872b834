/*
 * view_vmcs.c - the VMCS of the vCPU under hardware assist (view 8, key 8).
 *
 * With VT-x the VMM describes each vCPU to the processor in a VMCS, the
 * virtual-machine control structure [Intel SDM vol. 3C ch. 24]: the
 * guest-state area (loaded on VM entry, saved on VM exit), the execution
 * controls (what makes the guest exit), and the exit-information fields
 * (why it last exited, with the exit qualification).  The guest runs at
 * ring 0 of non-root mode; the VMM in root mode.  Unicorn has no VT-x:
 * ringside's VMM models it (sim/vmm/vmm_hw.c), and this view shows the
 * model's VMCS as the 2006 processors had it: primary controls only.
 *
 * The CR0 and CR4 in the guest-state area are what the CPU really runs the
 * guest with (PE, PG, NE, WP forced on, VMXE set); the guest reads the
 * bits the VMM owns from the read shadows [SDM 24.6.6].
 *
 * The last exit is read from the event log; its qualification is worked
 * out as the SDM's tables 27-3 (control registers) and 27-5 (I/O) lay it
 * out, from the instruction at the exit's EIP.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "draw.h"
#include "trace.h"
#include "view.h"
#include "vm.h"
#include "vmm/cost.h"
#include "vmm/vmm.h"
#include "vmm/vmm_devices.h"

/* The register number the SDM's qualification uses for a GPR (0-7). */
static int gpr_number(enum x86_register r)
{
	static const enum x86_register order[8] = {
		X86R_EAX, X86R_ECX, X86R_EDX, X86R_EBX,
		X86R_ESP, X86R_EBP, X86R_ESI, X86R_EDI,
	};

	for (int i = 0; i < 8; i++)
		if (order[i] == r)
			return i;
	return 0;
}

static int cr_number(enum x86_register r)
{
	switch (r) {
	case X86R_CR0: return 0;
	case X86R_CR2: return 2;
	case X86R_CR3: return 3;
	case X86R_CR4: return 4;
	default: return 0;
	}
}

/*
 * The exit qualification of an exit by the instruction x (reason), as the
 * SDM defines it; port is the I/O event's port (-1 if none).  Writes a
 * few words saying what the bits mean.
 */
static uint32_t qualification(int reason, const struct x86_instruction *x,
			      int port, char *words, size_t len)
{
	uint32_t q = 0;

	words[0] = '\0';
	if (reason == 28) {		/* control-register access */
		int type = x->op == X86_OP_MOV_TO_CR ? 0 :
			   x->op == X86_OP_MOV_FROM_CR ? 1 :
			   x->op == X86_OP_CLTS ? 2 : 3;
		int cr = type == 0 ? cr_number((enum x86_register)x->ops[0].reg) :
			 type == 1 ? cr_number((enum x86_register)x->ops[1].reg) : 0;
		int gpr = type == 0 ? gpr_number((enum x86_register)x->ops[1].reg) :
			  type == 1 ? gpr_number((enum x86_register)x->ops[0].reg) : 0;

		q = (uint32_t)cr | (uint32_t)type << 4 | (uint32_t)gpr << 8;
		snprintf(words, len, "CR%d, %s, register %d", cr,
			 type == 0 ? "MOV to CR" : type == 1 ? "MOV from CR" :
			 type == 2 ? "CLTS" : "LMSW", gpr);
	} else if (reason == 30 && port >= 0) {	/* I/O instruction */
		int size = x->nops ? x->ops[x->op == X86_OP_IN ? 0 : 1].size : 1;
		bool in = x->op == X86_OP_IN || x->op == X86_OP_INS;
		bool string = x->op == X86_OP_INS || x->op == X86_OP_OUTS;
		bool imm = !string && x->ops[in ? 1 : 0].kind == X86_OPND_IMM;

		if (string || size < 1 || size > 4)
			size = 1;
		q = (uint32_t)(size - 1) | (uint32_t)in << 3 |
		    (uint32_t)string << 4 | (uint32_t)imm << 6 |
		    (uint32_t)port << 16;
		snprintf(words, len, "port 0x%04x, %d byte(s), %s%s%s", port,
			 size, in ? "in" : "out", string ? ", string" : "",
			 imm ? ", immediate port" : ", port in DX");
	} else if (reason == 29) {	/* MOV DR */
		bool from = x->op == X86_OP_MOV_FROM_DR;
		enum x86_register dr = (enum x86_register)x->ops[from ? 1 : 0].reg;

		q = (uint32_t)(dr - X86R_DR0) | (uint32_t)from << 4 |
		    (uint32_t)gpr_number((enum x86_register)x->ops[from ? 0 : 1].reg) << 8;
		snprintf(words, len, "DR%d, %s", (int)(dr - X86R_DR0),
			 from ? "MOV from DR" : "MOV to DR");
	} else {
		snprintf(words, len, "none for this reason");
	}
	return q;
}

/*
 * The last VM exit of the session's VM, and the port of its access if it
 * is an I/O exit (the VMM emulated the access, its io event, just before
 * recording the exit).
 */
static const struct event *last_exit(struct app *a, int *port)
{
	const struct event_log *log = sim_events(a->sess->sim);
	struct vm *vm = session_vm(a->sess);

	*port = -1;
	for (size_t i = event_log_count(log); i > 0; i--) {
		const struct event *e = event_log_at(log, i - 1);

		if (e->vm != vm->id || e->kind != EV_TRAP || !e->u.trap.vm_exit)
			continue;
		for (size_t j = i - 1; j > 0 && j + 4 > i; j--) {
			const struct event *io = event_log_at(log, j - 1);

			if (io->kind == EV_IO && io->vm == vm->id &&
			    io->u.io.eip == e->u.trap.eip)
				*port = io->u.io.port;
		}
		return e;
	}
	return NULL;
}

static int line(const struct rect *in, int y, enum role role,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int line(const struct rect *in, int y, enum role role,
		const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (y < in->y + in->h)
		draw_text(in, y, in->x + 1, role, buf);
	return y + 1;
}

void view_vmcs_draw(struct app *a, const struct layout *l)
{
	struct vm *vm = session_vm(a->sess);
	struct vcpu *v = session_vcpu(a->sess);
	const struct regs *g = &a->sess->now;
	struct rect in = draw_pane(&l->body, "VMCS: the VT-x control structure of this vCPU (Intel SDM vol. 3C ch. 24)");
	const struct event *ex;
	int y = in.y, port;
	bool pf = (g->vcr[0] & X86_CR0_PG) != 0;

	if (vm->cfg.mode != MODE_HW) {
		y = line(&in, y, ROLE_NORMAL, "This VM runs under %s, not hardware assist: it has no VMCS.",
			 exec_mode_name(vm->cfg.mode));
		line(&in, y, ROLE_DIM, "Run a guest with --mode=hw to see the VMCS its VMM keeps (a: ringside --mode=hw --guest G).");
		return;
	}
	y = line(&in, y, ROLE_HEADER, "Modes: the VMM in root mode; the guest kernel at ring %d of non-root mode (ringside's CPU runs it at CPL %d underneath: Unicorn has no VT-x).",
		 g->vring, g->cpl);
	y = line(&in, y + 1, ROLE_TITLE, "Guest-state area (loaded on VM entry, saved on VM exit)");
	y = line(&in, y, ROLE_NORMAL, "  CR0 %08x  CR3 %08x  CR4 %08x   EIP %08x  ESP %08x  EFLAGS %08x",
		 vmm_hw_cr_real(v, 0), g->vcr[3], vmm_hw_cr_real(v, 4), g->geip,
		 g->gpr[4], g->veflags);
	y = line(&in, y, ROLE_NORMAL, "  CS %04x  GDTR %08x/%04x  IDTR %08x/%04x  LDTR %04x  TR %04x   (the guest's own: live in non-root mode)",
		 g->vcs, g->vgdt_base, g->vgdt_limit, g->vidt_base, g->vidt_limit,
		 g->vldtr, g->vtr);
	y = line(&in, y, ROLE_NORMAL, "  IA32_SYSENTER_CS %04x  _ESP %08x  _EIP %08x",
		 (unsigned)v->virt.msr[VMSR_SYSENTER_CS],
		 (unsigned)v->virt.msr[VMSR_SYSENTER_ESP],
		 (unsigned)v->virt.msr[VMSR_SYSENTER_EIP]);
	y = line(&in, y + 1, ROLE_TITLE, "Execution controls (2006: primary controls only; no secondary controls, so no EPT, no descriptor-table or WBINVD exiting)");
	y = line(&in, y, ROLE_NORMAL, "  pin-based:  external-interrupt exiting 1   NMI exiting 0");
	y = line(&in, y, ROLE_NORMAL, "  processor:  HLT exiting 1  INVLPG exiting 1  RDPMC exiting 1  CR3-load/store exiting 1  MOV-DR exiting 1");
	y = line(&in, y, ROLE_NORMAL, "              unconditional I/O exiting 1  use MSR bitmaps 0 (RDMSR/WRMSR exit)  RDTSC exiting 0");
	y = line(&in, y, ROLE_NORMAL, "              use TSC offsetting 1 (offset %016llx)  interrupt-window exiting %d",
		 (unsigned long long)v->virt.tsc_offset,
		 !v->virt.iflag && vmm_devices_irq_pending(vm, v->id));
	y = line(&in, y, ROLE_NORMAL, "  exception bitmap %08x (#PF: no EPT in 2006: %s)",
		 1u << 14, pf ? "shadow page tables; the guest's own paging is not modelled"
			      : "the VMM's 1:1 shadow page tables map only the guest's RAM");
	y = line(&in, y, ROLE_NORMAL, "  CR0 guest/host mask %08x (PE NE WP NW CD PG: the VMM's), read shadow %08x",
		 vmm_hw_cr_mask(0), vmm_hw_cr_shadow(v, 0));
	y = line(&in, y, ROLE_NORMAL, "  CR4 guest/host mask %08x (PSE PAE PGE VMXE: the VMM's), read shadow %08x",
		 vmm_hw_cr_mask(4), vmm_hw_cr_shadow(v, 4));
	y = line(&in, y, ROLE_DIM, "  (a write exits only if it changes a masked bit; reads: masked bits from the shadow, the rest live, no exit)");
	y = line(&in, y + 1, ROLE_TITLE, "Exit information (the last VM exit)");
	ex = last_exit(a, &port);
	if (ex == NULL) {
		line(&in, y, ROLE_DIM, "  no VM exit yet");
		return;
	} else {
		struct x86_instruction x;
		char words[96], detail[160];
		uint32_t q = 0;
		bool decoded = ex->u.trap.op != X86_OP_OTHER &&
			       ex->u.trap.eip + 15 <= vm->ram_size &&
			       disasm_decode(sim_disasm(a->sess->sim),
					     vm->ram + ex->u.trap.eip, 15,
					     ex->u.trap.eip, &x) == 0;

		if (ex->u.trap.exit_reason == 0) {	/* a #PF: its address */
			q = ex->u.trap.a;
			snprintf(words, sizeof words, "#PF at linear address %08x (%s)",
				 q, ex->u.trap.b == 0 ? "a load" :
				 ex->u.trap.b == 1 ? "a store" : "a fetch");
		} else if (decoded)
			q = qualification(ex->u.trap.exit_reason, &x, port,
					  words, sizeof words);
		else
			snprintf(words, sizeof words, "none for this reason");
		trace_trap_detail(ex, detail, sizeof detail);
		y = line(&in, y, ROLE_NORMAL, "  exit reason %u (%s)   guest EIP %08x   instruction: %s",
			 ex->u.trap.exit_reason,
			 vmm_exit_reason_name(ex->u.trap.exit_reason),
			 ex->u.trap.eip, x86_op_name((enum x86_op)ex->u.trap.op));
		y = line(&in, y, ROLE_NORMAL, "  exit qualification %08x: %s", q, words);
		y = line(&in, y, ROLE_NORMAL, "  modelled cost %u cycles: VM exit + VM entry %u, then the VMM's handling",
			 vmm_exit_cost(ex->u.trap.exit_reason), COST_VMX_ROUND_TRIP);
		y = line(&in, y, ROLE_DIM, "    round trip: %s", COST_VMX_ROUND_TRIP_SOURCE);
		y = line(&in, y, ROLE_DIM, "    handling: %s",
			 vmm_exit_cost_note(ex->u.trap.exit_reason));
		if (detail[0])
			y = line(&in, y, ROLE_NORMAL, "  the VMM then: %s", detail);
	}
}
