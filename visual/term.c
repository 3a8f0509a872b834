/*
 * term.c - opening and closing the terminal (see term.h).
 */
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curses.h>
#include <term.h>	/* setupterm, del_curterm: terminfo alone */

#include "term.h"
#include "theme.h"

static volatile sig_atomic_t quit_signal;
static SCREEN *screen;		/* ours, from newterm */
/* who else must hear of a quit signal at once (term_on_quit) */
static void (*volatile quit_fn)(void *ctx, int sig);
static void *volatile quit_ctx;

static void on_quit_signal(int sig)
{
	void (*fn)(void *ctx, int sig) = quit_fn;

	quit_signal = sig;	/* the loop sees it; the exit status says it */
	if (fn != NULL)
		fn(quit_ctx, sig);
}

void term_on_quit(void (*fn)(void *ctx, int sig), void *ctx)
{
	/* cleared first: the handler never sees a new fn with an old ctx */
	quit_fn = NULL;
	quit_ctx = ctx;
	quit_fn = fn;
}

void term_probe(bool no_color_flag, struct term_caps *caps)
{
	const char *cs, *nc = getenv("NO_COLOR");

	setlocale(LC_ALL, "");
	cs = nl_langinfo(CODESET);
	caps->utf8 = cs && (strcasecmp(cs, "UTF-8") == 0 ||
			    strcasecmp(cs, "utf8") == 0);
	/* NO_COLOR: "when present and not an empty string" */
	caps->color = !no_color_flag && !(nc && nc[0]);
}

/*
 * Can this terminal show the TUI?  Asked of terminfo alone (setupterm,
 * which reads TERM's entry and opens no screen) before newterm: newterm
 * on a TERM terminfo does not know returns NULL but keeps what it had
 * allocated (a leak LeakSanitizer reports), and one on a terminal that
 * cannot move its cursor ("dumb") would take the screen only to give it
 * back.  0, or -1 with err saying why (TERM named).
 */
static int term_usable(char *err, int errlen)
{
	const char *term = getenv("TERM");
	int found = 0;
	char *cup;

	if (term == NULL || term[0] == '\0') {
		snprintf(err, (size_t)errlen,
			 "cannot use this terminal (TERM=unset): set TERM, or try --headless");
		return -1;
	}
	/* found: 1 the entry exists, 0 not in the database, -1 no database */
	if (setupterm(term, fileno(stdout), &found) != OK) {
		snprintf(err, (size_t)errlen,
			 "cannot use this terminal (TERM=%s): %s; try --headless", term,
			 found == 0 ? "terminfo has no such terminal" :
			 "no terminfo database found");
		return -1;
	}
	cup = tigetstr("cup");
	del_curterm(cur_term);
	cur_term = NULL;
	if (cup == NULL || cup == (char *)-1) {
		snprintf(err, (size_t)errlen,
			 "this terminal (TERM=%s) cannot move its cursor; try --headless",
			 term);
		return -1;
	}
	return 0;
}

int term_open(struct term_caps *caps, char *err, int errlen)
{
	struct sigaction sa;

	if (term_usable(err, errlen) != 0)
		return -1;
	/* Esc alone must not wait a second to be told from a key sequence */
	setenv("ESCDELAY", "25", 0);
	screen = newterm(NULL, stdout, stdin);
	if (screen == NULL) {
		snprintf(err, (size_t)errlen,
			 "cannot use this terminal (TERM=%s); try --headless",
			 getenv("TERM"));
		return -1;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	intrflush(stdscr, FALSE);
	curs_set(0);
	if (caps->color && (!has_colors() || start_color() == ERR ||
			    COLORS < 8))
		caps->color = false;
	if (caps->color)
		use_default_colors();
	theme_init(caps->color, caps->utf8);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_quit_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: a blocked read returns */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	return 0;
}

void term_close(void)
{
	if (screen == NULL)
		return;
	curs_set(1);
	endwin();
	delscreen(screen);
	screen = NULL;
}

int term_getkey(int timeout_ms)
{
	/* a signal that came while the loop was busy (in a script, say) did
	 * not interrupt a read: do not start one, which could wait for ever */
	if (quit_signal)
		return ERR;
	wtimeout(stdscr, timeout_ms);
	return wgetch(stdscr);
}

void term_size(int *cols, int *rows)
{
	getmaxyx(stdscr, *rows, *cols);
}

bool term_quit_requested(void)
{
	return quit_signal != 0;
}

int term_exit_status(int status)
{
	return quit_signal ? 128 + quit_signal : status;
}

/* ---- while the loop is busy elsewhere ------------------------------------- */

#define KEYS_HELD 32		/* keys read and put back by term_key_typed */

static void (*volatile tick_fn)(void *ctx);
static void *volatile tick_ctx;

static void on_tick(int sig)
{
	void (*fn)(void *ctx) = tick_fn;

	(void)sig;
	if (fn != NULL)
		fn(tick_ctx);
}

void term_tick_start(int ms, void (*fn)(void *ctx), void *ctx)
{
	struct itimerval every = { { ms / 1000, ms % 1000 * 1000 },
				   { ms / 1000, ms % 1000 * 1000 } };
	struct sigaction sa;

	tick_fn = NULL;
	tick_ctx = ctx;
	tick_fn = fn;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_tick;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;	/* the loop's own calls go on */
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &every, NULL);
}

void term_tick_stop(void)
{
	struct itimerval off = { { 0, 0 }, { 0, 0 } };

	setitimer(ITIMER_REAL, &off, NULL);
	tick_fn = NULL;
}

bool term_key_typed(bool (*wanted)(void *ctx, int key), void *ctx)
{
	int held[KEYS_HELD], n = 0, key;
	bool found = false;

	while (n < KEYS_HELD && (key = term_getkey(0)) != ERR) {
		if (!found && wanted(ctx, key))
			found = true;		/* taken: it has been answered */
		else
			held[n++] = key;
	}
	/* back in the order they came: ungetch puts a key in front */
	while (n > 0)
		ungetch(held[--n]);
	return found;
}
