/*
 * drs.c - one DRS pass: entitlements, host loads, the imbalance, and the
 * greedy choice of moves (see drs.h for the published design).
 *
 * Worked example (cluster-facts.md, C): three hosts of 10,000 MHz carry
 * entitlements of 6,500, 5,000 and 3,500 MHz: loads 0.65, 0.50, 0.35,
 * mean 0.50, population standard deviation sqrt((0.15^2 + 0 + 0.15^2) / 3)
 * = 0.1225; priority 6 - ceil(0.1225 / 0.1 * sqrt(3)) = 6 - ceil(2.12) = 3.
 * Moving a 1,500 MHz VM from h1 to h3 leaves every host at 0.50: goodness
 * 0.1225.  A 1,000 MHz VM would leave 0.55/0.50/0.45: sd 0.0408.
 *
 * Scale: 96 hosts x 10,000 VMs is a million candidate moves per step.  Two
 * things keep a pass fast, without changing which move wins:
 *   - a candidate is judged in O(1) from two running sums (drs_priv.h);
 *   - among destinations of equal capacity, the one with the lowest load
 *     always gives the greatest goodness (the variance after the move
 *     grows with the destination's load), so each VM only tries, per
 *     capacity, the least-loaded host that can take it.  VMs under rules
 *     try every host.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/drs_priv.h"
#include "status.h"

void drs_options_default(struct drs_options *s)
{
	s->threshold = 3;
	s->period_s = 300;
	s->vmotion_mb_s = 128;
	s->max_moves = 0;
	s->min_goodness = 1e-6;
}

static const char *const why_names[DRS_WHY_COUNT] = {
	[DRS_WHY_BALANCE] = "balance",
	[DRS_WHY_MAINTENANCE] = "maintenance",
	[DRS_WHY_RULE] = "rule",
};

const char *drs_why_name(enum drs_why w)
{
	return (unsigned)w < DRS_WHY_COUNT ? why_names[w] : "?";
}

double drs_sd(double s1, double s2, uint32_t n)
{
	double mean, var;

	if (n == 0)
		return 0.0;
	mean = s1 / n;
	var = s2 / n - mean * mean;
	return var > 0.0 ? sqrt(var) : 0.0;
}

int drs_priority(double imbalance, uint32_t nhosts)
{
	/* a hair of tolerance so 0.3 / 0.1 counts as 3, not 3.0000000001 */
	double x = imbalance / 0.1 * sqrt((double)nhosts) - 1e-9;
	int p = 6 - (int)ceil(x > 0.0 ? x : 0.0);

	return p < 2 ? 2 : p;
}

double drs_target(int threshold, uint32_t nhosts)
{
	/* priority <= t  <=>  ceil(x) >= 6 - t  <=>  x > 5 - t */
	return nhosts ? 0.1 * (5 - threshold) / sqrt((double)nhosts) : 0.0;
}

double drs_vmotion_seconds(const struct drs_vm *vm, uint32_t bw_mb_s)
{
	double m = vm->mem_mb, r = bw_mb_s, l, left, sent = 0.0;
	double threshold = r * 0.3;	/* QEMU: bandwidth x 300 ms */

	if (r <= 0.0)
		return -1.0;
	l = vm->dirty_mb_s / r;
	if (l >= 1.0)
		return -1.0;
	left = m;
	for (int round = 0; round < 30 && left > threshold; round++) {
		sent += left;	/* round i sends M * l^i */
		left *= l;
	}
	return (sent + left) / r;	/* the rest while stunned */
}

/* ---- the working model --------------------------------------------------- */

static void work_sums(struct drs_work *w)
{
	const struct drs_cluster *c = w->c;

	w->s1 = w->s2 = 0.0;
	w->counted = 0;
	for (uint32_t h = 0; h < c->nhosts; h++) {
		if (!drs_counted(&c->hosts[h]))
			continue;
		w->counted++;
		w->s1 += w->load[h];
		w->s2 += w->load[h] * w->load[h];
	}
}

static double load_step(const struct drs_work *w, uint32_t v, uint32_t h)
{
	uint32_t cap = w->c->hosts[h].cpu_mhz;

	return cap ? w->ent[v] / cap : 0.0;
}

/* The loads from the placement (exactly, not by accumulated steps). */
static void work_loads(struct drs_work *w)
{
	const struct drs_cluster *c = w->c;

	memset(w->load, 0, c->nhosts * sizeof *w->load);
	for (uint32_t v = 0; v < c->nvms; v++)
		w->load[w->place[v]] += load_step(w, v, w->place[v]);
	work_sums(w);
}

