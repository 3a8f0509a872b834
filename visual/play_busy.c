/*
 * play_busy.c - a scenario busy in Lua while it plays in the TUI: ^C and
 * the key that quits answer at once.
 *
 * The TUI reads its keys between two slices of work, and a script runs
 * until it yields (say, pause, run{}): one busy in heavy instructions
 * (each copying a long vararg, say) runs for seconds before its limits
 * end it, the keys unread.  So, while it runs:
 *   - a quit signal (^C, SIGTERM, SIGHUP) stops it from the handler
 *     (term_on_quit -> scenario_interrupt), as headless.c does;
 *   - a timer asks the script, every frame, to let the player look at the
 *     keys at its next Lua instruction (scenario_poll_soon); the key that
 *     would quit the TUI now (q, unless the ':' prompt is open) stops the
 *     script and the TUI quits; every other key waits its turn.
 * A single C call (one string.find) is not interrupted: the sandbox
 * prices those to the budget (lua/sandbox.c), so none runs long.
 */
#include <string.h>

#include <curses.h>

#include "app.h"
#include "keys.h"
#include "play_tui.h"
#include "term.h"

#define BUSY_TICK_MS 33		/* a frame, at 30 a second */

/* term_on_quit's and term_tick_start's: async-signal-safe (scenario.h). */
static void interrupt_script(void *sc, int sig)
{
	scenario_interrupt(sc, sig);
}

static void poll_soon(void *sc)
{
	scenario_poll_soon(sc);
}

/* Does key quit the TUI now: the title card's q, or the views' "quit"? */
static bool quits(void *ctx, int key)
{
	const struct app *a = ctx;
	const struct key_binding *b;

	if (a == NULL)
		return key == 'q' || key == 'Q';
	if (a->prompt)
		return false;		/* a letter of a command line */
	b = keys_find(a, key);
	return b != NULL && strcmp(b->line, "quit") == 0;
}

/* scenario_set_poll's: called at the script's next instruction. */
static const char *poll_keys(void *ctx)
{
	struct play *p = ctx;

	if (!term_key_typed(quits, p->app))
		return NULL;
	p->quit = true;
	return "was stopped: q was pressed while it ran";
}

void play_busy_watch(struct play *p)
{
	term_on_quit(interrupt_script, p->sc);
	scenario_set_poll(p->sc, poll_keys, p);
}

void play_busy_unwatch(struct play *p)
{
	term_on_quit(NULL, NULL);
	scenario_set_poll(p->sc, NULL, NULL);
}

enum scenario_state play_busy_resume(struct play *p, struct app *a)
{
	enum scenario_state st;

	p->app = a;
	term_tick_start(BUSY_TICK_MS, poll_soon, p->sc);
	st = scenario_resume(p->sc);
	term_tick_stop();
	if (p->quit && a != NULL)
		a->quit = true;
	return st;
}
