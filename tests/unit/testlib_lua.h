/*
 * testlib_lua.h - helpers the scenario engine's tests share (linked only
 * into the test_lua* suites, which link lua/): a small scenario written
 * to a temporary file and played the way the headless player plays it.
 */
#ifndef TESTLIB_LUA_H
#define TESTLIB_LUA_H

#include "scenario.h"

#define TL_PLAY_MAX_STEPS 64

/* One played scenario: what the player saw. */
struct tl_play {
	struct scenario *sc;
	char path[64];			/* the temporary file */
	int open_rc;
	char open_err[SCENARIO_ERR_MAX];
	enum scenario_state steps[TL_PLAY_MAX_STEPS];	/* states, in order */
	int nsteps;
	char lines[1 << 18];		/* every line: "KIND text @ where\n" */
	enum scenario_state end;
};

/*
 * Write src to a temporary file, open it and play it to its end if it
 * opened, with small limits (2 million Lua instructions between yields,
 * 16 MiB) so runaway scripts are stopped quickly.  The scenario is kept
 * for inspection: tl_play_close ends it.
 */
void tl_play(struct tl_play *p, const char *src);
/* The same with other limits (tl_play_small: tl_play's). */
void tl_play_with(struct tl_play *p, const char *src,
		  const struct scenario_limits *lim);
extern const struct scenario_limits tl_play_small;
/* The script must have run to its end, every expect holding. */
void tl_play_expect_done(struct tl_play *p);
/* Close the scenario and remove its file. */
void tl_play_close(struct tl_play *p);
/* The script must fail with an error at line `line` containing needle. */
void tl_play_expect_failure(const char *src, int line, const char *needle);

#endif
