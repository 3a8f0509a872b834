/*
 * limits.c - what a scenario may use: memory, Lua instructions, CPU time;
 * and the signal that stops it.
 *
 * A teacher's script must never hang the program:
 *   - memory: the state allocates through limits_alloc, which refuses to
 *     grow past the limit; Lua turns the refusal into an error;
 *   - instructions: a count hook runs every HOOK_EVERY Lua instructions
 *     and stops a script that runs too long without yielding.  Once it
 *     has fired it fires at every instruction of every running thread, so
 *     even a loop that catches the error with pcall, or a coroutine that
 *     resumed the one that hit the limit, dies at its next instruction.
 *     The hook counts Lua instructions only, so work done inside C is
 *     charged too: every byte allocated (ALLOC_BYTES_PER_INSN bytes cost
 *     one instruction: string.rep, .., table.concat, s:upper...) and, by
 *     sandbox.c, every byte a pattern function scans and every element a
 *     table function or string.byte visits (elements.c).  Lua runs no hook
 *     inside a __gc finalizer (lgc.c GCTM turns hooks off) nor in a message
 *     handler called for an error raised by the hook itself: sandbox.c
 *     refuses __gc and keeps xpcall's handler away from a killed script;
 *   - time: the hook reads the CPU clock, a backstop for instructions that
 *     each do much work (over_time);
 *   - signals: scenario_interrupt, from a signal handler, sets the hook of
 *     every running thread to the very next instruction (coroutines.c
 *     records which threads run); scenario_poll_soon does the same for a
 *     player that must look at its keys while the script runs (the TUI,
 *     from a timer).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>

#include "engine.h"

#define HOOK_EVERY 1000			/* Lua instructions per count hook */
#define ALLOC_BYTES_PER_INSN 64	/* memcpy moves ~64 bytes per Lua insn */

static void count_hook(lua_State *L, lua_Debug *ar);

/* ---- memory ------------------------------------------------------------- */

/*
 * Lua's allocator contract (lua_Alloc): nsize 0 frees; otherwise behave
 * like realloc.  When ptr is NULL, osize is a type tag, not a size.
 * Growing past the limit fails, and Lua raises "not enough memory".
 */
void *limits_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct scenario *sc = ud;
	size_t old = ptr ? osize : 0;
	void *p;

	if (nsize == 0) {
		free(ptr);
		sc->mem_used -= old;
		return NULL;
	}
	if (nsize > old && sc->mem_used - old + nsize > sc->lim.mem_bytes) {
		sc->mem_refused = true;
		return NULL;
	}
	p = realloc(ptr, nsize);
	if (p != NULL) {
		sc->mem_used = sc->mem_used - old + nsize;
		/* charged now, checked at the next count hook or charge */
		if (nsize > old) {
			sc->insns += (nsize - old) / ALLOC_BYTES_PER_INSN;
			sc->insns_total += (nsize - old) / ALLOC_BYTES_PER_INSN;
		}
	}
	return p;
}

/* ---- the instruction budget --------------------------------------------- */

/* Over a limit: the error names the line the script is at. */
static bool over_budget(const struct scenario *sc)
{
	return sc->killed || sc->insns > sc->lim.lua_insns ||
	       sc->insns_total > sc->lim.lua_insns_total;
}

/*
 * The hook at the very next instruction (every 1) of every thread that is
 * running, or back to every HOOK_EVERY:
 * the state's main thread, the scenario's coroutine and the script's own
 * coroutines resumed inside it (coroutines.c records them).  A hook is a
 * thread's own, and a coroutine created by the script starts with a copy
 * of its creator's (every HOOK_EVERY instructions).  Only lua_sethook,
 * which Lua allows in a signal handler (ldebug.c): scenario_interrupt
 * calls this from one.
 */
static void hook_running(struct scenario *sc, int every)
{
	int n = sc->nrunning;

	lua_sethook(sc->L, count_hook, LUA_MASKCOUNT, every);
	if (sc->co != NULL)
		lua_sethook(sc->co, count_hook, LUA_MASKCOUNT, every);
	for (int i = 0; i < n && i < ENGINE_NEST_MAX; i++) {
		lua_State *th = sc->running[i];

		if (th != NULL)
			lua_sethook(th, count_hook, LUA_MASKCOUNT, every);
	}
}

/* Raise the error that ended the script, in L. */
static void raise_killed(lua_State *L)
{
	struct scenario *sc = engine_get(L);

	/* from now on at every instruction of every running thread: no
	 * pcall, and no coroutine.resume in an outer coroutine, can keep it
	 * alive */
	hook_running(sc, 1);
	lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
	lua_pushstring(L, sc->killed_why);
	lua_error(L);
}

/*
 * End the script for good: from now on every instruction raises the same
 * error (a pcall that caught the first does not get to replace it).
 */
static void kill_with(lua_State *L, const char *where, const char *why)
{
	struct scenario *sc = engine_get(L);

	if (!sc->killed)
		snprintf(sc->killed_why, sizeof sc->killed_why,
			 "%s: the scenario %s", where, why);
	sc->killed = true;
	raise_killed(L);
}

