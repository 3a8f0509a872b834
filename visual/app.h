/*
 * app.h - the TUI's state and its clock, apart from any drawing.
 *
 * struct app is everything the screen shows that is not the simulated
 * world itself: which view is up, whether the world is running and how
 * fast, the handler-path animation, the quiz, the Log view's filter, the
 * message in the status line.  Commands (command.c) change it; views only
 * read it.  Time comes in as an argument (now_ms, a monotonic wall clock)
 * so that tests can drive the app without a terminal and without waiting.
 *
 * Running, tmux style: app_tick is called once per loop iteration; it runs
 * what is due (one instruction at slow speeds, a chunk at fast ones, about
 * 25 ms of simulation in free run), moves the animation on, and sets
 * `dirty` when the screen needs drawing again.
 */
#ifndef VISUAL_APP_H
#define VISUAL_APP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpu/classify.h"
#include "quiz.h"
#include "session.h"

enum view_id {
	VIEW_CPU = 0,		/* rings, path, code, registers, console */
	VIEW_ARCH,		/* the layered stack: ESX or hosted */
	VIEW_WORLDS,		/* esxtop-like table of worlds */
	VIEW_XLAT,		/* a guest unit beside its translation */
	VIEW_LOG,		/* every retained event */
	VIEW_HELP,		/* every key */
	VIEW_CLUSTER,		/* hosts, VMs, migrations (VirtualCenter) */
	VIEW_VMCS,		/* hw: the VT-x VMCS of the vCPU */
	VIEW_COUNT
};

const char *view_name(enum view_id v);

/* Speeds, in instructions per second; 0 is free run (as fast as it goes). */
#define APP_SPEED_COUNT 12
extern const uint32_t app_speeds[APP_SPEED_COUNT];
#define APP_SPEED_DEFAULT 3		/* 5 per second */
#define APP_SLOW_IPS 20			/* up to here: one step per tick, animated */
#define APP_RECORD_IPS 100		/* up to here: keep the last instruction */

/* The handler path of the last instruction, drawn hop by hop. */
struct anim {
	uint64_t gen;			/* session last_gen it shows */
	int nhops;
	enum path_hop hop[PATH_MAX_HOPS];
	int shown;			/* hops drawn so far (1..nhops) */
	uint64_t next_ms;		/* when the next hop appears */
	int hop_ms;			/* time per hop */
};

struct app {
	struct session *sess;
	enum view_id view;
	bool quit;
	bool dirty;			/* the screen must be drawn again */
	bool repaint;			/* ... from scratch (after a resize) */

	/* running */
	bool running;
	bool until_trap;		/* running to the next trap or I/O */
	int speed;			/* index into app_speeds */
	bool run_first;			/* first step of a run: ignore breaks */
	uint64_t run_next_ms;		/* slow speeds: next step due */
	uint64_t run_last_ms;		/* fast speeds: last tick */
	double run_credit;		/* instructions owed at fast speeds */
	uint64_t run_deadline_ms;	/* a chunk stops here (run_poll) */
	uint64_t chunk;			/* free run: instructions per tick */
	uint64_t (*clock_ms)(void);	/* wall clock, for sizing chunks */

	struct anim anim;
	struct quiz quiz;

	char msg[240];			/* status-line message */
	bool msg_error;

	unsigned log_mask;		/* Log view: kinds shown (0 = all) */
	int log_scroll;			/* lines up from the newest */
	int help_scroll;		/* rows down from the top: Help, */
	int worlds_scroll;		/* ... Worlds, */
	int explain_scroll;		/* ... "What happened" (CPU view) */
	uint64_t explain_gen;		/* the instruction it was scrolled for */
	bool hosted;			/* Architecture: hosted, not ESX */
	bool presenter;			/* large narration and path (projector) */
	bool focus_pinned;		/* the VM on screen was chosen (focus) */
	enum exec_mode mode_tried;	/* the last mode asked for */

	bool prompt;			/* ':' command line open */
	char prompt_buf[128];
	int prompt_len;

	uint64_t now_ms;		/* the latest time app_tick saw */

	struct play *play;		/* a Lua scenario playing (play_tui.c), or NULL */
	struct cast *cast;		/* --record: the asciinema cast, or NULL */
};

/* Create the app on a new world (see session_create). */
int app_create(const struct vm_config *cfg, struct app **out, char *err,
	       int errlen);
void app_destroy(struct app *a);

/* The app on a world made elsewhere (a scenario's), showing vm. */
int app_attach(struct sim *sim, struct vm *vm, struct app **out, char *err,
	       int errlen);

/* Run what is due and move animations on. */
void app_tick(struct app *a, uint64_t now_ms);

/*
 * Bound the run that follows by the wall clock (a frame or two) and by ^C,
 * whatever the guest does (sim_set_poll); off again after it.
 */
void app_bound_run(struct app *a, bool on);

/* How long the loop may wait for a key before the next tick (-1: forever). */
int app_wait_ms(const struct app *a, uint64_t now_ms);

/* True while running fast enough that the screen is redrawn at most ~30/s. */
bool app_running_fast(const struct app *a);

/* Instructions per second now (0 = free run). */
uint32_t app_speed_ips(const struct app *a);

/* Set the status-line message. */
void app_message(struct app *a, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The commands that move time, shared by command.c and the tick. */
void app_step(struct app *a);
void app_next_trap(struct app *a);
void app_start_running(struct app *a, bool until_trap);
void app_stop_running(struct app *a);
void app_back(struct app *a, uint64_t n);

/*
 * Before running the instruction at EIP: open a quiz question if the quiz
 * wants one.  Returns true if a question is now open.
 */
bool app_maybe_ask(struct app *a);

#endif
