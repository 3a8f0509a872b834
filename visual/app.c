/*
 * app.c - the TUI's state, its runs and its animation (see app.h).
 *
 * Three ways of running, by speed:
 *   slow (up to APP_SLOW_IPS per second): one recorded step per period,
 *     each animated hop by hop, breakpoints checked by decoding the next
 *     instruction before stepping;
 *   fast (up to a million per second): about 30 ticks a second, each
 *     running the instructions owed since the last; the last instruction
 *     is recorded only up to APP_RECORD_IPS;
 *   free: chunks sized to take about 25 ms of wall time, so keys are read
 *     and the screen is drawn between them.
 * Breakpoints and the quiz make a run watch every instruction (EV_INSN),
 * which costs speed; without them free run never asks for EV_INSN.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "explain.h"
#include "play.h"
#include "status.h"
#include "term.h"

const uint32_t app_speeds[APP_SPEED_COUNT] = {
	1, 2, 5, 10, 20, 50, 100, 1000, 10000, 100000, 1000000, 0
};

#define HOP_MS 200		/* one hop of a stepped instruction's path */
#define TICK_MS 33		/* fast speeds: about 30 ticks a second */
#define FREE_TICK_MS 25		/* free run: wall time per chunk */
#define NEXT_SYNC 2000000u	/* "next trap": instructions searched at once */
#define CHUNK_MIN 1000u
#define CHUNK_MAX 100000000u

static const char *const view_names[VIEW_COUNT] = {
	[VIEW_CPU] = "CPU", [VIEW_ARCH] = "Architecture",
	[VIEW_WORLDS] = "Worlds", [VIEW_XLAT] = "Translation",
	[VIEW_LOG] = "Log", [VIEW_HELP] = "Help", [VIEW_CLUSTER] = "Cluster",
	[VIEW_VMCS] = "VMCS",
};

const char *view_name(enum view_id v)
{
	return (unsigned)v < VIEW_COUNT ? view_names[v] : "?";
}

static uint64_t monotonic_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

/* The app around a session (taken over even on failure). */
static int app_new(struct session *sess, struct app **out, char *err,
		   int errlen)
{
	struct app *a = calloc(1, sizeof *a);

	if (a == NULL) {
		session_destroy(sess);
		snprintf(err, (size_t)errlen, "out of memory");
		return SIM_ENOMEM;
	}
	a->sess = sess;
	a->speed = APP_SPEED_DEFAULT;
	a->mode_tried = sess->cfg.mode;
	a->chunk = 100000;
	a->clock_ms = monotonic_ms;
	a->dirty = true;
	app_message(a, false, "Welcome: s steps one instruction, n runs to the next trap, ? lists every key.");
	*out = a;
	return SIM_OK;
}

int app_create(const struct vm_config *cfg, struct app **out, char *err,
	       int errlen)
{
	struct session *sess;
	int rc = session_create(cfg, &sess, err, errlen);

	return rc != SIM_OK ? rc : app_new(sess, out, err, errlen);
}

int app_attach(struct sim *sim, struct vm *vm, struct app **out, char *err,
	       int errlen)
{
	struct session *sess;
	int rc = session_attach(sim, vm, &sess, err, errlen);

	return rc != SIM_OK ? rc : app_new(sess, out, err, errlen);
}

void app_destroy(struct app *a)
{
	if (a == NULL)
		return;
	session_destroy(a->sess);
	free(a);
}

void app_message(struct app *a, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->msg, sizeof a->msg, fmt, ap);
	va_end(ap);
	a->msg_error = error;
	a->dirty = true;
}

uint32_t app_speed_ips(const struct app *a)
{
	return app_speeds[a->speed];
}

bool app_running_fast(const struct app *a)
{
	uint32_t ips = app_speed_ips(a);

	return a->running && (a->until_trap || ips == 0 || ips > APP_SLOW_IPS);
}

/* ---- the animation ------------------------------------------------------ */

