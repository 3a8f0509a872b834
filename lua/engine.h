/*
 * engine.h - what the files of lua/ share: the scenario's innards and the
 * registration of each part of the API.  Players include scenario.h only.
 *
 *   engine.c      the state, the coroutine, the queue of lines, errors
 *   limits.c      memory, the instruction budget, CPU time, signals
 *   sandbox.c     which libraries a scenario gets; load and require
 *   coroutines.c  the script's own coroutines: each resume recorded
 *   args.c        reading the tables passed to host{}, add_vm{}, run{}
 *   api_world.c   hosts and VMs as Lua objects (userdata holding ids)
 *   api_host.c    host{}, a host's fields, logoff, remote_admin, worlds
 *   api_vm.c      h:add_vm{}, a VM's fields, output, stats, power
 *   api_run.c     pacing: say, print, pause, run{}
 *   api_events.c  events{}: the trace, as Lua tables
 *   api_check.c   expect()
 *   ringside.lua  helpers written in Lua (count, first, expect_eq...)
 */
#ifndef LUA_ENGINE_H
#define LUA_ENGINE_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <lua.h>
#include <lauxlib.h>

#include "scenario.h"
#include "trace.h"

/* Where one line of the script is: "scenarios/tour.lua:12". */
#define ENGINE_WHERE_MAX 300

/*
 * The script's own coroutines resumed inside one another, at most (Lua's
 * C stack stops a script a little short of it: "C stack overflow").
 */
#define ENGINE_NEST_MAX 256

/* run{until_event=K, match={insn="lgdt"}}: a field the event must have. */
#define RUN_MATCH_MAX 8

struct run_match {
	char key[32];			/* a trace field name */
	enum trace_type type;		/* TRACE_STR, TRACE_INT or TRACE_BOOL */
	char str[128];			/* TRACE_STR: the text */
	uint64_t num;			/* TRACE_INT (also hex fields), TRACE_BOOL */
	bool equal;			/* while matching: the event has it */
};

struct engine_line {
	enum scenario_line_kind kind;
	char *text;			/* malloc'd */
	char where[ENGINE_WHERE_MAX];
	uint64_t t_ns;
};

struct scenario {
	lua_State *L;			/* the Lua state: owns every Lua object */
	lua_State *co;			/* the scenario's coroutine (in L) */
	struct sim *sim;		/* the world (owned) */
	char path[PATH_MAX];		/* the script, as named by the user */
	char root[PATH_MAX];		/* holds scenarios/ and lua/ */
	char name[64];			/* "tour" */
	enum exec_mode mode;		/* default mode of new VMs */
	struct scenario_limits lim;

	/* memory (the allocator) */
	size_t mem_used;		/* bytes the Lua state holds */
	bool mem_refused;		/* an allocation was refused */

	/* the instruction budget (the count hook) */
	uint64_t insns;			/* Lua instructions since the last resume */
	uint64_t insns_total;		/* ... since the start */
	uint32_t yields;		/* say, pause and run calls so far */
	uint64_t cpu_start_ns;		/* thread CPU time at the last resume */
	volatile sig_atomic_t interrupted;	/* the signal that stopped it */
	volatile sig_atomic_t poll_due;	/* scenario_poll_soon: poll at once */
	const char *(*poll)(void *ctx);	/* the player's (scenario_set_poll) */
	void *poll_ctx;
	/* the script's own coroutines running now, outermost first (each
	 * resumed by the one before; sc->co resumed the first): a limit or a
	 * signal must stop them all, and each has its own hook */
	lua_State *volatile running[ENGINE_NEST_MAX];
	volatile sig_atomic_t nrunning;
	bool killed;			/* a limit was hit: stop at once */
	char killed_why[SCENARIO_ERR_MAX];	/* ... the error, raised again */
	bool api_yield;			/* the last yield was say/pause/run */

	/* what the script asked the player for */
	enum scenario_state state;
	struct scenario_run run;	/* SCENARIO_RUN: the request */
	int run_vm;			/* until_event: only this VM (-1: any) */
	struct run_match match[RUN_MATCH_MAX];	/* ... with these fields */
	int nmatch;
	int run_sub;			/* its event subscription, or -1 */
	bool run_event_seen;		/* ... and it came */
	struct event run_event;		/* ... this one */
	const char *run_reason;		/* why the run ended ("insns"...) */
	int run_status;			/* a sim failure while running */

