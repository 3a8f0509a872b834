/*
 * play.h - playing Lua scenarios: headless, in the TUI, and listing them.
 *
 * The scenario itself (lua/scenario.h) decides what happens; a player
 * decides how it is shown: the headless player prints narration, guest
 * output and notable events (or the whole trace) and exits with the
 * verdict; the TUI player shows narration in its pane, waits for the
 * teacher at every pause() and animates the runs.
 */
#ifndef VISUAL_PLAY_H
#define VISUAL_PLAY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "scenario.h"

/*
 * Exit statuses of a played scenario: every expect held (0), some
 * expect failed (EXIT_GUEST_FAILED, 1), the script failed or could not
 * be loaded (EXIT_USAGE, 2).
 */

/* `ringside --headless S.lua`: play it through; returns the exit status. */
int play_headless(const struct options *opt, const char *path);

/* `ringside S.lua`: play it in the TUI; returns the exit status. */
int play_tui(const struct options *opt, const char *path);

/* `ringside --list`: the bundled scenarios, one line each. */
int play_list(FILE *out);

/*
 * A scenario's one-line description, from its first line:
 * "-- tour: everything in 10 minutes" gives "everything in 10 minutes".
 * Returns 0, or -1 (with buf "") if the file has no such line.
 */
int play_describe(const char *path, char *buf, size_t size);

/* The file a scenario name stands for: name itself, or scenarios/NAME.lua. */
const char *play_path(const char *name, char *buf, int size);

/* Does the scenario exist?  If not, err names what was looked for, where. */
int play_check(const char *name, char *err, int errlen);

/*
 * Open the scenario a user named: a path, or a bare name ("tour") for a
 * bundled one.  On failure prints the reason to stderr and returns NULL.
 */
struct scenario *play_open(const struct options *opt, const char *path);

/* ---- the TUI's hooks (play_tui.c), used while app->play is set ---------- */

struct app;
struct rect;

/* Move the scenario on: resume it, or run a slice of its run{}. */
void play_tui_tick(struct app *a, uint64_t now_ms);

/* How soon play_tui_tick wants to run again (-1: only after a key). */
int play_tui_wait_ms(const struct app *a, uint64_t now_ms);

/* A key, before the TUI's own bindings: 1 if the scenario took it. */
int play_tui_key(struct app *a, int key);

/* The narration pane, and the key hints while a scenario plays. */
void play_tui_draw(struct app *a, const struct rect *r);
void play_tui_hints(struct app *a, const struct rect *r);

#endif