static void anim_tick(struct app *a, uint64_t now)
{
	const struct step_record *r = &a->sess->last;
	struct anim *an = &a->anim;
	uint32_t ips = app_speed_ips(a);

	if (an->gen != a->sess->last_gen) {
		an->gen = a->sess->last_gen;
		an->nhops = r->valid ? path_hops((enum insn_path)r->insn.u.insn.path,
						 an->hop) : 0;
		an->hop_ms = HOP_MS;
		if (a->running && !app_running_fast(a) && ips > 0)
			an->hop_ms = (int)(1000 / ips / (uint32_t)(an->nhops + 1));
		if (an->hop_ms > HOP_MS)
			an->hop_ms = HOP_MS;
		/* too fast to see, or no path: show it whole */
		an->shown = app_running_fast(a) || an->hop_ms < 15 ? an->nhops : 1;
		an->next_ms = now + (uint64_t)an->hop_ms;
		a->dirty = true;
	} else if (an->shown < an->nhops && now >= an->next_ms) {
		an->shown++;	/* one hop per tick at most: none is skipped */
		an->next_ms = now + (uint64_t)an->hop_ms;
		a->dirty = true;
	}
}

/* ---- stopping ---------------------------------------------------------- */

static void say_power(struct app *a)
{
	char story[160];

	explain_power(session_vm(a->sess), story, sizeof story);
	app_message(a, false, "The VM is %s. b steps back, R restarts.", story);
}

bool app_maybe_ask(struct app *a)
{
	struct x86_instruction x;
	char text[X86_TEXT_MAX];
	uint32_t eip = a->sess->now.geip;
	enum insn_class cls;

	if (!a->quiz.on || !session_decode(a->sess, eip, &x))
		return false;
	cls = classify_op((enum x86_op)x.op);
	if (!quiz_wants(&a->quiz, eip, cls))
		return false;
	session_insn_text(a->sess, &x, text, sizeof text);
	quiz_ask(&a->quiz, eip, text, cls);
	app_message(a, false, "Quiz: who will handle '%s'? h hardware, v VMM, k VMKernel, x VMX, g guest (Esc skips)",
		    text);
	return true;
}

/* Breakpoints and the quiz: should a run stop before this instruction? */
static bool stop_before(void *ctx, const struct event *ev)
{
	struct app *a = ctx;
	uint32_t eip = ev->u.insn.eip;

	return session_break_at(a->sess, eip) ||
	       (a->sess->brk_classes & (1u << ev->u.insn.cls)) ||
	       quiz_wants(&a->quiz, eip, (enum insn_class)ev->u.insn.cls);
}

static bool watching(const struct app *a)
{
	return a->sess->nbrk > 0 || a->sess->brk_classes != 0 || a->quiz.on;
}

/* The run stopped before the instruction at EIP: say why. */
static void explain_break(struct app *a)
{
	struct x86_instruction x;
	uint32_t eip = a->sess->now.geip;

	if (app_maybe_ask(a))
		return;
	if (session_break_at(a->sess, eip)) {
		app_message(a, false, "Breakpoint at 0x%08x.", eip);
	} else if (session_decode(a->sess, eip, &x)) {
		app_message(a, false, "Stopped before a %s instruction (class breakpoint).",
			    class_name(classify_op((enum x86_op)x.op)));
	}
}

void app_stop_running(struct app *a)
{
	bool was = a->running;

	a->running = false;
	a->until_trap = false;
	a->dirty = true;
	/* a fast run kept no record: find the last instruction by replay */
	if (was && !a->sess->last.valid && session_position(a->sess) > 0)
		session_recover_last(a->sess);
}

