/*
 * drs_ha_trace.h - EV_DRS and EV_HA events as trace fields and as English
 * (trace.c calls these for the two kinds).
 */
#ifndef SIM_CLUSTER_DRS_HA_TRACE_H
#define SIM_CLUSTER_DRS_HA_TRACE_H

#include "trace.h"

struct sim;

/* The fields after the common ones, in trace order. */
void drs_ha_trace_fields(struct sim *s, const struct event *ev,
			 trace_field_fn *fn, void *ctx);

/* One line of English (no time or VM prefix). */
void drs_ha_trace_text(struct sim *s, const struct event *ev, char *buf,
		       size_t size);

#endif
