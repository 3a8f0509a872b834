/*
 * vmotion.c - VMotion: the admission checks, then pre-copy rounds, stun,
 * switch-over, resume and RARP as steps on the world's clock.  See
 * vmotion.h for the method and precopy.h for the arithmetic.
 *
 *   vmotion_start  checks, starts write tracing, round 0 due at M / R
 *   vmotion_tick   (called by the scheduler at each quantum it reaches a
 *                  deadline) ends rounds, decides, stuns, switches over,
 *                  resumes: step_precopy(), step_resume()
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster_priv.h"
#include "cluster/vmotion.h"
#include "sim_priv.h"
#include "status.h"
#include "vmkernel/world.h"

#define PAGE CLUSTER_PAGE
/*
 * What goes across with the last pages: per vCPU its registers (Unicorn's
 * saved context, 5,544 bytes here) and the devices' state (PIC, PIT,
 * UART, parallel port, CD-ROM: under 4 KiB).  A modelled VM's is taken
 * as nothing, so that its figures are the geometric model's exactly.
 */
#define VCPU_STATE_BYTES 5544u
#define DEVICE_STATE_BYTES 4096u

static const char *const refusal_names[VMR_COUNT] = {
	[VMR_NONE] = "none", [VMR_VM_OFF] = "vm-off", [VMR_BUSY] = "busy",
	[VMR_SAME_HOST] = "same-host", [VMR_HOST_STATE] = "host-state",
	[VMR_DATASTORE] = "datastore", [VMR_CPU] = "cpu",
	[VMR_NETWORK] = "network", [VMR_MEMORY] = "memory",
	[VMR_RESERVATION] = "reservation", [VMR_HOST_FULL] = "host-full",
	[VMR_QUESTION] = "question-pending",
};

const char *vmotion_refusal_name(enum vmotion_refusal r)
{
	return (unsigned)r < VMR_COUNT ? refusal_names[r] : "?";
}

/* ---- the checks --------------------------------------------------------------- */

static void missing_features(uint32_t missing, char *out, size_t n)
{
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; i < CPUF_COUNT && len < n; i++)
		if (missing & (1u << i))
			len += (size_t)snprintf(out + len, n - len, "%s%s",
						len ? ", " : "",
						cluster_cpu_feature_name(1u << i));
}

