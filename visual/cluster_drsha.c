/*
 * cluster_drsha.c - DRS and HA on the Cluster view, as text (see
 * cluster_drsha.h).
 */
#include <stdio.h>
#include <string.h>

#include "cluster/drs_cluster.h"
#include "cluster/drs_ha_trace.h"
#include "cluster/ha_cluster.h"
#include "cluster_drsha.h"
#include "sim.h"

#define HA_STEPS 5		/* the latest HA steps shown */

/* "DRS: imbalance 0.122, target 0.115 (threshold 3)" and the moves. */
static int drs_lines(struct cluster *c, bool keys, char lines[][BOARD_LINE],
		     int *roles, int max)
{
	const struct drs_plan *p = drs_cluster_last(c);
	double target, imb = drs_cluster_imbalance(c, &target);
	int n = 0;

	if (p == NULL || max < 1)
		return 0;
	snprintf(lines[n], BOARD_LINE,
		 "DRS: imbalance %.3f, target %.3f: %s; last pass %zu move%s%s",
		 imb, target, imb > target ? "unbalanced" : "balanced",
		 p->nmoves, p->nmoves == 1 ? "" : "s",
		 p->nmoves && keys ? " (D applies the first; :drs-apply N another)" : "");
	roles[n++] = 0;
	for (size_t i = 0; i < p->nmoves && n < max && i < 3; i++) {
		snprintf(lines[n], BOARD_LINE, "  %zu. priority %d: %.*s", i + 1,
			 p->moves[i].priority, BOARD_LINE - 24, p->moves[i].reason);
		roles[n++] = 0;
	}
	return n;
}

/* "HA: master esx4" and its latest steps, newest last. */
static int ha_lines(struct sim *s, struct cluster *c, char lines[][BOARD_LINE],
		    int *roles, int max)
{
	struct ha *ha = ha_cluster_ha(c);
	const struct event_log *log = sim_events(s);
	const struct event *steps[HA_STEPS];
	int n = 0, k = 0;

	if (ha == NULL || max < 1)
		return 0;
	for (size_t i = event_log_count(log); i-- > 0 && k < HA_STEPS;) {
		const struct event *e = event_log_at(log, i);

		if (e->kind == EV_HA && e->u.ha.cluster == cluster_index(c))
			steps[k++] = e;
	}
	/* one master per side of a partition: name each once */
	snprintf(lines[n], BOARD_LINE, "HA: master");
	for (int h = 0, shown = 0; h < cluster_host_count(c); h++) {
		uint32_t m = ha_master(ha, (uint32_t)h);
		size_t len = strlen(lines[n]);

		if ((int)m != h)
			continue;
		snprintf(lines[n] + len, BOARD_LINE - len, "%s %s",
			 shown++ ? "," : "", cluster_host(c, h)->host->name);
	}
	if (strcmp(lines[n], "HA: master") == 0)
		snprintf(lines[n], BOARD_LINE, "HA: no master yet (electing)");
	roles[n++] = 0;
	while (k-- > 0 && n < max) {
		char text[BOARD_LINE];

		drs_ha_trace_text(s, steps[k], text, sizeof text);
		snprintf(lines[n], BOARD_LINE, "  %8.1f s  %.*s",
			 (double)steps[k]->t_ns / 1e9, BOARD_LINE - 32, text);
		roles[n++] = steps[k]->u.ha.action == HA_HOST_FAILED ||
			     steps[k]->u.ha.action == HA_DEAD ||
			     steps[k]->u.ha.action == HA_REFUSED ||
			     steps[k]->u.ha.action == HA_LOCK_LOST ||
			     steps[k]->u.ha.action == HA_GAVE_UP;
	}
	return n;
}

int drsha_board_lines(struct sim *s, struct cluster *c, bool keys,
		      char lines[][BOARD_LINE], int *roles, int max)
{
	int n = drs_lines(c, keys, lines, roles, max);

	return n + ha_lines(s, c, lines + n, roles + n, max - n);
}

int drsha_apply(struct sim *s, int n, char *msg, size_t size)
{
	struct cluster *c = cluster_of_world(s, 0);
	const struct drs_plan *p = c ? drs_cluster_last(c) : NULL;
	char err[GUEST_ERR_MAX];
	struct drs_move m;

	if (p == NULL || p->nmoves == 0) {
		snprintf(msg, size, "No DRS recommendation to apply (DRS has not recommended a move).");
		return -1;
	}
	if (n < 1 || (size_t)n > p->nmoves) {
		snprintf(msg, size, "DRS made %zu recommendation%s: apply 1..%zu.",
			 p->nmoves, p->nmoves == 1 ? "" : "s", p->nmoves);
		return -1;
	}
	m = p->moves[n - 1];	/* the plan may change under the move */
	if (drs_cluster_apply(c, &m, err) != 0) {
		snprintf(msg, size, "DRS recommendation %d not applied: %s", n, err);
		return -1;
	}
	snprintf(msg, size, "Applied: %.*s (a VMotion, now under way).",
		 (int)size - 40, m.reason);
	return 0;
}
