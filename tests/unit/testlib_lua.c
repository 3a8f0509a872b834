/*
 * testlib_lua.c - scenarios played for the engine's tests (see
 * testlib_lua.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "status.h"
#include "testlib_lua.h"

const struct scenario_limits tl_play_small = {
	.lua_insns = 2000000, .lua_insns_total = 20000000,
	.mem_bytes = 16u << 20, .max_yields = 1000,
};

static void write_script(struct tl_play *p, const char *src)
{
	FILE *f;
	int fd;

	snprintf(p->path, sizeof p->path, "/tmp/ringside-lua-XXXXXX");
	fd = mkstemp(p->path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(src, f);
	fclose(f);
}

void tl_play(struct tl_play *p, const char *src)
{
	tl_play_with(p, src, &tl_play_small);
}

void tl_play_with(struct tl_play *p, const char *src,
		  const struct scenario_limits *lim)
{
	static const char *const kinds[] = { "SAY", "PRINT", "OK", "FAIL" };
	struct scenario_config cfg = { .root = ".", .mode = MODE_TE,
				       .limits = *lim };
	struct scenario_line line;
	bool done;

	memset(p, 0, sizeof *p);
	write_script(p, src);
	cfg.path = p->path;
	p->open_rc = scenario_open(&cfg, &p->sc, p->open_err);
	if (p->open_rc != SIM_OK)
		return;
	do {
		p->end = scenario_resume(p->sc);
		if (p->nsteps < TL_PLAY_MAX_STEPS)
			p->steps[p->nsteps++] = p->end;
		while (scenario_next_line(p->sc, &line))
			snprintf(p->lines + strlen(p->lines),
				 sizeof p->lines - strlen(p->lines), "%s %s @ %s\n",
				 kinds[line.kind], line.text, line.where);
		while (p->end == SCENARIO_RUN &&
		       scenario_run_slice(p->sc, 1000000, NULL, NULL, &done) == SIM_OK &&
		       !done)
			;
	} while (p->end != SCENARIO_DONE && p->end != SCENARIO_FAILED);
}

void tl_play_expect_done(struct tl_play *p)
{
	if (p->open_rc != SIM_OK)
		fail_msg("did not open: %s", p->open_err);
	if (p->end != SCENARIO_DONE)
		fail_msg("failed: %s\nlines:\n%s", scenario_error(p->sc), p->lines);
	if (strstr(p->lines, "FAIL ") != NULL)
		fail_msg("an expect failed:\n%s", p->lines);
}

void tl_play_close(struct tl_play *p)
{
	scenario_close(p->sc);
	unlink(p->path);
}

void tl_play_expect_failure(const char *src, int line, const char *needle)
{
	struct tl_play p;
	char where[96];
	const char *err;

	tl_play(&p, src);
	err = p.open_rc != SIM_OK ? p.open_err : scenario_error(p.sc);
	if (p.open_rc == SIM_OK && p.end != SCENARIO_FAILED)
		fail_msg("script did not fail: %s", src);
	snprintf(where, sizeof where, "%s:%d:", p.path, line);
	if (strncmp(err, where, strlen(where)) != 0 || strstr(err, needle) == NULL)
		fail_msg("for %s\nwanted \"%s ...%s...\"\ngot    \"%s\"", src, where,
			 needle, err);
	tl_play_close(&p);
}