static void work_free(struct drs_work *w)
{
	free(w->place);
	free(w->ent);
	free(w->load);
	free(w->inv);
	free(w->res_mhz);
	free(w->res_mb);
	free(w->mem_cfg);
	free(w->rule_start);
	free(w->rule_list);
	free(w->stuck);
}

static int work_init(struct drs_work *w, const struct drs_cluster *c,
		     const struct drs_options *s, char *note, size_t size)
{
	size_t nv = c->nvms ? c->nvms : 1, nh = c->nhosts ? c->nhosts : 1;
	int rc;

	memset(w, 0, sizeof *w);
	w->c = c;
	w->s = s;
	w->place = malloc(nv * sizeof *w->place);
	w->ent = malloc(nv * sizeof *w->ent);
	w->stuck = calloc(nv, 1);
	w->load = calloc(nh, sizeof *w->load);
	w->inv = calloc(nh, sizeof *w->inv);
	w->res_mhz = calloc(nh, sizeof *w->res_mhz);
	w->res_mb = calloc(nh, sizeof *w->res_mb);
	w->mem_cfg = calloc(nh, sizeof *w->mem_cfg);
	if (!w->place || !w->ent || !w->stuck || !w->load || !w->inv ||
	    !w->res_mhz || !w->res_mb || !w->mem_cfg)
		return SIM_ENOMEM;
	for (uint32_t h = 0; h < c->nhosts; h++)
		w->mem_cfg[h] = c->hosts[h].mem_fixed_mb;
	for (uint32_t h = 0; h < c->nhosts; h++)
		if (drs_counted(&c->hosts[h]) && c->hosts[h].cpu_mhz)
			w->inv[h] = 1.0 / c->hosts[h].cpu_mhz;
	for (uint32_t v = 0; v < c->nvms; v++) {
		const struct drs_vm *vm = &c->vms[v];

		if (vm->host >= c->nhosts) {
			snprintf(note, size, "VM %s is on host %u; the cluster has %u",
				 vm->name ? vm->name : "?", vm->host, c->nhosts);
			return SIM_EINVAL;
		}
		w->place[v] = vm->host;
		w->stuck[v] = vm->pinned;	/* never a candidate */
		w->res_mhz[vm->host] += vm->reservation_mhz;
		w->res_mb[vm->host] += vm->reservation_mb;
		w->mem_cfg[vm->host] += vm->mem_mb;
	}
	for (uint32_t r = 0; r < c->nrules; r++)
		for (uint32_t i = 0; i < c->rules[r].nhosts; i++)
			if (c->rules[r].hosts[i] >= c->nhosts) {
				snprintf(note, size, "rule %s names host %u; the cluster has %u",
					 c->rules[r].name ? c->rules[r].name : "?",
					 c->rules[r].hosts[i], c->nhosts);
				return SIM_EINVAL;
			}
	rc = drs_rules_index(w);
	if (rc == SIM_EINVAL)
		snprintf(note, size, "a rule names a VM the cluster does not have");
	if (rc != SIM_OK)
		return rc;
	drs_entitlements(c, w->ent);
	work_loads(w);
	return SIM_OK;
}

/* Host b has room for v's reservations (and can hold VMs at all). */
static bool fits(const struct drs_work *w, uint32_t v, uint32_t b)
{
	const struct drs_host *h = &w->c->hosts[b];
	const struct drs_vm *vm = &w->c->vms[v];

	return drs_counted(h) && h->cpu_mhz > 0 &&
	       w->res_mhz[b] + vm->reservation_mhz <= h->cpu_mhz &&
	       w->res_mb[b] + vm->reservation_mb <= h->mem_mb &&
	       w->mem_cfg[b] + vm->mem_mb <= h->mem_mb;
}

/*
 * The sums after v's entitlement leaves host a and (when `to_b`) arrives
 * on b; a host outside the sums (in maintenance, say) changes nothing.
 */
static void sums_after(const struct drs_work *w, uint32_t v, uint32_t a,
		       uint32_t b, bool leave_a, double *s1, double *s2)
{
	double la = w->load[a], lb = w->load[b];
	double da = load_step(w, v, a), db = load_step(w, v, b);

	*s1 = w->s1 + db;
	*s2 = w->s2 + (lb + db) * (lb + db) - lb * lb;
	if (leave_a && drs_counted(&w->c->hosts[a])) {
		*s1 -= da;
		*s2 += (la - da) * (la - da) - la * la;
	}
}

