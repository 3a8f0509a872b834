/*
 * test_paths.c - who handles each instruction: the probes of
 * classify.elf (every privileged, I/O and sensitive instruction, at guest
 * ring 0 and ring 3) in te, bt and hw, against an ORACLE written from the
 * sources in docs/ and DESIGN.md section 3, not from ringside's code:
 *
 *   - the VMM emulates privileged and sensitive instructions on the
 *     virtual CPU: after a trap (te), from a callout (bt), after a VM exit
 *     (hw) [Adams & Agesen, ASPLOS 2006, sections 3-5];
 *   - the VMKernel takes part only where it acts: a HLT blocks the vCPU's
 *     world [DESIGN.md 3; Sugerman et al., USENIX 2001];
 *   - the VMX answers the slow devices' ports (the UART here); the VMM
 *     keeps the PIC and the PIT;
 *   - under te the holes run untrapped and answer wrong: all of them at
 *     CPL 1, and SGDT SIDT SLDT SMSW STR even at ring 3 [Robin & Irvine
 *     2000], and LSL, which reads the VMM's shadow descriptor, its limit
 *     truncated below the VMM's area [docs/x86-holes.md; Bugnion et al.
 *     2012 on segment truncation; test_reference's ring3desc against
 *     QEMU]; IRET and far RET to ring 0 fault at CPL 1 and the VMM does
 *     them;
 *   - under bt guest code is translated unless it is ring 3 with IF=1 and
 *     IOPL<3 [Bugnion et al., TOCS 2012]; classify.elf runs its ring-3
 *     probes with IF=0, so they are translated too;
 *   - under VT-x as shipped in 2006 only the primary controls exist: no
 *     descriptor-table or WBINVD exiting, RDTSC by TSC offsetting; the
 *     guest kernel runs at ring 0 in non-root mode, so what does not exit
 *     runs right; privilege checks come before exits, so a privileged
 *     instruction at ring 3 is the guest's own #GP with no exit [Intel
 *     SDM vol. 3C 25.1; Uhlig et al., IEEE Computer 2005];
 *   - a fault the guest would take on real hardware is delivered by the
 *     VMM through the guest's IDT (te, bt): `reflected` where the CPU
 *     raised it, `injected` where a callout raised nothing (check_refusal);
 *     INT n is delivered by the VMM.
 *
 * Each probe is checked twice: the events of a real run, and the model
 * (handler_decide) that the explanations, the quiz and the docs read.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "handler.h"
#include "testlib.h"
#include "vmm/vmm.h"

#define CLASSIFY "scenarios/guests/classify.elf"
#define ALL 1000000000ull

struct probe {			/* probe_table's entries (classify_probes.S) */
	uint32_t run, at, end;
	uint8_t ring, cls, pad[2];
	char name[16];
};

static bool is(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(name, *list) == 0)
			return true;
	return false;
}

/* What exits under the 2006 primary controls: privileged instructions, and
 * RDPMC (RDPMC exiting). */
static const char *const hw_exits[] = {
	"mov-to-cr3", "mov-from-cr3", "mov-to-dr7", "mov-from-dr7", "invd",
	"invlpg", "rdmsr", "wrmsr", "hlt", "rdpmc", NULL
};
/*
 * CR0/CR4 writes exit only when they change a bit of the guest/host masks
 * [SDM vol. 3C 25.1.3]; classify's change only the guest's MP, TS and TSD,
 * so they run in non-root mode.  The model (handler_decide) gives the
 * usual case, a kernel's write of an owned bit (PG, PE), which exits: for
 * these probes the operand decides: the run is checked against the SDM,
 * the model against that usual case.
 */
static const char *const cr_guest_bits[] = {
	"lmsw", "clts", "mov-to-cr0", "mov-to-cr4", NULL
};
/*
 * The holes that show the VMM at any ring: its own tables ("Red Pill"),
 * and its truncation of the guest's segments (LSL).
 */
static const char *const red_pill[] = {
	"sgdt", "sidt", "sldt", "smsw", "str", "lsl", NULL
};
/*
 * Sensitive, but refused outside ring 0 as a privileged instruction is:
 * RDPMC with CR4.PCE clear [SDM vol. 2B, RDPMC], as classify's ring 3 runs
 * it; the deprivileging VMM keeps the real PCE clear, so it traps (te) or
 * calls out (bt) at ring 0, where its answer is the VMM's.
 */
static bool refused_at_ring3(const struct probe *p)
{
	return strcmp(p->name, "rdpmc") == 0;
}
/* Returns that fault at CPL 1 on the guest kernel's RPL-0 selectors. */
static const char *const rpl_traps[] = { "iret", "far-ret", NULL };

