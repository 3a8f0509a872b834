/*
 * play_tui.c - a scenario played in the TUI, for a teacher and a class.
 *
 * The scenario narrates in a pane below the usual views; at every pause()
 * it waits for the teacher: Space or Enter (or Right, a presenter's
 * clicker) goes on, `>` skips ahead to the next pause, Space during a run
 * hurries it.  Runs are animated: at the TUI's speed (+ and -, free run
 * by default), or at the speed the scenario asked for (run{speed=2}); up
 * to 20 instructions a second each instruction is stepped and its handler
 * path drawn hop by hop.  The scenario moves time; the keys that would
 * (step, back, run, restart) say so instead.
 *
 * Start-up, as a script:
 *   1. refuse politely without a terminal (exit 2), as the TUI does;
 *   2. open the scenario (a syntax error is reported before the screen
 *      is taken), then the terminal, then the recording (--record);
 *   3. until the scenario has made a VM that runs a guest, show a title
 *      card: its narration and the world so far (hosts, VMs);
 *   4. then the TUI proper, on that VM (a newer one takes the focus when it
 *      is made, and another running one when the focused one powers off).
 * The exit status is the headless one: 0 every expect held, 1 one failed,
 * 2 a script error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "app.h"
#include "draw.h"
#include "play.h"
#include "play_cast.h"
#include "status.h"
#include "term.h"
#include "tui.h"

#define FREE_SLICE_MS 25	/* free run: wall time per slice */
#define PACED_TICK_MS 33	/* paced runs: about 30 slices a second */
#define CHUNK_MIN 1000u
#define CHUNK_MAX 100000000u
#define RECORD_MAX 2000000u	/* runs this short watch every instruction */
#define KEY_DEL 127

/* A line of the narration, as the pane shows it. */
struct narration {
	enum scenario_line_kind kind;
	char *text;			/* malloc'd; FAIL lines end with (file:line) */
};

struct play {
	struct scenario *sc;
	struct sim *sim;
	struct cast *cast;		/* --record, or NULL */
	char title[256];		/* "tour: everything in 10 minutes" */
	enum scenario_state st;		/* what the scenario waits for */
	bool skip;			/* `>`: on to the next pause, at full speed */
	int pass;			/* ... and past this many more pauses */
	bool hurry;			/* Space during a run: finish it at full speed */

	struct narration *lines;
	int nlines, cap;
	int scroll;			/* rows scrolled back from the newest */

	int nvms;			/* VMs seen (a new one takes the focus) */
	uint64_t chunk;			/* free run: instructions per slice */
	uint64_t next_ms;		/* stepped or paced: next slice due */
	double credit;			/* paced: instructions owed */
};

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

/* ---- the narration --------------------------------------------------------- */

static void add_line(struct play *p, enum scenario_line_kind kind,
		     const char *text, const char *where)
{
	struct narration *n;
	size_t len = strlen(text) + strlen(where) + 8;

	if (p->nlines == p->cap) {
		int cap = p->cap ? p->cap * 2 : 64;
		struct narration *grown = realloc(p->lines, (size_t)cap * sizeof *grown);

		if (grown == NULL)
			return;
		p->lines = grown;
		p->cap = cap;
	}
	n = &p->lines[p->nlines];
	n->kind = kind;
	n->text = malloc(len);
	if (n->text == NULL)
		return;
	if (kind == LINE_EXPECT_FAILED)
		snprintf(n->text, len, "%s (%s)", text, where);
	else
		snprintf(n->text, len, "%s", text);
	p->nlines++;
	p->scroll = 0;			/* new narration: show the newest */
}

static void take_lines(struct play *p)
{
	struct scenario_line l;

	while (scenario_next_line(p->sc, &l))
		add_line(p, l.kind, l.text, l.where);
}

/*
 * Cut text into rows at most w wide, at blanks; a line starting with a
 * blank is verbatim (guest output quoted by the scenario) and only cut.
 * Calls row() for each (it may be NULL: just count).  Returns the rows.
 */
