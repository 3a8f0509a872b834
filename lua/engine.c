/*
 * engine.c - one scenario: its Lua state, its limits, its coroutine.
 *
 * The scenario runs as a Lua coroutine.  Each call to scenario_resume runs
 * it until it yields (say, pause, run{}) or ends; the player does what was
 * asked and resumes it again.  Between the two, nothing Lua runs, so the
 * simulator is never entered from Lua and Lua never runs inside the
 * simulator (its callbacks only set flags).
 *
 * A teacher's script must never hang or crash the program, so:
 *   - memory: the state allocates through engine_alloc, which refuses to
 *     grow past the limit; Lua turns the refusal into an error;
 *   - time: a count hook runs every HOOK_EVERY Lua instructions and stops
 *     a script that runs too long without yielding.  Once it has fired it
 *     fires at every instruction, so even a loop that catches the error
 *     with pcall dies at its next instruction outside the pcall.  The hook
 *     counts Lua instructions only, so work done inside C is charged too:
 *     every byte allocated (ALLOC_BYTES_PER_INSN bytes cost one
 *     instruction: string.rep, .., table.concat, s:upper...) and, by
 *     sandbox.c, every byte a pattern function scans and every element
 *     a table function or string.byte visits (elements.c).  Lua runs no hook
 *     inside a __gc finalizer (lgc.c GCTM turns hooks off) nor in a message
 *     handler called for an error raised by the hook itself: sandbox.c
 *     refuses __gc and keeps xpcall's handler away from a killed script;
 *     and the hook reads the CPU clock, a backstop for instructions that
 *     each do much work (over_time), and the flag a signal sets
 *     (scenario_interrupt);
 *   - everything that can raise a Lua error runs inside lua_pcall or
 *     lua_resume, so an error unwinds Lua only, never C or the simulator;
 *   - every error names the file and line it comes from.
 * What the script may call at all is sandbox.c's business.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>

#include "engine.h"
#include "status.h"

#define HOOK_EVERY 1000			/* Lua instructions per count hook */
#define DEF_LUA_INSNS 100000000ull	/* between two yields (~1 s) */
#define DEF_LUA_TOTAL 1000000000ull	/* in the whole scenario */
#define DEF_MEM (64u << 20)		/* bytes */
#define DEF_YIELDS 1000000u
#define DEF_CPU_MS 10000u		/* ten times the default budget's time */
#define MAX_QUEUED_LINES 10000		/* lines not yet taken by the player */
#define MAX_QUEUED_BYTES (1u << 20)
#define ALLOC_BYTES_PER_INSN 64	/* memcpy moves ~64 bytes per Lua insn */

static void count_hook(lua_State *L, lua_Debug *ar);

struct scenario *engine_get(lua_State *L)
{
	/* every thread of a state starts with a copy of the main extra space */
	return *(struct scenario **)lua_getextraspace(L);
}

/* ---- memory ------------------------------------------------------------- */

/*
 * Lua's allocator contract (lua_Alloc): nsize 0 frees; otherwise behave
 * like realloc.  When ptr is NULL, osize is a type tag, not a size.
 * Growing past the limit fails, and Lua raises "not enough memory".
 */
static void *engine_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
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
 * The hook at the very next instruction of every thread that is running:
 * the state's main thread, the scenario's coroutine and the script's own
 * coroutines resumed inside it (coroutines.c records them).  A hook is a
 * thread's own, and a coroutine created by the script starts with a copy
 * of its creator's (every HOOK_EVERY instructions).  Only lua_sethook,
 * which Lua allows in a signal handler (ldebug.c): scenario_interrupt
 * calls this from one.
 */
static void hook_running(struct scenario *sc)
{
	int n = sc->nrunning;

	lua_sethook(sc->L, count_hook, LUA_MASKCOUNT, 1);
	if (sc->co != NULL)
		lua_sethook(sc->co, count_hook, LUA_MASKCOUNT, 1);
	for (int i = 0; i < n && i < ENGINE_NEST_MAX; i++) {
		lua_State *th = sc->running[i];

		if (th != NULL)
			lua_sethook(th, count_hook, LUA_MASKCOUNT, 1);
	}
}