/* The oracle (see the top of this file). cls: 1 privileged, 2 I/O, 3 sensitive. */
static struct handler oracle(const struct probe *p, enum exec_mode m)
{
	bool kernel = p->ring == 0;
	bool hlt = strcmp(p->name, "hlt") == 0;
	enum insn_path emulator = hlt ? PATH_VMKERNEL
				      : p->cls == 2 ? PATH_VMX : PATH_VMM;

	if (strcmp(p->name, "int") == 0)
		return m == MODE_HW ? (struct handler){ PATH_DIRECT, WHY_NONROOT }
				    : (struct handler){ PATH_VMM, WHY_DELIVER };
	switch (m) {
	case MODE_TE:
		if (p->cls != 3 || refused_at_ring3(p))
			return kernel ? (struct handler){ emulator, WHY_TRAP }
				      : (struct handler){ PATH_VMM, WHY_REFLECT };
		if (kernel && is(p->name, rpl_traps))
			return (struct handler){ PATH_VMM, WHY_TRAP };
		if (kernel || is(p->name, red_pill))
			return (struct handler){ PATH_DIRECT, WHY_HOLE };
		return (struct handler){ PATH_DIRECT, WHY_NATIVE };
	case MODE_BT:
		if (p->cls != 3 || refused_at_ring3(p))
			return kernel ? (struct handler){ emulator, WHY_CALLOUT }
				      : (struct handler){ PATH_VMM, WHY_REFLECT };
		return (struct handler){ PATH_VMM, WHY_CALLOUT };
	default:	/* MODE_HW */
		if (kernel && (p->cls == 2 || is(p->name, hw_exits)))
			return (struct handler){ emulator, WHY_EXIT };
		return (struct handler){ PATH_DIRECT, WHY_NONROOT };
	}
}

static const struct event *first_insn_at(const struct tl_run *r, uint32_t at)
{
	for (size_t i = 0; i < r->nev; i++)
		if (r->ev[i].kind == EV_INSN && r->ev[i].u.insn.eip == at)
			return &r->ev[i];
	return NULL;
}

static const struct event *trap_at(const struct tl_run *r, uint32_t at)
{
	for (size_t i = 0; i < r->nev; i++)
		if (r->ev[i].kind == EV_TRAP && r->ev[i].u.trap.eip == at)
			return &r->ev[i];
	return NULL;
}

/*
 * A ring-3 probe that real hardware refuses with #GP (privileged, port
 * I/O under IOPL 0, RDPMC with CR4.PCE clear), as the trace tells it:
 *   te  the instruction ran at CPL 3 and the CPU raised #GP, which the
 *       VMM passed on: `reflected` [SDM vol. 3A 5.9];
 *   bt  the translated code does not run it but calls the VMM [Adams &
 *       Agesen 2006, 3.1: only IDENT code runs as it is]; the CPU raised
 *       nothing, and the #GP is of the VMM's emulation: `injected`;
 *   hw  non-root mode raises and delivers #GP before any exit [SDM vol.
 *       3C 25.1.1]: no VMM, no event.
 */
static void check_refusal(const struct tl_run *r, const struct probe *p,
			  enum exec_mode m)
{
	const struct event *t = trap_at(r, p->at);

	if (m == MODE_HW) {
		assert_null(t);
		return;
	}
	if (t == NULL)
		fail_msg("%s ring 3 %s: no trap event", exec_mode_name(m), p->name);
	assert_int_equal(t->u.trap.vector, X86_GP);
	if (t->u.trap.action != (m == MODE_TE ? TRAP_REFLECTED : TRAP_INJECTED))
		fail_msg("%s ring 3 %s: %s, the sources say %s",
			 exec_mode_name(m), p->name,
			 trap_action_name((enum trap_action)t->u.trap.action),
			 m == MODE_TE ? "reflected" : "injected");
	if (m == MODE_BT)
		assert_int_equal(t->u.trap.a, INJECT_BY_VMM);
}

/*
 * Under bt every callout is counted and paid, the refused ones too: the
 * translated code called the VMM whatever the VMM then answered.  The
 * counter is the callout events, the INT n the VMM delivered (this
 * guest's probes, ring 3 included, run translated: each INT n is a
 * callout told by its delivery) and the refusals, which the trace tells
 * as the injected #GP alone.
 */
static void check_callouts_paid(const struct tl_run *r, int refusals)
{
	const struct vcpu *v = r->vm->vcpu[0];
	uint64_t events = 0;

	for (size_t i = 0; i < r->nev; i++)
		if (r->ev[i].kind == EV_TRAP &&
		    (r->ev[i].u.trap.action == TRAP_CALLOUT ||
		     r->ev[i].u.trap.action == TRAP_SOFT_INT))
			events++;
	assert_int_equal(v->stats.callouts, events + (uint64_t)refusals);
}

