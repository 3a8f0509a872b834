/*
 * esxtop.c - CPU counters in esxtop's batch (CSV) format.  See esxtop.h.
 */
#include <stdlib.h>
#include <string.h>

#include "esxtop.h"
#include "status.h"
#include "vmkernel/vmkernel_sched.h"
#include "vmkernel/world.h"

/* The counters a column set shows, in esxtop's order and words. */
enum counter { C_USED, C_RUN, C_SYS, C_WAIT, C_IDLE, C_RDY, C_MLMTD, C_COUNT };

static const char *const counter_names[C_COUNT] = {
	"% Used", "% Run", "% System", "% Wait", "% Idle", "% Ready",
	"% Max Limited",
};

struct esxtop {
	struct sim *s;
	FILE *out;
	uint64_t interval, iterations, rows;
	uint64_t last_t;		/* time of the previous sample */
	struct world_times *prev;	/* per world, at last_t */
	int nprev;			/* ... and the header names them */
	int write_error;
};

static int world_total(struct sim *s)
{
	int n = 0;

	for (int h = 0; h < sim_host_count(s); h++)
		n += host_world_count(sim_host(s, h));
	return n;
}

int esxtop_create(struct sim *s, FILE *out, uint64_t interval_ns,
		  uint64_t iterations, struct esxtop **e)
{
	struct esxtop *x = calloc(1, sizeof *x);

	if (x == NULL)
		return SIM_ENOMEM;
	x->s = s;
	x->out = out;
	/* counters are exact only at quantum boundaries: whole quanta */
	x->interval = (interval_ns + VMK_QUANTUM_NS / 2) / VMK_QUANTUM_NS *
		      VMK_QUANTUM_NS;
	if (x->interval == 0)
		x->interval = VMK_QUANTUM_NS;
	x->iterations = iterations;
	x->last_t = sim_now_ns(s);
	*e = x;
	return SIM_OK;
}

void esxtop_destroy(struct esxtop *e)
{
	if (e == NULL)
		return;
	free(e->prev);
	free(e);
}

static void text(struct esxtop *e, const char *s)
{
	if (fputs(s, e->out) < 0)
		e->write_error = 1;
}

/* One CSV cell after a comma, quoted as esxtop quotes every cell. */
static void cell(struct esxtop *e, const char *s)
{
	text(e, ",\"");
	text(e, s);
	text(e, "\"");
}

/* One quoted column name: "\\host\Object(instance)\counter". */
static void column(struct esxtop *e, const char *host, const char *object,
		   const char *instance, const char *counter)
{
	char path[256];

	snprintf(path, sizeof path, "\\\\%s\\%s(%s)\\%s", host, object,
		 instance, counter);
	cell(e, path);
}

static void header(struct esxtop *e)
{
	char inst[96];

	text(e, "\"(PDH-CSV 4.0) (simulated seconds)(0)\"");
	for (int h = 0; h < sim_host_count(e->s); h++) {
		struct host *host = sim_host(e->s, h);

		for (int p = 0; p < host->cfg.pcpus; p++) {
			snprintf(inst, sizeof inst, "%d", p);
			column(e, host->name, "Physical Cpu", inst, "% Util Time");
		}
		for (int v = 0; v < host_vm_count(host); v++) {
			struct vm *vm = host_vm(host, v);

			snprintf(inst, sizeof inst, "%u:%s", vm->id, vm->name);
			for (int c = 0; c < C_COUNT; c++)
				column(e, host->name, "Group Cpu", inst,
				       counter_names[c]);
		}
		for (int w = 0; w < host_world_count(host); w++) {
			struct world *wd = host_world(host, w);

			snprintf(inst, sizeof inst, "%d:%s", wd->id, wd->name);
			for (int c = 0; c < C_COUNT; c++)
				column(e, host->name, "World Cpu", inst,
				       counter_names[c]);
		}
	}
	text(e, "\n");
}

static uint64_t counter(const struct world_times *t, enum counter c)
{
	switch (c) {
	case C_USED: case C_RUN: return t->run;
	case C_SYS: return t->sys;
	case C_WAIT: return t->wait;
	case C_IDLE: return t->idle;
	case C_RDY: return t->ready;
	case C_MLMTD: return t->mlmtd;
	default: return 0;
	}
}

static void value(struct esxtop *e, uint64_t part, uint64_t whole)
{
	char num[32];

	snprintf(num, sizeof num, "%.2f",
		 whole ? 100.0 * (double)part / (double)whole : 0.0);
	cell(e, num);
}

/* The counters of every world now, into cur (world_total entries). */
static void read_all(struct esxtop *e, uint64_t now, struct world_times *cur)
{
	int k = 0;

	for (int h = 0; h < sim_host_count(e->s); h++) {
		struct host *host = sim_host(e->s, h);

		for (int w = 0; w < host_world_count(host); w++)
			world_times_at(host_world(host, w), now, &cur[k++]);
	}
}

