/*
 * command.h - named commands: the only way anything changes.
 *
 * Keys are bound to command lines ("step", "view log", "break 0x102000");
 * the ':' prompt takes the same lines, and so will Lua scenarios and the
 * tests.  A command is a row of a table, tmux style:
 *
 *     { .name = "step", .exec = cmd_step, .usage = "", .help = "..." }
 *
 * exec gets the app and the argument text (NULL if none).  It returns 0,
 * or -1 after putting the reason in the status line (app_message).
 */
#ifndef VISUAL_COMMAND_H
#define VISUAL_COMMAND_H

#include "app.h"

struct command {
	const char *name;
	int (*exec)(struct app *a, const char *arg);
	const char *usage;	/* the argument, as help shows it ("[N]") */
	const char *help;	/* one line */
};

/* The table, ending with a row whose name is NULL. */
extern const struct command commands[];

/* The command called name, or NULL. */
const struct command *command_find(const char *name);

/*
 * Run a command line: a name, optionally a space and an argument.
 * Returns the command's result, or -1 (with a message) if unknown.
 */
int command_run(struct app *a, const char *line);

#endif
