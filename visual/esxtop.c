/*
 * esxtop.c - CPU counters in esxtop's batch (CSV) format.  See esxtop.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "esxtop.h"
#include "status.h"
#include "vm.h"
#include "vmkernel/vmkernel_sched.h"
#include "vmkernel/world.h"

/*
 * The file is written at the end (esxtop_finish), because esxtop -b files
 * have one header for the whole file and the worlds of a scenario come and
 * go: the header is every column any sample had, in the order they first
 * appeared, and a sample leaves the columns it did not have empty.
 */
struct esxtop {
	struct sim *s;
	FILE *out;
	uint64_t interval, iterations, rows;
	uint64_t last_t;		/* time of the previous sample */
	struct world_times *prev;	/* per world, at last_t */
	int nprev;
	int *prev_counts;		/* each host's worlds then */
	int nprev_hosts;
	char **cols;			/* every column name seen */
	int ncols, capcols;
	struct sample *samples;		/* every row, kept until the end */
	int nsamples, capsamples;
	int written;			/* the file is out */
	int write_error;
};

struct sample {
	uint64_t t;			/* its time */
	double *v;			/* by column; NAN: not in this sample */
	int n;				/* columns when it was taken */
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
	x->interval = (interval_ns + VMKERNEL_QUANTUM_NS / 2) / VMKERNEL_QUANTUM_NS *
		      VMKERNEL_QUANTUM_NS;
	if (x->interval == 0)
		x->interval = VMKERNEL_QUANTUM_NS;
	x->iterations = iterations;
	x->last_t = sim_now_ns(s);
	*e = x;
	return SIM_OK;
}