/* Raise the error that ended the script, in L. */
static void raise_killed(lua_State *L)
{
	struct scenario *sc = engine_get(L);

	/* from now on at every instruction of every running thread: no
	 * pcall, and no coroutine.resume in an outer coroutine, can keep it
	 * alive */
	hook_running(sc);
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

	sc->insns += HOOK_EVERY;
	sc->insns_total += HOOK_EVERY;
	if (!over_budget(sc) && !sc->interrupted && !over_time(sc))
		return;
	lua_getinfo(L, "Sl", ar);
	snprintf(where, sizeof where, "%s:%d", ar->short_src, ar->currentline);
	if (sc->interrupted) {
		snprintf(why, sizeof why, "was stopped by signal %d",
			 (int)sc->interrupted);
		kill_with(L, where, why);
	}
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
	hook_running(sc);
}

void engine_enter(lua_State *L, lua_State *co)
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

void engine_leave(lua_State *L)
{
	struct scenario *sc = engine_get(L);
	int n = sc->nrunning - 1;

	sc->nrunning = n;
	sc->running[n] = NULL;
	if (sc->killed)
		raise_killed(L);
}

void engine_charge(lua_State *L, uint64_t insns)
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

uint64_t engine_budget_left(lua_State *L)
{
	struct scenario *sc = engine_get(L);
	uint64_t a, b;

	if (over_budget(sc))
		return 0;
	a = sc->lim.lua_insns - sc->insns;
	b = sc->lim.lua_insns_total - sc->insns_total;
	return a < b ? a : b;
}

void engine_refuse(lua_State *L, const char *why)
{
	char where[ENGINE_WHERE_MAX];

	engine_where(L, where, sizeof where);
	kill_with(L, where, why);
}

bool engine_killed(lua_State *L)
{
	return engine_get(L)->killed;
}

/* ---- where, lines and yields -------------------------------------------- */

/* Lua frames from level 1 up; true for the one the script is at. */
static bool frame_at(lua_State *L, int level, lua_Debug *ar, bool skip_lib)
{
	if (!lua_getstack(L, level, ar) || !lua_getinfo(L, "Sl", ar))
		return false;
	if (ar->currentline <= 0)
		return false;			/* a C function */
	return !skip_lib || strncmp(ar->short_src, "lua/", 4) != 0;
}

static void where_from(lua_State *L, int first, char *buf, size_t size)
{
	lua_Debug ar;

	/* prefer the scenario's own line to a helper's inside lua/ */
	for (int pass = 0; pass < 2; pass++)
		for (int level = first; lua_getstack(L, level, &ar); level++)
			if (frame_at(L, level, &ar, pass == 0)) {
				snprintf(buf, size, "%s:%d", ar.short_src,
					 ar.currentline);
				return;
			}
	snprintf(buf, size, "%s", "?");
}

void engine_where(lua_State *L, char *buf, size_t size)
{
	where_from(L, 1, buf, size);
}

void engine_line(lua_State *L, enum scenario_line_kind kind,
		 const char *text, size_t len)
{
	struct scenario *sc = engine_get(L);
	struct engine_line *l;

	if (sc->nlines - sc->next >= MAX_QUEUED_LINES ||
	    sc->line_bytes + len > MAX_QUEUED_BYTES)
		luaL_error(L, "too much output without a pause: at most %d lines (%d KiB) between two say/pause/run calls",
			   MAX_QUEUED_LINES, (int)(MAX_QUEUED_BYTES >> 10));
	if (sc->nlines == sc->cap) {
		size_t cap = sc->cap ? sc->cap * 2 : 16;
		struct engine_line *grown = realloc(sc->lines, cap * sizeof *grown);

		if (grown == NULL)
			luaL_error(L, "out of memory queueing output");
		sc->lines = grown;
		sc->cap = cap;
	}
	l = &sc->lines[sc->nlines];
	l->text = malloc(len + 1);
	if (l->text == NULL)
		luaL_error(L, "out of memory queueing output");
	memcpy(l->text, text, len);
	l->text[len] = '\0';
	l->kind = kind;
	l->t_ns = sim_now_ns(sc->sim);
	engine_where(L, l->where, sizeof l->where);
	sc->line_bytes += len;
	sc->nlines++;
}

