/*
 * headless.h - running without the TUI.
 */
#ifndef VISUAL_HEADLESS_H
#define VISUAL_HEADLESS_H

#include <stdbool.h>
#include <stdio.h>

#include "cli.h"

/*
 * Run one guest kernel to power-off (or the instruction budget) and print
 * its output and a summary.  Returns the process exit status.
 */
int headless_run_guest(const struct options *opt, const char *guest);

/*
 * SIGINT/SIGTERM stop s (sim_request_stop) and sc's script, if any, at its
 * next Lua instruction (scenario_interrupt), and are remembered; SIGPIPE
 * is ignored so that a closed stdout is a write error.  s NULL: defaults
 * again.
 */
struct sim;
struct scenario;
struct vm;
void headless_catch_signals(struct sim *s, struct scenario *sc);

/*
 * Catch SIGINT and SIGTERM from the start of a headless run, before its
 * world exists: one that comes while the guest or the scenario loads is
 * kept, and headless_catch_signals stops the run at once.  Without it a
 * run started with SIGINT ignored (a background job of a script) lost a
 * SIGINT sent in its first milliseconds and ran on.
 */
void headless_catch_early(void);

/*
 * A device's output past what the VMX keeps (outbuf.h) was dropped: the
 * lines printed stop there (the output-full event said so at the time);
 * how much was lost is said at the end of a run, on stderr, which keeps
 * stdout the guest's own bytes.  Nothing if vm dropped nothing.
 */
void headless_print_dropped(const struct vm *vm);

/* The signal caught (SIGINT, SIGTERM), or 0. */
int headless_signal(void);

/*
 * The exit status of a headless run that would end with status: 128 + the
 * signal that stopped it, or EXIT_USAGE (with a message) when stdout could
 * not be written (full disk, closed pipe).
 */
int headless_exit_status(int status);

/*
 * On stderr, for a VM paused by a full datastore (VM_PAUSED): ESX's
 * question (storage.h), and that a headless run cannot answer it (it
 * exits 1).
 */
void headless_no_space(const struct vm *vm);

/*
 * The end of a running (or paused) VM's serial output that no newline
 * has ended yet (no event shows it), or NULL.
 */
const char *headless_partial_line(const struct vm *vm, size_t *len);

/* Guest output; on a terminal (visible) control bytes shown as ^[ ^G. */
void headless_put_guest(FILE *out, const char *p, size_t len, bool visible);

#endif
