/*
 * compare.h - one guest under te, bt and hw, side by side.
 */
#ifndef VISUAL_COMPARE_H
#define VISUAL_COMPARE_H

#include "cli.h"

/* Print the comparison table for opt->guest; returns the exit status. */
int compare_run(const struct options *opt);

#endif