	/* lines for the player, oldest at `next` */
	struct engine_line *lines;
	size_t nlines, next, cap;
	size_t line_bytes;		/* text queued and not yet taken */

	int expects, failed;
	char err[SCENARIO_ERR_MAX];	/* SCENARIO_FAILED: why */

	/* the files it made ringside read (inputs.c) */
	struct engine_input *inputs;
	size_t ninputs, inputs_cap;
	bool inputs_lost;		/* one could not be noted: out of memory */
};

/* The scenario a Lua state (or any of its threads) belongs to. */
struct scenario *engine_get(lua_State *L);

/*
 * Queue a line for the player.  Raises a Lua error if too much output is
 * waiting (a script printing in an endless loop).
 */
void engine_line(lua_State *L, enum scenario_line_kind kind,
		 const char *text, size_t len);

/*
 * The place in the script that called the running C function: the first
 * Lua frame outside the helpers in lua/, as "file:line".
 */
void engine_where(lua_State *L, char *buf, size_t size);

/* ---- limits.c: memory, instructions, CPU time, signals ---- */

/* Lua's allocator (lua_Alloc) for sc's state (ud), within its memory limit. */
void *limits_alloc(void *ud, void *ptr, size_t osize, size_t nsize);

/* The count hook on sc's new state; the CPU clock started. */
void limits_start(struct scenario *sc);

/* Before each resume: a new budget between two yields, the clock restarted. */
void limits_resume(struct scenario *sc);

/*
 * Charge work done in C (bytes scanned, copies made) to the instruction
 * budget; raises the budget's error when it is spent.
 */
void limits_charge(lua_State *L, uint64_t insns);

/* Lua instructions the script may still run (before its next pause). */
uint64_t limits_budget_left(lua_State *L);

/*
 * End the script as a spent budget does (no pcall catches it), with the
 * error "file:line: the scenario <why>".
 */
void limits_refuse(lua_State *L, const char *why);

/* A full collection's work, in instructions: the heap's bytes, priced
 * as allocated bytes are. */
uint64_t limits_heap_cost(lua_State *L);

/* Has the script hit a limit (every further instruction raises)? */
bool limits_killed(lua_State *L);

/*
 * The thread co is about to run, resumed by L's thread (coroutines.c), or
 * it has stopped (limits_leave, in the reverse order).  limits_enter
 * raises an error past ENGINE_NEST_MAX; limits_leave raises the limit's
 * error in L if co hit one (coroutine.resume caught it in co).
 */
void limits_enter(lua_State *L, lua_State *co);
void limits_leave(lua_State *L);

/*
 * pattern.c: the most steps Lua's matcher may take for pattern p over
 * subject s (anchor: a leading ^ anchors it, as in find, match and gsub);
 * *scanned: the subject bytes read to work that out.  Saturates.
 */
uint64_t pattern_cost(const char *s, size_t n, const char *p, size_t plen,
		      bool anchor, uint64_t *scanned);

/*
 * elements.c: the Lua instructions a call of lib.name (the table library's
 * loops, string.byte, utf8.codepoint) is worth, from its arguments on L's
 * stack; refuses the call (limits_refuse) if that is more than the budget
 * has left.
 */
uint64_t elements_cost(lua_State *L, const char *lib, const char *name);

/*
 * Does msg start with a location, "file.lua:12:", "[string \"...\"]:3:" or
 * the scenario's own path and a line, as Lua's messages do?
 */
bool engine_has_location(lua_State *L, const char *msg);

/* coroutines.c: coroutine.resume, close and wrap, as the script gets them. */
void coroutines_open(lua_State *L);

/*
 * Yield the scenario's coroutine to the player with a new state.  Raises
 * an error if called from another coroutine (a scenario's own).  k, if not
 * NULL, runs when the player resumes and returns the call's results.
 */
int engine_yield(lua_State *L, enum scenario_state st, lua_KFunction k);

/* sandbox.c: the libraries a scenario gets, load and require. */
void sandbox_open(lua_State *L);

/*
 * Compile the Lua source file at path (text only) and push it as a
 * function named chunkname ("@scenarios/tour.lua").  Raises a Lua error
 * naming the file if it cannot be read or does not compile.
 */
void sandbox_loadfile(lua_State *L, const char *path, const char *chunkname);

/* inputs.c: remember that the scenario read path, a `what` ("guest",
 * "Lua file"; a string literal); scenario_close forgets them. */
void inputs_note(struct scenario *sc, const char *path, const char *what);
void inputs_free(struct scenario *sc);

