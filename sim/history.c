/*
 * history.c - checkpoints of the whole world, and going back to them.
 *
 * A checkpoint is the world's clock, then each part's state (a cluster's
 * VirtualCenter: its VMs' records, migrations, DRS and HA; and where its
 * live VMs run), each host's state and each VM's, saved by their owners:
 * sim_part.save, host_state (its session and VMKernel scheduler, with
 * the worlds of the VMs it runs), vm_snap (the VM's devices, RAM, and
 * each vCPU through the VMM), and each VM's disk as its file holds it
 * (vmfs: not part of the VM's own state, since the file stays on the
 * datastore when the VM moves).  This file knows none of their fields: a
 * new piece of state is saved by its owner, and stepping back cannot
 * forget it.
 *
 * The world may also be changed between runs, from outside (a script
 * starts a VMotion, fails a host): replaying from an earlier checkpoint
 * would not do that again.  So a run that finds events logged since the
 * history last saw the world takes a checkpoint first, where the change
 * was made: going back to it or past it keeps the change; going back
 * before it undoes it, as an editor's undo would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "history.h"
#include "sim_priv.h"
#include "status.h"
#include "vm_snap.h"
#include "vmkernel/vmfs.h"

struct checkpoint {
	uint64_t insns;		/* sim_insns() when taken */
	bool mark;		/* taken after a change from outside (mark) */
	struct sim_clock clock;
	int nhosts;
	struct host_state *host[SIM_MAX_HOSTS];
	struct vmfs_state *disk[SIM_MAX_VMS];	/* per VM, NULL: no disk */
	int nparts;
	void *part[SIM_MAX_PARTS];	/* per part, NULL: it saves nothing */
	int nvms;
	struct vm_snap *vm[];
};

struct history {
	struct sim *s;
	uint64_t interval;
	int keep;
	struct checkpoint **cp;	/* oldest first */
	int n;
	uint64_t seen_seq;	/* the event log's length when last seen */
	bool rewound;		/* the first checkpoint is gone */
	char refusal[200];	/* why the last seek was refused */
};

static void free_checkpoint(const struct sim *s, struct checkpoint *cp)
{
	if (cp == NULL)
		return;
	for (int i = 0; i < cp->nparts; i++)
		if (cp->part[i] != NULL)
			s->parts[i].free_state(cp->part[i]);
	for (int i = 0; i < cp->nhosts; i++)
		host_state_free(cp->host[i]);
	for (int i = 0; i < cp->nvms; i++) {
		vm_snap_free(cp->vm[i]);
		vmfs_state_free(cp->disk[i]);
	}
	free(cp);
}

/* Can the parts' states in cp be put back (none rebuilt since)? */
static bool parts_fit(const struct sim *s, const struct checkpoint *cp)
{
	for (int i = 0; i < s->nparts && i < cp->nparts; i++)
		if (cp->part[i] != NULL && s->parts[i].fits != NULL &&
		    !s->parts[i].fits(s->parts[i].ctx, cp->part[i]))
			return false;
	return true;
}

/* Can cp be put back on the world as it is now (same hosts, VMs, parts)? */
static bool same_shape(const struct sim *s, const struct checkpoint *cp)
{
	if (cp->nvms != s->nvms || cp->nhosts != s->nhosts ||
	    cp->nparts != s->nparts || !parts_fit(s, cp))
		return false;
	for (int i = 0; i < s->nhosts; i++)
		if (!host_state_fits(s->hosts[i], cp->host[i]))
			return false;
	for (int i = 0; i < s->nvms; i++)
		if (!vm_snap_fits(s->vms[i], cp->vm[i]))
			return false;
	return true;
}

