/*
 * host.h - a physical machine: its CPUs, memory, NICs and datastores, and
 * the kind of virtualization software it runs.
 *
 * Two architectures, as VMware shipped them:
 *
 *   esx      bare metal.  The hypervisor (the VMKernel) *is* the operating
 *            system: it owns the hardware, schedules every world on the
 *            physical CPUs and runs the VMs' VMMs directly.  Next to it
 *            runs the service console, a privileged Linux-based VM shipped
 *            with ESX and pinned to pCPU 0, through which administrators
 *            manage the host remotely.  VMs run whether or not anyone is
 *            logged in.
 *
 *   hosted   VMware Workstation on top of a host OS (Windows, Linux).
 *            The virtualization software is an application of the user's
 *            session: a driver in the host OS kernel (the VMM driver)
 *            switches the CPU between the host context and the VMM's own
 *            context ("world switch"), and the host OS schedules the VMX
 *            processes and serves the VMs' I/O.  When the user logs off,
 *            the session ends and every VM on the host powers off with
 *            it; there is no remote administration.
 *
 *   server   VMware Server (GSX Server before it), hosted the same way,
 *            but its VMs run as a service of the host OS: they keep
 *            running when the user logs off, and a management service
 *            (remote console, web interface, API) administers them from
 *            other machines [VMware GSX Server and VMware Server
 *            documentation].  The course text's "log off and the VMs
 *            shutdown", "no remote administration" is Workstation's.
 *
 * Both kinds schedule the same way in ringside (vmkernel_sched.h); what
 * differs is who schedules (the VMKernel, or the host OS), which system
 * worlds exist, and the rules above.
 */
#ifndef SIM_HOST_H
#define SIM_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmx/guest.h"

#define HOST_NAME_LEN 32
/*
 * vSphere's configuration maximums per host (VMware Configuration
 * Maximums, vSphere 7.0 U1 and later, configmax.vmware.com): 768 logical
 * CPUs, 24 TB of memory, 1,024 VMs.
 */
#define HOST_MAX_PCPUS 768
#define HOST_MAX_MEM_MB (24u * 1024 * 1024)
#define HOST_MAX_VMS 1024

enum host_kind {
	HOST_ESX = 0,		/* bare metal: VMKernel + service console */
	HOST_HOSTED,		/* host OS + Workstation */
	HOST_SERVER,		/* host OS + VMware Server (GSX): a service */
	HOST_KIND_COUNT
};

/* "esx", "hosted", "server" */
const char *host_kind_name(enum host_kind k);

/* A host OS runs underneath (Workstation or Server), not the VMKernel. */
bool host_kind_is_hosted(enum host_kind k);

/* Parse "esx", "hosted" or "server".  Returns 0, or -1 for anything else. */
int host_kind_parse(const char *name, enum host_kind *out);

struct host_config {
	const char *name;	/* "esx0" (default: "host<N>") */
	enum host_kind kind;	/* default esx */
	int pcpus;		/* physical CPUs (default 2) */
	uint32_t mhz;		/* clock of each pCPU (default 1000) */
	uint32_t mem_mb;	/* physical memory (default 4096) */
	int nics;		/* physical NICs (default 2) */
	int datastores;		/* datastores it can see (default 1) */
};

struct sim;
struct vmkernel;

struct host {
	uint16_t id;
	char name[HOST_NAME_LEN];
	struct sim *sim;		/* the world it lives in */
	struct host_config cfg;		/* cfg.name points at name */
	bool logged_in;			/* hosted: the user's session is open */
	struct vmkernel *vmk;		/* its scheduler and worlds */
};

/*
 * Hosted only: the user logs off.  Every VM on the host powers off with
 * reason POWER_LOGOFF (an EV_HOST event says so first).  On an ESX host
 * there is no session the VMs depend on: returns SIM_ESTATE, and msg says
 * why.
 */
int host_logoff(struct host *h, char *msg, size_t msglen);

/* Hosted only: the user logs back in (VMs stay off until powered on). */
int host_login(struct host *h, char *msg, size_t msglen);

/*
 * A remote administrator asks the host to do `what`: "power on VM" or
 * "power off VM", for a VM on this host.  ESX accepts it through the
 * service console (EV_HOST; the console world gets the CPU time to do it)
 * and carries it out; a hosted product has no remote administration:
 * returns SIM_ESTATE.  An unknown request or VM: SIM_EINVAL/SIM_ENOTFOUND.
 * Either way msg is a sentence to show.
 */
int host_remote_admin(struct host *h, const char *what, char *msg,
		      size_t msglen);

/* VMs placed on this host, in creation order. */
int host_vm_count(const struct host *h);
struct vm *host_vm(const struct host *h, int i);

#endif
