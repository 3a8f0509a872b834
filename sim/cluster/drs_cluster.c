/*
 * drs_cluster.c - VirtualCenter running DRS on a cluster: the model handed
 * to drs.c, the plan turned into events and, automated, into moves.
 *
 * A move is carried out by VMotion (vmotion.h), live VM or modelled: the
 * pass's moves start together and the world's clock plays them; a VM
 * still migrating is left where it is by the next pass.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster_priv.h"
#include "cluster/drs_cluster.h"
#include "cluster/drs_view.h"
#include "cluster/vmotion.h"
#include "sim.h"
#include "status.h"

/* DRS's state in a cluster: the rules and the last pass. */
struct drs_state {
	struct drs_rule *rules;
	uint32_t nrules, cap;
	enum drs_automation automation;
	bool timer;		/* the 5-minute timer is set */
	struct drs_plan last;
	bool have_last;
};

static const char *const automation_names[DRS_AUTOMATION_COUNT] = {
	"manual", "partial", "full"
};

const char *drs_automation_name(enum drs_automation a)
{
	return (unsigned)a < DRS_AUTOMATION_COUNT ? automation_names[a] : "?";
}

int drs_automation_parse(const char *name, enum drs_automation *out)
{
	for (int i = 0; i < DRS_AUTOMATION_COUNT; i++)
		if (strcmp(name, automation_names[i]) == 0) {
			*out = (enum drs_automation)i;
			return SIM_OK;
		}
	return SIM_EINVAL;
}

static const char *const action_names[DRS_ACTION_COUNT] = {
	[DRS_PASS] = "pass", [DRS_RECOMMEND] = "recommend",
	[DRS_APPLIED] = "applied", [DRS_STUCK] = "stuck",
	[DRS_MAINTENANCE_IN] = "maintenance-in",
	[DRS_MAINTENANCE_OUT] = "maintenance-out",
	[DRS_PLACED] = "placed",
	[DRS_MAINTENANCE_DONE] = "maintenance-entered",
	[DRS_MAINTENANCE_TIMEOUT] = "maintenance-timeout",
	[DRS_MAINTENANCE_CANCELLED] = "maintenance-cancelled",
};

const char *drs_action_name(enum drs_action a)
{
	return (unsigned)a < DRS_ACTION_COUNT ? action_names[a] : "?";
}

static struct drs_state *state(struct cluster *c)
{
	struct vcenter *vc = cluster_vcenter(c);

	if (vc->drs_state == NULL) {
		vc->drs_state = calloc(1, sizeof *vc->drs_state);
		if (vc->drs_state)
			vc->drs_state->automation = DRS_FULL;
	}
	return vc->drs_state;
}

/* Forget the rules from the n-th on. */
static void drop_rules(struct drs_state *d, uint32_t n)
{
	while (d->nrules > n) {
		struct drs_rule *r = &d->rules[--d->nrules];

		free((void *)r->vms);
		free((void *)r->hosts);
		free((void *)r->name);
	}
}

void drs_cluster_free(struct vcenter *vc)
{
	struct drs_state *d = vc->drs_state;

	if (d == NULL)
		return;
	drop_rules(d, 0);
	free(d->rules);
	drs_plan_free(&d->last);
	free(d);
	vc->drs_state = NULL;
}

static uint32_t ppm(double x)
{
	return x <= 0.0 ? 0 : (uint32_t)(x * 1e6 + 0.5);
}

void drs_cluster_emit(struct cluster *c, enum drs_action action, uint32_t vm,
		      uint32_t from, uint32_t to, int priority, int why,
		      uint32_t mhz, double before, double after)
{
	struct event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = EV_DRS;
	ev.t_ns = cluster_now_ns(c);
	ev.vm = EVENT_NO_VM;
	ev.u.drs.vm = (uint16_t)vm;
	ev.u.drs.from = (uint16_t)from;
	ev.u.drs.to = (uint16_t)to;
	ev.u.drs.cluster = (uint8_t)c->index;
	ev.u.drs.action = (uint8_t)action;
	ev.u.drs.priority = (uint8_t)priority;
	ev.u.drs.why = (uint8_t)why;
	ev.u.drs.mhz = mhz;
	ev.u.drs.before_ppm = ppm(before);
	ev.u.drs.after_ppm = ppm(after);
	event_log_emit(sim_events(c->sim), &ev);
}

