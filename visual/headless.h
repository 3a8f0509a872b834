/*
 * headless.h - running without the TUI.
 */
#ifndef VISUAL_HEADLESS_H
#define VISUAL_HEADLESS_H

#include "cli.h"

/*
 * Run one guest kernel to power-off (or the instruction budget) and print
 * its output and a summary.  Returns the process exit status.
 */
int headless_run_guest(const struct options *opt, const char *guest);

#endif
