/*
 * ha_admission.c - HA admission control's arithmetic: slots, percentage,
 * dedicated failover host (see ha_admission.h for the worked examples).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/ha_admission.h"
#include "status.h"

static const char *const policy_names[HA_ADMISSION_COUNT] = {
	[HA_ADMISSION_OFF] = "off",
	[HA_ADMISSION_SLOTS] = "slots",
	[HA_ADMISSION_PERCENTAGE] = "percentage",
	[HA_ADMISSION_FAILOVER_HOST] = "failover_host",
};

const char *ha_admission_name(enum ha_admission a)
{
	return (unsigned)a < HA_ADMISSION_COUNT ? policy_names[a] : "?";
}

void ha_adm_config_default(struct ha_adm_config *c)
{
	memset(c, 0, sizeof *c);
	c->policy = HA_ADMISSION_SLOTS;
	c->host_failures = 1;
	c->cpu_pct = 25;
	c->mem_pct = 25;
	c->failover_host = UINT32_MAX;
	c->min_cpu_mhz = 32;	/* das.vmCpuMinMHz */
	c->min_mem_mb = 0;	/* das.vmMemoryMinMB */
}

/* A VM's reservations as HA counts them: at least the minimums; memory
 * with its overhead. */
static uint32_t vm_cpu(const struct ha_adm_vm *v, const struct ha_adm_config *c)
{
	return v->reservation_mhz > c->min_cpu_mhz ? v->reservation_mhz
						    : c->min_cpu_mhz;
}

static uint32_t vm_mem(const struct ha_adm_vm *v, const struct ha_adm_config *c)
{
	uint32_t r = v->reservation_mb > c->min_mem_mb ? v->reservation_mb
						       : c->min_mem_mb;

	return r + v->overhead_mb;
}

static uint32_t host_slots(const struct ha_adm_host *h, uint32_t cpu,
			   uint32_t mem)
{
	uint32_t by_cpu = h->cpu_mhz / cpu;
	uint32_t by_mem = mem ? h->mem_mb / mem : by_cpu;

	return h->available ? (by_cpu < by_mem ? by_cpu : by_mem) : 0;
}

/* Host indices by slots, largest first (ties: lower index first). */
static void largest_first(const uint32_t *slots, uint32_t n, uint32_t *order)
{
	for (uint32_t i = 0; i < n; i++)
		order[i] = i;
	for (uint32_t i = 1; i < n; i++) {	/* insertion sort: stable */
		uint32_t x = order[i], j = i;

		while (j > 0 && slots[order[j - 1]] < slots[x]) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = x;
	}
}

int ha_slots_compute(const struct ha_adm_host *hosts, uint32_t nhosts,
		     const struct ha_adm_vm *vms, uint32_t nvms,
		     const struct ha_adm_config *cfg, uint32_t *per_host,
		     struct ha_slots *out)
{
	uint32_t *slots = calloc(nhosts ? nhosts : 1, sizeof *slots);
	uint32_t *order = calloc(nhosts ? nhosts : 1, sizeof *order);
	uint64_t left;

	if (slots == NULL || order == NULL) {
		free(slots);
		free(order);
		return SIM_ENOMEM;
	}
	memset(out, 0, sizeof *out);
	for (uint32_t h = 0; h < 4; h++)
		out->held_back[h] = UINT32_MAX;
	out->slot_cpu_mhz = cfg->min_cpu_mhz ? cfg->min_cpu_mhz : 1;
	for (uint32_t i = 0; i < nvms; i++) {
		if (!vms[i].powered_on)
			continue;
		out->used++;
		if (vm_cpu(&vms[i], cfg) > out->slot_cpu_mhz)
			out->slot_cpu_mhz = vm_cpu(&vms[i], cfg);
		if (vm_mem(&vms[i], cfg) > out->slot_mem_mb)
			out->slot_mem_mb = vm_mem(&vms[i], cfg);
	}
	for (uint32_t h = 0; h < nhosts; h++) {
		slots[h] = host_slots(&hosts[h], out->slot_cpu_mhz,
				      out->slot_mem_mb);
		out->total += slots[h];
		if (per_host)
			per_host[h] = slots[h];
	}
	largest_first(slots, nhosts, order);
	out->usable = out->total;
	for (uint32_t k = 0; k < cfg->host_failures && k < nhosts; k++) {
		out->usable -= slots[order[k]];
		if (k < 4)
			out->held_back[k] = order[k];
	}
	out->available = (int64_t)out->usable - out->used;
	/* how many of the largest hosts can go and still hold every VM */
	left = out->total;
	for (uint32_t k = 0; k < nhosts && hosts[order[k]].available; k++) {
		if (left - slots[order[k]] < out->used)
			break;
		left -= slots[order[k]];
		out->failover_capacity++;
	}
	free(slots);
	free(order);
	return SIM_OK;
}