void esxtop_destroy(struct esxtop *e)
{
	if (e == NULL)
		return;
	for (int i = 0; i < e->ncols; i++)
		free(e->cols[i]);
	free(e->cols);
	for (int i = 0; i < e->nsamples; i++)
		free(e->samples[i].v);
	free(e->samples);
	free(e->prev);
	free(e->prev_counts);
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

/* The index of column `name`, added if new; -1 if out of memory. */
static int column_index(struct esxtop *e, const char *name)
{
	for (int i = e->ncols - 1; i >= 0; i--)	/* usually the last few */
		if (strcmp(e->cols[i], name) == 0)
			return i;
	if (e->ncols == e->capcols) {
		int cap = e->capcols ? 2 * e->capcols : 256;
		char **grown = realloc(e->cols, (size_t)cap * sizeof *grown);

		if (grown == NULL)
			return -1;
		e->cols = grown;
		e->capcols = cap;
	}
	if ((e->cols[e->ncols] = strdup(name)) == NULL)
		return -1;
	return e->ncols++;
}

/* The row being built. */
struct building {
	double *v;
	int cap;
	int oom;
};

/* Set "\\host\Object(instance)\counter" to value in the row. */
static void put(struct esxtop *e, struct building *b, const char *host,
		const char *object, const char *instance, const char *counter,
		double value)
{
	char path[256];
	int i;

	snprintf(path, sizeof path, "\\\\%s\\%s(%s)\\%s", host, object,
		 instance, counter);
	if ((i = column_index(e, path)) < 0) {
		b->oom = 1;
		return;
	}
	if (i >= b->cap) {
		int cap = 2 * i + 64;
		double *grown = realloc(b->v, (size_t)cap * sizeof *grown);

		if (grown == NULL) {
			b->oom = 1;
			return;
		}
		for (int k = b->cap; k < cap; k++)
			grown[k] = NAN;
		b->v = grown;
		b->cap = cap;
	}
	b->v[i] = value;
}

/*
 * esxtop's CPU counters of a world or a group, from its times over the
 * sample (VMware, "Interpreting esxtop Statistics", section 2.2):
 *   %RUN   time scheduled on a pCPU, running its own work
 *   %SYS   VMKernel time spent on its behalf (interrupts, I/O)
 *   %USED  %RUN + %SYS - %OVRLP (ringside: no overlap, no frequency
 *          scaling or hyper-threading)
 *   %WAIT  blocked, %IDLE of it halted; %RDY ready without a pCPU, %MLMTD
 *          of it held back by a limit; %CSTP co-stopped, held back by the
 *          co-scheduler until its slowest sibling vCPU catches up.
 *          %RUN + %RDY + %CSTP + %WAIT = 100 per world.
 */
enum counter { C_USED, C_RUN, C_SYS, C_WAIT, C_IDLE, C_RDY, C_CSTP, C_MLMTD,
	       C_COUNT };

static const char *const counter_names[C_COUNT] = {
	"% Used", "% Run", "% System", "% Wait", "% Idle", "% Ready",
	"% CoStop", "% Max Limited",
};

static uint64_t counter(const struct world_times *t, enum counter c)
{
	switch (c) {
	case C_USED: return t->run + t->sys;
	case C_RUN: return t->run;
	case C_SYS: return t->sys;
	case C_WAIT: return t->wait;
	case C_IDLE: return t->idle;
	case C_RDY: return t->ready;
	case C_CSTP: return t->cstp;
	case C_MLMTD: return t->mlmtd;
	default: return 0;
	}
}

/* A percentage with esxtop's two decimals (the CSV's resolution). */
static double pct(uint64_t part, uint64_t whole)
{
	return whole ? round(10000.0 * (double)part / (double)whole) / 100.0
		     : 0.0;
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

/*
 * The group a world belongs to, as esxtop names groups: a VM's worlds are
 * the VM's group (its GID: 100 + the VM's id); the idle worlds are group
 * 1 "idle"; the service console (or the host OS) group 2 "system".
 */
static void group_of(const struct world *w, int *gid, char *name, size_t len)
{
	if (w->vm != NULL) {
		*gid = 100 + w->vm->id;
		snprintf(name, len, "%s", w->vm->name);
	} else if (w->kind == WORLD_IDLE) {
		*gid = 1;
		snprintf(name, len, "idle");
	} else {
		*gid = 2;
		snprintf(name, len, "system");
	}
}

/* A world's own name without its VM's (":vm1"): colons split instances. */
static void world_word(const struct world *w, char *out, size_t len)
{
	const char *colon = strchr(w->name, ':');
	size_t n = colon ? (size_t)(colon - w->name) : strlen(w->name);

	snprintf(out, len, "%.*s", (int)n, w->name);
}

/*
 * The time a world's percentages are of: its own accounted time over the
 * sample, which is the sample's length but for three cases: a world born
 * during the sample (less), and a vCPU whose clock ran a little past a
 * sample's end to finish an instruction (more in that sample, less in the
 * next).  Of its own time, %RUN + %RDY + %CSTP + %WAIT stays 100.
 */
static uint64_t life_of(const struct esxtop *e, const struct world_times *cur,
			int k, uint64_t span)
{
	uint64_t life = world_life(&cur[k]) - world_life(&e->prev[k]);

	return life ? life : span;
}

/*
 * Whether world k (wd) is in this sample: a live world is; a dead one
 * only if it lived part of the sample (a VM powered off during it: its
 * worlds did that VM's work, and their times stopped when they died, so
 * their percentages, of their own life, still add up).  A world dead
 * before the sample began is gone, as from esxtop's screen.
 */
static bool in_sample(const struct esxtop *e, const struct world_times *cur,
		      int k, const struct world *wd)
{
	return wd->state != WORLD_DEAD ||
	       world_life(&cur[k]) > world_life(&e->prev[k]);
}

/* One counter of world k over the sample, as a fraction of its life. */
static double share(const struct esxtop *e, const struct world_times *cur,
		    int k, uint64_t span, enum counter c)
{
	return (double)delta(cur, e->prev, k, c) /
	       (double)life_of(e, cur, k, span);
}

static void host_columns(struct esxtop *e, struct building *b,
			 struct host *host, const struct world_times *cur,
			 int first, uint64_t span)
{
	uint64_t busy_total = 0;
	char inst[128], gname[64], word[WORLD_NAME_MAX];

	/* a pCPU is busy for whatever its idle world did not run */
	for (int p = 0; p < host->cfg.pcpus; p++) {
		uint64_t idle = delta(cur, e->prev, first + p, C_RUN);
		uint64_t busy = span > idle ? span - idle : 0;

		busy_total += busy;
		snprintf(inst, sizeof inst, "%d", p);
		put(e, b, host->name, "Physical Cpu", inst, "% Util Time",
		    pct(busy, span));
	}
	put(e, b, host->name, "Physical Cpu", "_Total", "% Util Time",
	    pct(busy_total, span * (uint64_t)host->cfg.pcpus));
	/*
	 * Groups: the sums over their worlds.  A world gone before the
	 * sample began (in_sample) leaves its cells empty in this sample.
	 */
	for (int w = 0; w < host_world_count(host); w++) {
		struct world *wd = host_world(host, w);
		int gid, seen = 0;

		if (!in_sample(e, cur, first + w, wd))
			continue;
		group_of(wd, &gid, gname, sizeof gname);
		for (int o = 0; o < w; o++) {
			int g2;
			char n2[64];

			if (!in_sample(e, cur, first + o, host_world(host, o)))
				continue;
			group_of(host_world(host, o), &g2, n2, sizeof n2);
			seen |= g2 == gid;
		}
		if (seen)
			continue;
		snprintf(inst, sizeof inst, "%d:%s", gid, gname);
		for (int c = 0; c < C_COUNT; c++) {
			double sum = 0;

			for (int o = 0; o < host_world_count(host); o++) {
				int g2;
				char n2[64];

				if (!in_sample(e, cur, first + o, host_world(host, o)))
					continue;
				group_of(host_world(host, o), &g2, n2, sizeof n2);
				if (g2 == gid)
					sum += share(e, cur, first + o, span,
						     (enum counter)c);
			}
			/* the sum of its worlds' percentages, each of its life */
			put(e, b, host->name, "Group Cpu", inst,
			    counter_names[c], round(10000.0 * sum) / 100.0);
		}
	}
	/* each world, in its group: Vcpu(GID:Group:WID:World) */
	for (int w = 0; w < host_world_count(host); w++) {
		struct world *wd = host_world(host, w);
		int gid;

		if (!in_sample(e, cur, first + w, wd))
			continue;
		group_of(wd, &gid, gname, sizeof gname);
		world_word(wd, word, sizeof word);
		snprintf(inst, sizeof inst, "%d:%s:%d:%s", gid, gname, wd->id,
			 word);
		for (int c = 0; c < C_COUNT; c++)
			put(e, b, host->name, "Vcpu", inst, counter_names[c],
			    pct(delta(cur, e->prev, first + w, (enum counter)c),
				life_of(e, cur, first + w, span)));
	}
}

/*
 * New worlds since the last sample, counted from their start.  Worlds are
 * laid out host after host, and a host's new worlds come after its old
 * ones: a VM added to the first host moves every later host's worlds, so
 * each host's old counters move with them.
 */
static int regrow_prev(struct esxtop *e, int n)
{
	int nh = sim_host_count(e->s), old = 0, at = 0;
	struct world_times *grown = calloc((size_t)n + 1, sizeof *grown);
	int *counts = calloc((size_t)nh + 1, sizeof *counts);

	if (grown == NULL || counts == NULL) {
		free(grown);
		free(counts);
		return SIM_ENOMEM;
	}
	for (int h = 0; h < nh; h++) {
		int was = h < e->nprev_hosts ? e->prev_counts[h] : 0;

		if (was > 0)
			memcpy(grown + at, e->prev + old, (size_t)was * sizeof *grown);
		old += was;
		counts[h] = host_world_count(sim_host(e->s, h));
		at += counts[h];
	}
	free(e->prev);
	free(e->prev_counts);
	e->prev = grown;
	e->prev_counts = counts;
	e->nprev_hosts = nh;
	e->nprev = n;
	return SIM_OK;
}

/* Take the sample for (last_t, now]. */
static int row(struct esxtop *e, uint64_t now)
{
	int n = world_total(e->s), k = 0;
	uint64_t span = now - e->last_t;
	struct world_times *cur = calloc((size_t)n + 1, sizeof *cur);
	struct building b = { NULL, 0, 0 };

	if (cur == NULL)
		return SIM_ENOMEM;
	read_all(e, now, cur);
	if (e->prev == NULL || n != e->nprev) {
		if (regrow_prev(e, n) != SIM_OK) {
			free(cur);
			return SIM_ENOMEM;
		}
	}
	for (int h = 0; h < sim_host_count(e->s); h++) {
		struct host *host = sim_host(e->s, h);

		host_columns(e, &b, host, cur, k, span);
		k += host_world_count(host);
	}
	memcpy(e->prev, cur, (size_t)n * sizeof *cur);
	free(cur);
	if (!b.oom && e->nsamples == e->capsamples) {
		int cap = e->capsamples ? 2 * e->capsamples : 64;
		struct sample *grown = realloc(e->samples, (size_t)cap * sizeof *grown);

		if (grown == NULL)
			b.oom = 1;
		else {
			e->samples = grown;
			e->capsamples = cap;
		}
	}
	if (b.oom) {
		free(b.v);
		return SIM_ENOMEM;
	}
	e->samples[e->nsamples++] = (struct sample){ now, b.v, b.cap };
	e->last_t = now;
	e->rows++;
	return SIM_OK;
}

/*
 * The simulated epoch: simulated time 0 is 01/01/2007 00:00:00 UTC (the
 * year of ESX 3.5), so the time stamps read as esxtop's, MM/DD/YYYY
 * HH:MM:SS, and are the same on every run.
 */
#define EPOCH_UNIX 1167609600ll

static void stamp(struct esxtop *e, uint64_t t_ns)
{
	time_t t = (time_t)(EPOCH_UNIX + (long long)(t_ns / 1000000000ull));
	struct tm tm;
	char buf[48];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "\"%m/%d/%Y %H:%M:%S\"", &tm);
	text(e, buf);
}

/* The whole file: one header, then every sample. */
static void write_file(struct esxtop *e)
{
	char num[32];

	if (e->written)
		return;
	e->written = 1;
	text(e, "\"(PDH-CSV 4.0) (UTC)(0)\"");
	for (int i = 0; i < e->ncols; i++)
		cell(e, e->cols[i]);
	text(e, "\n");
	for (int r = 0; r < e->nsamples; r++) {
		const struct sample *sm = &e->samples[r];

		stamp(e, sm->t);
		for (int i = 0; i < e->ncols; i++) {
			if (i < sm->n && !isnan(sm->v[i])) {
				snprintf(num, sizeof num, "%.2f", sm->v[i]);
				cell(e, num);
			} else {
				cell(e, "");
			}
		}
		text(e, "\n");
	}
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
		/* as sim_run: idle once no guest runs and no part (a
		 * VMotion under way) has work left */
		if (t_ns == UINT64_MAX && !sim_guests_alive(e->s) &&
		    !sim_parts_busy(e->s)) {
			*why = SIM_STOP_IDLE;
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
	write_file(e);
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