static void check_mode(enum exec_mode m, int *cells)
{
	uint32_t lo = tl_symbol(CLASSIFY, "probe_table");
	uint32_t hi = tl_symbol(CLASSIFY, "probe_table_end");
	struct disasm *d;
	struct tl_run r;
	int refusals = 0;

	assert_true(lo != 0 && hi > lo);
	assert_int_equal(disasm_create(&d), SIM_OK);
	tl_boot_mode(CLASSIFY, m, true, &r);
	assert_int_equal(sim_run(r.sim, ALL, &r.stop), SIM_OK);
	assert_int_equal(r.vm->power_reason, POWER_DEBUG_EXIT);
	for (uint32_t a = lo; a < hi; a += sizeof(struct probe)) {
		struct probe p;
		const struct event *ev;
		struct x86_instruction x;
		struct handler w;
		struct handler h;

		memcpy(&p, r.vm->ram + a, sizeof p);
		ev = first_insn_at(&r, p.at);
		if (ev == NULL)
			fail_msg("%s: probe %s (ring %u) never ran",
				 exec_mode_name(m), p.name, p.ring);
		w = oracle(&p, m);
		/* the run */
		if (ev->u.insn.path != w.path || ev->u.insn.why != w.why)
			fail_msg("%s ring %u %s: ran %s (%s), the sources say %s (%s)",
				 exec_mode_name(m), p.ring, p.name,
				 path_text(ev->u.insn.path),
				 handler_why_name(ev->u.insn.why),
				 path_text(w.path), handler_why_name(w.why));
		assert_int_equal(ev->u.insn.vring, p.ring);
		assert_int_equal(ev->u.insn.mode, m);
		if (p.ring == 3 && (p.cls != 3 || refused_at_ring3(&p))) {
			check_refusal(&r, &p, m);
			refusals++;
		}
		/* the model the explanations and the quiz read */
		assert_int_equal(disasm_decode(d, r.vm->ram + p.at, p.end - p.at,
					       p.at, &x), SIM_OK);
		h = handler_decide(handler_kind_of(&x, false), m, p.ring);
		if (m == MODE_HW && p.ring == 0 && is(p.name, cr_guest_bits))
			w = (struct handler){ PATH_VMM, WHY_EXIT };
		if (h.path != w.path || h.why != w.why)
			fail_msg("%s ring %u %s: the model says %s (%s), the sources %s (%s)",
				 exec_mode_name(m), p.ring, p.name,
				 path_text(h.path), handler_why_name(h.why),
				 path_text(w.path), handler_why_name(w.why));
		(*cells)++;
	}
	assert_true(refusals > 20);
	if (m == MODE_BT)
		check_callouts_paid(&r, refusals);
	tl_free(&r);
	disasm_destroy(d);
}

/* 95 probes (47 at ring 0, 48 at ring 3) in each of the three modes. */
static void probes_follow_the_sources(void **state)
{
	int cells = 0;

	(void)state;
	check_mode(MODE_TE, &cells);
	check_mode(MODE_BT, &cells);
	check_mode(MODE_HW, &cells);
	assert_int_equal(cells, 3 * 95);
}

/*
 * The model at guest rings 1-3, in every mode, direct execution included:
 * classify.elf probes rings 0 and 3 only, so rings 1 and 2 (and bt's
 * direct execution) are checked on the model the explanations, the quiz
 * and the docs read, against the same sources:
 *   - te: guest rings 1 and 2 run at CPL 2; a privileged or I/O
 *     instruction (IOPL 0) there faults on real hardware too, so it is
 *     the guest's own #GP, which the VMM reflects; the VMM's tables
 *     (SGDT group) and its truncated limits (LSL) show at every ring;
 *   - bt: rings 0-2 are translated [Bugnion et al. 2012]: innocuous code
 *     is IDENT in the translation cache, sensitive code a callout, a
 *     privileged instruction outside ring 0 the guest's own #GP;
 *   - direct (bt's ring 3 with IF=1, IOPL<3): ring 3 as on the CPU, the
 *     holes that show the VMM included ("Red Pill");
 *   - hw: the guest at its own ring in non-root mode; outside ring 0 a
 *     privileged instruction is the guest's own #GP, delivered by the CPU
 *     with no exit (privilege checks come before exits, SDM vol. 3C
 *     25.1.1); CPUID exits at every ring (25.1.2);
 *   - RDPMC at rings 1-3 with CR4.PCE clear is refused with #GP as a
 *     privileged instruction is [SDM vol. 2B, RDPMC];
 *   - RDTSC: a deprivileging VMM keeps time virtual by setting the real
 *     CR4.TSD, which makes RDTSC #GP at CPL > 0 [SDM vol. 2B, RDTSC], so
 *     it traps at every ring (te, and bt's direct execution) or is a
 *     callout (bt); VT-x of 2006 runs it in non-root mode with TSC
 *     offsetting and no RDTSC exiting [SDM vol. 3C 24.6.2, 25.3].
 */