static int wrap(const char *text, int w,
		void (*row)(void *ctx, const char *s, int n), void *ctx)
{
	int rows = 0;

	if (w < 8)
		w = 8;
	while (*text) {
		int len = (int)strcspn(text, "\n"), at = 0;

		if (len == 0) {			/* an empty line */
			if (row)
				row(ctx, "", 0);
			rows++;
		}
		while (at < len) {
			int n = len - at, cut = n;

			if (n > w) {
				n = w;
				for (cut = n; cut > 0 && text[at + cut] != ' ' && text[0] != ' '; cut--)
					;
				n = cut > 0 ? cut : n;
			}
			if (row)
				row(ctx, text + at, n);
			rows++;
			at += n;
			while (at < len && text[at] == ' ' && text[0] != ' ')
				at++;
		}
		text += len + (text[len] == '\n');
	}
	return rows;
}

/* Drawing rows of one narration line into the pane's window. */
struct rows {
	const struct rect *r;
	int y;				/* screen row of the next row */
	enum role role;
	const char *prefix;		/* on its first row: "ok " or "FAIL " */
};

static void draw_row(void *ctx, const char *s, int n)
{
	struct rows *w = ctx;
	char buf[512];
	int x = w->r->x + 1;

	if (w->y >= w->r->y && w->y < w->r->y + w->r->h) {
		if (w->prefix)
			x = draw_text(w->r, w->y, x, w->role, w->prefix);
		snprintf(buf, sizeof buf, "%.*s", n, s);
		draw_text(w->r, w->y, x, w->role, buf);
	}
	w->prefix = NULL;
	w->y++;
}

static const char *const prefixes[] = {
	[LINE_SAY] = NULL, [LINE_PRINT] = NULL,
	[LINE_EXPECT_OK] = "ok ", [LINE_EXPECT_FAILED] = "FAIL ",
};

static const enum role roles[] = {
	[LINE_SAY] = ROLE_NORMAL, [LINE_PRINT] = ROLE_DIM,
	[LINE_EXPECT_OK] = ROLE_GOOD, [LINE_EXPECT_FAILED] = ROLE_BAD,
};

/* Rows a narration line takes (a say gets a blank row before it). */
static int line_rows(const struct narration *n, int w, bool first)
{
	int extra = n->kind == LINE_SAY && !first;
	int pre = prefixes[n->kind] ? (int)strlen(prefixes[n->kind]) : 0;

	return extra + wrap(n->text, w - pre, NULL, NULL);
}

/* The newest narration at the bottom of r, scrolled back p->scroll rows. */
static void draw_narration(struct play *p, const struct rect *r)
{
	int w = r->w - 2, total = 0, top;
	struct rows rows = { r, 0, ROLE_NORMAL, NULL };

	for (int i = 0; i < p->nlines; i++)
		total += line_rows(&p->lines[i], w, i == 0);
	if (p->scroll > total - r->h)
		p->scroll = total - r->h > 0 ? total - r->h : 0;
	top = total - r->h - p->scroll;	/* the first row shown */
	rows.y = r->y - (top > 0 ? top : 0);
	for (int i = 0; i < p->nlines && rows.y < r->y + r->h; i++) {
		const struct narration *n = &p->lines[i];
		int pre = prefixes[n->kind] ? (int)strlen(prefixes[n->kind]) : 0;

		if (rows.y + line_rows(n, w, i == 0) < r->y) {
			rows.y += line_rows(n, w, i == 0);	/* scrolled off */
			continue;
		}
		rows.y += n->kind == LINE_SAY && i > 0;
		rows.role = roles[n->kind];
		rows.prefix = prefixes[n->kind];
		wrap(n->text, w - pre, draw_row, &rows);
	}
}

/* What the pane's title says the scenario is doing. */
static const char *doing(const struct play *p)
{
	switch (p->st) {
	case SCENARIO_PAUSE: return "[PAUSED: Space or Enter goes on]";
	case SCENARIO_RUN: return p->skip ? "[skipping ahead]" : "[running]";
	case SCENARIO_DONE: return "[the end]";
	case SCENARIO_FAILED: return "[stopped: script error]";
	default: return "";
	}
}