/*
 * args.c: fields of a table argument (at stack index t) of function fn.
 * args_check refuses any field not in allowed (NULL-terminated); the
 * others return 0 or NULL for an absent field and raise an error naming
 * the function and the field for a wrong one.
 */
void args_check(lua_State *L, int t, const char *fn, const char *const allowed[]);
const char *args_string(lua_State *L, int t, const char *key, const char *fn);
uint64_t args_count(lua_State *L, int t, const char *key, const char *fn,
		    uint64_t lo, uint64_t hi);
double args_number(lua_State *L, int t, const char *key, const char *fn,
		   double lo, double hi);

/* Each part of the API registers its globals. */
void api_world_open(lua_State *L);
void api_run_open(lua_State *L);
void api_events_open(lua_State *L);
void api_check_open(lua_State *L);
void api_drsha_open(lua_State *L);	/* api_drsha.c: DRS and HA */

/* api_drsha.c: drs, imbalance, ha, ha_slots as a cluster's methods. */
extern const luaL_Reg api_drsha_cluster_methods[];

/* api_run.c: what the player calls during a run (see scenario.h). */
int api_run_slice(struct scenario *sc, uint64_t max_insns,
		  scenario_runner *fn, void *ctx, bool *done);

/* api_events.c: push ev as a table with the trace's field names. */
void api_events_push(lua_State *L, struct sim *s, const struct event *ev);

/*
 * api_events.c: the keys of the filter table at index t must be strings
 * naming fields of events of this kind (any names if kind < 0); with
 * skip_reserved, "kind", "vm" and "since" are left to the caller.
 * Errors name the function fn.
 */
void api_events_check_keys(lua_State *L, int t, int kind, bool skip_reserved,
			   const char *fn);

/* ---- api_world.c: the objects, shared by api_host.c and api_vm.c ---- */

#define API_VM_MT "ringside.vm"		/* metatables of the userdata */
#define API_HOST_MT "ringside.host"
#define API_CLUSTER_MT "ringside.cluster"	/* api_cluster.c */
#define API_CVM_MT "ringside.cvm"
#define API_CVM_ID(cl, vm) ((cl) << 16 | (vm))	/* a cluster VM's handle id */

/*
 * The one userdata of object `id` with metatable mt (made on first use,
 * then kept in the registry): { int id; } as its first field.
 */
void api_world_push_handle(lua_State *L, const char *mt, int id);

/* Push the VM with this id, or the host (nil for NULL): one userdata each. */
void api_world_push_vm(lua_State *L, int id);
void api_world_push_host(lua_State *L, const struct host *h);

/* The VM or host at argument arg; an error if it is not one. */
struct vm *api_world_check_vm(lua_State *L, int arg);
struct host *api_world_check_host(lua_State *L, int arg);

/* The VM at stack index idx (a VM or a VM's name), or NULL. */
struct vm *api_world_to_vm(lua_State *L, int idx);

/* An action's result: push ok and the simulator's sentence; returns 2. */
int api_world_answer(lua_State *L, bool ok, const char *msg);

/* t[key] = v, for the table on top of the stack. */
void api_world_set_int(lua_State *L, const char *key, uint64_t v);

/*
 * Make the metatable mt: __index looks in `methods` first, then calls
 * index for fields; __newindex and __tostring as given.
 */
void api_world_class(lua_State *L, const char *mt, const luaL_Reg *methods,
		     lua_CFunction index, lua_CFunction newindex,
		     lua_CFunction tostring);

/* api_host.c, api_vm.c: their globals and metatables (api_world_open calls). */
void api_host_open(lua_State *L);
void api_vm_open(lua_State *L);

/* api_disk.c: a VM's disk methods (snapshot, revert...) and vcb_backup;
 * after api_vm_open. */
void api_disk_open(lua_State *L);

/* api_vm.c: h:add_vm{...}, a method of hosts. */
int api_vm_add(lua_State *L);

/*
 * api_vm.c: the file a scenario names ("dirty" is the bundled guest
 * scenarios/guests/dirty.elf); fn names the caller in errors.
 */
const char *api_vm_resolve(lua_State *L, const char *name, const char *ext,
			   char *buf, size_t size);

/* api_host.c: the fields of host{} (NULL-ended), read from table t. */
extern const char *const api_host_fields[];
void api_host_config(lua_State *L, int t, const char *fn,
		     struct host_config *cfg);

/* api_cluster.c: cluster{}, vmotion and their objects. */
void api_cluster_open(lua_State *L);

#endif