static struct handler ring_oracle(enum x86_op op, enum exec_mode m, int ring)
{
	bool priv = op == X86_OP_LGDT || op == X86_OP_CLI ||
		    op == X86_OP_MOV_TO_CR || op == X86_OP_WRMSR ||
		    op == X86_OP_HLT || op == X86_OP_OUT;
	bool shows_vmm = op == X86_OP_SGDT || op == X86_OP_STR ||
			 op == X86_OP_LSL;
	bool sensitive = shows_vmm || op == X86_OP_PUSHF || op == X86_OP_LAR;
	/*
	 * RDPMC outside ring 0 with CR4.PCE clear, as kernels boot: #GP on
	 * real hardware [SDM vol. 2B, RDPMC], and under VT-x before any exit
	 * [SDM vol. 3C 25.1.1]: refused as a privileged instruction is
	 */
	bool refused = priv || op == X86_OP_RDPMC;

	if (op == X86_OP_RDTSC)
		return m == MODE_HW ? (struct handler){ PATH_DIRECT, WHY_NONROOT }
		       : m == MODE_BT ? (struct handler){ PATH_VMM, WHY_CALLOUT }
		       : (struct handler){ PATH_VMM, WHY_TRAP };
	if (op == X86_OP_CPUID)
		return m == MODE_HW ? (struct handler){ PATH_VMM, WHY_EXIT }
		       : m == MODE_BT ? (struct handler){ PATH_VMM, WHY_CALLOUT }
		       : (struct handler){ PATH_DIRECT, WHY_HOLE };
	switch (m) {
	case MODE_HW:	/* ordinary code is "native" in every mode */
		return op == X86_OP_OTHER ? (struct handler){ PATH_DIRECT, WHY_NATIVE }
					  : (struct handler){ PATH_DIRECT, WHY_NONROOT };
	case MODE_BT:
		if (refused)
			return (struct handler){ PATH_VMM, WHY_REFLECT };
		return sensitive ? (struct handler){ PATH_VMM, WHY_CALLOUT }
				 : (struct handler){ PATH_DIRECT, WHY_TRANSLATED };
	case MODE_DIRECT:
		if (refused)
			return (struct handler){ PATH_VMM, WHY_REFLECT };
		return shows_vmm ? (struct handler){ PATH_DIRECT, WHY_HOLE }
				 : (struct handler){ PATH_DIRECT, WHY_NATIVE };
	default:	/* MODE_TE */
		if (refused)
			return (struct handler){ PATH_VMM, WHY_REFLECT };
		if (shows_vmm || (sensitive && ring < 3))
			return (struct handler){ PATH_DIRECT, WHY_HOLE };
		return (struct handler){ PATH_DIRECT, WHY_NATIVE };
	}
}

static void model_at_every_ring(void **state)
{
	static const enum x86_op ops[] = {
		X86_OP_OTHER, X86_OP_LGDT, X86_OP_CLI, X86_OP_MOV_TO_CR,
		X86_OP_WRMSR, X86_OP_HLT, X86_OP_OUT, X86_OP_SGDT, X86_OP_STR,
		X86_OP_LSL, X86_OP_PUSHF, X86_OP_LAR, X86_OP_CPUID,
		X86_OP_RDPMC, X86_OP_RDTSC,
	};
	static const enum exec_mode modes[] = {
		MODE_TE, MODE_BT, MODE_HW, MODE_DIRECT
	};
	int cells = 0;

	(void)state;
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		for (size_t k = 0; k < 4; k++)
			for (int ring = 1; ring < 4; ring++) {
				struct x86_instruction x = { .op = ops[i] };
				struct handler w;
				struct handler h;

				if (modes[k] == MODE_DIRECT && ring != 3)
					continue;	/* direct execution is ring 3's */
				if (x.op == X86_OP_MOV_TO_CR) {	/* mov cr3, eax */
					x.nops = 2;
					x.ops[0].kind = X86_OPND_REG;
					x.ops[0].reg = X86R_CR3;
				}
				w = ring_oracle(ops[i], modes[k], ring);
				h = handler_decide(handler_kind_of(&x, false),
						   modes[k], ring);
				if (h.path != w.path || h.why != w.why)
					fail_msg("%s ring %d %s: the model says %s (%s), the sources %s (%s)",
						 exec_mode_name(modes[k]), ring,
						 x86_op_name(ops[i]),
						 path_text(h.path), handler_why_name(h.why),
						 path_text(w.path), handler_why_name(w.why));
				cells++;
			}
	assert_true(cells > 100);
}
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(probes_follow_the_sources),
		cmocka_unit_test(model_at_every_ring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
