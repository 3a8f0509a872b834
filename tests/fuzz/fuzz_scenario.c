/*
 * fuzz_scenario.c - libFuzzer target: the scenario loader and the sandbox
 * (lua/engine.c, lua/sandbox.c).  Any bytes as a scenario file, opened and
 * resumed to its end with small limits; every run must end (a limit, an
 * error naming file:line, or done), never crash.
 *
 * Runs are not played in full: the world runs at most FUZZ_INPUT_INSNS
 * guest instructions for all of an input's run{} calls together; a run{}
 * still going when they are spent is ended as if the guests had nothing
 * left to do (its reason "idle"), as a player with no time would end it.
 * Each run{} used to run up to 4 million instructions, which took most
 * of an input's time (about 6 inputs a second on a shared 2-CPU machine);
 * the guests' code is much the same whatever the input, but a script
 * needs some of it run to get past its first run{} to the rest of its
 * calls (an event it waits for), so the budget is not zero
 * (docs/performance.md, "The scenario fuzz target", has the figures).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario.h"
#include "sim.h"
#include "status.h"

#ifndef FUZZ_INPUT_INSNS
#define FUZZ_INPUT_INSNS 1000000u
#endif

/* The instructions the input's runs have left (reset for each input). */
static uint64_t insns_left;

/* The player's runner (scenario_runner): within what is left, then over. */
static int run_within_budget(void *ctx, uint64_t max_insns, uint64_t until_ns,
			     enum sim_stop *why)
{
	struct sim *s = ctx;
	uint64_t n = max_insns < insns_left ? max_insns : insns_left;
	uint64_t before = sim_insns(s), ran;
	int rc = SIM_OK;

	*why = SIM_STOP_BUDGET;
	if (n > 0)
		rc = until_ns ? sim_run_until(s, until_ns, n, why) :
				sim_run(s, n, why);
	ran = sim_insns(s) - before;
	insns_left -= ran < insns_left ? ran : insns_left;
	if (insns_left == 0 && *why == SIM_STOP_BUDGET)
		*why = SIM_STOP_IDLE;	/* not over by itself: ended here */
	return rc;
}

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
	insns_left = FUZZ_INPUT_INSNS;
	for (int i = 0; i < 200; i++) {
		enum scenario_state st = scenario_resume(sc);
		bool done = false;

		if (st == SCENARIO_DONE || st == SCENARIO_FAILED)
			break;
		if (st == SCENARIO_RUN)
			scenario_run_slice(sc, 20000, run_within_budget,
					   scenario_sim(sc), &done);
	}
	scenario_close(sc);
	return 0;
}
