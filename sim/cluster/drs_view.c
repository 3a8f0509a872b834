/*
 * drs_view.c - the cluster as DRS sees it (drs_view.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster_priv.h"
#include "cluster/drs_view.h"
#include "status.h"

void drs_view_free(struct drs_view *v)
{
	free(v->hosts);
	free(v->vms);
	free(v->id);
	free(v->index);
	free(v->rules);
	free(v->rule_vms);
}

static bool powered_on(const struct cluster_vm *vm)
{
	return vm->state != CVM_OFF;
}

int drs_view_build(struct cluster *c, const struct drs_rule *rules,
		   uint32_t nrules, struct drs_view *v)
{
	size_t nr = 0;
	uint32_t n = 0;

	memset(v, 0, sizeof *v);
	v->hosts = calloc((size_t)c->nhosts + 1, sizeof *v->hosts);
	v->vms = calloc((size_t)c->nvms + 1, sizeof *v->vms);
	v->id = calloc((size_t)c->nvms + 1, sizeof *v->id);
	v->index = calloc((size_t)c->nvms + 1, sizeof *v->index);
	for (uint32_t r = 0; r < nrules; r++)
		nr += rules[r].nvms;
	v->rules = calloc(nrules + 1, sizeof *v->rules);
	v->rule_vms = calloc(nr + 1, sizeof *v->rule_vms);
	if (!v->hosts || !v->vms || !v->id || !v->index || !v->rules ||
	    !v->rule_vms)
		return SIM_ENOMEM;
	for (int h = 0; h < c->nhosts; h++) {
		const struct cluster_host *ch = c->hosts[h];

		v->hosts[h] = (struct drs_host){
			ch->host->name, (uint32_t)ch->cpu_mhz, (uint32_t)ch->mem_mb,
			ch->state == CHOST_MAINTENANCE ||
			ch->state == CHOST_ENTERING_MAINTENANCE,
			ch->state == CHOST_FAILED || ch->state == CHOST_ISOLATED ||
			ch->state == CHOST_NOT_RESPONDING, 0 };
	}
	for (int i = 0; i < c->nvms; i++) {
		const struct cluster_vm *vm = &c->vms[i];
		bool paused;

		v->index[i] = -1;
		if (!powered_on(vm)) {
			v->hosts[vm->host].mem_fixed_mb += vm->mem_mb;
			continue;
		}
		v->index[i] = (int)n;
		v->id[n] = i;
		/*
		 * A VM paused by a full datastore is powered on, so its memory
		 * and reservations still count where it is; but it runs
		 * nothing (CPU demand 0), and it cannot be moved: VMotion
		 * refuses a VM with a question pending (vmotion.c), so DRS,
		 * which acts through VMotion, leaves it where it is.
		 */
		paused = cluster_vm_paused(c, i);
		v->vms[n++] = (struct drs_vm){
			vm->name, (uint32_t)vm->host,
			paused ? 0 : vm->demand_mhz,
			vm->reservation_mhz, vm->limit_mhz, vm->shares,
			vm->mem_mb, vm->reservation_mb, vm->dirty_mb_s,
			vm->state != CVM_ON || paused, paused };
	}
	/* rules over the powered-on VMs only */
	nr = 0;
	for (uint32_t r = 0; r < nrules; r++) {
		struct drs_rule *out = &v->rules[v->dc.nrules];

		*out = rules[r];
		out->vms = &v->rule_vms[nr];
		out->nvms = 0;
		for (uint32_t i = 0; i < rules[r].nvms; i++) {
			int idx = v->index[rules[r].vms[i]];

			if (idx >= 0)
				v->rule_vms[nr + out->nvms++] = (uint32_t)idx;
		}
		nr += out->nvms;
		v->dc.nrules++;
	}
	v->dc = (struct drs_cluster){ v->hosts, (uint32_t)c->nhosts, v->vms, n,
				      v->rules, v->dc.nrules };
	return SIM_OK;
}

