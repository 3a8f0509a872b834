/*
 * view_arch.c - the Architecture view: the layers a VM runs on.
 *
 * Bare metal (VMware ESX Server), bottom up: the hardware; the VMKernel,
 * the hypervisor; per VM a VMM (one world per vCPU) and a VMX (a user
 * world); the VM; the guest OS.  Beside the VMs, the service console, a
 * privileged VM for management.  Hosted (VMware Workstation and Server):
 * a host OS takes the VMKernel's place, with the VMM's driver in it, and
 * host applications beside the VMs.  The layer handling the current
 * instruction's hop is in reverse video, the layers it passed through in
 * bold: the same path the CPU view animates, seen as a stack.
 */
#include <stdio.h>
#include <string.h>

#include "draw.h"
#include "explain.h"
#include "view.h"
#include "vm.h"

/* How the layer of hop h is drawn now: current, passed, or not on the path. */
static enum role layer_role(const struct app *a, enum path_hop h)
{
	const struct anim *an = &a->anim;

	if (!a->sess->last.valid)
		return ROLE_NORMAL;
	for (int i = an->shown - 1; i >= 0; i--)
		if (an->hop[i] == h)
			return i == an->shown - 1 ? ROLE_HOP_ACTIVE : ROLE_HOP_DONE;
	return ROLE_NORMAL;
}

/* A 3-row box with one line of text, in role r. */
static void layer(const struct rect *clip, int y, int x, int w,
		  enum role r, const char *text)
{
	struct rect box = { x, y, w, 3 }, inside = { x + 1, y + 1, w - 2, 1 };

	if (r == ROLE_HOP_ACTIVE)
		draw_fill(clip, &inside, r);
	draw_box(clip, &box, r == ROLE_NORMAL ? ROLE_DIM : r);
	draw_text(&inside, y + 1, x + 2, r, text);
}

/* The kind of host the VM shown really runs on. */
static bool hosted_now(struct app *a)
{
	struct vm *vm = session_vm(a->sess);

	return vm && host_kind_is_hosted(vm_host(vm)->cfg.kind);
}

static void stack(struct app *a, const struct rect *d)
{
	struct vm *vm = session_vm(a->sess);
	const char *guest = strrchr(vm->guest_path, '/');
	int x = d->x + 1, w = d->w - 2, vmw = w * 64 / 100, y = d->y + 2;
	int half = vmw / 2;
	bool vt_x = vm->cfg.mode == MODE_HW;
	char text[300];

	guest = guest ? guest + 1 : vm->guest_path;
	draw_text(d, d->y, x, ROLE_HEADER, hosted_now(a) ?
		  "Hosted: VMware Workstation / Server" :
		  "Bare metal: VMware ESX Server");
	/*
	 * Where the guest kernel runs: deprivileged to CPL 1 under te and
	 * bt; under VT-x at its own ring 0, in non-root mode, with the VMM in
	 * root mode (Uhlig et al. 2005), whatever Unicorn runs underneath.
	 */
	snprintf(text, sizeof text, vt_x ? "Guest OS: %s, ring 0 of non-root mode"
					 : "Guest OS: %s, ring 0 at CPL 1", guest);
	layer(d, y, x, vmw, layer_role(a, HOP_GUEST), text);
	snprintf(text, sizeof text, "VM %s: %d vCPU, %u MiB", vm->name,
		 vm->nvcpus, vm->ram_size >> 20);
	layer(d, y + 3, x, vmw, ROLE_NORMAL, text);
	layer(d, y + 6, x, half, layer_role(a, HOP_VMM),
	      vt_x ? "VMM (root mode)" : "VMM (ring 0)");
	layer(d, y + 6, x + half, vmw - half, layer_role(a, HOP_VMX),
	      hosted_now(a) ? "VMX (host process)" : "VMX (user world)");
	draw_text(d, y + 9, x + 1, ROLE_DIM, hosted_now(a) ?
		  "the host OS's VMM driver switches to the VMM" :
		  "one VMM world per vCPU, one VMX world per VM");
	/* beside the VMs */
	{
		struct rect side = { x + vmw + 1, y, w - vmw - 1, 9 };
		struct rect in = { side.x + 1, side.y + 1, side.w - 2, side.h - 2 };

		draw_box(d, &side, ROLE_DIM);
		draw_wrap(&in, in.y, ROLE_NORMAL, hosted_now(a) ?
			  "Host applications: the VMs run only while you are logged in" :
			  "Service console: a privileged VM to manage the VMKernel");
	}
	layer(d, y + 10, x, w, layer_role(a, HOP_VMKERNEL), hosted_now(a) ?
	      "Host OS (Windows, Linux) with the VMM driver" :
	      "VMKernel: the hypervisor, in real ring 0");
	layer(d, y + 13, x, w, layer_role(a, HOP_HARDWARE),
	      "Hardware: x86 CPU, memory, devices");
}

void view_arch_draw(struct app *a, const struct layout *l)
{
	const struct rect *t = &l->arch_text;
	const struct anim *an = &a->anim;
	int y = t->y;

	stack(a, &l->arch_diagram);
	y += draw_wrap(t, y, ROLE_NORMAL, hosted_now(a) ?
		"VMware Workstation and VMware Server install onto an existing operating system on the host. Workstation's VMs run only while you are logged in: log off and they shut down, and there is no remote administration. (The course text says this of Server too; but VMware Server, GSX before it, ran VMs as a service with a remote console and management.) The VMM runs in its own context after the VMM driver's world switch; the host OS serves its I/O.\n" :
		"ESX Server is a full operating system in itself: both its own host OS and the virtualization software. Its core is the VMKernel, the hypervisor: it schedules worlds, owns memory and runs the storage and network stacks; the service console, a high-priority VM shipped with it, lets tools manage it. One VMM per VM (a world per vCPU) runs the virtual CPU, emulating privileged instructions itself (the course text's \"traffic cop\" that sends them to the VMKernel is a simplification); the VMX, a user world per VM, bootstraps the VM and emulates non-critical devices.\n");
	if (a->sess->last.valid && an->shown > 0) {
		char text[400];
		int n = 0;

		/* the path so far, then who each component on it is */
		n += snprintf(text, sizeof text, "'%s' went: ", a->sess->last.text);
		for (int i = 0; i < an->shown && n < (int)sizeof text; i++)
			n += snprintf(text + n, sizeof text - (size_t)n, "%s%s",
				      i ? " > " : "", explain_hop_title(an->hop[i]));
		y += draw_wrap(t, y + 1, ROLE_HOP_DONE, text) + 1;
		for (int i = 1; i < an->shown; i++) {
			bool seen = false;

			for (int j = 1; j < i; j++)
				seen |= an->hop[j] == an->hop[i];
			if (seen || an->hop[i] == HOP_GUEST)
				continue;
			y += draw_wrap(t, y, ROLE_NORMAL,
				       hosted_now(a) && an->hop[i] == HOP_VMKERNEL ?
				       "Host OS: a hosted product has no VMKernel; the VMM driver world-switches into the VMM's own context, and the host OS schedules the VMs and serves their I/O." :
				       explain_hop(an->hop[i]));
		}
	}
	draw_wrap(t, y + 1, ROLE_DIM, hosted_now(a) ?
		  "a: restart this VM on an ESX host (bare metal). On the hosted desktop it lives only as long as the user's session: log-off would power it off." :
		  "a: restart this VM on a hosted product (Workstation / Server on a host OS), to compare.");
}