int engine_yield(lua_State *L, enum scenario_state st, lua_KFunction k)
{
	struct scenario *sc = engine_get(L);

	if (L != sc->co)
		return luaL_error(L, "say, pause and run belong to the scenario itself: they cannot be called inside a coroutine of its own");
	if (!lua_isyieldable(L))
		return luaL_error(L, "say, pause and run cannot be called from inside a callback (table.sort, string.gsub, a metamethod...)");
	if (++sc->yields > sc->lim.max_yields)
		return luaL_error(L, "more than %d say, pause and run calls: an endless loop?",
				  (int)sc->lim.max_yields);
	sc->state = st;
	sc->api_yield = true;
	return lua_yieldk(L, 0, 0, k);
}

/* Forget the lines the player has taken. */
static void drop_taken_lines(struct scenario *sc)
{
	size_t keep = sc->nlines - sc->next;

	if (sc->next == 0)
		return;
	for (size_t i = 0; i < sc->next; i++) {
		sc->line_bytes -= strlen(sc->lines[i].text);
		free(sc->lines[i].text);
	}
	memmove(sc->lines, sc->lines + sc->next, keep * sizeof *sc->lines);
	sc->nlines = keep;
	sc->next = 0;
}

bool scenario_next_line(struct scenario *sc, struct scenario_line *out)
{
	const struct engine_line *l;

	if (sc->next == sc->nlines)
		return false;
	l = &sc->lines[sc->next++];
	out->kind = l->kind;
	out->text = l->text;
	out->where = l->where;
	out->t_ns = l->t_ns;
	return true;
}

/* ---- open, resume, close ------------------------------------------------- */

/* Runs protected (lua_pcall): the sandbox, the API, the script compiled. */
static int setup(lua_State *L)
{
	struct scenario *sc = engine_get(L);
	char chunkname[PATH_MAX + 2];
	lua_State *co;

	sandbox_open(L);
	api_world_open(L);
	api_run_open(L);
	api_events_open(L);
	api_check_open(L);
	api_drsha_open(L);
	/* the helpers written in Lua: a module like any other */
	lua_getglobal(L, "require");
	lua_pushstring(L, "ringside");
	lua_call(L, 1, 0);
	snprintf(chunkname, sizeof chunkname, "@%s", sc->path);
	sandbox_loadfile(L, sc->path, chunkname);
	co = lua_newthread(L);
	lua_setfield(L, LUA_REGISTRYINDEX, "ringside.coroutine");
	lua_xmove(L, co, 1);		/* the compiled chunk, ready to start */
	sc->co = co;
	return 0;
}

/* The name a scenario goes by: "scenarios/tour.lua" -> "tour". */
static void set_name(struct scenario *sc)
{
	const char *base = strrchr(sc->path, '/');
	size_t n;

	base = base ? base + 1 : sc->path;
	n = strlen(base);
	if (n > 4 && strcmp(base + n - 4, ".lua") == 0)
		n -= 4;
	snprintf(sc->name, sizeof sc->name, "%.*s", (int)n, base);
}

static void defaults(struct scenario_limits *l)
{
	if (l->lua_insns == 0)
		l->lua_insns = DEF_LUA_INSNS;
	if (l->lua_insns_total == 0)
		l->lua_insns_total = DEF_LUA_TOTAL;
	if (l->mem_bytes == 0)
		l->mem_bytes = DEF_MEM;
	if (l->max_yields == 0)
		l->max_yields = DEF_YIELDS;
	if (l->cpu_ms == 0)
		l->cpu_ms = DEF_CPU_MS;
}