/* A move being judged. */
struct cand {
	uint32_t vm, to;
	double sd_after, goodness, vmotion_s;
};

/*
 * The cost-benefit filter [Gulati 2012, 4.3: a move must gain more over
 * the invocation period than its migration costs].  Our model of it:
 *   - VMotion time t: iterative pre-copy of the VM's memory at its dirty
 *     rate (drs_vmotion_seconds); a VM that cannot converge, or whose copy
 *     takes half the period or more, is never moved for balance;
 *   - benefit: the goodness, held for the rest of the period, g x (P - t);
 *   - cost: while the copy runs the VM still loads its source and its copy
 *     loads the destination: the imbalance then, over the imbalance after,
 *     times t.
 * The move passes when benefit > cost.
 */
static bool cost_benefit(const struct drs_work *w, struct cand *k,
			 uint32_t a)
{
	double t = drs_vmotion_seconds(&w->c->vms[k->vm], w->s->vmotion_mb_s);
	double s1, s2, during, period = w->s->period_s;

	if (t < 0.0 || 2.0 * t >= period)
		return false;
	sums_after(w, k->vm, a, k->to, false, &s1, &s2);
	during = drs_sd(s1, s2, w->counted);
	k->vmotion_s = t;
	return k->goodness * (period - t) >
	       (during > k->sd_after ? during - k->sd_after : 0.0) * t;
}

static void judge(const struct drs_work *w, uint32_t v, uint32_t b,
		  double sd_now, struct cand *k)
{
	double s1, s2;

	sums_after(w, v, w->place[v], b, true, &s1, &s2);
	k->vm = v;
	k->to = b;
	k->sd_after = drs_sd(s1, s2, w->counted);
	k->goodness = sd_now - k->sd_after;
	k->vmotion_s = 0.0;
}

/* Move v to b in the model, and record the move in the plan. */
static int apply(struct drs_work *w, struct drs_plan *p, size_t *cap,
		 const struct cand *k, int priority, enum drs_why why,
		 uint32_t rule)
{
	const struct drs_vm *vm = &w->c->vms[k->vm];
	uint32_t a = w->place[k->vm], b = k->to;
	double lo, hi;
	struct drs_move *m;

	if (p->nmoves == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct drs_move *n = realloc(p->moves, ncap * sizeof *n);

		if (n == NULL)
			return SIM_ENOMEM;
		p->moves = n;
		*cap = ncap;
	}
	m = &p->moves[p->nmoves++];
	memset(m, 0, sizeof *m);
	m->vm = k->vm;
	m->from = a;
	m->to = b;
	m->priority = priority;
	m->why = why;
	m->rule = rule;
	m->imbalance_before = drs_sd(w->s1, w->s2, w->counted);
	m->load_from_before = w->load[a];
	m->load_to_before = w->load[b];
	m->vmotion_s = k->vmotion_s;

	w->place[k->vm] = b;
	w->res_mhz[a] -= vm->reservation_mhz;
	w->res_mb[a] -= vm->reservation_mb;
	w->res_mhz[b] += vm->reservation_mhz;
	w->res_mb[b] += vm->reservation_mb;
	w->mem_cfg[a] -= vm->mem_mb;
	w->mem_cfg[b] += vm->mem_mb;
	w->load[a] -= load_step(w, k->vm, a);
	w->load[b] += load_step(w, k->vm, b);
	work_sums(w);

	m->imbalance_after = drs_sd(w->s1, w->s2, w->counted);
	m->goodness = m->imbalance_before - m->imbalance_after;
	m->load_from_after = w->load[a];
	m->load_to_after = w->load[b];
	lo = hi = w->load[b];
	for (uint32_t h = 0; h < w->c->nhosts; h++) {
		if (!drs_counted(&w->c->hosts[h]))
			continue;
		lo = w->load[h] < lo ? w->load[h] : lo;
		hi = w->load[h] > hi ? w->load[h] : hi;
	}
	drs_reason(w, m, hi - lo < 0.005);
	return SIM_OK;
}

/* ---- mandatory moves: maintenance, then broken rules --------------------- */

