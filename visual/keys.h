/*
 * keys.h - which key runs which command.
 *
 * Bindings live in tables, as tmux's key tables do: the root table is
 * always there; a more specific one is consulted first when it applies
 * (the quiz table while a question is open, the Log and Help tables while
 * those views are shown).  A binding names a command line, never code:
 * pressing 's' is exactly `command_run(app, "step")`.
 *
 * Key codes are curses' (a character, or KEY_LEFT and friends).
 */
#ifndef VISUAL_KEYS_H
#define VISUAL_KEYS_H

#include <stddef.h>

#include "app.h"

enum key_table {
	KT_ROOT = 0,
	KT_QUIZ,		/* a quiz question is open */
	KT_LOG,			/* the Log view is shown */
	KT_HELP,		/* the Help view is shown */
	KT_CPU,			/* the CPU view is shown */
	KT_WORLDS,		/* the Worlds view is shown */
	KT_SCENARIO,		/* a scenario plays (play_tui.c handles them) */
	KT_COUNT
};

struct key_binding {
	int key;		/* curses key code */
	int table;		/* enum key_table */
	const char *line;	/* the command line it runs */
	const char *help;	/* for the Help view; NULL: an alias, not listed */
};

/* Every binding, ending with a row whose line is NULL. */
extern const struct key_binding key_bindings[];

/* The binding of key in one table, or NULL. */
const struct key_binding *keys_lookup(enum key_table t, int key);

/* The binding key has now, given the app's state (tables in order). */
const struct key_binding *keys_find(const struct app *a, int key);

/*
 * Handle one key: edit the ':' prompt if it is open, otherwise run the
 * bound command.  Returns 1 if the key did something.
 */
int keys_dispatch(struct app *a, int key);

/* A key's name for people: "s", "Space", "Tab", "Left", "^L", "PgDn". */
const char *keys_name(int key, char *buf, size_t size);

/* The name of a table ("root", "quiz", ...). */
const char *keys_table_name(enum key_table t);

#endif
