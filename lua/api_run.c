/*
 * api_run.c - pacing: what a scenario says, and how it lets time pass.
 *
 *   say("The guest kernel believes it is in ring 0.")   narration
 *   say("%d traps so far", n)                           (with a format)
 *   print(...)                                          a note, no pause
 *   pause()                                             wait for the teacher
 *   run{insns=50000}                                    guest instructions
 *   run{seconds=0.5}                                    simulated time
 *   run{until_event="power", vm=vm1}                    until an event
 *   run{until_event="trap", animate=3}                  ... then the TUI
 *                                       replays the last 3 hop by hop
 *   now(), now_ns(), mark()                             the clock, the log
 *
 * say, pause and run *yield*: the coroutine stops and the player (TUI or
 * headless) gets control.  A run is carried out by the player, in slices
 * of its choosing (the TUI draws between them), through api_run_slice;
 * when it is over, the player resumes the scenario and run{} returns why
 * it ended: "insns", "seconds", "event" (and the event, as a table) or
 * "idle" (nothing left that can run).
 *
 * Watching for an event is a subscription to the event log.  Its callback
 * runs inside the simulator (inside a CPU hook, even), so it never calls
 * Lua: it copies the event and asks the world to stop.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "engine.h"
#include "status.h"

/* run{until_event=K} without insns= or seconds= stops after this many */
#define EVENT_RUN_INSNS 1000000000ull

/* ---- narration ------------------------------------------------------------ */

/*
 * Narration is written for the source to read well, in long strings
 * broken wherever the author liked; players wrap it to their own width.
 * So the text is reflowed, as Markdown would: lines of a paragraph are
 * joined with spaces, a blank line separates paragraphs, and a line that
 * starts with a space (a quoted line of guest output, say) stays as it is.
 * The result: one line per paragraph or verbatim line, "" between
 * paragraphs.
 */
static void reflow(luaL_Buffer *b, const char *s, size_t n)
{
	bool in_para = false, blank = false;
	const char *end = s + n;

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *next = nl ? nl + 1 : end;
		size_t len = (size_t)((nl ? nl : end) - s);
		bool verbatim = len > 0 && (s[0] == ' ' || s[0] == '\t');

		while (len > 0 && s[len - 1] == ' ')
			len--;
		if (len == 0) {
			blank = in_para || blank;
			in_para = false;
		} else {
			if (blank && luaL_bufflen(b) > 0)
				luaL_addstring(b, "\n\n");
			else if (luaL_bufflen(b) > 0)
				luaL_addchar(b, in_para && !verbatim ? ' ' : '\n');
			luaL_addlstring(b, s, len);
			in_para = !verbatim;
			blank = false;
		}
		s = next;
	}
}

/* The text of say(text) or say(format, ...), reflowed. */
static const char *say_text(lua_State *L, size_t *len)
{
	luaL_Buffer b;
	size_t n;
	const char *raw;

	if (lua_gettop(L) > 1) {
		luaL_checkstring(L, 1);
		lua_getglobal(L, "string");
		lua_getfield(L, -1, "format");
		lua_insert(L, 1);
		lua_pop(L, 1);
		lua_call(L, lua_gettop(L) - 1, 1);
	}
	raw = luaL_tolstring(L, 1, &n);
	luaL_buffinit(L, &b);
	reflow(&b, raw, n);
	luaL_pushresult(&b);
	return lua_tolstring(L, -1, len);
}

static int l_say(lua_State *L)
{
	size_t len;
	const char *text = say_text(L, &len);

	engine_line(L, LINE_SAY, text, len);
	return engine_yield(L, SCENARIO_SAY, NULL);
}

/* print(...) as Lua's, tab-separated, but into the narration queue. */
static int l_print(lua_State *L)
{
	int n = lua_gettop(L);
	luaL_Buffer b;

	luaL_buffinit(L, &b);
	for (int i = 1; i <= n; i++) {
		if (i > 1)
			luaL_addchar(&b, '\t');
		luaL_tolstring(L, i, NULL);
		luaL_addvalue(&b);
	}
	luaL_pushresult(&b);
	engine_line(L, LINE_PRINT, lua_tostring(L, -1), lua_rawlen(L, -1));
	return 0;
}

/*
 * tui("view worlds"): have the TUI run one of its named commands, the same
 * ones its keys run (a view, a speed, the quiz...).  Headless it does
 * nothing, so a scenario stays a test.
 */
static int l_tui(lua_State *L)
{
	size_t len;
	const char *cmd = luaL_checklstring(L, 1, &len);

	engine_line(L, LINE_COMMAND, cmd, len);
	return 0;
}

