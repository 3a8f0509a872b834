/*
 * esxtop.h - the worlds' CPU counters as esxtop's batch mode prints them.
 *
 * `esxtop -b` on an ESX host writes one CSV row per sample: a time stamp,
 * then one column per counter, each named like a Windows performance
 * counter path ("\\esx0\Group Cpu(1:vm0)\% Ready").  ringside prints the
 * same shape from simulated time: per host, the physical CPUs' utilization,
 * then for each VM group and each world %USED %RUN %SYS %WAIT %IDLE %RDY
 * %CSTP %MLMTD over the sample's interval (world.h says what each means).
 *
 * The sampler drives the simulation: esxtop_run_until() runs the world to
 * each sample boundary in turn (counters can only be read exactly at a
 * quantum boundary), printing a row at each.
 */
#ifndef VISUAL_ESXTOP_H
#define VISUAL_ESXTOP_H

#include <stdint.h>
#include <stdio.h>

#include "sim.h"

struct esxtop;

/*
 * Sample every interval_ns of simulated time (rounded to whole quanta,
 * at least one), iterations rows at most (0 = no limit), onto out.
 */
int esxtop_create(struct sim *s, FILE *out, uint64_t interval_ns,
		  uint64_t iterations, struct esxtop **e);
void esxtop_destroy(struct esxtop *e);

/*
 * sim_run_until(t_ns), printing a row at every sample boundary on the way.
 * t_ns UINT64_MAX: until the guests are done (SIM_STOP_IDLE) or the
 * budget is spent, like sim_run.  *why as for sim_run; SIM_STOP_TIME also
 * when the iteration count is reached.
 */
int esxtop_run_until(struct esxtop *e, uint64_t t_ns, uint64_t max_insns,
		     enum sim_stop *why);

/* The end: a last, shorter row if time passed since the last one. */
int esxtop_finish(struct esxtop *e);

/* Rows printed so far; and whether the iteration count is reached. */
uint64_t esxtop_rows(const struct esxtop *e);
int esxtop_done(const struct esxtop *e);

/* A write to out failed (disk full, closed pipe). */
int esxtop_write_error(const struct esxtop *e);

#endif
