/*
 * play_headless.c - a scenario played to the end without a screen, for a
 * grader, a CI job, or a student reading along in a terminal.
 *
 * Plain output (stdout): the narration as paragraphs, the guests' output
 * ("  vm1 | hello"), notable events ("  * ..." : power, host, VMX
 * bootstrap), every expect ("  ok" / "  FAIL" with file:line), and a
 * verdict.  pause() does nothing here.
 *
 * --trace=jsonl (to stdout): one JSON object per line instead: every event
 * as the trace writes it, and the scenario's own records between them:
 *   {"kind":"say","t_ns":..,"where":"scenarios/tour.lua:12","text":".."}
 *   {"kind":"print",..}  {"kind":"pause","t_ns":..}
 *   {"kind":"expect","t_ns":..,"ok":true,"where":"..","text":".."}
 *   {"kind":"error","text":"scenarios/x.lua:3: ..."}          (if any)
 *   {"kind":"summary","scenario":"tour","expects":12,"failed":0,
 *    "status":0,"t_ns":..,"insns":..}                          (last)
 * --trace=text writes every event in English among the plain output;
 * --trace-file F sends either trace to F and keeps the plain output.
 *
 * Exit status: 0 every expect held; 1 one failed; 2 the script failed.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "cluster/drs_cluster.h"
#include "cluster/ha.h"
#include "cluster_board.h"
#include "command.h"
#include "esxtop.h"
#include "files.h"
#include "headless.h"
#include "play.h"
#include "status.h"
#include "trace.h"

#define WRAP 76			/* narration is wrapped to this width */
#define SLICE 100000000ull	/* guest instructions per run slice */

struct hplay {
	struct scenario *sc;
	struct sim *sim;
	const struct options *opt;
	FILE *trace;		/* every event goes here, or NULL */
	struct outfile trace_file;	/* --trace-file, until complete */
	bool visible;		/* stdout is a terminal: show control bytes */
	bool json;		/* ... as JSON (else English) */
	bool plain;		/* narration and notable events on stdout */
	bool write_error;
	struct esxtop *esx;	/* --esxtop: stdout is its CSV */
	int refused;		/* tui() commands the TUI does not have */
};

/* ---- output ---------------------------------------------------------------- */

static void out(struct hplay *h, FILE *f, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void out(struct hplay *h, FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vfprintf(f, fmt, ap) < 0)
		h->write_error = true;
	va_end(ap);
}

/*
 * Narration: one line per paragraph (say() reflows it), each wrapped to
 * WRAP columns and indented by `indent`; a line starting with a space is
 * verbatim (a quoted line of guest output) and is not wrapped.
 */