/*
 * A failed script's message, always with a file and line: Lua's own
 * messages have one; a memory error or error(x, 0) get the line the
 * coroutine (or the state, during set-up) was at.
 */
/*
 * Does a message start with a location, "file.lua:12:" or "[string
 * \"...\"]:3:" or the scenario's own path, as Lua's messages do?  error("1:2:3 x", 0) does not.
 */
static bool has_location(const char *msg, const char *path)
{
	const char *colon = strchr(msg, ':');
	const char *p;

	if (colon == NULL || colon == msg || colon[1] < '0' || colon[1] > '9')
		return false;
	if (!(colon - msg >= 4 && strncmp(colon - 4, ".lua", 4) == 0) &&
	    colon[-1] != ']' && (strlen(path) != (size_t)(colon - msg) ||
				 strncmp(msg, path, strlen(path)) != 0))
		return false;
	for (p = colon + 1; *p >= '0' && *p <= '9'; p++)
		;
	return *p == ':';
}

bool engine_has_location(lua_State *L, const char *msg)
{
	return has_location(msg, engine_get(L)->path);
}

static void set_error(struct scenario *sc, lua_State *th, int status)
{
	char where[ENGINE_WHERE_MAX];
	const char *msg = lua_type(th, -1) == LUA_TSTRING ? lua_tostring(th, -1) : NULL;
	const char *colon = msg ? strchr(msg, ':') : NULL;

	where_from(th, 0, where, sizeof where);
	if (status == LUA_ERRMEM || (sc->mem_refused && msg &&
				     strstr(msg, "not enough memory"))) {
		snprintf(sc->err, sizeof sc->err,
			 "%s: the scenario used more than %zu MiB of memory (memory limit)",
			 where, sc->lim.mem_bytes >> 20);
	} else if (msg == NULL) {
		snprintf(sc->err, sizeof sc->err,
			 "%s: error (the error value is a %s, not a message)",
			 where, luaL_typename(th, -1));
	} else if (has_location(msg, sc->path) &&
		   strncmp(msg, "lua/", 4) == 0 && strncmp(where, "lua/", 4) != 0) {
		/* raised in a helper of lua/: the scenario's line comes first */
		const char *rest = strchr(colon + 1, ':');

		snprintf(sc->err, sizeof sc->err, "%s:%s (in %.*s)", where,
			 rest ? rest + 1 : "", (int)(rest ? rest - msg : 0), msg);
	} else if (has_location(msg, sc->path)) {
		snprintf(sc->err, sizeof sc->err, "%s", msg);	/* "file:line: ..." */
	} else if (strcmp(where, "?") == 0) {
		/* no line of Lua to name (loading the file itself failed) */
		snprintf(sc->err, sizeof sc->err, "%s", msg);
	} else {
		snprintf(sc->err, sizeof sc->err, "%s: %s", where, msg);
	}
}

int scenario_open(const struct scenario_config *cfg, struct scenario **out,
		  char err[SCENARIO_ERR_MAX])
{
	struct scenario *sc = calloc(1, sizeof *sc);
	int rc;

	if (sc == NULL) {
		snprintf(err, SCENARIO_ERR_MAX, "out of memory");
		return SIM_ENOMEM;
	}
	snprintf(sc->path, sizeof sc->path, "%s", cfg->path);
	snprintf(sc->root, sizeof sc->root, "%s", cfg->root ? cfg->root : ".");
	set_name(sc);
	sc->mode = cfg->mode;
	sc->lim = cfg->limits;
	defaults(&sc->lim);
	sc->run_sub = -1;
	rc = sim_create(NULL, &sc->sim);
	if (rc == SIM_OK && (sc->L = lua_newstate(engine_alloc, sc)) == NULL)
		rc = SIM_ENOMEM;
	if (rc != SIM_OK) {
		snprintf(err, SCENARIO_ERR_MAX, "cannot create the world: %s",
			 sim_strerror(rc));
		scenario_close(sc);
		return rc;
	}
	*(struct scenario **)lua_getextraspace(sc->L) = sc;
	lua_sethook(sc->L, count_hook, LUA_MASKCOUNT, HOOK_EVERY);
	lua_pushcfunction(sc->L, setup);
	sc->cpu_start_ns = cpu_ns();
	rc = lua_pcall(sc->L, 0, 0, 0);
	if (rc != LUA_OK) {
		set_error(sc, sc->L, rc);
		snprintf(err, SCENARIO_ERR_MAX, "%s", sc->err);
		scenario_close(sc);
		return SIM_EFORMAT;
	}
	*out = sc;
	return SIM_OK;
}