/* The narration pane: a title saying what the scenario does, and its text. */
static void narration_pane(struct play *p, const struct rect *r)
{
	char title[400];
	struct rect in;
	int len;

	snprintf(title, sizeof title, "Scenario %s", p->title);
	in = draw_pane(r, title);
	len = (int)strlen(doing(p));
	if (r->w > len + (int)strlen(title) + 4)
		draw_text(r, r->y, r->x + r->w - len - 1,
			  p->st == SCENARIO_PAUSE ? ROLE_TAB_ACTIVE : ROLE_TITLE,
			  doing(p));
	draw_narration(p, &in);
}

void play_tui_draw(struct app *a, const struct rect *r)
{
	narration_pane(a->play, r);
}

void play_tui_hints(struct app *a, const struct rect *r)
{
	static const char *const keys[][2] = {
		{ "Space/Enter", "go on" }, { ">", "skip ahead" },
		{ "[ ]", "narration" }, { "+/-", "speed" }, { "Tab", "views" },
		{ "?", "help" }, { "q", "quit" },
	};
	int x = r->x + 1;

	(void)a;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0] && r->h > 0; i++) {
		x = draw_text(r, r->y, x, ROLE_KEY, keys[i][0]);
		x = draw_text(r, r->y, x + 1, ROLE_NORMAL, keys[i][1]) + 2;
	}
}

/* ---- moving the scenario on --------------------------------------------------- */

/* The VM the views show: the newest running a guest, or one still on. */
static void focus(struct play *p, struct app *a)
{
	int n = sim_vm_count(p->sim);
	struct vm *cur;

	for (; p->nvms < n; p->nvms++) {
		struct vm *vm = sim_vm(p->sim, p->nvms);

		if (a && !vm->modelled)
			session_focus(a->sess, vm);
	}
	if (a == NULL || (cur = session_vm(a->sess))->state == VM_ON)
		return;
	for (int i = 0; i < n; i++) {
		struct vm *vm = sim_vm(p->sim, i);

		if (!vm->modelled && vm->state == VM_ON) {
			session_focus(a->sess, vm);
			return;
		}
	}
}

static void say_state(struct play *p, struct app *a)
{
	int failed, n = scenario_expects(p->sc, &failed);

	if (a == NULL)
		return;
	switch (p->st) {
	case SCENARIO_PAUSE:
		app_message(a, false, "Paused. Space or Enter goes on; > skips ahead to the next pause.");
		break;
	case SCENARIO_RUN:
		app_message(a, false, "The scenario runs the world%s",
			    p->skip || p->hurry ? " at full speed." :
			    " (Space: full speed; +/-: speed).");
		break;
	case SCENARIO_DONE:
		app_message(a, failed > 0, "The scenario is over: %d expect%s, %s. The views stay open; q quits.",
			    n, n == 1 ? "" : "s", failed ? "SOME FAILED" : "all held");
		break;
	case SCENARIO_FAILED:
		app_message(a, true, "%s", scenario_error(p->sc));
		break;
	default:
		break;
	}
}

/* A pause: the lesson's chapter marks, in the recording. */
static void mark_pause(struct play *p)
{
	char label[80] = "pause";

	for (int i = p->nlines - 1; i >= 0; i--)
		if (p->lines[i].kind == LINE_SAY) {
			snprintf(label, sizeof label, "%.79s", p->lines[i].text);
			break;
		}
	cast_marker(p->cast, label);
}

static void resume(struct play *p, struct app *a)
{
	p->st = scenario_resume(p->sc);
	take_lines(p);
	if (p->st == SCENARIO_FAILED)
		add_line(p, LINE_EXPECT_FAILED, "script error:", scenario_error(p->sc));
	if (p->st == SCENARIO_PAUSE) {
		mark_pause(p);
		if (p->pass > 0) {	/* `>` was pressed again meanwhile */
			p->pass--;
			p->st = SCENARIO_READY;
		} else {
			p->skip = false;
		}
	}
	if (p->st == SCENARIO_RUN) {
		p->next_ms = 0;
		p->credit = 0;
	}
	focus(p, a);
	say_state(p, a);
}