static int l_pause(lua_State *L)
{
	return engine_yield(L, SCENARIO_PAUSE, NULL);
}

/* ---- running ------------------------------------------------------------- */

/* One field of the event against the wanted ones (no Lua here). */
static void match_field(void *ctx, const struct trace_field *f)
{
	struct scenario *sc = ctx;

	for (int i = 0; i < sc->nmatch && f->key; i++) {
		struct run_match *m = &sc->match[i];

		if (strcmp(f->key, m->key) != 0)
			continue;
		if (m->type == TRACE_STR)
			m->equal = f->type == TRACE_STR && f->len == strlen(m->str) &&
				   memcmp(f->str, m->str, f->len) == 0;
		else
			m->equal = f->type != TRACE_STR && f->num == m->num &&
				   (m->type == TRACE_BOOL) == (f->type == TRACE_BOOL);
	}
}

static bool matches(struct scenario *sc, const struct event *ev)
{
	for (int i = 0; i < sc->nmatch; i++)
		sc->match[i].equal = false;
	if (sc->nmatch > 0)
		trace_fields(sc->sim, ev, match_field, sc);
	for (int i = 0; i < sc->nmatch; i++)
		if (!sc->match[i].equal)
			return false;
	return true;
}

/*
 * Runs inside the simulator, maybe inside a CPU hook: no Lua, only C.
 * Keep the first event that fits and ask the world to stop.
 */
static void on_event(void *ctx, const struct event *ev)
{
	struct scenario *sc = ctx;

	if (sc->run_event_seen || (sc->run_vm >= 0 && ev->vm != sc->run_vm) ||
	    !matches(sc, ev))
		return;
	sc->run_event = *ev;
	sc->run_event_seen = true;
	sim_request_stop(sc->sim);
}

/* The continuation of run{}: what it returns once the player is done. */
static int run_done(lua_State *L, int status, lua_KContext ctx)
{
	struct scenario *sc = engine_get(L);

	(void)status;
	(void)ctx;
	lua_pushstring(L, sc->run_reason);
	if (!sc->run_event_seen)
		return 1;
	api_events_push(L, sc->sim, &sc->run_event);
	return 2;
}

static int event_kind(lua_State *L, const char *name)
{
	for (int k = 0; k < EV_KIND_COUNT; k++)
		if (strcmp(name, event_kind_name((enum event_kind)k)) == 0) {
			if (k == EV_INSN)
				luaL_error(L, "run: until_event=\"insn\" cannot be watched (instruction events are not kept); use insns=");
			return k;
		}
	return luaL_error(L, "run: until_event=\"%s\" is not a kind of event (trap, io, serial, vmx, power, ring, mode, translate, world, host)",
			  name);
}

/* vm= in run{}: a VM or a VM's name; its id, or -1 if not given. */
static int run_vm(lua_State *L)
{
	struct vm *vm;

	if (lua_getfield(L, 1, "vm") == LUA_TNIL) {
		lua_pop(L, 1);
		return -1;
	}
	vm = api_world_to_vm(L, -1);
	if (vm == NULL)
		luaL_error(L, "run: vm= must be a VM or the name of one");
	lua_pop(L, 1);
	return vm->id;
}