/* The cluster as DRS sees it now, with DRS's rules (drs_view.h). */
static int view(struct cluster *c, struct drs_view *v)
{
	struct drs_state *d = state(c);

	if (d == NULL) {
		memset(v, 0, sizeof *v);
		return SIM_ENOMEM;
	}
	return drs_view_build(c, d->rules, d->nrules, v);
}

/* ---- passes and moves -------------------------------------------------------- */

int drs_cluster_apply(struct cluster *c, const struct drs_move *m,
		      char err[GUEST_ERR_MAX])
{
	struct precopy_params params = { 0 };
	struct cluster_vm *vm;
	int id, rc;

	err[0] = '\0';
	if ((int)m->vm >= c->nvms || (int)m->to >= c->nhosts) {
		snprintf(err, GUEST_ERR_MAX, "no such VM or host");
		return SIM_EINVAL;
	}
	vm = &c->vms[m->vm];
	if (vm->host != (int)m->from || vm->state != CVM_ON) {
		snprintf(err, GUEST_ERR_MAX,
			 "%s is no longer running on host %u: run DRS again",
			 vm->name, m->from);
		return SIM_ESTATE;
	}
	/* an evacuation of a host no longer entering maintenance mode (its
	 * task cancelled or timed out): DRS recommends it no more */
	if (m->why == DRS_WHY_MAINTENANCE &&
	    c->hosts[m->from]->state == CHOST_CONNECTED) {
		snprintf(err, GUEST_ERR_MAX,
			 "%s's maintenance mode task was cancelled or timed out: it is connected, and DRS no longer moves %s off it; run DRS again",
			 c->hosts[m->from]->host->name, vm->name);
		return SIM_ESTATE;
	}
	/* by VMotion, with its default link and downtime limit */
	if ((rc = vmotion_start(c, (int)m->vm, (int)m->to, &params, &id, err)) != SIM_OK)
		return rc;
	drs_cluster_emit(c, DRS_APPLIED, m->vm, m->from, m->to, m->priority, m->why,
	     vm->demand_mhz, m->imbalance_before, m->imbalance_after);
	return SIM_OK;
}

/* A copy of plan p's moves in *to (the rest by value). */
static int copy_plan(struct drs_plan *to, const struct drs_plan *p)
{
	*to = *p;
	to->entitlement_mhz = NULL;
	to->moves = malloc((p->nmoves ? p->nmoves : 1) * sizeof *p->moves);
	if (to->moves == NULL)
		return SIM_ENOMEM;
	if (p->nmoves)
		memcpy(to->moves, p->moves, p->nmoves * sizeof *p->moves);
	return SIM_OK;
}

/* The plan, in cluster ids, kept as the last pass. */
static int keep(struct drs_state *d, const struct drs_view *v, struct drs_plan *p)
{
	for (size_t i = 0; i < p->nmoves; i++)
		p->moves[i].vm = (uint32_t)v->id[p->moves[i].vm];
	drs_plan_free(&d->last);
	d->last = *p;
	d->last.entitlement_mhz = NULL;	/* the moves are what is kept */
	free(p->entitlement_mhz);
	d->have_last = true;
	/* the caller gets its own copy of the moves */
	return copy_plan(p, &d->last);
}

int drs_cluster_run(struct cluster *c, int threshold, enum drs_automation a,
		    struct drs_plan *out, char err[GUEST_ERR_MAX])
{
	struct drs_state *d = state(c);
	struct drs_options o;
	struct drs_view v;
	int rc;