/* Stepped runs: one recorded instruction, so the path is animated. */
static int step_runner(void *ctx, uint64_t max, uint64_t until_ns,
		       enum sim_stop *why)
{
	struct app *a = ctx;
	enum run_stop rs;

	(void)max;
	(void)until_ns;
	*why = SIM_STOP_BUDGET;
	return session_step(a->sess, &rs);
}

/*
 * Runs that end on an event, or are short, watch every instruction so
 * that the CPU view can explain the last one (where a run stops is the
 * point of the lesson); it costs speed, so long runs do not.
 */
static int record_runner(void *ctx, uint64_t max, uint64_t until_ns,
			 enum sim_stop *why)
{
	struct app *a = ctx;
	struct run_opts o = { .record = true };
	enum run_stop rs;

	*why = SIM_STOP_BUDGET;
	if (until_ns == 0 && session_vm_running(a->sess))
		return session_run(a->sess, max, &o, &rs);
	/* the focused VM is off: the world runs on (or says it is idle) */
	return until_ns ? sim_run_until(a->sess->sim, until_ns, max, why)
			: sim_run(a->sess->sim, max, why);
}

/* The instructions a slice may run now, and whether to step them. */
static uint64_t slice_size(struct play *p, struct app *a, uint64_t now,
			   bool *stepped)
{
	const struct scenario_run *r = scenario_pending_run(p->sc);
	uint32_t ips = p->skip || p->hurry ? 0 :
		       r->speed ? r->speed : a ? app_speed_ips(a) : 0;

	*stepped = false;
	if (ips == 0)
		return p->chunk;
	if (now < p->next_ms)
		return 0;
	if (ips <= APP_SLOW_IPS && a && r->until_ns == 0 &&
	    session_vm_running(a->sess)) {
		*stepped = true;
		p->next_ms = now + 1000 / ips;
		return 1;
	}
	p->credit += (double)ips * PACED_TICK_MS / 1000.0;
	p->next_ms = now + PACED_TICK_MS;
	if (p->credit < 1)
		return 0;
	p->credit -= (double)(uint64_t)p->credit;
	return (uint64_t)((double)ips * PACED_TICK_MS / 1000.0) + 1;
}

static void run_slice(struct play *p, struct app *a, uint64_t now)
{
	bool stepped, done = false;
	uint64_t n = slice_size(p, a, now, &stepped), t0 = now_ms(), dt;

	if (n == 0)
		return;
	const struct scenario_run *r = scenario_pending_run(p->sc);
	bool record = a && (r->until_kind >= 0 || r->insns_left <= RECORD_MAX);

	scenario_run_slice(p->sc, n, stepped ? step_runner :
			   record ? record_runner : NULL, a, &done);
	dt = now_ms() - t0;
	if (!stepped && !record && a)
		session_refresh(a->sess);
	if (n == p->chunk) {		/* free run: about FREE_SLICE_MS a slice */
		p->chunk = dt == 0 ? p->chunk * 2 : p->chunk * FREE_SLICE_MS / dt;
		p->chunk = p->chunk < CHUNK_MIN ? CHUNK_MIN :
			   p->chunk > CHUNK_MAX ? CHUNK_MAX : p->chunk;
	}
	if (done) {
		p->st = SCENARIO_READY;
		p->hurry = false;
	}
	focus(p, a);
	if (a)
		a->dirty = true;
}

/* One step of the scenario; true if the screen changed. */
static bool advance(struct play *p, struct app *a, uint64_t now)
{
	switch (p->st) {
	case SCENARIO_READY:
	case SCENARIO_SAY:
		resume(p, a);
		return true;
	case SCENARIO_RUN:
		run_slice(p, a, now);
		return true;
	default:
		return false;
	}
}

void play_tui_tick(struct app *a, uint64_t now)
{
	if (advance(a->play, a, now))
		a->dirty = true;
}

static int wait_ms(const struct play *p, uint64_t now)
{
	switch (p->st) {
	case SCENARIO_READY:
	case SCENARIO_SAY:
		return 0;
	case SCENARIO_RUN:
		return p->next_ms > now ? (int)(p->next_ms - now) : 0;
	default:
		return -1;		/* waiting for the teacher */
	}
}

