/*
 * tui.h - the interactive program: a terminal, the app, the loop.
 */
#ifndef VISUAL_TUI_H
#define VISUAL_TUI_H

#include "cli.h"

/*
 * Open the TUI on a guest kernel and run until the user quits.  Returns
 * the process exit status: 0, or EXIT_USAGE when there is no terminal or
 * the guest cannot be loaded (the message says which).
 */
int tui_main(const struct options *opt, const char *guest);

struct app;
struct cast;

/*
 * Take over the terminal (colours and glyphs as opt and the terminal
 * allow) and, with --record, start the cast.  Returns 0, or -1 after
 * saying why on stderr.  tui_close gives the terminal back and finishes
 * the cast: it returns 0, or EXIT_USAGE if the cast could not be written
 * or input is not NULL: the --record file is then an input the scenario
 * read (input says what: scenario_reads), and the cast is discarded.
 */
int tui_open(const struct options *opt, struct cast **cast);
int tui_close(const struct options *opt, struct cast *cast, const char *input);

/*
 * The loop, once the terminal is open: tick, draw when something changed,
 * hand keys to their commands (a playing scenario sees them first), until
 * the user quits.  Each frame drawn also goes to a->cast when recording.
 */
void tui_loop(struct app *a);

#endif