/* match={insn="lgdt", vring=0}: fields the awaited event must have. */
static void run_matches(lua_State *L, struct scenario *sc, int kind)
{
	sc->nmatch = 0;
	if (lua_getfield(L, 1, "match") == LUA_TNIL) {
		lua_pop(L, 1);
		return;
	}
	if (kind < 0)
		luaL_error(L, "run: match= goes with until_event=");
	api_events_check_keys(L, lua_gettop(L), kind, false, "run: match");
	lua_pushnil(L);
	while (lua_next(L, -2) != 0) {
		struct run_match *m = &sc->match[sc->nmatch];

		if (sc->nmatch == RUN_MATCH_MAX)
			luaL_error(L, "run: match= takes at most %d fields", RUN_MATCH_MAX);
		snprintf(m->key, sizeof m->key, "%s", lua_tostring(L, -2));
		if (lua_type(L, -1) == LUA_TSTRING) {
			m->type = TRACE_STR;
			snprintf(m->str, sizeof m->str, "%s", lua_tostring(L, -1));
		} else if (lua_isinteger(L, -1)) {
			m->type = TRACE_INT;
			m->num = (uint64_t)lua_tointeger(L, -1);
		} else if (lua_isboolean(L, -1)) {
			m->type = TRACE_BOOL;
			m->num = (uint64_t)lua_toboolean(L, -1);
		} else {
			luaL_error(L, "run: match.%s must be a string, an integer or a boolean",
				   m->key);
		}
		sc->nmatch++;
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
}

static int l_run(lua_State *L)
{
	static const char *const fields[] = {
		"insns", "seconds", "until_event", "match", "vm", "speed",
		"animate", NULL
	};
	struct scenario *sc = engine_get(L);
	struct scenario_run *r = &sc->run;
	const char *until;
	uint64_t insns;
	double secs;

	args_check(L, 1, "run", fields);
	insns = args_count(L, 1, "insns", "run", 1, 1000000000000ull);
	secs = args_number(L, 1, "seconds", "run", 1e-9, 3600.0);
	until = args_string(L, 1, "until_event", "run");
	if (!insns && secs == 0 && !until)
		return luaL_error(L, "run: say how long: run{insns=N}, run{seconds=S} or run{until_event=\"KIND\"}");
	memset(r, 0, sizeof *r);
	r->insns_left = insns ? insns : secs > 0 ? UINT64_MAX : EVENT_RUN_INSNS;
	r->until_ns = secs > 0 ? sim_now_ns(sc->sim) + (uint64_t)llround(secs * 1e9) : 0;
	r->until_kind = until ? event_kind(L, until) : -1;
	r->speed = (uint32_t)args_count(L, 1, "speed", "run", 1, 1000000);
	r->animate = (uint32_t)args_count(L, 1, "animate", "run", 1, 50);
	sc->run_vm = run_vm(L);
	run_matches(L, sc, r->until_kind);
	sc->run_event_seen = false;
	sc->run_reason = NULL;
	sc->run_status = SIM_OK;
	if (r->until_kind >= 0) {
		sc->run_sub = event_log_subscribe(sim_events(sc->sim),
						  EVENT_MASK(r->until_kind),
						  on_event, sc);
		if (sc->run_sub < 0)
			return luaL_error(L, "run: cannot watch events (too many subscribers)");
	}
	return engine_yield(L, SCENARIO_RUN, run_done);
}

static void finish(struct scenario *sc, const char *reason)
{
	sc->run_reason = reason;
	if (sc->run_sub >= 0) {
		event_log_unsubscribe(sim_events(sc->sim), sc->run_sub);
		sc->run_sub = -1;
	}
}

int api_run_slice(struct scenario *sc, uint64_t max_insns,
		  scenario_runner *fn, void *ctx, bool *done)
{
	struct scenario_run *r = &sc->run;
	uint64_t n = max_insns < r->insns_left ? max_insns : r->insns_left;
	uint64_t before = sim_insns(sc->sim), ran;
	enum sim_stop why = SIM_STOP_BUDGET;
	int rc;

	if (fn)
		rc = fn(ctx, n, r->until_ns, &why);
	else if (r->until_ns)
		rc = sim_run_until(sc->sim, r->until_ns, n, &why);
	else
		rc = sim_run(sc->sim, n, &why);
	ran = sim_insns(sc->sim) - before;
	r->insns_left -= ran < r->insns_left ? ran : r->insns_left;
	if (rc != SIM_OK) {
		sc->run_status = rc;
		finish(sc, "error");
	} else if (sc->run_event_seen) {
		finish(sc, "event");
	} else if (why == SIM_STOP_IDLE) {
		finish(sc, "idle");
	} else if (r->until_ns && (why == SIM_STOP_TIME ||
				   sim_now_ns(sc->sim) >= r->until_ns)) {
		finish(sc, "seconds");
	} else if (r->insns_left == 0) {
		finish(sc, "insns");
	}
	*done = sc->run_reason != NULL;
	return rc;
}

bool scenario_run_event(const struct scenario *sc, struct event *out)
{
	if (!sc->run_event_seen)
		return false;
	*out = sc->run_event;
	return true;
}

/* ---- the clock and the log ------------------------------------------------ */

static int l_now(lua_State *L)
{
	lua_pushnumber(L, (lua_Number)sim_now_ns(engine_get(L)->sim) / 1e9);
	return 1;
}

static int l_now_ns(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)sim_now_ns(engine_get(L)->sim));
	return 1;
}

/* The seq the next event will get: events{since=mark()} reads what follows. */
static int l_mark(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)event_log_total(sim_events(engine_get(L)->sim)));
	return 1;
}

void api_run_open(lua_State *L)
{
	static const luaL_Reg globals[] = {
		{ "say", l_say }, { "print", l_print }, { "pause", l_pause },
		{ "tui", l_tui },
		{ "run", l_run }, { "now", l_now }, { "now_ns", l_now_ns },
		{ "mark", l_mark }, { NULL, NULL }
	};

	lua_pushglobaltable(L);
	luaL_setfuncs(L, globals, 0);
	lua_pop(L, 1);
}