int play_tui_wait_ms(const struct app *a, uint64_t now)
{
	return wait_ms(a->play, now);
}

/* ---- keys -------------------------------------------------------------------- */

/* The keys of a scenario; true if the key was one. */
static bool scenario_key(struct play *p, int key)
{
	switch (key) {
	case ' ': case '\n': case '\r': case KEY_ENTER: case KEY_RIGHT:
		if (p->st == SCENARIO_PAUSE)
			p->st = SCENARIO_READY;
		else if (p->st == SCENARIO_RUN)
			p->hurry = true;
		return true;
	case '>':
		/* each press is one more pause passed, however fast they come */
		if (p->st == SCENARIO_PAUSE)
			p->st = SCENARIO_READY;
		else if (p->skip)
			p->pass++;
		p->skip = p->st != SCENARIO_DONE && p->st != SCENARIO_FAILED;
		return true;
	case '[':
		p->scroll += 3;
		return true;
	case ']':
		p->scroll = p->scroll > 3 ? p->scroll - 3 : 0;
		return true;
	default:
		return false;
	}
}

int play_tui_key(struct app *a, int key)
{
	static const char moves_time[] = "snrbBfmRxcXt:";

	if (scenario_key(a->play, key)) {
		say_state(a->play, a);
		a->dirty = true;
		return 1;
	}
	if ((key > 0 && key < 128 && strchr(moves_time, key)) || key == KEY_LEFT ||
	    key == KEY_NPAGE || key == KEY_BACKSPACE || key == KEY_DEL) {
		if (a->view == VIEW_LOG && (key == KEY_NPAGE))
			return 0;	/* the Log view scrolls with it */
		app_message(a, true, "The scenario moves time here: Space or Enter goes on, > skips ahead, q quits.");
		return 1;
	}
	return 0;
}

/* ---- the title card, before the scenario has a VM to show ---------------------- */

static void card_world(struct play *p, const struct rect *r)
{
	struct rect in = draw_pane(r, "The world so far");
	int y = in.y;

	for (int i = 0; i < sim_host_count(p->sim) && y < in.y + in.h; i++) {
		struct host *h = sim_host(p->sim, i);

		draw_textf(&in, y++, in.x + 1, ROLE_NORMAL, "host %-10s %-6s %d pCPU at %u MHz, %u MiB",
			   h->name, host_kind_name(h->cfg.kind), h->cfg.pcpus,
			   h->cfg.mhz, h->cfg.mem_mb);
	}
	for (int i = 0; i < sim_vm_count(p->sim) && y < in.y + in.h; i++) {
		struct vm *vm = sim_vm(p->sim, i);
		struct host *h = vm_host(vm);

		draw_textf(&in, y++, in.x + 3, ROLE_DIM, "VM %-10s %-7s on %s (%s)",
			   vm->name, vm_state_name(vm->state), h ? h->name : "-",
			   vm->modelled ? "modelled load" : vm->guest_path);
	}
	if (y == in.y)
		draw_text(&in, y, in.x + 1, ROLE_DIM, "(nothing yet: the scenario has not made a host)");
}

static void card_draw(struct play *p)
{
	int cols, rows, world;
	struct rect all, bar, top, narr, status;

	term_size(&cols, &rows);
	erase();
	all = (struct rect){ 0, 0, cols, rows };
	if (cols < LAYOUT_MIN_COLS || rows < LAYOUT_MIN_ROWS) {
		draw_wrap(&all, rows / 2, ROLE_NORMAL,
			  "ringside needs a terminal of at least 80x24. Enlarge it, or press q to quit.");
		refresh();
		return;
	}
	world = 2 + sim_host_count(p->sim) + sim_vm_count(p->sim);
	world = world > rows / 3 ? rows / 3 : world;
	bar = (struct rect){ 0, 0, cols, 1 };
	top = (struct rect){ 0, 1, cols, world };
	narr = (struct rect){ 0, 1 + world, cols, rows - 3 - world };
	status = (struct rect){ 0, rows - 2, cols, 1 };
	draw_fill(&bar, &bar, ROLE_TAB);
	draw_text(&bar, 0, 0, ROLE_HOP_DONE, " ringside ");
	draw_text(&bar, 0, 11, ROLE_TAB, "a scenario: the views open once it runs a guest");
	card_world(p, &top);
	narration_pane(p, &narr);
	draw_fill(&status, &status, ROLE_STATUS);
	draw_text(&status, status.y, 1, ROLE_STATUS,
		  p->st == SCENARIO_PAUSE ? "Paused. Space or Enter goes on; > skips ahead." :
		  p->st == SCENARIO_FAILED ? scenario_error(p->sc) :
		  p->st == SCENARIO_DONE ? "The scenario is over. q quits." : "Playing...");
	play_tui_hints(NULL, &(struct rect){ 0, rows - 1, cols, 1 });
	refresh();
	cast_frame(p->cast);
}

