/*
 * cli.h - ringside's command line.
 */
#ifndef VISUAL_CLI_H
#define VISUAL_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"
#include "vmx/guest.h"

enum trace_format { TRACE_NONE = 0, TRACE_JSONL, TRACE_TEXT };

struct options {
	bool headless;
	bool help, version;
	bool quiet;		/* no summary: only the guest's output */
	bool compare;		/* --compare: te, bt, hw side by side */
	const char *guest;	/* --guest FILE */
	const char *scenario;	/* positional SCENARIO.lua */
	enum exec_mode mode;
	uint64_t max_insns;
	uint32_t mem_mb;
	enum trace_format trace;
	const char *trace_file;
	bool trace_insns;
	bool no_color;		/* TUI: monochrome (as NO_COLOR does) */
	int vcpus;		/* --vcpus */
	const char *cdrom;	/* --cdrom ISO */
	const char *append;	/* --append STRING: the kernel's command line */
	const char *modules[GUEST_MAX_MODULES];	/* --module FILE[,STRING] */
	int nmodules;
	const char *disk;	/* --disk IMG: a raw image for the hard disk */
	uint32_t disk_mb;	/* --disk-mb N: a blank hard disk */
	bool esxtop;		/* --esxtop: CSV of the worlds' counters */
	uint64_t interval_ns;	/* esxtop: simulated time per sample */
	uint64_t iterations;	/* esxtop: samples (0 = until the end) */
	bool list;		/* --list: the bundled scenarios */
	const char *record;	/* --record FILE: asciinema cast of the TUI */
	const char *vm_option;	/* the last VM option given (--mem...) */
	bool presenter;		/* --presenter: the TUI's projector layout */
};

/* The guest VM the options describe (guest: its kernel), in cfg. */
struct vm_config;
void cli_vm_config(const struct options *o, const char *guest,
		   struct vm_config *cfg);

/* Exit statuses. */
#define EXIT_GUEST_FAILED 1	/* guest crashed, or a scenario expect failed */
#define EXIT_USAGE 2		/* bad arguments or bad input file */

/*
 * Parse argv into *o.  On a usage error returns -1 and writes a one-line
 * message into err.
 */
int cli_parse(int argc, char **argv, struct options *o, char *err,
	      int errlen);

/* The --help text. */
void cli_usage(FILE *out);

/*
 * Find a bundled file ("scenarios/guests/tour.elf") next to the ringside
 * executable, falling back to the current directory.  Writes into buf.
 */
const char *cli_data_path(const char *rel, char *buf, int size);

#endif