	err[0] = '\0';
	memset(out, 0, sizeof *out);
	if (threshold < 1 || threshold > 5) {
		snprintf(err, GUEST_ERR_MAX, "DRS threshold %d: it is 1 (mandatory moves only) to 5 (aggressive)",
			 threshold);
		return SIM_EINVAL;
	}
	if ((rc = view(c, &v)) != SIM_OK)
		goto out;
	drs_options_default(&o);
	o.threshold = threshold;
	if ((rc = drs_plan(&v.dc, &o, out)) != SIM_OK) {
		snprintf(err, GUEST_ERR_MAX, "%s", out->note);
		goto out;
	}
	if ((rc = keep(d, &v, out)) != SIM_OK)
		goto out;
	/* a pass: mhz holds the number of moves, before/after the imbalance
	 * and the threshold's target */
	drs_cluster_emit(c, DRS_PASS, 0xffff, 0xffff, 0xffff, out->priority, 0,
	     (uint32_t)out->nmoves, out->imbalance, out->target);
	for (size_t i = 0; i < out->nmoves; i++) {
		const struct drs_move *m = &out->moves[i];

		drs_cluster_emit(c, DRS_RECOMMEND, m->vm, m->from, m->to, m->priority, m->why,
		     c->vms[m->vm].demand_mhz, m->imbalance_before,
		     m->imbalance_after);
	}
	if (out->stuck)
		drs_cluster_emit(c, DRS_STUCK, 0xffff, 0xffff, 0xffff, 1, 0, out->stuck,
		     out->imbalance, out->imbalance_after);
	/*
	 * Fully automated: every move, maintenance evacuations included.
	 * Manual or partially automated, even those stay recommendations
	 * ("Host Maintenance" ones) for the administrator to apply [src:
	 * vSphere 6.5 Resource Management guide, "Using Maintenance Mode":
	 * "A fully automated DRS cluster automatically migrates running
	 * virtual machines ...; a partially automated or manual DRS cluster
	 * displays recommendations for migration of running virtual
	 * machines"].
	 */
	for (size_t i = 0; a == DRS_FULL && i < out->nmoves; i++) {
		char why[GUEST_ERR_MAX];

		drs_cluster_apply(c, &out->moves[i], why);
	}
out:
	drs_view_free(&v);
	return rc;
}

/* Can host h take a new VM cfg of mem_mb (VirtualCenter's checks)? */
static bool can_take(struct cluster *c, int h, const struct cluster_vm_config *cfg,
		     uint32_t mem_mb)
{
	const struct cluster_host *ch = c->hosts[h];
	int net = cfg->network ? cluster_network(c, cfg->network)
			       : c->default_network;
	int d = cfg->datastore ? cluster_datastore_by_name(c, cfg->datastore)
			       : c->shared_ds;
	bool ds = d >= 0 ? cluster_host_sees(c, h, d) : false;

	for (int k = 0; !cfg->datastore && d < 0 && k < c->nds && !ds; k++)
		ds = cluster_host_sees(c, h, k);	/* a local one of h's */
	return ch->state == CHOST_CONNECTED && ds && net >= 0 &&
	       (ch->networks & (1ull << net)) && ch->nvms < HOST_MAX_VMS &&
	       ch->mem_used_mb + mem_mb <= ch->mem_mb &&
	       ch->reserved_mhz + cfg->reservation_mhz <= ch->cpu_mhz &&
	       ch->reserved_mb + cfg->reservation_mb <= ch->mem_mb;
}

int drs_cluster_add_vm(struct cluster *c, const struct cluster_vm_config *cfg,
		       int *out, char err[GUEST_ERR_MAX])
{
	struct vcenter *vc = cluster_vcenter(c);
	struct drs_state *d = state(c);
	struct cluster_vm_config placed = *cfg;
	uint32_t mem = cfg->mem_mb ? cfg->mem_mb : cfg->guest ? 128 : 1024;
	double before = 0.0, best = 0.0;
	int host = -1, rc, id;
	struct drs_view v;

	err[0] = '\0';
	if (d == NULL)
		return SIM_ENOMEM;
	if (!vc->drs.enabled) {
		snprintf(err, GUEST_ERR_MAX,
			 "DRS is off on %s: name the VM's host, or enable DRS (partial or full automation places VMs)",
			 c->name);
		return SIM_ESTATE;
	}
	if ((rc = view(c, &v)) != SIM_OK) {
		drs_view_free(&v);
		return rc;
	}
	before = drs_imbalance(&v.dc);
	/* the new VM, in the view's spare slot, tried on every host */
	v.vms[v.dc.nvms] = (struct drs_vm){ cfg->name, 0, cfg->demand_mhz,
		cfg->reservation_mhz, cfg->limit_mhz, cfg->shares, mem,
		cfg->reservation_mb, cfg->dirty_mb_s, 0, 0 };
	v.dc.nvms++;
	for (int h = 0; h < c->nhosts; h++) {
		double sd;

		if (!can_take(c, h, cfg, mem))
			continue;
		v.vms[v.dc.nvms - 1].host = (uint32_t)h;
		sd = drs_imbalance(&v.dc);
		if (host < 0 || sd < best - 1e-12) {
			host = h;
			best = sd;
		}
	}
	drs_view_free(&v);
	if (host < 0) {
		snprintf(err, GUEST_ERR_MAX,
			 "DRS finds no host for %s: none is connected with its network, its datastore and room for %u MB and its reservations",
			 cfg->name ? cfg->name : "the VM", mem);
		return SIM_ESTATE;
	}
	if (d->automation == DRS_MANUAL) {
		snprintf(err, GUEST_ERR_MAX,
			 "DRS is manual: it recommends %s for %s (imbalance %.3f -> %.3f); add it with host=%s",
			 c->hosts[host]->host->name, cfg->name ? cfg->name : "the VM",
			 before, best, c->hosts[host]->host->name);
		return SIM_ESTATE;
	}
	placed.host = host;
	if ((rc = cluster_add_vm(c, &placed, &id, err)) != SIM_OK)
		return rc;
	drs_cluster_emit(c, DRS_PLACED, (uint32_t)id, 0xffff, (uint32_t)host, 0, 0,
	     c->vms[id].demand_mhz, before, best);
	if (out)
		*out = id;
	return SIM_OK;
}