/* React to the end of a run or a step. */
static void after_run(struct app *a, int rc, enum run_stop why)
{
	a->dirty = true;
	if (rc != SIM_OK || why == RUN_ERROR) {
		app_stop_running(a);
		app_message(a, true, "%s", a->sess->err);
		return;
	}
	switch (why) {
	case RUN_TRAP:
		app_stop_running(a);
		app_message(a, false, "Stopped after the VMM took over: see the path and the explanation.");
		break;
	case RUN_BREAK:
		app_stop_running(a);
		explain_break(a);
		break;
	case RUN_OFF:
		app_stop_running(a);
		say_power(a);
		break;
	default:
		break;
	}
}

/* ---- commands that move time ------------------------------------------ */

static bool can_move(struct app *a)
{
	if (a->quiz.pending) {
		app_message(a, true, "Answer the quiz first: h hardware, v VMM, k VMKernel, x VMX, g guest (Esc skips).");
		return false;
	}
	if (!session_vm_running(a->sess)) {
		say_power(a);
		return false;
	}
	return true;
}

void app_step(struct app *a)
{
	enum run_stop why;
	int rc;

	if (a->running)
		app_stop_running(a);
	if (!can_move(a) || app_maybe_ask(a))
		return;
	rc = session_step(a->sess, &why);
	app_message(a, false, "%s", "");	/* the panes say what happened */
	after_run(a, rc, why);
}

void app_next_trap(struct app *a)
{
	struct run_opts o = { .stop_on_trap = true, .skip_first = true };
	enum run_stop why;
	int rc;

	if (a->running)
		app_stop_running(a);
	if (!can_move(a) || app_maybe_ask(a))
		return;
	if (watching(a)) {
		o.stop_before = stop_before;
		o.ctx = a;
	}
	rc = session_run(a->sess, NEXT_SYNC, &o, &why);
	if (rc == SIM_OK && why == RUN_DONE) {
		/* not found yet: go on searching in the background */
		app_start_running(a, true);
		app_message(a, false, "Looking for the next trap or I/O... (r stops)");
		return;
	}
	after_run(a, rc, why);
}

void app_start_running(struct app *a, bool until_trap)
{
	if (!can_move(a))
		return;
	a->running = true;
	a->until_trap = until_trap;
	a->run_first = !until_trap;
	a->run_next_ms = a->now_ms;
	a->run_last_ms = a->now_ms;
	a->run_credit = 0;
	a->dirty = true;
	app_message(a, false, "%s", "");	/* an old stop's story is stale */
}

void app_back(struct app *a, uint64_t n)
{
	int rc;

	if (a->running)
		app_stop_running(a);
	a->quiz.pending = false;	/* the question was about another place */
	if (session_position(a->sess) == 0) {
		app_message(a, false, "At power-on: there is nothing before this.");
		return;
	}
	if (a->sess->explore.on &&
	    session_position(a->sess) <= a->sess->hist_start) {
		app_message(a, false, "Back stops at the pause: the script changed the world before it. Space goes on.");
		return;
	}
	rc = session_back(a->sess, n);
	if (rc != SIM_OK)
		app_message(a, true, "%s", a->sess->err);
	else
		app_message(a, false, "Stepped back to instruction %llu.",
			    (unsigned long long)session_position(a->sess));
}

/* ---- the tick ----------------------------------------------------------- */

/* Slow speeds: one recorded, animated step per period. */
static void tick_slow(struct app *a, uint64_t now, uint32_t ips)
{
	uint64_t period = 1000u / ips;
	struct x86_instruction x;
	enum run_stop why;
	int rc;

	if (now < a->run_next_ms)
		return;
	a->run_next_ms = now - a->run_next_ms > period ? now + period
						       : a->run_next_ms + period;
	if (!a->run_first && watching(a) &&
	    session_decode(a->sess, a->sess->now.geip, &x)) {
		struct event ev = { .kind = EV_INSN };

		ev.u.insn.eip = a->sess->now.geip;
		ev.u.insn.cls = (uint8_t)classify_op((enum x86_op)x.op);
		if (stop_before(a, &ev)) {
			app_stop_running(a);
			explain_break(a);
			return;
		}
	}
	a->run_first = false;
	rc = session_step(a->sess, &why);
	after_run(a, rc, why);
}