enum scenario_state scenario_resume(struct scenario *sc)
{
	int nres, rc;

	if (sc->state == SCENARIO_DONE || sc->state == SCENARIO_FAILED)
		return sc->state;
	if (sc->state == SCENARIO_RUN && sc->run_reason == NULL)
		return sc->state;	/* the run is not over: caller misuse */
	drop_taken_lines(sc);
	if (sc->run_status != SIM_OK) {
		snprintf(sc->err, sizeof sc->err,
			 "%.300s: the simulator failed while running: %s",
			 sc->path, sim_strerror(sc->run_status));
		return sc->state = SCENARIO_FAILED;
	}
	sc->insns = 0;
	sc->state = SCENARIO_READY;
	sc->api_yield = false;
	sc->cpu_start_ns = cpu_ns();
	sc->nrunning = 0;
	rc = lua_resume(sc->co, sc->L, 0, &nres);
	if (sc->killed && (rc == LUA_OK || rc == LUA_YIELD)) {
		/* (hook_running makes this unreachable: a backstop) */
		snprintf(sc->err, sizeof sc->err, "%s", sc->killed_why);
		return sc->state = SCENARIO_FAILED;
	}
	if (rc == LUA_YIELD && !sc->api_yield) {
		/* coroutine.yield() from the scenario's own body: the player
		 * would resume it at once, forever, uncounted */
		char where[ENGINE_WHERE_MAX];

		where_from(sc->co, 0, where, sizeof where);
		snprintf(sc->err, sizeof sc->err,
			 "%s: coroutine.yield() outside a coroutine of the scenario's own: to wait, use pause() or run{...}",
			 where);
		return sc->state = SCENARIO_FAILED;
	}
	if (rc == LUA_YIELD) {
		lua_pop(sc->co, nres);
		return sc->state;
	}
	if (rc == LUA_OK)
		return sc->state = SCENARIO_DONE;
	set_error(sc, sc->co, rc);
	return sc->state = SCENARIO_FAILED;
}

int scenario_run_slice(struct scenario *sc, uint64_t max_insns,
		       scenario_runner *fn, void *ctx, bool *done)
{
	if (sc->state != SCENARIO_RUN || sc->run_reason != NULL) {
		*done = true;
		return SIM_ESTATE;
	}
	return api_run_slice(sc, max_insns, fn, ctx, done);
}

const struct scenario_run *scenario_pending_run(const struct scenario *sc)
{
	return &sc->run;
}

void scenario_close(struct scenario *sc)
{
	if (sc == NULL)
		return;
	if (sc->run_sub >= 0)
		event_log_unsubscribe(sim_events(sc->sim), sc->run_sub);
	if (sc->L)
		lua_close(sc->L);	/* Lua objects hold ids, not pointers */
	sim_destroy(sc->sim);
	for (size_t i = 0; i < sc->nlines; i++)
		free(sc->lines[i].text);
	free(sc->lines);
	free(sc);
}

struct sim *scenario_sim(struct scenario *sc)
{
	return sc->sim;
}

const char *scenario_name(const struct scenario *sc)
{
	return sc->name;
}

const char *scenario_file(const struct scenario *sc)
{
	return sc->path;
}

int scenario_expects(const struct scenario *sc, int *failed)
{
	if (failed)
		*failed = sc->failed;
	return sc->expects;
}

const char *scenario_error(const struct scenario *sc)
{
	return sc->err;
}