enum vmotion_refusal vmotion_check(struct cluster *c, int vmi, int dst,
				   char err[GUEST_ERR_MAX])
{
	struct cluster_vm *v = cluster_vm(c, vmi);
	struct cluster_host *d = cluster_host(c, dst);
	const char *dn;
	char feats[120];
	uint32_t missing;

	err[0] = '\0';
	if (v == NULL || d == NULL) {
		snprintf(err, GUEST_ERR_MAX, "no such VM or host");
		return VMR_SAME_HOST;
	}
	dn = d->host->name;
	if (v->state == CVM_OFF) {
		snprintf(err, GUEST_ERR_MAX,
			 "%s is powered off: VMotion moves running VMs (a powered-off one is simply registered elsewhere)",
			 v->name);
		return VMR_VM_OFF;
	}
	if (v->migration >= 0) {
		snprintf(err, GUEST_ERR_MAX, "%s is being migrated already",
			 v->name);
		return VMR_BUSY;
	}
	/*
	 * A VM paused by a full datastore waits on a question (storage.h).
	 * vSphere refuses to operate on such a VM with the QuestionPending
	 * fault, "an operation cannot be performed on a virtual machine
	 * because it has a pending question requiring user input" [src:
	 * vSphere Web Services API, vim.fault.QuestionPending (an
	 * InvalidState, since API 4.1)]; and moving it would not help: its
	 * disk stays on the same full datastore.  So nothing moves; the held
	 * write stays with the VM, on its host, for Retry or Cancel.
	 */
	if (cluster_vm_paused(c, vmi)) {
		snprintf(err, GUEST_ERR_MAX,
			 "%s is paused with a question pending (its datastore is full): answer it (Retry or Cancel) before moving it",
			 v->name);
		return VMR_QUESTION;
	}
	if (v->host == dst) {
		snprintf(err, GUEST_ERR_MAX, "%s already runs on %s", v->name, dn);
		return VMR_SAME_HOST;
	}
	if (d->state != CHOST_CONNECTED) {
		snprintf(err, GUEST_ERR_MAX, "%s is %s: it accepts no VM", dn,
			 chost_state_name(d->state));
		return VMR_HOST_STATE;
	}
	if (!cluster_host_sees(c, dst, v->datastore)) {
		snprintf(err, GUEST_ERR_MAX,
			 "%s's disk is on datastore %s, which %s cannot reach: VMotion moves memory, not disks, so both hosts must share the datastore",
			 v->name, cluster_datastore(c, v->datastore)->name, dn);
		return VMR_DATASTORE;
	}
	if ((missing = v->cpu_features & ~d->cpu->features) != 0) {
		missing_features(missing, feats, sizeof feats);
		snprintf(err, GUEST_ERR_MAX,
			 "%s's guest saw CPU features %s lacks (%s: %s): its next such instruction would fault there",
			 v->name, dn, d->cpu->name, feats);
		return VMR_CPU;
	}
	if (!(d->networks & (1ull << v->network))) {
		snprintf(err, GUEST_ERR_MAX,
			 "%s has no VM network \"%s\": %s would lose its network there",
			 dn, cluster_network_name(c, v->network), v->name);
		return VMR_NETWORK;
	}
	if (d->nvms >= HOST_MAX_VMS) {
		snprintf(err, GUEST_ERR_MAX, "%s runs %d VMs already (the maximum)",
			 dn, HOST_MAX_VMS);
		return VMR_HOST_FULL;
	}
	if (d->mem_used_mb + v->mem_mb > d->mem_mb) {
		snprintf(err, GUEST_ERR_MAX,
			 "%s has %llu MB of memory free; %s needs %u MB",
			 dn, (unsigned long long)(d->mem_mb - d->mem_used_mb),
			 v->name, v->mem_mb);
		return VMR_MEMORY;
	}
	if (d->reserved_mhz + v->reservation_mhz > d->cpu_mhz ||
	    d->reserved_mb + v->reservation_mb > d->mem_mb) {
		snprintf(err, GUEST_ERR_MAX,
			 "%s's reservation (%u MHz, %u MB) does not fit in what %s has unreserved (%llu MHz, %llu MB)",
			 v->name, v->reservation_mhz, v->reservation_mb, dn,
			 (unsigned long long)(d->cpu_mhz - d->reserved_mhz),
			 (unsigned long long)(d->mem_mb - d->reserved_mb));
		return VMR_RESERVATION;
	}
	return VMR_NONE;
}

/* ---- bookkeeping ------------------------------------------------------------- */

static void emit(struct cluster *c, const struct migration *m,
		 enum cluster_action a, uint64_t t, uint64_t pages,
		 uint64_t left, uint64_t ns, uint8_t reason)
{
	struct event ev = { .kind = EV_CLUSTER };

	ev.u.cluster.vm = (uint16_t)m->vm;
	ev.u.cluster.src = (uint16_t)m->src;
	ev.u.cluster.dst = (uint16_t)m->dst;
	ev.u.cluster.action = (uint8_t)a;
	/* a round's event names the round just sent (0 = all of RAM) */
	ev.u.cluster.round = (uint8_t)(a == CL_VMOTION_ROUND ? m->pc.rounds - 1
							     : m->pc.rounds);
	ev.u.cluster.reason = reason;
	ev.u.cluster.pct = (uint8_t)m->pc.throttle_pct;
	ev.u.cluster.pages = (uint32_t)pages;
	ev.u.cluster.left = (uint32_t)left;
	ev.u.cluster.us = (uint32_t)(ns / 1000);
	cluster_emit(c, t, &ev);
}

static struct migration *new_migration(struct cluster *c)
{
	struct vcenter *vc = &c->vc;
	struct migration *m;

	if (sim_grow((void ***)&vc->mig, &vc->mig_cap, vc->nmig,
		     1 << 30) != SIM_OK ||
	    (m = calloc(1, sizeof *m)) == NULL)
		return NULL;
	m->id = vc->nmig;
	vc->mig[vc->nmig++] = m;
	return m;
}