/*
 * A chunk is sized by how fast the last one ran, but the guest may turn
 * slow at any instruction (each iteration of a REP OUTSB a trap): the
 * simulator asks this now and then, and the chunk ends at its deadline or
 * at ^C, so q and ^C are answered within a frame or two whatever the
 * guest does.
 */
#define RUN_MAX_MS (2 * FREE_TICK_MS)

static bool run_poll(void *ctx)
{
	struct app *a = ctx;

	return term_quit_requested() || a->clock_ms() >= a->run_deadline_ms;
}

void app_bound_run(struct app *a, bool on)
{
	a->run_deadline_ms = a->clock_ms() + RUN_MAX_MS;
	sim_set_poll(a->sess->sim, on ? run_poll : NULL, on ? a : NULL);
}

/* Fast speeds, free run, and the search for the next trap. */
static void tick_fast(struct app *a, uint64_t now, uint32_t ips)
{
	struct run_opts o = { .stop_on_trap = a->until_trap,
			      .skip_first = a->run_first };
	enum run_stop why;
	uint64_t n, t0, dt;
	int rc;

	if (ips > 0 && !a->until_trap) {
		uint64_t elapsed = now - a->run_last_ms;

		if (elapsed < TICK_MS)
			return;
		a->run_last_ms = now;
		a->run_credit += (double)ips * (double)(elapsed > 200 ? 200 : elapsed) / 1000.0;
		n = (uint64_t)a->run_credit;
		if (n == 0)
			return;
		a->run_credit -= (double)n;
		o.record = ips <= APP_RECORD_IPS;
	} else {
		n = a->chunk;
	}
	if (watching(a)) {
		o.stop_before = stop_before;
		o.ctx = a;
	}
	t0 = a->clock_ms();
	app_bound_run(a, true);
	rc = session_run(a->sess, n, &o, &why);
	app_bound_run(a, false);
	dt = a->clock_ms() - t0;
	a->run_first = false;
	if (ips == 0 || a->until_trap) {
		/* size the next chunk to take about FREE_TICK_MS */
		a->chunk = dt == 0 ? a->chunk * 2 : a->chunk * FREE_TICK_MS / dt;
		if (a->chunk < CHUNK_MIN)
			a->chunk = CHUNK_MIN;
		if (a->chunk > CHUNK_MAX)
			a->chunk = CHUNK_MAX;
	}
	a->dirty = true;
	after_run(a, rc, why);
}

void app_tick(struct app *a, uint64_t now_ms)
{
	uint32_t ips = app_speed_ips(a);

	a->now_ms = now_ms;
	if (a->play)		/* a scenario moves time itself */
		play_tui_tick(a, now_ms);
	if (a->running) {
		if (!session_vm_running(a->sess))
			after_run(a, SIM_OK, RUN_OFF);
		else if (ips > 0 && ips <= APP_SLOW_IPS && !a->until_trap)
			tick_slow(a, now_ms, ips);
		else
			tick_fast(a, now_ms, ips);
	}
	anim_tick(a, now_ms);
}

int app_wait_ms(const struct app *a, uint64_t now_ms)
{
	int64_t wait = -1;

	if (a->running) {
		uint32_t ips = app_speed_ips(a);

		if (a->until_trap || ips == 0)
			return 0;
		if (ips <= APP_SLOW_IPS)
			wait = a->run_next_ms > now_ms ? (int64_t)(a->run_next_ms - now_ms) : 0;
		else
			wait = TICK_MS;
	}
	if (a->anim.shown < a->anim.nhops) {
		int64_t w = a->anim.next_ms > now_ms ? (int64_t)(a->anim.next_ms - now_ms) : 0;

		if (wait < 0 || w < wait)
			wait = w;
	}
	if (a->play) {
		int64_t w = play_tui_wait_ms(a, now_ms);

		if (w >= 0 && (wait < 0 || w < wait))
			wait = w;
	}
	return (int)wait;
}
