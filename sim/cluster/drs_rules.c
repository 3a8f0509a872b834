/*
 * drs_rules.c - DRS rules (affinity, anti-affinity, VM-host) and the words
 * a recommendation gives as its reason.
 *
 * vSphere's rules [vSphere Resource Management guide, "Using DRS Affinity
 * Rules"]: VM-VM affinity keeps VMs on one host (two halves of an
 * application that talk a lot); anti-affinity keeps them on different
 * hosts (two replicas, so one host failure cannot take both); VM-host
 * rules tie a group of VMs to a group of hosts, "must" (never violated,
 * HA respects it too) or "should" (DRS respects it, HA may not).  DRS
 * treats both kinds as constraints on its moves and fixes a broken rule
 * before it balances (a priority-1, mandatory, recommendation).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/drs_priv.h"
#include "status.h"

int drs_rules_index(struct drs_work *w)
{
	const struct drs_cluster *c = w->c;
	uint32_t total = 0;

	w->rule_start = calloc((size_t)c->nvms + 1, sizeof *w->rule_start);
	if (w->rule_start == NULL)
		return SIM_ENOMEM;
	for (uint32_t r = 0; r < c->nrules; r++)
		for (uint32_t i = 0; i < c->rules[r].nvms; i++) {
			uint32_t v = c->rules[r].vms[i];

			if (v >= c->nvms)
				return SIM_EINVAL;
			w->rule_start[v + 1]++;
			total++;
		}
	for (uint32_t v = 0; v < c->nvms; v++)
		w->rule_start[v + 1] += w->rule_start[v];
	w->rule_list = malloc(((size_t)total + 1) * sizeof *w->rule_list);
	if (w->rule_list == NULL)
		return SIM_ENOMEM;
	{
		uint32_t *fill = calloc((size_t)c->nvms + 1, sizeof *fill);

		if (fill == NULL)
			return SIM_ENOMEM;
		for (uint32_t r = 0; r < c->nrules; r++)
			for (uint32_t i = 0; i < c->rules[r].nvms; i++) {
				uint32_t v = c->rules[r].vms[i];

				w->rule_list[w->rule_start[v] + fill[v]++] = r;
			}
		free(fill);
	}
	return SIM_OK;
}

static bool in_hosts(const struct drs_rule *r, uint32_t h)
{
	for (uint32_t i = 0; i < r->nhosts; i++)
		if (r->hosts[i] == h)
			return true;
	return false;
}

/*
 * Where a keep-together rule gathers its VMs, seen from VM v: the host
 * holding most of the rule's other VMs (the lowest-numbered on a tie), or
 * UINT32_MAX when v is its only VM (then anywhere will do).
 */
static uint32_t together_anchor(const struct drs_work *w,
				const struct drs_rule *r, uint32_t v)
{
	uint32_t best = UINT32_MAX, best_n = 0;

	for (uint32_t i = 0; i < r->nvms; i++) {
		uint32_t h = w->place[r->vms[i]], n = 0;

		if (r->vms[i] == v)
			continue;
		for (uint32_t j = 0; j < r->nvms; j++)
			if (r->vms[j] != v && w->place[r->vms[j]] == h)
				n++;
		if (n > best_n || (n == best_n && h < best)) {
			best = h;
			best_n = n;
		}
	}
	return best;
}

bool drs_rule_kept(const struct drs_work *w, uint32_t ri, uint32_t v,
		   uint32_t b)
{
	const struct drs_rule *r = &w->c->rules[ri];
	uint32_t anchor;

	switch (r->kind) {
	case DRS_RULE_TOGETHER:
		anchor = together_anchor(w, r, v);
		return anchor == UINT32_MAX || anchor == b;
	case DRS_RULE_APART:
		for (uint32_t i = 0; i < r->nvms; i++)
			if (r->vms[i] != v && w->place[r->vms[i]] == b)
				return false;
		return true;
	case DRS_RULE_ON_HOSTS:
		return in_hosts(r, b);
	case DRS_RULE_OFF_HOSTS:
		return !in_hosts(r, b);
	default:
		return true;
	}
}

bool drs_rules_kept(const struct drs_work *w, uint32_t v, uint32_t b)
{
	for (uint32_t i = w->rule_start[v]; i < w->rule_start[v + 1]; i++)
		if (!drs_rule_kept(w, w->rule_list[i], v, b))
			return false;
	return true;
}

/*
 * Anti-affinity: of two VMs sharing a host the later one is the one to
 * move (the first stays), so the violators are "VMs with an earlier VM
 * of the rule on their host".
 */
static bool apart_violator(const struct drs_work *w, const struct drs_rule *r,
			   uint32_t i)
{
	for (uint32_t j = 0; j < i; j++)
		if (w->place[r->vms[j]] == w->place[r->vms[i]])
			return true;
	return false;
}

