/*
 * command_view.c - the commands that change what is shown, not the world:
 * the view, the VM on screen, the Log's filter, scrolling, the presenter
 * layout (see command.h; the table is in command.c).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "command_priv.h"
#include "vm.h"

/* ---- views ------------------------------------------------------------------ */

int cmd_view(struct app *a, const char *arg)
{
	static const char *const names[VIEW_COUNT] = {
		"cpu", "arch", "worlds", "xlat", "log", "help", "cluster", "vmcs"
	};

	if (arg == NULL || strcmp(arg, "next") == 0) {
		a->view = (enum view_id)((a->view + 1) % VIEW_COUNT);
	} else if (strcmp(arg, "prev") == 0) {
		a->view = (enum view_id)((a->view + VIEW_COUNT - 1) % VIEW_COUNT);
	} else {
		int v;

		for (v = 0; v < VIEW_COUNT; v++)
			if (strcmp(arg, names[v]) == 0 ||
			    (arg[0] == '1' + v && arg[1] == '\0'))
				break;
		if (v == VIEW_COUNT) {
			app_message(a, true, "view wants cpu, arch, worlds, xlat, log, help, cluster, vmcs, next or prev");
			return -1;
		}
		a->view = (enum view_id)v;
	}
	a->dirty = true;
	return 0;
}

/*
 * The VM on screen: `focus` or `focus next` shows the next VM that runs a
 * guest, `focus NAME` that one.  Every view then describes it, and a
 * scenario no longer moves the focus by itself until it makes a new VM.
 */
int cmd_focus(struct app *a, const char *arg)
{
	int ids[SIM_MAX_VMS], n = session_vms_shown(a->sess, ids, SIM_MAX_VMS);
	int cur = 0, want = -1;

	for (int i = 0; i < n; i++)
		if (ids[i] == a->sess->focus)
			cur = i;
	if (arg == NULL || strcmp(arg, "next") == 0) {
		want = n > 0 ? ids[(cur + 1) % n] : -1;
	} else {
		for (int i = 0; i < n; i++)
			if (strcmp(sim_vm(a->sess->sim, ids[i])->name, arg) == 0)
				want = ids[i];
		if (want < 0) {
			app_message(a, true, "focus wants next or the name of a VM that runs a guest, not '%s'",
				    arg);
			return -1;
		}
	}
	if (n <= 1 && arg == NULL) {
		app_message(a, false, "This world has one VM running a guest: it is on screen.");
		return 0;
	}
	app_stop_running(a);
	session_focus(a->sess, sim_vm(a->sess->sim, want));
	a->focus_pinned = true;
	a->quiz.pending = false;
	app_message(a, false, "On screen: VM %s (%s, mode %s).",
		    session_vm(a->sess)->name,
		    vm_state_name(session_vm(a->sess)->state),
		    exec_mode_name(session_vm(a->sess)->cfg.mode));
	return 0;
}

/*
 * Which vCPU of the VM on screen the CPU view shows: `vcpu` or `vcpu
 * next` the next one, `vcpu N` vCPU N.  Each vCPU is its own VMM world
 * with its own registers, virtual CPU and local APIC.
 */
int cmd_vcpu(struct app *a, const char *arg)
{
	struct vm *vm = session_vm(a->sess);
	int n = vm->nvcpus, want;
	char *end;

	if (arg == NULL || strcmp(arg, "next") == 0) {
		want = n > 0 ? (a->sess->shown_vcpu + 1) % n : 0;
	} else {
		long v = strtol(arg, &end, 10);

		if (end == arg || *end != '\0' || v < 0 || v >= n) {
			app_message(a, true, "vcpu wants next or a vCPU number from 0 to %d, not '%s'",
				    n - 1, arg);
			return -1;
		}
		want = (int)v;
	}
	if (n <= 1) {
		app_message(a, false, "VM %s has one vCPU: it is on screen.", vm->name);
		return 0;
	}
	a->sess->shown_vcpu = want;
	session_read_regs(a->sess, &a->sess->now);
	a->sess->prev = a->sess->now;
	app_message(a, false, "CPU view: vCPU %d of VM %s (world vmm%d:%s, %s).",
		    want, vm->name, want, vm->name,
		    vm->vcpu[want]->state == VCPU_RUNNING ? "running" :
		    vm->vcpu[want]->state == VCPU_HALTED ? "halted" : "stopped");
	return 0;
}

int cmd_log_filter(struct app *a, const char *arg)
{
	static const int cycle[] = { EV_TRAP, EV_IO, EV_SERIAL, EV_VMX,
				     EV_POWER, EV_RING, EV_DISK };
	int n = (int)(sizeof cycle / sizeof cycle[0]);

	if (arg == NULL || strcmp(arg, "next") == 0) {
		int i;

		for (i = 0; i < n; i++)
			if (a->log_mask == EVENT_MASK(cycle[i]))
				break;
		/* all -> trap -> io -> ... -> ring -> disk -> all */
		i = a->log_mask == 0 ? 0 : i + 1;
		a->log_mask = i < n ? EVENT_MASK(cycle[i]) : 0;
	} else if (strcmp(arg, "all") == 0) {
		a->log_mask = 0;
	} else {
		int k;

		for (k = 0; k < EV_KIND_COUNT; k++)
			if (strcmp(arg, event_kind_name((enum event_kind)k)) == 0)
				break;
		if (k == EV_KIND_COUNT || k == EV_INSN) {
			app_message(a, true, "log-filter wants all, next, trap, io, serial, vmx, power, ring or disk");
			return -1;
		}
		a->log_mask = EVENT_MASK(k);
	}
	a->log_scroll = 0;
	a->dirty = true;
	return 0;
}

int cmd_scroll(struct app *a, const char *arg)
{
	int *pos = a->view == VIEW_HELP ? &a->help_scroll :
		   a->view == VIEW_WORLDS ? &a->worlds_scroll :
		   a->view == VIEW_CPU ? &a->explain_scroll : &a->log_scroll;
	/* the Log counts lines up from the newest; the others down from the top */
	bool down = a->view != VIEW_LOG;
	int dir = down ? -1 : 1;

	if (arg == NULL)
		arg = "down";
	if (strcmp(arg, "up") == 0)
		*pos += dir;
	else if (strcmp(arg, "down") == 0)
		*pos -= dir;
	else if (strcmp(arg, "pgup") == 0)
		*pos += 10 * dir;
	else if (strcmp(arg, "pgdn") == 0)
		*pos -= 10 * dir;
	else if (strcmp(arg, "home") == 0)
		*pos = down ? 0 : 1 << 30;
	else if (strcmp(arg, "end") == 0)
		*pos = down ? 1 << 30 : 0;
	else {
		app_message(a, true, "scroll wants up, down, pgup, pgdn, home or end");
		return -1;
	}
	if (*pos < 0)
		*pos = 0;
	if (*pos > 1 << 30)
		*pos = 1 << 30;
	a->dirty = true;
	return 0;
}

/* The presenter's layout: the path and a large narration, for a projector. */
int cmd_presenter(struct app *a, const char *arg)
{
	if (arg == NULL)
		a->presenter = !a->presenter;
	else if (strcmp(arg, "on") == 0 || strcmp(arg, "off") == 0)
		a->presenter = strcmp(arg, "on") == 0;
	else {
		app_message(a, true, "presenter wants on or off");
		return -1;
	}
	a->view = VIEW_CPU;
	app_message(a, false, "%s", a->presenter ?
		    "Presenter layout: the path and the code above a large narration (P: back)." :
		    "The full CPU view (P: the presenter layout).");
	return 0;
}