double drs_cluster_imbalance(struct cluster *c, double *target)
{
	struct vcenter *vc = cluster_vcenter(c);
	struct drs_view v;
	double sd = 0.0;
	uint32_t counted = 0;

	if (view(c, &v) == SIM_OK) {
		sd = drs_imbalance(&v.dc);
		for (int h = 0; h < c->nhosts; h++)
			counted += !v.hosts[h].maintenance && !v.hosts[h].unavailable;
	}
	if (target)
		*target = drs_target(vc->drs.threshold ? vc->drs.threshold : 3,
				     counted);
	drs_view_free(&v);
	return sd;
}

const struct drs_plan *drs_cluster_last(struct cluster *c)
{
	struct drs_state *d = cluster_vcenter(c)->drs_state;

	return d && d->have_last ? &d->last : NULL;
}

/* VirtualCenter's timer: a pass every period while DRS is enabled. */
static uint64_t periodic(struct cluster *c, void *ctx, uint64_t now)
{
	struct vcenter *vc = cluster_vcenter(c);
	struct drs_state *d = vc->drs_state;
	struct drs_plan p;
	char err[GUEST_ERR_MAX];

	(void)ctx;
	(void)now;
	if (d == NULL || !vc->drs.enabled) {
		if (d)
			d->timer = false;
		return 0;
	}
	if (drs_cluster_run(c, vc->drs.threshold, d->automation, &p, err) == SIM_OK)
		drs_plan_free(&p);
	return (uint64_t)vc->drs.period_s * 1000000000ull;
}

int drs_cluster_configure(struct cluster *c, const struct drs_cluster_config *cfg,
			  char err[GUEST_ERR_MAX])
{
	struct vcenter *vc = cluster_vcenter(c);
	struct drs_state *d = state(c);

	err[0] = '\0';
	if (d == NULL)
		return SIM_ENOMEM;
	if (cfg->threshold && (cfg->threshold < 1 || cfg->threshold > 5)) {
		snprintf(err, GUEST_ERR_MAX, "DRS threshold %d: it is 1 to 5",
			 cfg->threshold);
		return SIM_EINVAL;
	}
	if ((unsigned)cfg->automation >= DRS_AUTOMATION_COUNT) {
		snprintf(err, GUEST_ERR_MAX, "DRS automation: manual, partial or full");
		return SIM_EINVAL;
	}
	vc->drs.enabled = cfg->enabled;
	if (cfg->threshold)
		vc->drs.threshold = cfg->threshold;
	if (vc->drs.threshold == 0)
		vc->drs.threshold = 3;
	if (cfg->period_s)
		vc->drs.period_s = cfg->period_s;
	if (vc->drs.period_s == 0)
		vc->drs.period_s = 300;
	d->automation = cfg->automation;
	vc->drs.automatic = cfg->automation == DRS_FULL;
	if (vc->drs.enabled && !d->timer) {
		int rc = vcenter_add_timer(vc, cluster_now_ns(c) +
					   (uint64_t)vc->drs.period_s * 1000000000ull,
					   periodic, NULL);

		if (rc != SIM_OK) {
			snprintf(err, GUEST_ERR_MAX, "VirtualCenter's timer table is full");
			return rc;
		}
		d->timer = true;
	}
	return SIM_OK;
}