static void forget_active(struct vcenter *vc, int id)
{
	for (int i = 0; i < vc->nactive; i++)
		if (vc->active[i] == id) {
			vc->active[i] = vc->active[--vc->nactive];
			return;
		}
}

/* Live VM: start counting written pages afresh. */
static int trace_pages(struct vm *vm)
{
	size_t n = vm->ram_size / PAGE;

	if (vm->dirty == NULL && (vm->dirty = calloc(n, 1)) == NULL)
		return SIM_ENOMEM;
	memset(vm->dirty, 0, n);
	vm->ndirty = 0;
	return SIM_OK;
}

static void untrace_pages(struct vm *vm)
{
	free(vm->dirty);
	vm->dirty = NULL;
	vm->ndirty = 0;
}

/* ---- starting ----------------------------------------------------------------- */

int vmotion_start(struct cluster *c, int vmi, int dst,
		  const struct precopy_params *params, int *out,
		  char err[GUEST_ERR_MAX])
{
	struct precopy_params p = params ? *params : (struct precopy_params){ 0 };
	struct vcenter *vc = &c->vc;
	uint64_t now = sim_now_ns(c->sim);
	enum vmotion_refusal why;
	struct cluster_vm *v;
	struct migration *m;
	struct vm *live;
	int rc;

	if ((rc = precopy_params_check(&p, err, GUEST_ERR_MAX)) != SIM_OK)
		return rc;
	why = vmotion_check(c, vmi, dst, err);
	if (why == VMR_SAME_HOST && cluster_vm(c, vmi) == NULL)
		return SIM_ENOTFOUND;
	if ((m = new_migration(c)) == NULL)
		return SIM_ENOMEM;
	v = cluster_vm(c, vmi);
	m->vm = vmi;
	m->src = v->host;
	m->dst = dst;
	m->t_start = m->t_round = now;
	precopy_start(&m->pc, &p, (uint64_t)v->mem_mb * 256);
	if (out)
		*out = m->id;
	if (why != VMR_NONE) {
		m->phase = MIG_REFUSED;
		m->refusal = why;
		snprintf(m->error, sizeof m->error, "%s", err);
		emit(c, m, CL_VMOTION_REFUSED, now, 0, 0, 0, (uint8_t)why);
		return SIM_ESTATE;
	}
	if ((live = cluster_vm_live(c, vmi)) != NULL) {
		if ((rc = trace_pages(live)) != SIM_OK)
			return rc;
		m->pc.ram_pages = m->pc.sending = live->ram_size / PAGE;
		m->pc.model = (long double)m->pc.ram_pages;
		m->state_bytes = (uint64_t)live->nvcpus * VCPU_STATE_BYTES +
				 DEVICE_STATE_BYTES;
		m->limit_before = v->limit_mhz;
	}
	m->wss_pages = (uint64_t)v->wss_mb * 256;
	if (sim_grow_array((void **)&vc->active, &vc->active_cap, vc->nactive,
			   1 << 30, sizeof *vc->active) != SIM_OK)
		return SIM_ENOMEM;
	vc->active[vc->nactive++] = m->id;
	m->phase = MIG_PRECOPY;
	v->state = CVM_MIGRATING;
	v->migration = m->id;
	m->t_next = now + precopy_send_ns(&m->pc, m->pc.sending * PAGE);
	emit(c, m, CL_VMOTION_START, now, m->pc.ram_pages, m->pc.ram_pages,
	     m->t_next - now, 0);
	sim_part_wake(c->sim, c, m->t_next, true);
	return SIM_OK;
}

/* ---- the steps ---------------------------------------------------------------- */

/*
 * Auto-converge slows the guest: a live VM by a CPU limit on its vCPUs'
 * worlds (what vSphere 5's Stun During Page Send does by holding vCPUs
 * back a few ms at a time), a modelled one in the model's dirty rate.
 */
