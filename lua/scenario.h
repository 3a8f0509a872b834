/*
 * scenario.h - playing a Lua scenario: the public face of lua/.
 *
 * A scenario is a Lua 5.4 script that builds a world (hosts, VMs running
 * real guest kernels), narrates, paces and checks.  It runs as a coroutine
 * inside a sandbox; every time it says something, pauses or asks for
 * simulated time to pass, it *yields* to whoever plays it (the TUI or the
 * headless printer), which shows what it must and then resumes it:
 *
 *     scenario_open(&cfg, &sc, err);
 *     for (;;) {
 *         enum scenario_state st = scenario_resume(sc);
 *         while (scenario_next_line(sc, &line))
 *             show(line);                   narration, expect results
 *         if (st == SCENARIO_RUN)
 *             while (!done)                 the player decides the slices:
 *                 scenario_run_slice(sc, n, NULL, NULL, &done);
 *         else if (st == SCENARIO_PAUSE)
 *             wait_for_the_teacher();
 *         else if (st == SCENARIO_DONE || st == SCENARIO_FAILED)
 *             break;
 *     }
 *     scenario_close(sc);
 *
 * The world itself (struct sim) belongs to the scenario; players read it
 * through the ordinary sim API.  Nothing here prints or draws.
 */
#ifndef LUA_SCENARIO_H
#define LUA_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim.h"

#define SCENARIO_ERR_MAX 512

/* What a runaway script may use before it is stopped (0: the default). */
struct scenario_limits {
	uint64_t lua_insns;	/* Lua VM instructions between two yields
				   (default 100 million, about a second) */
	uint64_t lua_insns_total;	/* over the whole scenario (1 billion) */
	size_t mem_bytes;	/* memory the Lua state may hold (64 MiB) */
	uint32_t max_yields;	/* say/pause/run calls in all (1 million) */
	uint32_t cpu_ms;	/* CPU time between two yields (10 s): the
				   backstop for instructions that each do
				   much work, which no count sees */
};

struct scenario_config {
	const char *path;	/* the scenario file, as the user named it */
	const char *root;	/* directory holding scenarios/ and lua/
				   (NULL: the current directory) */
	enum exec_mode mode;	/* mode of VMs that do not name one */
	struct scenario_limits limits;
};

/* What the scenario is waiting for after scenario_resume. */
enum scenario_state {
	SCENARIO_READY = 0,	/* nothing: resume it */
	SCENARIO_SAY,		/* it said something (a line is queued) */
	SCENARIO_PAUSE,		/* pause(): wait for the teacher, then resume */
	SCENARIO_RUN,		/* run{}: call scenario_run_slice until done */
	SCENARIO_DONE,		/* the script ended */
	SCENARIO_FAILED		/* a script error; scenario_error() says it */
};

/* Things to show, queued in the order the script produced them. */
enum scenario_line_kind {
	LINE_SAY = 0,		/* narration: say() */
	LINE_PRINT,		/* print(): a note, no pause */
	LINE_EXPECT_OK,		/* expect() held */
	LINE_EXPECT_FAILED,	/* expect() did not */
	LINE_COMMAND		/* tui("view worlds"): a named TUI command for
				   the player to run (headless: nothing) */
};

struct scenario_line {
	enum scenario_line_kind kind;
	const char *text;	/* valid until the next scenario_* call */
	const char *where;	/* "scenarios/tour.lua:12" */
	uint64_t t_ns;		/* simulated time when it was produced */
};

/* A pending run{} request, as the player may want to show it. */
struct scenario_run {
	uint64_t insns_left;	/* guest instructions it may still run */
	uint64_t until_ns;	/* stop at this simulated time (0: none) */
	int until_kind;		/* stop after an event of this kind (-1) */
	uint32_t speed;		/* TUI: instructions a second (0: fast) */
	uint32_t animate;	/* TUI: then replay the last N instructions of
				   the VM on screen, hop by hop (0: none) */
};

struct scenario;

/*
 * Create the world and the sandboxed Lua state, and load (compile) the
 * scenario file without running it.  On failure returns a sim status and
 * writes a message naming the file (and line, for a syntax error) to err.
 */
int scenario_open(const struct scenario_config *cfg, struct scenario **out,
		  char err[SCENARIO_ERR_MAX]);

/* Free the Lua state and the world.  Accepts NULL. */
void scenario_close(struct scenario *sc);

/* The world the scenario built (owned by the scenario). */
struct sim *scenario_sim(struct scenario *sc);

/* The scenario's name: its file name without directory and ".lua". */
const char *scenario_name(const struct scenario *sc);

/* The scenario's file, as it was opened. */
const char *scenario_file(const struct scenario *sc);

/*
 * Is the file at path (any path to it: links followed, hard links alike)
 * one the scenario made ringside read: itself, a Lua file it required, a
 * guest, ISO or disk image or module of a VM it added?  What it was
 * ("guest", "Lua file"...), or NULL.  An output must not replace it.
 */
const char *scenario_reads(const struct scenario *sc, const char *path);

/*
 * Run the script until it yields or ends.  Must not be called while a run
 * is pending (SCENARIO_RUN and not yet done).
 */
enum scenario_state scenario_resume(struct scenario *sc);

/*
 * Stop the script at its next Lua instruction, with the error "file:line:
 * the scenario was stopped by signal SIG".  Safe to call from a signal
 * handler (Lua's lua_sethook is, as lua.c's ^C handler relies on).
 */
void scenario_interrupt(struct scenario *sc, int sig);

/*
 * For a player that cannot wait for the script to yield (the TUI reads no
 * key while Lua runs): after scenario_poll_soon (safe from a signal
 * handler, a timer's), at the script's next Lua instruction, poll(ctx) is
 * called, from Lua's count hook, never from the handler.  It must not
 * touch the scenario.  A non-NULL answer stops the script with the error
 * "file:line: the scenario <answer>"; NULL lets it go on.
 */
void scenario_set_poll(struct scenario *sc, const char *(*poll)(void *ctx),
		       void *ctx);
void scenario_poll_soon(struct scenario *sc);

/* The next queued line, oldest first; false when there is none. */
bool scenario_next_line(struct scenario *sc, struct scenario_line *out);

/* The pending run{} request (meaningful in SCENARIO_RUN). */
const struct scenario_run *scenario_pending_run(const struct scenario *sc);

/*
 * How a player runs the world for a slice of a run{}: at most max_insns
 * guest instructions, stopping at simulated time until_ns if it is not 0.
 * NULL means sim_run / sim_run_until.  (The TUI passes its own, to watch
 * each instruction at slow speeds.)
 */
typedef int scenario_runner(void *ctx, uint64_t max_insns, uint64_t until_ns,
			    enum sim_stop *why);

/*
 * Do part of the pending run: at most max_insns guest instructions.  Sets
 * *done when the run is over (its budget, time or event reached, or
 * nothing left to run); then resume the scenario.  Returns a sim status.
 */
int scenario_run_slice(struct scenario *sc, uint64_t max_insns,
		       scenario_runner *fn, void *ctx, bool *done);

/*
 * The event that ended the last run{until_event=...} (false if none did):
 * a player uses its place in the log to tell what ran before it from
 * what the world ran on past it before it could stop.
 */
bool scenario_run_event(const struct scenario *sc, struct event *out);

/* Expectations checked so far, and how many failed. */
int scenario_expects(const struct scenario *sc, int *failed);

/* The script error (SCENARIO_FAILED): "file:line: what went wrong". */
const char *scenario_error(const struct scenario *sc);

#endif
