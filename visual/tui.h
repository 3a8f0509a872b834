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

#endif
