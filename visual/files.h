/*
 * files.h - inputs checked and outputs written safely (see files.c).
 */
#ifndef VISUAL_FILES_H
#define VISUAL_FILES_H

#include <limits.h>
#include <stdio.h>

#include "cli.h"

/*
 * Refuse, with a message naming the file, an input that exists and is not
 * a regular file, and an output that is one of the inputs.  scenario_path
 * is the scenario file as resolved (or NULL).  0, or -1 and err.
 */
int files_check(const struct options *o, const char *scenario_path,
		char *err, int errlen);

/* An output being written: f, under tmp until files_commit renames it. */
struct outfile {
	FILE *f;
	char path[PATH_MAX];
	char tmp[PATH_MAX + 16];	/* "" when written in place */
};

/* Open an output for writing (a temporary name beside it). 0 or -1, err. */
int files_create(struct outfile *of, const char *path, char *err, int errlen);

/* Close it and put it in place; -1 (old file kept) on any write error. */
int files_commit(struct outfile *of);

/* Close it and throw it away (the old file is kept). */
void files_abandon(struct outfile *of);

#endif
