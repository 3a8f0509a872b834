/*
 * bench_tui.c - is the TUI fast enough?
 *
 *   1. Frame time: the CPU view drawn into a pseudo-terminal at 120x40 and
 *      at 80x24, median of many frames: after one step each (what a
 *      student stepping sees: curses sends only what changed) and fully
 *      repainted (a resize, ^L).  Target: well under 16 ms (60 frames/s).
 *   2. Free run with the TUI on: the real loop (app_tick, a frame at most
 *      every 33 ms) against the same guest run headless (sim_run alone),
 *      as instructions per second and their ratio.  Target: >= 0.5.
 * Figures only, never a pass/fail.
 *
 * usage: bench_tui [STEP_GUEST [RUN_GUEST]]
 *   (defaults: scenarios/guests/tour.elf, scenarios/guests/bench.elf)
 */
#include <locale.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "app.h"
#include "screen.h"
#include "sim.h"
#include "status.h"
#include "theme.h"

#define FRAMES 300

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint64_t now_ms(void)
{
	return (uint64_t)(now_s() * 1000.0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * A pseudo-terminal of cols x rows with curses on its slave side and a
 * child process draining the master side, as a terminal emulator would.
 */
struct pty {
	int master, slave;
	pid_t reader;
	FILE *out, *in;
	SCREEN *scr;
};

static int pty_open(struct pty *p, int cols, int rows)
{
	struct winsize ws = { .ws_row = (unsigned short)rows,
			      .ws_col = (unsigned short)cols };

	if (openpty(&p->master, &p->slave, NULL, NULL, &ws) != 0)
		return -1;
	p->reader = fork();
	if (p->reader == 0) {
		char buf[65536];

		close(p->slave);
		while (read(p->master, buf, sizeof buf) > 0)
			;
		_exit(0);
	}
	p->out = fdopen(p->slave, "w");
	p->in = fdopen(dup(p->slave), "r");
	p->scr = newterm("xterm-256color", p->out, p->in);
	if (p->scr == NULL)
		return -1;
	set_term(p->scr);
	start_color();
	use_default_colors();
	theme_init(true, true);
	curs_set(0);
	return 0;
}

static void pty_close(struct pty *p)
{
	endwin();
	delscreen(p->scr);
	fclose(p->out);
	fclose(p->in);
	close(p->master);
	kill(p->reader, SIGTERM);
	waitpid(p->reader, NULL, 0);
}

static int make_app(const char *guest, enum exec_mode mode, struct app **a)
{
	struct vm_config cfg = { .guest = guest, .mode = mode };
	char err[256];

	if (app_create(&cfg, a, err, sizeof err) != SIM_OK) {
		fprintf(stderr, "bench_tui: %s\n", err);
		return -1;
	}
	return 0;
}

/* Median and 95th percentile of FRAMES frames, in milliseconds. */
static void frames(const char *guest, int cols, int rows, bool repaint)
{
	static double t[FRAMES];
	struct app *a;
	struct pty p;

	if (make_app(guest, MODE_TE, &a) != 0 || pty_open(&p, cols, rows) != 0) {
		fprintf(stderr, "bench_tui: no pseudo-terminal\n");
		exit(2);
	}
	screen_draw(a);
	for (int i = 0; i < FRAMES; i++) {
		double t0;

		app_step(a);		/* the world moves: not timed */
		app_tick(a, 1000000u + (uint64_t)i * 1000u);	/* animation done */
		if (repaint)
			clearok(curscr, TRUE);
		t0 = now_s();
		screen_draw(a);
		t[i] = (now_s() - t0) * 1000.0;
	}
	pty_close(&p);
	app_destroy(a);
	qsort(t, FRAMES, sizeof t[0], cmp_double);
	printf("  %3dx%-3d %-22s median %6.3f ms   p95 %6.3f ms\n", cols, rows,
	       repaint ? "full repaint" : "after one step", t[FRAMES / 2],
	       t[FRAMES * 95 / 100]);
}

/* Headless: the guest from power-on to power-off by sim_run alone. */
static double headless(const char *guest, enum exec_mode mode, uint64_t *insns)
{
	struct vm_config cfg = { .guest = guest, .mode = mode };
	char err[GUEST_ERR_MAX];
	enum sim_stop why;
	struct sim *s;
	struct vm *vm;
	double t0, t;

	sim_create(NULL, &s);
	if (sim_add_vm(s, &cfg, &vm, err) != SIM_OK) {
		sim_destroy(s);
		return -1;
	}
	t0 = now_s();
	sim_run(s, 1000000000ull, &why);
	t = now_s() - t0;
	*insns = sim_insns(s);
	sim_destroy(s);
	return t;
}

/* The TUI's own loop in free run, drawing into a 120x40 pseudo-terminal. */
static double with_tui(const char *guest, enum exec_mode mode, uint64_t *insns,
		       int *nframes, double *draw)
{
	struct app *a;
	struct pty p;
	uint64_t last = 0;
	double t0, t, draw_s = 0;

	if (make_app(guest, mode, &a) != 0 || pty_open(&p, 120, 40) != 0)
		return -1;
	*nframes = 0;
	t0 = now_s();
	app_start_running(a, false);
	a->speed = APP_SPEED_COUNT - 1;		/* free run */
	while (a->running) {
		uint64_t now = now_ms();
		double t1;

		app_tick(a, now);
		if (a->dirty && now - last >= 33) {	/* as tui.c's loop */
			t1 = now_s();
			screen_draw(a);
			draw_s += now_s() - t1;
			a->dirty = false;
			last = now;
			++*nframes;
		}
	}
	screen_draw(a);
	t = now_s() - t0;
	*draw = draw_s;
	*insns = session_position(a->sess);
	pty_close(&p);
	app_destroy(a);
	return t;
}

int main(int argc, char **argv)
{
	const char *step_guest = argc > 1 ? argv[1] : "scenarios/guests/tour.elf";
	const char *run_guest = argc > 2 ? argv[2] : "scenarios/guests/bench.elf";
	static const enum exec_mode modes[] = { MODE_TE, MODE_BT, MODE_HW };

	if (!setlocale(LC_ALL, "C.UTF-8"))
		setlocale(LC_ALL, "");
	printf("TUI frame time: the CPU view drawn into a pseudo-terminal (%s, %d frames)\n",
	       step_guest, FRAMES);
	frames(step_guest, 120, 40, false);
	frames(step_guest, 120, 40, true);
	frames(step_guest, 80, 24, false);
	frames(step_guest, 80, 24, true);
	printf("  target: well under 16 ms a frame\n\n");

	printf("Free run with the TUI on, against headless (%s, power-on to power-off, best of 5)\n",
	       run_guest);
	for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
		double best_h = 1e9, best_t = 1e9, draw = 0, d;
		uint64_t nh = 0, nt = 0;
		int nf = 0, f;

		for (int r = 0; r < 5; r++) {
			double h = headless(run_guest, modes[m], &nh);
			double t = with_tui(run_guest, modes[m], &nt, &f, &d);

			if (h < 0 || t < 0)
				break;
			best_h = h < best_h ? h : best_h;
			if (t < best_t) {
				best_t = t;
				nf = f;
				draw = d;
			}
		}
		if (best_h >= 1e9) {
			printf("  %s: not available\n", exec_mode_name(modes[m]));
			continue;
		}
		printf("  %s: headless %.3f s (%.0f MIPS); TUI %.3f s (%.0f MIPS; %d frames, %.3f s drawing): ratio %.2f\n",
		       exec_mode_name(modes[m]), best_h, (double)nh / best_h / 1e6,
		       best_t, (double)nt / best_t / 1e6, nf, draw,
		       ((double)nt / best_t) / ((double)nh / best_h));
	}
	printf("  target: ratio >= 0.5 (the TUI's run includes history checkpoints\n"
	       "  for stepping back, and replaying the last instruction at power-off)\n");
	return 0;
}