int ha_percent_compute(const struct ha_adm_host *hosts, uint32_t nhosts,
		       const struct ha_adm_vm *vms, uint32_t nvms,
		       const struct ha_adm_config *cfg, struct ha_percent *out)
{
	memset(out, 0, sizeof *out);
	for (uint32_t h = 0; h < nhosts; h++)
		if (hosts[h].available) {
			out->total_mhz += hosts[h].cpu_mhz;
			out->total_mb += hosts[h].mem_mb;
		}
	for (uint32_t i = 0; i < nvms; i++)
		if (vms[i].powered_on) {
			out->reserved_mhz += vm_cpu(&vms[i], cfg);
			out->reserved_mb += vm_mem(&vms[i], cfg);
		}
	/* the documentation's figures are whole percent, rounded down */
	if (out->total_mhz && out->reserved_mhz <= out->total_mhz)
		out->cpu_free_pct = (uint32_t)((out->total_mhz - out->reserved_mhz) *
					       100 / out->total_mhz);
	if (out->total_mb && out->reserved_mb <= out->total_mb)
		out->mem_free_pct = (uint32_t)((out->total_mb - out->reserved_mb) *
					       100 / out->total_mb);
	out->cpu_left_pct = (int32_t)out->cpu_free_pct - (int32_t)cfg->cpu_pct;
	out->mem_left_pct = (int32_t)out->mem_free_pct - (int32_t)cfg->mem_pct;
	return SIM_OK;
}

/* The policy's verdict with vms[vm] counted as powered on. */
static int check_slots(const struct ha_adm_host *hosts, uint32_t nhosts,
		       const struct ha_adm_vm *vms, uint32_t nvms,
		       const struct ha_adm_config *cfg, uint32_t vm,
		       char *msg, size_t size)
{
	struct ha_slots s;
	int rc = ha_slots_compute(hosts, nhosts, vms, nvms, cfg, NULL, &s);
	char held[64] = "";

	if (rc != SIM_OK)
		return rc;
	if (s.available >= 0)
		return SIM_OK;
	for (uint32_t k = 0; k < 4 && s.held_back[k] != UINT32_MAX; k++) {
		size_t len = strlen(held);

		snprintf(held + len, sizeof held - len, "%s%s", k ? ", " : "",
			 hosts[s.held_back[k]].name ? hosts[s.held_back[k]].name : "?");
	}
	snprintf(msg, size,
		 "HA admission control (slots) refuses %s: a slot is %u MHz / %u MB; the hosts hold %u slots, %u held back for %u host failure%s (%s), %u usable, %u would be used: %lld available",
		 vms[vm].name ? vms[vm].name : "?", s.slot_cpu_mhz,
		 s.slot_mem_mb, s.total, s.total - s.usable, cfg->host_failures,
		 cfg->host_failures == 1 ? "" : "s", held, s.usable, s.used,
		 (long long)s.available);
	return SIM_ESTATE;
}

static int check_percent(const struct ha_adm_host *hosts, uint32_t nhosts,
			 const struct ha_adm_vm *vms, uint32_t nvms,
			 const struct ha_adm_config *cfg, uint32_t vm,
			 char *msg, size_t size)
{
	struct ha_percent p;

	ha_percent_compute(hosts, nhosts, vms, nvms, cfg, &p);
	/* exact: free * 100 >= pct * total, in integers */
	if (p.reserved_mhz <= p.total_mhz && p.reserved_mb <= p.total_mb &&
	    (p.total_mhz - p.reserved_mhz) * 100 >= (uint64_t)cfg->cpu_pct * p.total_mhz &&
	    (p.total_mb - p.reserved_mb) * 100 >= (uint64_t)cfg->mem_pct * p.total_mb)
		return SIM_OK;
	snprintf(msg, size,
		 "HA admission control (percentage) refuses %s: with it, %llu of %llu MHz and %llu of %llu MB would be reserved, leaving %u%% CPU and %u%% memory; %u%% and %u%% must stay free",
		 vms[vm].name ? vms[vm].name : "?",
		 (unsigned long long)p.reserved_mhz, (unsigned long long)p.total_mhz,
		 (unsigned long long)p.reserved_mb, (unsigned long long)p.total_mb,
		 p.cpu_free_pct, p.mem_free_pct, cfg->cpu_pct, cfg->mem_pct);
	return SIM_ESTATE;
}

int ha_admission_check(const struct ha_adm_host *hosts, uint32_t nhosts,
		       const struct ha_adm_vm *vms, uint32_t nvms,
		       const struct ha_adm_config *cfg, uint32_t vm,
		       uint32_t host, char *msg, size_t size)
{
	struct ha_adm_vm *with;
	int rc;

	if (vm >= nvms || host >= nhosts)
		return SIM_EINVAL;
	msg[0] = '\0';
	switch (cfg->policy) {
	case HA_ADMISSION_FAILOVER_HOST:
		if (host != cfg->failover_host)
			return SIM_OK;
		snprintf(msg, size,
			 "HA admission control (failover host) refuses %s on %s: it is the dedicated failover host, kept empty for restarts",
			 vms[vm].name ? vms[vm].name : "?",
			 hosts[host].name ? hosts[host].name : "?");
		return SIM_ESTATE;
	case HA_ADMISSION_SLOTS:
	case HA_ADMISSION_PERCENTAGE:
		break;
	default:
		return SIM_OK;
	}
	with = malloc(nvms * sizeof *with);
	if (with == NULL)
		return SIM_ENOMEM;
	memcpy(with, vms, nvms * sizeof *with);
	with[vm].powered_on = 1;
	with[vm].host = host;
	if (cfg->policy == HA_ADMISSION_SLOTS)
		rc = check_slots(hosts, nhosts, with, nvms, cfg, vm, msg, size);
	else
		rc = check_percent(hosts, nhosts, with, nvms, cfg, vm, msg, size);
	free(with);
	return rc;
}
