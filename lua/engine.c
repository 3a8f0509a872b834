/*
 * engine.c - one scenario: its Lua state, its coroutine, its lines and
 * its errors.
 *
 * The scenario runs as a Lua coroutine.  Each call to scenario_resume runs
 * it until it yields (say, pause, run{}) or ends; the player does what was
 * asked and resumes it again.  Between the two, nothing Lua runs, so the
 * simulator is never entered from Lua and Lua never runs inside the
 * simulator (its callbacks only set flags).
 *
 * A teacher's script must never hang or crash the program, so:
 *   - memory, instructions, CPU time and signals are limits.c's business:
 *     the state allocates through it, and its count hook stops a script
 *     that runs too long without yielding;
 *   - everything that can raise a Lua error runs inside lua_pcall or
 *     lua_resume, so an error unwinds Lua only, never C or the simulator;
 *   - every error names the file and line it comes from.
 * What the script may call at all is sandbox.c's business.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "engine.h"
#include "status.h"

#define DEF_LUA_INSNS 100000000ull	/* between two yields (~1 s) */
#define DEF_LUA_TOTAL 1000000000ull	/* in the whole scenario */
#define DEF_MEM (64u << 20)		/* bytes */
#define DEF_YIELDS 1000000u
#define DEF_CPU_MS 10000u		/* ten times the default budget's time */
#define MAX_QUEUED_LINES 10000		/* lines not yet taken by the player */
#define MAX_QUEUED_BYTES (1u << 20)

struct scenario *engine_get(lua_State *L)
{
	/* every thread of a state starts with a copy of the main extra space */
	return *(struct scenario **)lua_getextraspace(L);
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
	if (rc == SIM_OK && (sc->L = lua_newstate(limits_alloc, sc)) == NULL)
		rc = SIM_ENOMEM;
	if (rc != SIM_OK) {
		snprintf(err, SCENARIO_ERR_MAX, "cannot create the world: %s",
			 sim_strerror(rc));
		scenario_close(sc);
		return rc;
	}
	*(struct scenario **)lua_getextraspace(sc->L) = sc;
	limits_start(sc);
	lua_pushcfunction(sc->L, setup);
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
	sc->state = SCENARIO_READY;
	sc->api_yield = false;
	limits_resume(sc);
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
	inputs_free(sc);
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