/* Until a VM runs a guest (true), or the user quits (false). */
static bool card_loop(struct play *p)
{
	bool dirty = true;

	for (;;) {
		uint64_t now = now_ms();
		int key;

		dirty |= advance(p, NULL, now);
		for (int i = 0; i < sim_vm_count(p->sim); i++)
			if (!sim_vm(p->sim, i)->modelled)
				return true;
		if (dirty)
			card_draw(p);
		dirty = false;
		key = term_getkey(wait_ms(p, now_ms()));
		if (term_quit_requested() || key == 'q' || key == 'Q')
			return false;
		dirty = key == KEY_RESIZE || scenario_key(p, key);
	}
}

/* ---- the whole thing ------------------------------------------------------------- */

static int verdict(struct play *p)
{
	int failed;

	scenario_expects(p->sc, &failed);
	return p->st == SCENARIO_FAILED ? EXIT_USAGE : failed ? EXIT_GUEST_FAILED : 0;
}

static void play_free(struct play *p)
{
	for (int i = 0; i < p->nlines; i++)
		free(p->lines[i].text);
	free(p->lines);
	scenario_close(p->sc);
	free(p);
}

/* The TUI on the scenario's first VM running a guest. */
static int play_views(struct play *p)
{
	struct app *a;
	char err[300];
	int i;

	/* the newest VM that runs a guest */
	for (i = sim_vm_count(p->sim) - 1; sim_vm(p->sim, i)->modelled; i--)
		;
	if (app_attach(p->sim, sim_vm(p->sim, i), &a, err, sizeof err) != SIM_OK) {
		add_line(p, LINE_EXPECT_FAILED, err, "ringside");
		return -1;
	}
	a->play = p;
	a->cast = p->cast;
	a->speed = APP_SPEED_COUNT - 1;		/* runs go at full speed */
	focus(p, a);
	say_state(p, a);
	tui_loop(a);
	app_destroy(a);
	return 0;
}

int play_tui(const struct options *opt, const char *path)
{
	struct play *p;
	char desc[200];
	int status;

	if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
		fprintf(stderr, "ringside: the TUI needs a terminal, and %s is not one.\n"
			"Play the scenario without it:\n  ringside --headless %s\n",
			isatty(STDOUT_FILENO) ? "standard input" : "standard output",
			path);
		return EXIT_USAGE;
	}
	p = calloc(1, sizeof *p);
	if (p == NULL || (p->sc = play_open(opt, path)) == NULL) {
		free(p);
		return EXIT_USAGE;
	}
	p->sim = scenario_sim(p->sc);
	p->chunk = 100000;
	play_describe(scenario_file(p->sc), desc, sizeof desc);
	snprintf(p->title, sizeof p->title, "%s%s%s", scenario_name(p->sc),
		 desc[0] ? ": " : "", desc);
	if (tui_open(opt, &p->cast) != 0) {
		play_free(p);
		return EXIT_USAGE;
	}
	if (card_loop(p))
		play_views(p);
	status = verdict(p);
	if (tui_close(opt, p->cast) != 0)
		status = EXIT_USAGE;
	if (p->st == SCENARIO_FAILED)
		fprintf(stderr, "ringside: %s\n", scenario_error(p->sc));
	play_free(p);
	return status;
}