/* The best host for a VM that must move: any goodness, no cost filter. */
static bool best_forced(const struct drs_work *w, uint32_t v, struct cand *out)
{
	double sd_now = drs_sd(w->s1, w->s2, w->counted);
	bool found = false;

	for (uint32_t b = 0; b < w->c->nhosts; b++) {
		struct cand k;

		if (b == w->place[v] || !fits(w, v, b) || !drs_rules_kept(w, v, b))
			continue;
		judge(w, v, b, sd_now, &k);
		if (!found || k.goodness > out->goodness) {
			*out = k;
			found = true;
		}
	}
	return found;
}

static void note_stuck(struct drs_work *w, struct drs_plan *p, uint32_t v,
		       const char *what)
{
	const struct drs_vm *vm = &w->c->vms[v];

	w->stuck[v] = 1;
	if (p->stuck++ == 0)
		snprintf(p->note, sizeof p->note,
			 "%s: no host can take %s (%u MHz, %u MB reserved) without breaking a rule or its reservations",
			 what, vm->name ? vm->name : "?",
			 vm->reservation_mhz, vm->reservation_mb);
}

static int mandatory(struct drs_work *w, struct drs_plan *p, size_t *cap)
{
	const struct drs_cluster *c = w->c;
	int rc;

	for (uint32_t v = 0; v < c->nvms; v++) {
		const struct drs_host *h = &c->hosts[w->place[v]];
		struct cand k;

		if (!h->maintenance || h->unavailable)
			continue;
		if (c->vms[v].question) {	/* it cannot leave: say so */
			w->stuck[v] = 1;
			if (p->stuck++ == 0)
				snprintf(p->note, sizeof p->note,
					 "maintenance mode: %s is paused with a question pending (its datastore is full); VMotion refuses it until it is answered",
					 c->vms[v].name ? c->vms[v].name : "?");
			continue;
		}
		if (c->vms[v].pinned)
			continue;
		if (!best_forced(w, v, &k)) {
			note_stuck(w, p, v, "maintenance mode");
			continue;
		}
		if ((rc = apply(w, p, cap, &k, 1, DRS_WHY_MAINTENANCE, 0)) != SIM_OK)
			return rc;
	}
	/* each fix puts a VM where all its rules hold; the bound is a guard */
	for (uint32_t n = 0; n < 4 * c->nvms + 16; n++) {
		uint32_t v, r;
		struct cand k;

		if (!drs_rules_next_violator(w, &v, &r))
			break;
		if (!best_forced(w, v, &k)) {
			note_stuck(w, p, v, "a broken rule");
			continue;
		}
		if ((rc = apply(w, p, cap, &k, 1, DRS_WHY_RULE, r)) != SIM_OK)
			return rc;
	}
	return SIM_OK;
}

/* ---- balancing: greedy on goodness ---------------------------------------- */

/* A counted host as the balancer orders them: by capacity, then load. */
struct slot {
	uint32_t cap;
	double load;
	uint32_t h;
	uint32_t next;		/* first slot of the next capacity */
};

static int by_capacity_then_load(const void *x, const void *y)
{
	const struct slot *a = x, *b = y;

	if (a->cap != b->cap)
		return a->cap < b->cap ? -1 : 1;
	if (a->load != b->load)
		return a->load < b->load ? -1 : 1;
	return a->h < b->h ? -1 : a->h > b->h;
}

/* Keep k if it beats *best and passes the cost-benefit filter. */
static void consider(const struct drs_work *w, struct cand *k, struct cand *best,
		     bool *found)
{
	if (k->goodness <= w->s->min_goodness ||
	    (*found && k->goodness <= best->goodness))
		return;
	if (!cost_benefit(w, k, w->place[k->vm]))
		return;
	*best = *k;
	*found = true;
}

/*
 * The best balancing move.  order[] holds the counted hosts sorted by
 * capacity, then load; a VM without rules tries, in each run of equal
 * capacity, the first host that can take it.
 */
/*
 * The variance after moving v from a to b, without a square root or a
 * division: the quick test a candidate passes before it is judged.
 */
static inline double variance_after(const struct drs_work *w, uint32_t v,
				    uint32_t a, uint32_t b, double inv_n)
{
	double e = w->ent[v], db = e * w->inv[b], da = e * w->inv[a];
	double s1 = w->s1 + db - da, mean = s1 * inv_n;
	double s2 = w->s2 + db * (2.0 * w->load[b] + db) +
		    da * (da - 2.0 * w->load[a]);

	return s2 * inv_n - mean * mean;
}