static uint64_t delta(const struct world_times *cur,
		      const struct world_times *prev, int k, enum counter c)
{
	return counter(&cur[k], c) - counter(&prev[k], c);
}

/* Print the row for (last_t, now]. */
static int row(struct esxtop *e, uint64_t now)
{
	int n = world_total(e->s), k = 0;
	uint64_t span = now - e->last_t;
	struct world_times *cur = calloc((size_t)n + 1, sizeof *cur);
	char stamp[48];

	if (cur == NULL)
		return SIM_ENOMEM;
	read_all(e, now, cur);
	if (e->prev == NULL || n != e->nprev) {
		/* new worlds since the header (a VM was added): a new one,
		 * their counters counted from their start */
		struct world_times *grown = realloc(e->prev, (size_t)(n + 1) * sizeof *grown);

		if (grown == NULL) {
			free(cur);
			return SIM_ENOMEM;
		}
		if (n > e->nprev)
			memset(grown + e->nprev, 0,
			       (size_t)(n - e->nprev) * sizeof *grown);
		e->prev = grown;
		e->nprev = n;
		header(e);
	}
	snprintf(stamp, sizeof stamp, "\"%llu.%06llu\"",
		 (unsigned long long)(now / 1000000000ull),
		 (unsigned long long)(now % 1000000000ull / 1000));
	text(e, stamp);
	for (int h = 0; h < sim_host_count(e->s); h++) {
		struct host *host = sim_host(e->s, h);
		int first = k;

		/* a pCPU is busy for whatever its idle world did not run */
		for (int p = 0; p < host->cfg.pcpus; p++) {
			uint64_t idle = delta(cur, e->prev, first + p, C_RUN);

			value(e, span > idle ? span - idle : 0, span);
		}
		for (int v = 0; v < host_vm_count(host); v++) {
			struct vm *vm = host_vm(host, v);

			for (int c = 0; c < C_COUNT; c++) {
				uint64_t sum = 0;

				for (int w = 0; w < host_world_count(host); w++)
					if (host_world(host, w)->vm == vm)
						sum += delta(cur, e->prev,
							     first + w, (enum counter)c);
				value(e, sum, span);
			}
		}
		for (int w = 0; w < host_world_count(host); w++, k++)
			for (int c = 0; c < C_COUNT; c++)
				value(e, delta(cur, e->prev, k, (enum counter)c),
				      span);
	}
	text(e, "\n");
	memcpy(e->prev, cur, (size_t)n * sizeof *cur);
	free(cur);
	e->last_t = now;
	e->rows++;
	return SIM_OK;
}

int esxtop_run_until(struct esxtop *e, uint64_t t_ns, uint64_t max_insns,
		     enum sim_stop *why)
{
	uint64_t before = sim_insns(e->s);
	int rc = SIM_OK;

	*why = SIM_STOP_TIME;
	while (rc == SIM_OK && !esxtop_done(e)) {
		uint64_t next = e->last_t + e->interval, ran;

		if (next > t_ns)
			next = t_ns;
		ran = sim_insns(e->s) - before;
		if (ran >= max_insns) {
			*why = SIM_STOP_BUDGET;
			break;
		}
		if (t_ns == UINT64_MAX && !sim_guests_alive(e->s)) {
			*why = SIM_STOP_IDLE;	/* watching guests: all done */
			break;
		}
		rc = sim_run_until(e->s, next, max_insns - ran, why);
		if (rc != SIM_OK)
			break;
		if (*why == SIM_STOP_TIME && sim_now_ns(e->s) >= e->last_t + e->interval) {
			rc = row(e, sim_now_ns(e->s));
			continue;
		}
		if (*why != SIM_STOP_TIME)
			break;		/* budget, idle, or asked to stop */
		if (sim_now_ns(e->s) >= t_ns)
			break;
	}
	if (esxtop_done(e))
		*why = SIM_STOP_TIME;
	if (fflush(e->out) != 0)
		e->write_error = 1;
	return rc;
}

int esxtop_finish(struct esxtop *e)
{
	int rc = SIM_OK;

	/* the world stopped between two samples: a last, shorter one */
	if (!esxtop_done(e) && sim_now_ns(e->s) > e->last_t)
		rc = row(e, sim_now_ns(e->s));
	if (fflush(e->out) != 0)
		e->write_error = 1;
	return rc;
}

uint64_t esxtop_rows(const struct esxtop *e)
{
	return e->rows;
}

int esxtop_done(const struct esxtop *e)
{
	return e->iterations != 0 && e->rows >= e->iterations;
}

int esxtop_write_error(const struct esxtop *e)
{
	return e->write_error;
}