static int take(struct history *h, struct checkpoint **out)
{
	struct sim *s = h->s;
	struct checkpoint *cp = calloc(1, sizeof *cp +
				       (size_t)s->nvms * sizeof cp->vm[0]);
	int rc = SIM_OK;

	if (cp == NULL)
		return SIM_ENOMEM;
	cp->insns = sim_insns(s);
	sim_clock_save(s, &cp->clock);
	for (int i = 0; i < s->nparts && rc == SIM_OK; i++) {
		if (s->parts[i].save != NULL)
			rc = s->parts[i].save(s->parts[i].ctx, &cp->part[i]);
		cp->nparts = i + 1;
	}
	for (int i = 0; i < s->nhosts && rc == SIM_OK; i++) {
		rc = host_state_save(s->hosts[i], &cp->host[i]);
		cp->nhosts = i + 1;
	}
	for (int i = 0; i < s->nvms && rc == SIM_OK; i++) {
		rc = vm_snap_save(s->vms[i], &cp->vm[i]);
		cp->nvms = i + 1;
		if (rc == SIM_OK && s->vms[i]->disk != NULL)
			rc = vmfs_state_save(s->vms[i]->disk, &cp->disk[i]);
	}
	if (rc != SIM_OK) {
		free_checkpoint(s, cp);
		return rc;
	}
	*out = cp;
	return SIM_OK;
}

static int restore(struct history *h, const struct checkpoint *cp)
{
	struct sim *s = h->s;
	int rc = SIM_OK;

	sim_clock_load(s, &cp->clock);
	/* the parts first: a cluster puts its live VMs back on the hosts
	   they ran on, whose VMKernels then get their worlds back */
	for (int i = 0; i < cp->nparts && rc == SIM_OK; i++)
		if (cp->part[i] != NULL)
			rc = s->parts[i].load(s->parts[i].ctx, cp->part[i]);
	for (int i = 0; i < cp->nhosts && rc == SIM_OK; i++)
		rc = host_state_load(s->hosts[i], cp->host[i]);
	for (int i = 0; i < cp->nvms && rc == SIM_OK; i++) {
		rc = vm_snap_load(s->vms[i], cp->vm[i]);
		if (rc == SIM_OK && cp->disk[i] != NULL)
			rc = vmfs_state_load(s->vms[i]->disk, cp->disk[i]);
	}
	return rc;
}

/*
 * Keep a checkpoint; when the list is full, thin it out.  mark: the world
 * was changed from outside (history_mark): it replaces one taken at this
 * very position before the change, except the first, which stays as the
 * world was when the history began (history_rewind).
 */
static int push(struct history *h, bool mark)
{
	struct checkpoint *cp, *last = h->n > 0 ? h->cp[h->n - 1] : NULL;
	int rc;

	if (last != NULL && last->insns == sim_insns(h->s)) {
		if (!mark)
			return SIM_OK;
		if (h->n > 1) {
			free_checkpoint(h->s, last);
			h->n--;
		}
	}
	if (h->n == h->keep) {
		/* every other one goes, but not a mark: replaying from the one
		   before it would not make the change again */
		int k = 1;

		for (int i = 1; i < h->n; i++) {
			if (i % 2 && !h->cp[i]->mark)
				free_checkpoint(h->s, h->cp[i]);
			else
				h->cp[k++] = h->cp[i];
		}
		if (k == h->n) {
			/* all marks: the history now begins at the second */
			free_checkpoint(h->s, h->cp[0]);
			memmove(h->cp, h->cp + 1, (size_t)--k * sizeof *h->cp);
			h->rewound = true;
		}
		h->n = k;
		h->interval *= 2;
	}
	if ((rc = take(h, &cp)) != SIM_OK)
		return rc;
	cp->mark = mark;
	h->cp[h->n++] = cp;
	return SIM_OK;
}

static void drop_after(struct history *h, uint64_t insns)
{
	while (h->n > 1 && h->cp[h->n - 1]->insns > insns)
		free_checkpoint(h->s, h->cp[--h->n]);
}

int history_create(struct sim *s, uint64_t interval, int keep,
		   struct history **out)
{
	struct history *h = calloc(1, sizeof *h);
	int rc;

	if (h == NULL)
		return SIM_ENOMEM;
	h->s = s;
	h->interval = interval ? interval : 10000;
	h->keep = keep >= 2 ? keep : 64;
	h->cp = calloc((size_t)h->keep, sizeof *h->cp);
	rc = h->cp ? push(h, false) : SIM_ENOMEM;
	h->seen_seq = event_log_total(s->log);
	if (rc != SIM_OK) {
		history_destroy(h);
		return rc;
	}
	*out = h;
	return SIM_OK;
}

void history_destroy(struct history *h)
{
	if (h == NULL)
		return;
	for (int i = 0; i < h->n; i++)
		free_checkpoint(h->s, h->cp[i]);
	free(h->cp);
	free(h);
}