int drs_cluster_add_rule(struct cluster *c, const char *name,
			 enum drs_rule_kind kind, bool must, const int *vms,
			 int nvms, const int *hosts, int nhosts,
			 char err[GUEST_ERR_MAX])
{
	struct drs_state *d = state(c);
	struct drs_rule *r;
	uint32_t *rv, *rh;

	err[0] = '\0';
	if (d == NULL)
		return SIM_ENOMEM;
	if ((unsigned)kind >= DRS_RULE_KIND_COUNT || nvms < 1 || nhosts < 0 ||
	    ((kind == DRS_RULE_ON_HOSTS || kind == DRS_RULE_OFF_HOSTS) && nhosts < 1)) {
		snprintf(err, GUEST_ERR_MAX, "rule %s: it needs VMs (and, VM-host, hosts)",
			 name ? name : "?");
		return SIM_EINVAL;
	}
	for (int i = 0; i < nvms; i++)
		if (vms[i] < 0 || vms[i] >= c->nvms) {
			snprintf(err, GUEST_ERR_MAX, "rule %s: no VM %d", name, vms[i]);
			return SIM_EINVAL;
		}
	for (int i = 0; i < nhosts; i++)
		if (hosts[i] < 0 || hosts[i] >= c->nhosts) {
			snprintf(err, GUEST_ERR_MAX, "rule %s: no host %d", name, hosts[i]);
			return SIM_EINVAL;
		}
	if (d->nrules == d->cap) {
		uint32_t cap = d->cap ? d->cap * 2 : 8;
		struct drs_rule *n = realloc(d->rules, cap * sizeof *n);

		if (n == NULL)
			return SIM_ENOMEM;
		d->rules = n;
		d->cap = cap;
	}
	rv = malloc((size_t)nvms * sizeof *rv);
	rh = malloc(((size_t)nhosts + 1) * sizeof *rh);
	if (rv == NULL || rh == NULL) {
		free(rv);
		free(rh);
		return SIM_ENOMEM;
	}
	for (int i = 0; i < nvms; i++)
		rv[i] = (uint32_t)vms[i];
	for (int i = 0; i < nhosts; i++)
		rh[i] = (uint32_t)hosts[i];
	r = &d->rules[d->nrules++];
	*r = (struct drs_rule){ strdup(name ? name : "rule"), kind, must, rv,
				(uint32_t)nvms, rh, (uint32_t)nhosts };
	return SIM_OK;
}

enum drs_automation drs_cluster_automation(struct cluster *c)
{
	struct drs_state *d = state(c);

	return d ? d->automation : DRS_FULL;
}

/* ---- stepping back ------------------------------------------------------------ */

/*
 * DRS's state: whether it exists yet, its automation and timer, how many
 * rules (only ever added), and the last pass's plan with its moves.
 */
struct drs_cluster_state {
	bool exists;
	enum drs_automation automation;
	bool timer, have_last;
	uint32_t nrules;
	struct drs_plan last;		/* its moves: a copy, owned */
};

void drs_cluster_state_free(struct drs_cluster_state *st)
{
	if (st == NULL)
		return;
	drs_plan_free(&st->last);
	free(st);
}

int drs_cluster_save(const struct vcenter *vc, struct drs_cluster_state **out)
{
	const struct drs_state *d = vc->drs_state;
	struct drs_cluster_state *st = calloc(1, sizeof *st);

	if (st == NULL)
		return SIM_ENOMEM;
	if (d != NULL) {
		st->exists = true;
		st->automation = d->automation;
		st->timer = d->timer;
		st->have_last = d->have_last;
		st->nrules = d->nrules;
		if (d->have_last && copy_plan(&st->last, &d->last) != SIM_OK) {
			free(st);
			return SIM_ENOMEM;
		}
	}
	*out = st;
	return SIM_OK;
}

int drs_cluster_load(struct vcenter *vc, const struct drs_cluster_state *st)
{
	struct drs_state *d = vc->drs_state;

	if (!st->exists) {
		drs_cluster_free(vc);
		return SIM_OK;
	}
	if (d == NULL)		/* (it is never freed before the cluster) */
		return SIM_ESTATE;
	drop_rules(d, st->nrules);
	d->automation = st->automation;
	d->timer = st->timer;
	drs_plan_free(&d->last);
	d->have_last = st->have_last;
	if (st->have_last)
		return copy_plan(&d->last, &st->last);
	return SIM_OK;
}
