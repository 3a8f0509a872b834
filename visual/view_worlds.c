/*
 * view_worlds.c - the Worlds view: an esxtop-like table.
 *
 * In ESX the VMKernel schedules "worlds": per VM one VMX world (a user
 * world: it bootstrapped the VM and emulates its devices) and one VMM
 * world per virtual CPU.  Each gets a line here with what it has done.
 * Scheduling columns (%USED %RUN %RDY %WAIT) come with the VMKernel
 * scheduler.
 */
#include <stdio.h>
#include <string.h>

#include "draw.h"
#include "view.h"
#include "vm.h"
#include "vmm.h"

/* One row of the table: 79 columns, so it fits an 80-column terminal. */
#define ROW " %3s %3s %-12.12s %-8.8s %10s %6s %5s %4s %5s %7s %6s"

static const char *vcpu_state(const struct vm *vm, const struct vcpu *v)
{
	if (vm->state != VM_ON)
		return vm->state == VM_HALTED ? "halted" : "off";
	switch (v->state) {
	case VCPU_RUNNING: return "run";
	case VCPU_HALTED: return "hlt-wait";
	default: return "stopped";
	}
}

void view_worlds_draw(struct app *a, const struct layout *l)
{
	const struct rect *b = &l->body;
	struct sim *s = a->sess->sim;
	char n1[32], n2[32], n3[32], n4[32], n5[32], n6[32];
	char wid[12], gid[12], pct[16];
	int y = b->y, id = 1;

	draw_textf(b, y++, b->x + 1, ROLE_HEADER,
		   "Worlds: %d VM%s, simulated time %.3f ms, %s instructions",
		   sim_vm_count(s), sim_vm_count(s) == 1 ? "" : "s",
		   (double)sim_now_ns(s) / 1e6,
		   view_count(session_position(a->sess), n1, sizeof n1));
	y++;
	draw_textf(b, y++, b->x, ROLE_TITLE, ROW,
		   "WID", "GID", "NAME", "STATE", "INSNS", "TRAPS", "REFL", "INT",
		   "FIXUP", "I/O", "%DIR");
	for (int i = 0; i < sim_vm_count(s) && y < b->y + b->h; i++) {
		struct vm *vm = sim_vm(s, i);
		uint64_t io = 0;
		char name[64];

		for (int j = 0; j < vm->nvcpus; j++)
			io += vm->vcpu[j]->stats.io;
		snprintf(name, sizeof name, "vmx-%s", vm->name);
		snprintf(wid, sizeof wid, "%d", id++);
		snprintf(gid, sizeof gid, "%d", i + 1);
		draw_textf(b, y++, b->x, ROLE_VMX, ROW, wid, gid, name,
			   vm_state_name(vm->state), "-", "-", "-", "-", "-",
			   view_count(io, n1, sizeof n1), "-");
		for (int j = 0; j < vm->nvcpus && y < b->y + b->h; j++) {
			const struct vcpu_stats *st = &vm->vcpu[j]->stats;
			double direct = st->insns ? 100.0 * (double)st->by_path[PATH_DIRECT] /
						    (double)st->insns : 0.0;

			snprintf(name, sizeof name, "vmm%d:%s", j, vm->name);
			snprintf(wid, sizeof wid, "%d", id++);
			snprintf(pct, sizeof pct, "%.1f", direct);
			draw_textf(b, y++, b->x, ROLE_VMM, ROW, wid, gid, name,
				   vcpu_state(vm, vm->vcpu[j]),
				   view_count(st->insns, n1, sizeof n1),
				   view_count(st->traps, n2, sizeof n2),
				   view_count(st->reflected, n3, sizeof n3),
				   view_count(st->soft_ints, n4, sizeof n4),
				   view_count(st->vmm_emulated, n5, sizeof n5),
				   view_count(st->io, n6, sizeof n6), pct);
		}
	}
	y++;
	draw_wrap(b, y, ROLE_DIM,
		  "Each VM has one VMX world (a user world that bootstrapped the VM and emulates its serial port) and one VMM world per virtual CPU, which runs the guest and takes its traps. TRAPS: privileged instructions virtualized by the VMKernel; REFL: the guest's own faults reflected to it; INT: INT n delivered; FIXUP: sensitive instructions the VMM finished; I/O: port accesses sent to the VMX; %DIR: instructions run directly on the hardware. Scheduling columns (%USED %RUN %RDY) come with the VMKernel scheduler.");
}
