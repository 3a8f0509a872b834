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
 * 2 a script error (q: the verdict so far); ^C 130, SIGTERM 143.  The narration pane is drawn by play_narration.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "app.h"
#include "cluster_board.h"
#include "draw.h"
#include "play.h"
#include "play_cast.h"
#include "play_tui.h"
#include "status.h"
#include "term.h"
#include "tui.h"

#define FREE_SLICE_MS 25	/* free run: wall time per slice */
#define PACED_TICK_MS 33	/* paced runs: about 30 slices a second */
#define CHUNK_MIN 1000u
#define CHUNK_MAX 100000000u
#define RECORD_MAX 2000000u	/* runs this short watch every instruction */
#define KEY_DEL 127

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

/* ---- moving the scenario on --------------------------------------------------- */

/*
 * The VM the views show: the newest running a guest, or one still on,
 * unless the lesson or the student chose one (tui("focus vm2"), v): then
 * it stays on screen, powered off or not, until the scenario makes a VM.
 */
static void focus(struct play *p, struct app *a)
{
	int n = sim_vm_count(p->sim);
	struct vm *cur;

	for (; p->nvms < n; p->nvms++) {
		struct vm *vm = sim_vm(p->sim, p->nvms);

		if (a && !vm->modelled) {
			session_focus(a->sess, vm);
			a->focus_pinned = false;
		}
	}
	if (a == NULL || a->focus_pinned ||
	    (cur = session_vm(a->sess))->state == VM_ON)
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
		app_message(a, false, "Paused: Space goes on; s b n t explore, then Space comes back.");
		break;
	case SCENARIO_RUN:
		app_message(a, false, "The scenario runs the world%s",
			    p->skip || p->hurry ? " at full speed." :
			    " (Space: full speed; +/-: speed).");
		break;
	case SCENARIO_DONE:
		app_message(a, failed > 0 || p->refused > 0, "The scenario is over: %d expect%s, %s%s. s b n t explore; q quits.",
			    n, n == 1 ? "" : "s", failed ? "SOME FAILED" : "all held",
			    p->refused ? ", a tui() command was refused" : "");
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
	p->st = play_busy_resume(p, a);
	focus(p, a);		/* a VM it made first: tui("focus") may follow */
	play_take_lines(p, a);
	if (p->st == SCENARIO_FAILED)
		play_add_line(p, LINE_EXPECT_FAILED, "script error:", scenario_error(p->sc));
	if (p->st == SCENARIO_PAUSE) {
		mark_pause(p);
		if (p->pass > 0) {	/* `>` was pressed again meanwhile */
			p->pass--;
			p->st = SCENARIO_READY;
			p->new_page = true;
		} else {
			p->skip = false;
		}
	}
	if (p->st == SCENARIO_RUN) {
		p->next_ms = 0;
		p->credit = 0;
		if (a) {	/* the run's last instructions, kept */
			uint32_t n = scenario_pending_run(p->sc)->animate;

			session_tape_start(a->sess, n > PLAY_TAPE ? (int)n : PLAY_TAPE);
		}
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

/*
 * A migration in flight while the VM on screen does not run (a modelled
 * VM's, say): the world runs one frame of its round at a time, so the
 * Cluster view draws the round's bar filling up (cluster_board.h).
 */
static int frame_runner(void *ctx, uint64_t max, uint64_t until_ns,
			enum sim_stop *why)
{
	struct app *a = ctx;
	struct sim *s = a->sess->sim;
	uint64_t frame = board_next_frame_ns(s, sim_clock_ns(s));
	int rc;

	if (frame == 0 || (until_ns && until_ns <= frame))
		return record_runner(ctx, max, until_ns, why);
	rc = sim_run_until(s, frame, max, why);
	if (*why == SIM_STOP_TIME)	/* a frame, not the run's end */
		*why = SIM_STOP_BUDGET;
	return rc;
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
	bool stepped = false, done = false;
	bool frames = a && !p->skip && !p->hurry &&
		      !session_vm_running(a->sess) &&
		      board_next_frame_ns(a->sess->sim, sim_clock_ns(a->sess->sim));
	uint64_t n, t0 = now_ms(), dt;

	if (frames) {		/* one frame of a migration's round per tick */
		if (now < p->next_ms)
			return;
		p->next_ms = now + PACED_TICK_MS;
		n = p->chunk;
	} else {
		n = slice_size(p, a, now, &stepped);
	}
	if (n == 0)
		return;
	const struct scenario_run *r = scenario_pending_run(p->sc);
	bool record = a && (r->until_kind >= 0 || r->insns_left <= RECORD_MAX ||
			    r->animate);

	if (a)		/* q and ^C answered within a frame (app.h) */
		app_bound_run(a, true);
	scenario_run_slice(p->sc, n, stepped ? step_runner : frames ? frame_runner :
			   record ? record_runner : NULL, a, &done);
	if (a)
		app_bound_run(a, false);
	dt = now_ms() - t0;
	if (!stepped && !record && a)
		session_refresh(a->sess);
	if (n == p->chunk && !frames) {	/* free run: about FREE_SLICE_MS a slice */
		p->chunk = dt == 0 ? p->chunk * 2 : p->chunk * FREE_SLICE_MS / dt;
		p->chunk = p->chunk < CHUNK_MIN ? CHUNK_MIN :
			   p->chunk > CHUNK_MAX ? CHUNK_MAX : p->chunk;
	}
	if (done && a) {
		/* the instruction the run ended on; the last N, hop by hop */
		play_replay_end_run(p, a, r->animate);
		if (!play_replaying(p))
			p->st = SCENARIO_READY;
		p->hurry = false;
	} else if (done) {
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
		if (a && play_replaying(p))
			return play_replay_tick(p, a, now);
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
		if (play_replaying(p))
			return play_replay_wait_ms(p, now);
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
		if (p->st == SCENARIO_PAUSE && p->more_below) {
			/* a page of the narration at a time, then on */
			p->scroll += p->pane_rows > 2 ? p->pane_rows - 1 : 1;
		} else if (p->st == SCENARIO_PAUSE) {
			p->st = SCENARIO_READY;
			p->new_page = true;
		} else if (p->st == SCENARIO_RUN && play_replaying(p)) {
			play_replay_skip(p);
		} else if (p->st == SCENARIO_RUN) {
			p->hurry = true;
		}
		return true;
	case '>':
		/* each press is one more pause passed, however fast they come */
		if (play_replaying(p))
			play_replay_skip(p);
		if (p->st == SCENARIO_PAUSE) {
			p->st = SCENARIO_READY;
			p->new_page = true;
		} else if (p->skip) {
			p->pass++;
		}
		p->skip = p->st != SCENARIO_DONE && p->st != SCENARIO_FAILED;
		return true;
	case '[':
		p->scroll -= 3;
		return true;
	case ']':
		p->scroll += 3;
		return true;
	default:
		return false;
	}
}

/* The lesson waits (a pause, or its end): the student may explore. */
static bool still(const struct play *p)
{
	return p->st == SCENARIO_PAUSE || p->st == SCENARIO_DONE ||
	       p->st == SCENARIO_FAILED;
}

/* Space, Enter, Right or > while exploring: back to where the lesson was. */
static void come_back(struct app *a)
{
	if (!a->sess->explore.on)
		return;
	app_stop_running(a);
	a->quiz.pending = false;
	if (session_explore_end(a->sess) != SIM_OK)
		app_message(a, true, "%s", a->sess->err);
}

int play_tui_key(struct app *a, int key)
{
	static const char moves_time[] = "snrbBfxcXt:";
	struct play *p = a->play;
	bool goes_on = key == ' ' || key == '\n' || key == '\r' ||
		       key == KEY_ENTER || key == KEY_RIGHT || key == '>';

	if (goes_on && p->st != SCENARIO_DONE)
		come_back(a);
	if (a->quiz.pending && key != ' ' && key != '>')
		return 0;		/* the answer keys of an open question */
	if (scenario_key(p, key)) {
		say_state(p, a);
		a->dirty = true;
		return 1;
	}
	if ((key > 0 && key < 128 && strchr(moves_time, key)) || key == KEY_LEFT ||
	    (key == KEY_NPAGE && a->view != VIEW_LOG && a->view != VIEW_WORLDS &&
	     a->view != VIEW_HELP) || key == KEY_BACKSPACE || key == KEY_DEL) {
		if (!still(p)) {
			app_message(a, true, "The lesson is running: Space hurries it; at its next pause s, b, n and t explore.");
			return 1;
		}
		/* explore: a checkpoint here, then the TUI's own keys */
		if (!a->sess->explore.on && session_explore_begin(a->sess) != SIM_OK) {
			app_message(a, true, "%s", a->sess->err);
			return 1;
		}
		return 0;
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
	play_narration_pane(p, &narr);
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
		if (p->quit)
			return false;	/* q stopped a busy script */
		for (int i = 0; i < sim_vm_count(p->sim); i++)
			if (!sim_vm(p->sim, i)->modelled)
				return true;
		if (dirty)
			card_draw(p);
		dirty = false;
		key = term_getkey(cast_wait_ms(p->cast, wait_ms(p, now_ms())));
		cast_tick(p->cast);
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
	/* a tui() command the TUI refused is a broken lesson too */
	return p->st == SCENARIO_FAILED ? EXIT_USAGE :
	       failed || p->refused ? EXIT_GUEST_FAILED : 0;
}

static void play_free(struct play *p)
{
	play_forget_lines(p);
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
		play_add_line(p, LINE_EXPECT_FAILED, err, "ringside");
		return -1;
	}
	a->play = p;
	a->cast = p->cast;
	a->speed = APP_SPEED_COUNT - 1;		/* runs go at full speed */
	a->presenter = p->opt->presenter;
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
	p->opt = opt;
	p->chunk = 100000;
	play_describe(scenario_file(p->sc), desc, sizeof desc);
	snprintf(p->title, sizeof p->title, "%s%s%s", scenario_name(p->sc),
		 desc[0] ? ": " : "", desc);
	if (tui_open(opt, &p->cast) != 0) {
		play_free(p);
		return EXIT_USAGE;
	}
	play_busy_watch(p);	/* ^C or q stop a script busy in Lua */
	if (card_loop(p))
		play_views(p);
	play_busy_unwatch(p);
	status = verdict(p);
	if (tui_close(opt, p->cast, scenario_reads(p->sc, opt->record ? opt->record : "")) != 0)
		status = EXIT_USAGE;
	if (p->st == SCENARIO_FAILED)
		fprintf(stderr, "ringside: %s\n", scenario_error(p->sc));
	play_free(p);
	return term_exit_status(status);
}
