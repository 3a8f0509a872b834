/*
 * term.h - the terminal: what it can do, opening and closing it, keys.
 *
 * Capabilities are decided once, at start-up, htop style:
 *   colour   unless NO_COLOR is set (https://no-color.org), --no-color was
 *            given, or the terminal has fewer than 8 colours;
 *   UTF-8    if the locale's character set is UTF-8 (setlocale(LC_ALL, "")
 *            then nl_langinfo(CODESET)); otherwise every glyph is ASCII.
 * Signals only set a flag: SIGWINCH is curses' (it turns into KEY_RESIZE),
 * SIGINT, SIGTERM and SIGHUP ask the loop to quit (and stop a busy
 * script: term_on_quit), and the loop restores the terminal.  Nothing is
 * ever drawn from a signal handler.
 */
#ifndef VISUAL_TERM_H
#define VISUAL_TERM_H

#include <stdbool.h>

struct term_caps {
	bool color;		/* colours will be used */
	bool utf8;		/* box and arrow glyphs may be Unicode */
};

/* Decide the capabilities without touching the screen (before term_open). */
void term_probe(bool no_color_flag, struct term_caps *caps);

/* Take over the terminal: curses mode, keys, colours.  Returns 0 or -1. */
int term_open(struct term_caps *caps, char *err, int errlen);

/* Give the terminal back as it was.  Safe to call twice. */
void term_close(void);

/* Wait up to timeout_ms (-1: forever) for a key; ERR if none. */
int term_getkey(int timeout_ms);

/* The terminal's size now. */
void term_size(int *cols, int *rows);

/* A quit signal (SIGINT, SIGTERM, SIGHUP) arrived. */
bool term_quit_requested(void);

/*
 * The TUI's exit status: after a quit signal, 128 + its number, as a shell
 * reports a process the signal killed and as a headless run exits (^C 130,
 * SIGTERM 143, SIGHUP 129); otherwise `status` (q: the verdict so far).
 */
int term_exit_status(int status);

/*
 * fn(ctx, sig) is called from the quit signals' handler, after the flag
 * is set, for work that cannot wait for the loop: a script busy in Lua
 * does not return to it (play_tui.c: scenario_interrupt).  fn must be
 * async-signal-safe.  NULL: nobody.
 */
void term_on_quit(void (*fn)(void *ctx, int sig), void *ctx);

/*
 * While the loop is busy elsewhere (a script in Lua, which returns only
 * when it yields): fn(ctx) every ms milliseconds from SIGALRM's handler
 * (so fn must be async-signal-safe), until term_tick_stop.
 */
void term_tick_start(int ms, void (*fn)(void *ctx), void *ctx);
void term_tick_stop(void);

/*
 * Read the keys typed so far without losing them: true if one of them is
 * wanted(ctx, key) (that one is taken); every other key is put back, in
 * order, for the loop to read.
 */
bool term_key_typed(bool (*wanted)(void *ctx, int key), void *ctx);

#endif