int history_run(struct history *h, uint64_t max_insns, enum sim_stop *why)
{
	uint64_t left = max_insns;
	int rc = SIM_OK;

	*why = SIM_STOP_BUDGET;
	while (left > 0 && rc == SIM_OK) {
		uint64_t pos = sim_insns(h->s), next, ran;

		if (!same_shape(h->s, h->cp[0])) {
			/* the world gained a VM (or HA was configured again):
			   start the history afresh */
			drop_after(h, 0);
			free_checkpoint(h->s, h->cp[0]);
			h->n = 0;
			h->rewound = true;
			if ((rc = push(h, false)) != SIM_OK)
				break;
		} else if (event_log_total(h->s->log) != h->seen_seq &&
			   (rc = push(h, true)) != SIM_OK) {
			break;	/* (events logged outside a run: a change) */
		}
		next = (pos / h->interval + 1) * h->interval;
		rc = sim_run(h->s, left < next - pos ? left : next - pos, why);
		ran = sim_insns(h->s) - pos;
		left -= ran < left ? ran : left;
		if (rc == SIM_OK && ran > 0 && sim_insns(h->s) % h->interval == 0)
			rc = push(h, false);
		h->seen_seq = event_log_total(h->s->log);
		if (*why != SIM_STOP_BUDGET)
			break;
	}
	return rc;
}

int history_seek(struct history *h, uint64_t insns)
{
	uint64_t pos = sim_insns(h->s);
	enum sim_stop why;
	int i, rc;

	if (insns >= pos)
		return history_run(h, insns - pos, &why);
	for (i = h->n - 1; i > 0 && h->cp[i]->insns > insns; i--)
		;
	h->refusal[0] = '\0';
	if (h->cp[i]->insns > insns) {
		snprintf(h->refusal, sizeof h->refusal,
			 "cannot go back before instruction %llu: the history begins there",
			 (unsigned long long)h->cp[i]->insns);
		return SIM_ESTATE;
	}
	if (!same_shape(h->s, h->cp[i])) {
		snprintf(h->refusal, sizeof h->refusal, "%s",
			 parts_fit(h->s, h->cp[i]) ?
			 "cannot go back: a VM or a host was added to the world since" :
			 "cannot go back: a cluster's HA was configured again since, which rebuilt its agents' model");
		return SIM_ESTATE;
	}
	if (!sim_clock_fits(h->s, &h->cp[i]->clock)) {
		snprintf(h->refusal, sizeof h->refusal,
			 "cannot go back before %.3f s: a part of the world that keeps no checkpoint of its state acted then",
			 (double)h->s->parts_acted_ns / 1e9);
		return SIM_ESTATE;
	}
	if ((rc = restore(h, h->cp[i])) != SIM_OK)
		return rc;
	drop_after(h, h->cp[i]->insns);
	h->seen_seq = event_log_total(h->s->log);
	return history_run(h, insns - h->cp[i]->insns, &why);
}

int history_mark(struct history *h)
{
	int rc = push(h, true);

	h->seen_seq = event_log_total(h->s->log);
	return rc;
}

int history_rewind(struct history *h)
{
	int rc;

	h->refusal[0] = '\0';
	if (h->rewound) {
		snprintf(h->refusal, sizeof h->refusal,
			 "cannot go back to where the history began: it starts later now (the world gained a VM, or its checkpoints were thinned out)");
		return SIM_ESTATE;
	}
	if (!same_shape(h->s, h->cp[0])) {
		snprintf(h->refusal, sizeof h->refusal,
			 "cannot go back: a VM or a host was added, or HA configured again, since");
		return SIM_ESTATE;
	}
	if ((rc = restore(h, h->cp[0])) != SIM_OK)
		return rc;
	while (h->n > 1)
		free_checkpoint(h->s, h->cp[--h->n]);
	h->seen_seq = event_log_total(h->s->log);
	return SIM_OK;
}

int history_back(struct history *h, uint64_t n)
{
	uint64_t pos = sim_insns(h->s);

	return history_seek(h, pos > n ? pos - n : 0);
}

const char *history_refusal(const struct history *h)
{
	return h->refusal;
}

int history_checkpoints(const struct history *h)
{
	return h->n;
}

uint64_t history_interval(const struct history *h)
{
	return h->interval;
}
