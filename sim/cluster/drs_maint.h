/*
 * drs_maint.h - maintenance mode: a host asked to enter it takes no VM
 * and waits, "entering maintenance mode", until no powered-on VM is left
 * on it; then it is in maintenance mode [src: vSphere 7.0 Resource
 * Management guide, "Place a Host in Maintenance Mode": "The host is in a
 * state of Entering Maintenance Mode until all running virtual machines
 * are powered down or migrated to different hosts. You cannot power on
 * virtual machines or migrate virtual machines to a host entering
 * maintenance mode."].
 *
 * Who empties it: fully automated DRS migrates the VMs at once (priority-1
 * moves, drs_cluster.h); manual or partially automated DRS only
 * recommends them, for the administrator to apply or to power the VMs
 * off.  A VM DRS cannot move (paused with a question pending, no host
 * with room) keeps the host waiting; once it can move (the question
 * answered), fully automated DRS moves it.  A VM may also leave by
 * powering off, or by HA restarting it elsewhere.
 *
 * The task may have a timeout: "The task completes when the host
 * successfully enters maintenance mode or the timeout expires, and in the
 * latter case the task contains a Timeout fault. If the timeout is less
 * than or equal to zero, there is no timeout." [src: vSphere Web Services
 * API, HostSystem.EnterMaintenanceMode_Task, parameter timeout].  The
 * host is then connected again, its VMs where they are.
 *
 * The task can be cancelled: "The task is cancellable" [src: the same
 * method's description], the task then failing with RequestCanceled, "A
 * RequestCanceled fault is thrown if the user canceled the task" [src:
 * vSphere Web Services API, vmodl.fault.RequestCanceled, thrown by
 * EnterMaintenanceMode_Task].  The host is connected again, as after a
 * timeout.  The evacuation is not the task's own: "The operation does not
 * directly initiate any operations to evacuate or power-down powered-on
 * virtual machines. However, if the host is part of a cluster with VMware
 * DRS enabled, DRS provides migration recommendations to evacuate the
 * powered-on virtual machines. If DRS is in fully-automatic mode, these
 * are automatically scheduled" [src: EnterMaintenanceMode_Task].  So
 * VMotions already done stay done, and those under way, tasks of their
 * own, complete [choice: the source says nothing of them; cancelling one
 * task leaves the others]; DRS recommends no evacuation of a connected
 * host.
 *
 * Every step is an EV_DRS event (maintenance-in, maintenance-entered,
 * maintenance-timeout, maintenance-cancelled, maintenance-out) beside the
 * host's state change (EV_CLUSTER host-state).
 */
#ifndef SIM_CLUSTER_DRS_MAINT_H
#define SIM_CLUSTER_DRS_MAINT_H

#include "cluster/cluster.h"
#include "cluster/drs.h"

/*
 * Ask host to enter maintenance mode, with a timeout in seconds (0:
 * none).  A pass of DRS runs at once (*out: its plan, the caller frees
 * it).  Refused unless the host is connected.
 */
int drs_maint_enter(struct cluster *c, int host, uint32_t timeout_s,
		    struct drs_plan *out, char err[GUEST_ERR_MAX]);

/*
 * Leave maintenance mode.  Refused while the host is still entering it
 * (err says what keeps it waiting, and that the task can be cancelled)
 * and when it is not in it.
 */
int drs_maint_exit(struct cluster *c, int host, char err[GUEST_ERR_MAX]);

/*
 * Cancel the task of a host entering maintenance mode: it is connected
 * again at once, its VMs where they are, VMotions under way left to
 * complete.  Refused unless the host is entering maintenance mode.
 */
int drs_maint_cancel(struct cluster *c, int host, char err[GUEST_ERR_MAX]);

/*
 * Powered-on VMs left on host (what keeps it entering maintenance mode);
 * *paused counts those paused with a question pending (NULL: not asked).
 */
int drs_maint_vms_left(struct cluster *c, int host, int *paused);

#endif