bool drs_rules_next_violator(const struct drs_work *w, uint32_t *vm,
			     uint32_t *rule)
{
	const struct drs_cluster *c = w->c;

	for (uint32_t ri = 0; ri < c->nrules; ri++) {
		const struct drs_rule *r = &c->rules[ri];

		for (uint32_t i = 0; i < r->nvms; i++) {
			uint32_t v = r->vms[i];
			bool broken;

			if (w->stuck[v])
				continue;
			if (r->kind == DRS_RULE_APART)
				broken = apart_violator(w, r, i);
			else
				broken = !drs_rule_kept(w, ri, v, w->place[v]);
			if (broken) {
				*vm = v;
				*rule = ri;
				return true;
			}
		}
	}
	return false;
}

/* ---- the reasons, in words ----------------------------------------------- */

static const char *host_name(const struct drs_work *w, uint32_t h)
{
	const char *n = w->c->hosts[h].name;

	return n ? n : "?";
}

static const char *vm_name(const struct drs_work *w, uint32_t v)
{
	const char *n = w->c->vms[v].name;

	return n ? n : "?";
}

/* "1,500": MHz with a thousands separator, as the documentation writes it. */
static void mhz_text(double mhz, char *buf, size_t size)
{
	long v = (long)(mhz + 0.5);

	if (v >= 1000)
		snprintf(buf, size, "%ld,%03ld", v / 1000, v % 1000);
	else
		snprintf(buf, size, "%ld", v);
}

/* "h3, h4": a VM-host rule's hosts. */
static void host_list(const struct drs_work *w, const struct drs_rule *r,
		      char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < r->nhosts && len + 1 < size; i++) {
		int n = snprintf(buf + len, size - len, "%s%s", i ? ", " : "",
				 r->hosts[i] < w->c->nhosts ?
				 host_name(w, r->hosts[i]) : "?");

		if (n < 0)
			break;
		len += (size_t)n;
	}
}

static void rule_reason(const struct drs_work *w, struct drs_move *m,
			const char *vm, const char *mhz)
{
	const struct drs_rule *r = &w->c->rules[m->rule];
	const char *name = r->name ? r->name : "?";
	const char *verb = r->must ? "must" : "should";
	char hosts[96];

	switch (r->kind) {
	case DRS_RULE_TOGETHER:
		snprintf(m->reason, sizeof m->reason,
			 "rule '%s' keeps its VMs together: %s (%s MHz) moves from %s to %s, where the others are",
			 name, vm, mhz, host_name(w, m->from), host_name(w, m->to));
		break;
	case DRS_RULE_APART:
		snprintf(m->reason, sizeof m->reason,
			 "rule '%s' keeps its VMs apart: %s shares %s with another of them, so it moves to %s (%.2f -> %.2f)",
			 name, vm, host_name(w, m->from), host_name(w, m->to),
			 m->load_to_before, m->load_to_after);
		break;
	case DRS_RULE_ON_HOSTS:
		host_list(w, r, hosts, sizeof hosts);
		snprintf(m->reason, sizeof m->reason,
			 "rule '%s': %s %s run on %s; it moves from %s to %s",
			 name, vm, verb, hosts, host_name(w, m->from),
			 host_name(w, m->to));
		break;
	default:
		host_list(w, r, hosts, sizeof hosts);
		snprintf(m->reason, sizeof m->reason,
			 "rule '%s': %s %s not run on %s; it moves from %s to %s",
			 name, vm, verb, hosts, host_name(w, m->from),
			 host_name(w, m->to));
		break;
	}
}

void drs_reason(const struct drs_work *w, struct drs_move *m,
		bool every_host_equal)
{
	const char *vm = vm_name(w, m->vm);
	char mhz[24];

	mhz_text(w->ent[m->vm], mhz, sizeof mhz);
	switch (m->why) {
	case DRS_WHY_MAINTENANCE:
		snprintf(m->reason, sizeof m->reason,
			 "%s enters maintenance mode: %s (%s MHz) moves to %s (%.2f -> %.2f)",
			 host_name(w, m->from), vm, mhz, host_name(w, m->to),
			 m->load_to_before, m->load_to_after);
		break;
	case DRS_WHY_RULE:
		rule_reason(w, m, vm, mhz);
		break;
	default:
		if (every_host_equal)
			snprintf(m->reason, sizeof m->reason,
				 "%s at %.2f, %s at %.2f; moving %s (%s MHz) makes every host %.2f",
				 host_name(w, m->from), m->load_from_before,
				 host_name(w, m->to), m->load_to_before, vm,
				 mhz, m->load_to_after);
		else
			snprintf(m->reason, sizeof m->reason,
				 "%s at %.2f, %s at %.2f; moving %s (%s MHz) makes them %.2f and %.2f: imbalance %.3f -> %.3f",
				 host_name(w, m->from), m->load_from_before,
				 host_name(w, m->to), m->load_to_before, vm,
				 mhz, m->load_from_after, m->load_to_after,
				 m->imbalance_before, m->imbalance_after);
		break;
	}
}