static void throttle(struct cluster *c, struct migration *m, uint32_t pct)
{
	struct cluster_vm *v = cluster_vm(c, m->vm);
	struct vm *live = cluster_vm_live(c, m->vm);

	v->throttle_pct = (uint8_t)pct;
	if (live != NULL) {
		uint32_t full = (uint32_t)live->nvcpus * live->cfg.mhz;

		vm_set_cpu_limit(live, pct ? full * (100 - pct) / 100
					   : m->limit_before);
	}
}

/* The guest stops; the rest goes across; it will resume on dst. */
static int stun(struct cluster *c, struct migration *m, uint64_t t)
{
	struct cluster_vm *v = cluster_vm(c, m->vm);
	struct vm *live = cluster_vm_live(c, m->vm);
	uint64_t ns = precopy_send_ns(&m->pc, m->pc.final_pages * PAGE +
					       m->state_bytes);
	int rc = SIM_OK;

	m->phase = MIG_STUNNED;
	m->t_stun = t;
	m->t_resume = t + ns;
	m->t_next = m->t_resume;
	v->state = CVM_STUNNED;
	emit(c, m, CL_VMOTION_STUN, t, 0, m->pc.final_pages, 0,
	     (uint8_t)m->pc.stop);
	if (live != NULL) {	/* (a live VM's round ends now: t is now) */
		untrace_pages(live);
		rc = cluster_live_rehost(c, m->vm, m->dst, m->t_resume);
	}
	cluster_vm_rehome(c, m->vm, m->dst);
	emit(c, m, CL_VMOTION_SWITCHOVER, t, m->pc.final_pages, 0, ns,
	     (uint8_t)m->pc.stop);
	return rc;
}

/* A round has been sent: count what the guest dirtied, decide. */
static int step_precopy(struct cluster *c, struct migration *m, uint64_t t)
{
	struct cluster_vm *v = cluster_vm(c, m->vm);
	struct vm *live = cluster_vm_live(c, m->vm);
	uint64_t sent = m->pc.sending, dirtied;
	enum precopy_stop stop;
	bool throttled;

	if (live != NULL) {
		dirtied = live->ndirty;
		trace_pages(live);	/* the next round's traces */
	} else {
		dirtied = precopy_model_dirtied(&m->pc, v->dirty_mb_s,
						m->wss_pages);
	}
	stop = precopy_round_done(&m->pc, dirtied, &throttled);
	emit(c, m, CL_VMOTION_ROUND, t, sent,
	     stop == PRECOPY_GOING ? m->pc.sending : m->pc.final_pages,
	     t - m->t_round, (uint8_t)stop);
	if (throttled) {
		throttle(c, m, m->pc.throttle_pct);
		emit(c, m, CL_VMOTION_THROTTLE, t, 0, m->pc.sending, 0, 0);
	}
	if (stop != PRECOPY_GOING)
		return stun(c, m, t);
	m->t_round = t;
	m->t_next = t + precopy_send_ns(&m->pc, m->pc.sending * PAGE);
	return SIM_OK;
}

/* The guest runs on the destination; it announces its MAC. */
static void step_resume(struct cluster *c, struct migration *m, uint64_t t)
{
	struct cluster_vm *v = cluster_vm(c, m->vm);
	uint64_t total = m->pc.sent + m->pc.final_pages;

	m->phase = MIG_DONE;
	v->state = CVM_ON;
	v->migration = -1;
	v->migrations++;
	if (m->pc.throttle_pct)
		throttle(c, m, 0);
	emit(c, m, CL_VMOTION_RESUME, t, 0, 0, t - m->t_stun,
	     (uint8_t)m->pc.stop);
	/* QEMU announces 5 times from 50 ms on; one event stands for them */
	emit(c, m, CL_VMOTION_RARP, t, 0, 0, 0, (uint8_t)m->pc.stop);
	emit(c, m, CL_VMOTION_DONE, t, total, 0, t - m->t_start,
	     (uint8_t)m->pc.stop);
	forget_active(&c->vc, m->id);
}