static bool best_balance(const struct drs_work *w, const struct slot *order,
			 uint32_t norder, struct cand *best)
{
	const struct drs_cluster *c = w->c;
	double sd_now = drs_sd(w->s1, w->s2, w->counted);
	double inv_n = 1.0 / w->counted, bar, var_bar;
	bool found = false;

	/* a candidate must beat this variance to be judged at all */
	bar = sd_now - w->s->min_goodness;
	var_bar = bar > 0.0 ? bar * bar : -1.0;

	for (uint32_t v = 0; v < c->nvms; v++) {
		uint32_t a = w->place[v];
		bool ruled = w->rule_start[v] != w->rule_start[v + 1];
		struct cand k;

		if (!drs_counted(&c->hosts[a]) || w->ent[v] <= 0.0 ||
		    c->vms[v].pinned)
			continue;
		for (uint32_t i = 0; i < norder; i++) {
			uint32_t b = order[i].h;

			if (b == a || !fits(w, v, b) ||
			    (ruled && !drs_rules_kept(w, v, b)))
				continue;
			if (variance_after(w, v, a, b, inv_n) < var_bar) {
				judge(w, v, b, sd_now, &k);
				consider(w, &k, best, &found);
				if (found) {
					bar = sd_now - best->goodness;
					var_bar = bar * bar;
				}
			}
			if (ruled)
				continue;
			i = order[i].next - 1;	/* on to the next capacity */
		}
	}
	return found;
}

static int balance(struct drs_work *w, struct drs_plan *p, size_t *cap)
{
	const struct drs_cluster *c = w->c;
	struct slot *order = malloc((c->nhosts ? c->nhosts : 1) * sizeof *order);
	int rc = SIM_OK;

	if (order == NULL)
		return SIM_ENOMEM;
	for (;;) {
		double sd = drs_sd(w->s1, w->s2, w->counted);
		int prio = drs_priority(sd, w->counted);
		uint32_t n = 0;
		struct cand k;

		if (sd <= p->target || prio > w->s->threshold)
			break;
		if (w->s->max_moves && p->nmoves >= w->s->max_moves)
			break;
		for (uint32_t h = 0; h < c->nhosts; h++)
			if (drs_counted(&c->hosts[h]))
				order[n++] = (struct slot){ c->hosts[h].cpu_mhz,
							    w->load[h], h, 0 };
		qsort(order, n, sizeof *order, by_capacity_then_load);
		for (uint32_t i = n; i-- > 0;)
			order[i].next = i + 1 < n && order[i + 1].cap == order[i].cap ?
					order[i + 1].next : i + 1;
		if (!best_balance(w, order, n, &k))
			break;
		if ((rc = apply(w, p, cap, &k, prio, DRS_WHY_BALANCE, 0)) != SIM_OK)
			break;
	}
	free(order);
	return rc;
}

int drs_plan(const struct drs_cluster *c, const struct drs_options *s,
	     struct drs_plan *out)
{
	struct drs_work w;
	size_t cap = 0;
	int rc;

	memset(out, 0, sizeof *out);
	rc = work_init(&w, c, s, out->note, sizeof out->note);
	if (rc != SIM_OK)
		goto out_free;
	out->imbalance = drs_sd(w.s1, w.s2, w.counted);
	out->target = drs_target(s->threshold, w.counted);
	out->priority = out->imbalance > out->target ?
			drs_priority(out->imbalance, w.counted) : 6;
	rc = mandatory(&w, out, &cap);
	if (rc == SIM_OK && s->threshold >= 2)
		rc = balance(&w, out, &cap);
	out->imbalance_after = drs_sd(w.s1, w.s2, w.counted);
	out->entitlement_mhz = w.ent;
	w.ent = NULL;
out_free:
	work_free(&w);
	if (rc != SIM_OK) {
		free(out->moves);
		free(out->entitlement_mhz);
		out->moves = NULL;
		out->entitlement_mhz = NULL;
		out->nmoves = 0;
	}
	return rc;
}

void drs_plan_free(struct drs_plan *p)
{
	if (p == NULL)
		return;
	free(p->moves);
	free(p->entitlement_mhz);
	p->moves = NULL;
	p->entitlement_mhz = NULL;
	p->nmoves = 0;
}

double drs_imbalance(const struct drs_cluster *c)
{
	struct drs_options s;
	struct drs_work w;
	char note[8];
	double sd = 0.0;

	drs_options_default(&s);
	if (work_init(&w, c, &s, note, sizeof note) == SIM_OK)
		sd = drs_sd(w.s1, w.s2, w.counted);
	work_free(&w);
	return sd;
}