static void wrapped(struct hplay *h, const char *text, int indent)
{
	const char *p = text;

	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t para = nl ? (size_t)(nl - p) : strlen(p);
		const char *q = p;

		if (para == 0 || *p == ' ')
			out(h, stdout, "%*s%.*s\n", para ? indent : 0, "", (int)para, p);
		while (para > 0 && *p != ' ') {
			size_t take = para, cut;

			if (take > (size_t)(WRAP - indent)) {
				take = (size_t)(WRAP - indent);
				for (cut = take; cut > 0 && q[cut] != ' '; cut--)
					;
				if (cut > 0)
					take = cut;
			}
			out(h, stdout, "%*s%.*s\n", indent, "", (int)take, q);
			q += take;
			para -= take;
			while (para > 0 && *q == ' ') {
				q++;
				para--;
			}
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

/* A JSON string literal for the scenario's own records. */
static const char *jstr(const char *s, char *buf, size_t size)
{
	trace_json_string(s, strlen(s), buf, size);
	return buf;
}

/* The text and device of an output event, read as the trace reads them. */
struct output_fields {
	const char *text;
	size_t len;
	const char *device;
};

static void output_field(void *ctx, const struct trace_field *f)
{
	struct output_fields *o = ctx;

	if (f->key && strcmp(f->key, "text") == 0) {
		o->text = f->str;
		o->len = f->len;
		/* the callback's strings live until it returns: print now */
	} else if (f->key && strcmp(f->key, "device") == 0) {
		o->device = f->str;
	}
}

static void print_output(struct hplay *h, const struct event *ev)
{
	struct output_fields o = { "", 0, NULL };
	struct vm *vm = sim_vm(h->sim, ev->vm);
	size_t len;

	trace_fields(h->sim, ev, output_field, &o);
	len = o.len && o.text[o.len - 1] == '\n' ? o.len - 1 : o.len;
	out(h, stdout, "  %s%s%s | ", vm ? vm->name : "-",
	    o.device ? " " : "", o.device ? o.device : "");
	headless_put_guest(stdout, o.text, len, h->visible);
	out(h, stdout, "\n");
}

static void show_line(struct hplay *h, const struct scenario_line *l);

/*
 * Lines the script queued before this event come first: print() and
 * expect() do not yield, so their lines wait in the queue while the
 * script goes on acting (add_vm, logoff...) and making events.
 */
static void show_lines(struct hplay *h)
{
	struct scenario_line line;

	while (scenario_next_line(h->sc, &line))
		show_line(h, &line);
}

/*
 * The Cluster view's picture is printed after each VMotion, each DRS
 * pass (its recommendations) and each HA restart priority done (the VMs
 * back so far), as the TUI would show it then.
 */
static bool board_due(const struct event *ev)
{
	return (ev->kind == EV_CLUSTER &&
		ev->u.cluster.action == CL_VMOTION_DONE) ||
	       (ev->kind == EV_DRS && ev->u.drs.action == DRS_PASS) ||
	       (ev->kind == EV_HA && ev->u.ha.action == HA_PRIORITY_DONE);
}

static int board_cluster(const struct event *ev)
{
	return ev->kind == EV_CLUSTER ? ev->u.cluster.cluster :
	       ev->kind == EV_DRS ? ev->u.drs.cluster : ev->u.ha.cluster;
}

static void on_event(void *ctx, const struct event *ev)
{
	struct hplay *h = ctx;
	char line[TRACE_LINE_MAX];

	show_lines(h);

	if (h->trace) {
		if (h->json)
			trace_json(h->sim, ev, line, sizeof line);
		else
			trace_text(h->sim, ev, line, sizeof line);
		out(h, h->trace, "%s\n", line);
	}
	if (!h->plain)
		return;
	if (ev->kind == EV_SERIAL) {
		print_output(h, ev);
	} else if ((ev->kind == EV_POWER || ev->kind == EV_HOST ||
		    ev->kind == EV_CLUSTER || ev->kind == EV_DRS ||
		    ev->kind == EV_HA ||
		    ev->kind == EV_VMX) && h->trace != stdout) {
		const char *p = line;

		trace_text(h->sim, ev, line, sizeof line);
		while (*p == ' ')
			p++;
		out(h, stdout, "  * %s\n", p);
		/* the Cluster view's picture, as text, after each VMotion */
		if (board_due(ev))
			board_print(cluster_of_world(h->sim, board_cluster(ev)),
				    ev->t_ns, stdout);
	}
}

/* ---- the scenario's own lines ----------------------------------------------- */

static void show_line(struct hplay *h, const struct scenario_line *l)
{
	static const char *const kinds[] = {
		[LINE_SAY] = "say", [LINE_PRINT] = "print",
		[LINE_EXPECT_OK] = "expect", [LINE_EXPECT_FAILED] = "expect",
		[LINE_COMMAND] = "tui",
	};
	char text[4096], where[600];

	if (h->json && h->trace) {
		out(h, h->trace, "{\"kind\":\"%s\",\"t_ns\":%llu,", kinds[l->kind],
		    (unsigned long long)l->t_ns);
		if (l->kind == LINE_EXPECT_OK || l->kind == LINE_EXPECT_FAILED)
			out(h, h->trace, "\"ok\":%s,",
			    l->kind == LINE_EXPECT_OK ? "true" : "false");
		out(h, h->trace, "\"where\":%s,", jstr(l->where, where, sizeof where));
		out(h, h->trace, "\"text\":%s}\n", jstr(l->text, text, sizeof text));
	}
	if (!h->plain) {
		if (l->kind == LINE_EXPECT_FAILED)	/* never silent */
			fprintf(stderr, "ringside: FAIL %s: %s\n", l->where, l->text);
		return;
	}
	switch (l->kind) {
	case LINE_SAY:
		out(h, stdout, "\n");
		wrapped(h, l->text, 0);
		break;
	case LINE_PRINT:
		wrapped(h, l->text, 2);
		break;
	case LINE_EXPECT_OK:
		out(h, stdout, "  ok    %s (%s)\n", l->text, l->where);
		break;
	case LINE_EXPECT_FAILED:
		out(h, stdout, "  FAIL  %s (%s)\n", l->text, l->where);
		break;
	case LINE_COMMAND: {
		/* the TUI's business; but a name it lacks is a broken lesson */
		char name[64];

		snprintf(name, sizeof name, "%.*s", (int)strcspn(l->text, " "), l->text);
		if (command_find(name) == NULL) {
			out(h, stdout, "  FAIL  tui(\"%s\"): the TUI has no command '%s' (%s)\n",
			    l->text, name, l->where);
			h->refused++;
		}
		break;
	}
	}
}

/* ---- playing --------------------------------------------------------------- */

static int open_trace(struct hplay *h)
{
	const struct options *opt = h->opt;
	char err[PATH_MAX + 64];

	h->plain = true;
	if (opt->trace == TRACE_NONE)
		return 0;
	h->json = opt->trace == TRACE_JSONL;
	if (opt->trace_file == NULL) {
		h->trace = stdout;
		h->plain = !h->json;	/* JSON on stdout is all there is */
		return 0;
	}
	if (files_create(&h->trace_file, opt->trace_file, err, sizeof err) != 0) {
		fprintf(stderr, "ringside: %s\n", err);
		return -1;
	}
	h->trace = h->trace_file.f;
	return 0;
}

/*
 * --esxtop: the scenario's runs go through the sampler, which prints a
 * row at every interval boundary they cross (once it has printed all the
 * rows asked for, the world just runs).
 */
static int esx_runner(void *ctx, uint64_t max_insns, uint64_t until_ns,
		      enum sim_stop *why)
{
	struct hplay *h = ctx;

	if (esxtop_done(h->esx))
		return until_ns ? sim_run_until(h->sim, until_ns, max_insns, why)
				: sim_run(h->sim, max_insns, why);
	return esxtop_run_until(h->esx, until_ns ? until_ns : UINT64_MAX,
				max_insns, why);
}

/* The VMs' serial output that no newline ended when the scenario did. */
static void show_partial_lines(struct hplay *h)
{
	for (int id = 0; h->plain && id < sim_vm_count(h->sim); id++) {
		struct vm *vm = sim_vm(h->sim, id);
		size_t len;
		const char *tail = vm ? headless_partial_line(vm, &len) : NULL;

		if (vm != NULL)
			headless_print_dropped(vm);
		if (tail == NULL)
			continue;
		out(h, stdout, "  %s | ", vm->name);
		headless_put_guest(stdout, tail, len, h->visible);
		out(h, stdout, "\n");
	}
}

/* Play until the script ends; returns its final state. */
static enum scenario_state play(struct hplay *h)
{
	enum scenario_state st;
	bool done;

	for (;;) {
		st = scenario_resume(h->sc);
		show_lines(h);
		if (st == SCENARIO_DONE || st == SCENARIO_FAILED ||
		    headless_signal())
			return st;
		if (st == SCENARIO_PAUSE && h->json && h->trace)
			out(h, h->trace, "{\"kind\":\"pause\",\"t_ns\":%llu}\n",
			    (unsigned long long)sim_now_ns(h->sim));
		if (st != SCENARIO_RUN)
			continue;
		do {
			scenario_run_slice(h->sc, SLICE,
					   h->esx ? esx_runner : NULL, h, &done);
		} while (!done && !headless_signal() &&
			 !(h->esx && esxtop_done(h->esx)));
		/* --iterations N: the run ends with its Nth sample, as esxtop -n */
		if (headless_signal() || (h->esx && esxtop_done(h->esx)))
			return st;
	}
}

static void verdict(struct hplay *h, enum scenario_state st, int status)
{
	char text[SCENARIO_ERR_MAX + 64];
	int failed, expects = scenario_expects(h->sc, &failed);
	double ms = (double)sim_now_ns(h->sim) / 1e6;

	if (st == SCENARIO_FAILED)
		fprintf(stderr, "ringside: %s\n", scenario_error(h->sc));
	if (h->json && h->trace) {
		if (st == SCENARIO_FAILED)
			out(h, h->trace, "{\"kind\":\"error\",\"text\":%s}\n",
			    jstr(scenario_error(h->sc), text, sizeof text));
		out(h, h->trace, "{\"kind\":\"summary\",\"scenario\":%s,\"expects\":%d,\"failed\":%d,\"status\":%d,\"t_ns\":%llu,\"insns\":%llu}\n",
		    jstr(scenario_name(h->sc), text, sizeof text), expects, failed,
		    status, (unsigned long long)sim_now_ns(h->sim),
		    (unsigned long long)sim_insns(h->sim));
	}
	if (!h->plain || h->opt->quiet)
		return;
	out(h, stdout, "\n== %s: %d expect%s, %s (%.3f ms simulated, %llu guest instructions)\n",
	    scenario_name(h->sc), expects, expects == 1 ? "" : "s",
	    st == SCENARIO_FAILED ? "stopped by a script error" :
	    failed ? "SOME FAILED" : "all held", ms,
	    (unsigned long long)sim_insns(h->sim));
}

/*
 * The trace is complete under its temporary name; its target may not be
 * a file the scenario read (a guest, a Lua file it required: known only
 * now, scenario_reads), which the rename would destroy.  True, with the
 * file named, if it is one.
 */
static bool refuse_input_output(const struct hplay *h)
{
	const char *what;

	if (h->opt->trace_file == NULL ||
	    (what = scenario_reads(h->sc, h->opt->trace_file)) == NULL)
		return false;
	fprintf(stderr, "ringside: --trace-file %s is a %s the scenario read: writing it would destroy it; the trace was not written: give another file\n",
		h->opt->trace_file, what);
	return true;
}

int play_headless(const struct options *opt, const char *path)
{
	struct hplay h = { .opt = opt, .visible = isatty(STDOUT_FILENO) };
	unsigned mask = EVENT_MASK_ALL & ~EVENT_MASK(EV_INSN);
	char desc[200];
	enum scenario_state st;
	int status, failed;

	if (open_trace(&h) != 0)
		return EXIT_USAGE;
	h.sc = play_open(opt, path);
	if (h.sc == NULL) {
		files_abandon(&h.trace_file);
		return EXIT_USAGE;
	}
	h.sim = scenario_sim(h.sc);
	headless_catch_signals(h.sim, h.sc);
	if (opt->esxtop) {
		h.plain = false;	/* stdout is the CSV's */
		if (esxtop_create(h.sim, stdout, opt->interval_ns,
				  opt->iterations, &h.esx) != SIM_OK) {
			files_abandon(&h.trace_file);
			scenario_close(h.sc);
			return EXIT_USAGE;
		}
	}
	if (opt->trace_insns)
		mask |= EVENT_MASK(EV_INSN);
	event_log_subscribe(sim_events(h.sim), mask, on_event, &h);
	if (h.plain && !opt->quiet) {
		play_describe(scenario_file(h.sc), desc, sizeof desc);
		out(&h, stdout, "== %s%s%s\n", scenario_name(h.sc),
		    desc[0] ? ": " : "", desc);
	}
	st = play(&h);
	show_partial_lines(&h);
	if (h.esx) {
		esxtop_finish(h.esx);
		h.write_error |= esxtop_write_error(h.esx) != 0;
		esxtop_destroy(h.esx);
	}
	scenario_expects(h.sc, &failed);
	status = st == SCENARIO_FAILED ? EXIT_USAGE :
		 failed || h.refused ? EXIT_GUEST_FAILED : 0;
	verdict(&h, st, status);
	if (refuse_input_output(&h)) {
		files_abandon(&h.trace_file);
		status = EXIT_USAGE;
	} else if (files_commit(&h.trace_file) != 0) {
		h.write_error = true;
	}
	if (h.write_error) {
		if (!ferror(stdout))	/* (stdout's own is said below) */
			fprintf(stderr, "ringside: could not write the trace\n");
		status = EXIT_USAGE;
	}
	headless_catch_signals(NULL, NULL);
	scenario_close(h.sc);
	return headless_exit_status(status);
}