uint64_t vmotion_tick(struct cluster *c, uint64_t now, bool *busy)
{
	struct vcenter *vc = &c->vc;
	uint64_t next = UINT64_MAX;

	for (int i = 0; i < vc->nactive; i++) {
		struct migration *m = vc->mig[vc->active[i]];
		bool live = cluster_vm(c, m->vm)->sim_vm >= 0;

		/*
		 * A modelled VM's steps keep their exact times; a live VM's
		 * rounds end now, the quantum boundary at which its guest
		 * stopped and its pages are counted.  Its resume is exact:
		 * its worlds wake at t_resume.
		 */
		while (m->phase != MIG_DONE && m->t_next <= now) {
			uint64_t t = live && m->phase == MIG_PRECOPY ? now
								     : m->t_next;

			if (m->phase == MIG_PRECOPY)
				step_precopy(c, m, t);
			else
				step_resume(c, m, t);
		}
		if (m->phase == MIG_DONE) {
			i--;	/* forget_active moved another one here */
			continue;
		}
		if (m->t_next < next)
			next = m->t_next;
	}
	*busy = vc->nactive > 0;
	return next;
}

void vmotion_free_all(struct vcenter *vc)
{
	for (int i = 0; i < vc->nmig; i++)
		free(vc->mig[i]);
	free(vc->mig);
	free(vc->active);
}

/* ---- stepping back ------------------------------------------------------------- */

/*
 * The migrations: how many there were, and a copy of each in flight (a
 * finished or refused one never changes again, so it needs none).
 */
struct vmotion_state {
	int nmig, nactive;
	struct migration active[];	/* in vc->active's order */
};

int vmotion_save(const struct vcenter *vc, struct vmotion_state **out)
{
	struct vmotion_state *st = malloc(sizeof *st + (size_t)vc->nactive *
					  sizeof st->active[0]);

	if (st == NULL)
		return SIM_ENOMEM;
	st->nmig = vc->nmig;
	st->nactive = vc->nactive;
	for (int i = 0; i < vc->nactive; i++)
		st->active[i] = *vc->mig[vc->active[i]];
	*out = st;
	return SIM_OK;
}

/* Migrations started since are forgotten; those in flight then resume. */
void vmotion_load(struct vcenter *vc, const struct vmotion_state *st)
{
	while (vc->nmig > st->nmig)
		free(vc->mig[--vc->nmig]);
	/* (active_cap only grows: room for them) */
	vc->nactive = st->nactive;
	for (int i = 0; i < st->nactive; i++) {
		vc->active[i] = st->active[i].id;
		*vc->mig[st->active[i].id] = st->active[i];
	}
}

void vmotion_state_free(struct vmotion_state *st)
{
	free(st);
}

/* ---- results ------------------------------------------------------------------ */

int vmotion_count(const struct cluster *c)
{
	return c->vc.nmig;
}

int vmotion_active(const struct cluster *c)
{
	return c->vc.nactive;
}

const struct migration *vmotion_get(const struct cluster *c, int id)
{
	return id >= 0 && id < c->vc.nmig ? c->vc.mig[id] : NULL;
}

void vmotion_result(const struct cluster *c, int id, struct vmotion_result *r)
{
	const struct migration *m = vmotion_get(c, id);
	const double mb = 1.0 / 256;	/* pages to MiB */
	int n;

	memset(r, 0, sizeof *r);
	if (m == NULL)
		return;
	r->done = m->phase == MIG_DONE || m->phase == MIG_REFUSED;
	r->ok = m->phase == MIG_DONE;
	r->error = m->phase == MIG_REFUSED ? m->error : NULL;
	r->stop = precopy_stop_name(m->pc.stop);
	if (m->phase == MIG_REFUSED)
		return;
	n = m->pc.rounds < PRECOPY_ROUNDS_MAX ? m->pc.rounds
					      : PRECOPY_ROUNDS_MAX;
	r->rounds = m->pc.rounds;
	for (int i = 0; i < n; i++)
		r->mb_per_round[i] = (double)m->pc.round_pages[i] * mb;
	r->total_mb = (double)(m->pc.sent + m->pc.final_pages) * mb;
	r->throttle_pct = m->pc.throttle_pct;
	r->converged = m->pc.stop == PRECOPY_CONVERGED;
	if (m->phase == MIG_DONE) {
		r->total_s = (double)(m->t_resume - m->t_start) / 1e9;
		r->downtime_ms = (double)(m->t_resume - m->t_stun) / 1e6;
	}
}