static void kill_script(lua_State *L, const char *where)
{
	struct scenario *sc = engine_get(L);
	char why[200];

	if (sc->insns_total > sc->lim.lua_insns_total)
		snprintf(why, sizeof why, "ran out of its instruction budget (%llu Lua instructions in all)",
			 (unsigned long long)sc->lim.lua_insns_total);
	else
		snprintf(why, sizeof why, "ran %llu Lua instructions without a pause, run or say: an endless loop? (instruction budget)",
			 (unsigned long long)sc->lim.lua_insns);
	kill_with(L, where, why);
}

/* CPU time this thread has used, in ns (the clock other processes do
 * not advance). */
static uint64_t cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * The time limit: a backstop, not the budget.  Some instructions do work
 * in proportion to the values they move, which the count cannot see: `...`
 * and a call copy a vararg of up to a million values each time, == and <
 * read two long strings whole.  A script made of those runs for hours
 * inside its instruction budget; the clock, read at each count hook (every
 * HOOK_EVERY instructions, a few ns each), ends it.  An ordinary script
 * spends its whole instruction budget in a tenth of this time, so the
 * limit never decides its outcome.
 */
static bool over_time(const struct scenario *sc)
{
	return cpu_ns() - sc->cpu_start_ns > (uint64_t)sc->lim.cpu_ms * 1000000u;
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
	struct scenario *sc = engine_get(L);
	char where[ENGINE_WHERE_MAX], why[300];

	const char *stop = NULL;

	sc->insns += (uint64_t)lua_gethookcount(L);
	sc->insns_total += (uint64_t)lua_gethookcount(L);
	if (sc->poll_due && !sc->killed) {
		/* the player's turn (a key typed in the TUI), then the usual
		 * pace again; a signal meanwhile is seen just below */
		sc->poll_due = 0;
		hook_running(sc, HOOK_EVERY);
		stop = sc->poll ? sc->poll(sc->poll_ctx) : NULL;
	}
	if (!over_budget(sc) && !sc->interrupted && !stop && !over_time(sc))
		return;
	lua_getinfo(L, "Sl", ar);
	snprintf(where, sizeof where, "%s:%d", ar->short_src, ar->currentline);
	if (sc->interrupted) {
		snprintf(why, sizeof why, "was stopped by signal %d",
			 (int)sc->interrupted);
		kill_with(L, where, why);
	}
	if (stop)
		kill_with(L, where, stop);
	if (!over_budget(sc)) {
		snprintf(why, sizeof why,
			 "ran for %u s of CPU time without a pause, run or say (time limit): some of its instructions do much work each (a long vararg ..., comparisons of long strings)",
			 sc->lim.cpu_ms / 1000);
		kill_with(L, where, why);
	}
	kill_script(L, where);
}

void scenario_interrupt(struct scenario *sc, int sig)
{
	sc->interrupted = sig;
	/* the hook at the very next instruction, wherever the script is */
	hook_running(sc, 1);
}

void scenario_set_poll(struct scenario *sc, const char *(*poll)(void *ctx),
		       void *ctx)
{
	sc->poll = poll;
	sc->poll_ctx = ctx;
}

void scenario_poll_soon(struct scenario *sc)
{
	sc->poll_due = 1;
	hook_running(sc, 1);
}

void limits_enter(lua_State *L, lua_State *co)
{
	struct scenario *sc = engine_get(L);
	int n = sc->nrunning;

	if (n >= ENGINE_NEST_MAX)
		luaL_error(L, "coroutines resumed inside one another more than %d deep",
			   ENGINE_NEST_MAX);
	/* the entry first, then the count: a signal sees either whole */
	sc->running[n] = co;
	sc->nrunning = n + 1;
}

void limits_leave(lua_State *L)
{
	struct scenario *sc = engine_get(L);
	int n = sc->nrunning - 1;

	sc->nrunning = n;
	sc->running[n] = NULL;
	if (sc->killed)
		raise_killed(L);
}

void limits_charge(lua_State *L, uint64_t insns)
{
	struct scenario *sc = engine_get(L);
	char where[ENGINE_WHERE_MAX];

	sc->insns += insns;
	sc->insns_total += insns;
	if (!over_budget(sc))
		return;
	engine_where(L, where, sizeof where);
	kill_script(L, where);
}

uint64_t limits_budget_left(lua_State *L)
{
	struct scenario *sc = engine_get(L);
	uint64_t a, b;

	if (over_budget(sc))
		return 0;
	a = sc->lim.lua_insns - sc->insns;
	b = sc->lim.lua_insns_total - sc->insns_total;
	return a < b ? a : b;
}

void limits_refuse(lua_State *L, const char *why)
{
	char where[ENGINE_WHERE_MAX];

	engine_where(L, where, sizeof where);
	kill_with(L, where, why);
}

uint64_t limits_heap_cost(lua_State *L)
{
	/* measured: 100 full collections of 15 MB of small tables (200,000
	 * of them) took 0.4 s, 0.27 ns a byte; at ~10 ns a Lua instruction
	 * that is one per 40 bytes, the order of ALLOC_BYTES_PER_INSN */
	return engine_get(L)->mem_used / ALLOC_BYTES_PER_INSN;
}

bool limits_killed(lua_State *L)
{
	return engine_get(L)->killed;
}

void limits_start(struct scenario *sc)
{
	lua_sethook(sc->L, count_hook, LUA_MASKCOUNT, HOOK_EVERY);
	sc->cpu_start_ns = cpu_ns();
}

void limits_resume(struct scenario *sc)
{
	sc->insns = 0;
	sc->cpu_start_ns = cpu_ns();
	sc->nrunning = 0;
}
