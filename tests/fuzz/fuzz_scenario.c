/*
 * fuzz_scenario.c - libFuzzer target: the scenario loader and the sandbox
 * (lua/engine.c, lua/sandbox.c).  Any bytes as a scenario file, opened and
 * resumed to its end with small limits; every run must end (a limit, an
 * error naming file:line, or done), never crash.  Runs are not played: a
 * run{} is ended at once, as a player with no time would.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario.h"
#include "status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct scenario_config cfg = { .root = ".", .mode = MODE_BT };
	struct scenario *sc;
	char err[SCENARIO_ERR_MAX];
	FILE *f;

	if (path[0] == '\0')
		snprintf(path, sizeof path, "/tmp/ringside-fuzz-%d.lua", (int)getpid());
	f = fopen(path, "wb");
	if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	cfg.path = path;
	cfg.limits.lua_insns = 200000;
	cfg.limits.lua_insns_total = 1000000;
	cfg.limits.mem_bytes = 16u << 20;
	cfg.limits.max_yields = 100;
	if (scenario_open(&cfg, &sc, err) != SIM_OK)
		return 0;
	for (int i = 0; i < 200; i++) {
		enum scenario_state st = scenario_resume(sc);
		bool done = false;

		if (st == SCENARIO_DONE || st == SCENARIO_FAILED)
			break;
		if (st == SCENARIO_RUN)
			scenario_run_slice(sc, 20000, NULL, NULL, &done);
	}
	scenario_close(sc);
	return 0;
}
