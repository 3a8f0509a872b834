/*
 * command.c - the named commands (see command.h).
 *
 * Each cmd_* function is short: it checks its argument, calls the app or
 * session function that does the work, and says what happened in the
 * status line.  The table at the end is what keys, the ':' prompt, the
 * tests and (later) Lua scenarios share.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cluster_drsha.h"
#include "command.h"
#include "command_priv.h"
#include "status.h"

/* A count (decimal) or 1 if no argument. */
static int parse_count(const char *arg, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (arg == NULL) {
		*out = 1;
		return 0;
	}
	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end != '\0' || v == 0)
		return -1;
	*out = v;
	return 0;
}

/* A guest address in hex, with or without 0x, as the code pane shows it. */
static int parse_addr(const char *arg, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (arg == NULL || !isxdigit((unsigned char)arg[arg[0] == '0' && (arg[1] | 0x20) == 'x' ? 2 : 0]))
		return -1;
	errno = 0;
	v = strtoul(arg, &end, 16);
	if (errno || *end != '\0' || v > 0xffffffffUL)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int parse_class(const char *arg)
{
	size_t n = arg ? strlen(arg) : 0;

	for (int c = 0; c < CLASS_COUNT && n >= 2; c++)
		if (strncasecmp(arg, class_name((enum insn_class)c), n) == 0)
			return c;
	return -1;
}

/* ---- moving through time ------------------------------------------------ */

/* step [N]: N instructions, one at a time (each recorded). */
static int cmd_step(struct app *a, const char *arg)
{
	uint64_t n, before = session_position(a->sess);

	if (parse_count(arg, &n) != 0 || n > 1000000) {
		app_message(a, true, "step wants a count of instructions up to 1000000, not '%s'", arg);
		return -1;
	}
	for (uint64_t i = 0; i < n; i++) {
		uint64_t pos = session_position(a->sess);

		app_step(a);
		if (session_position(a->sess) == pos || a->quiz.pending)
			break;	/* stopped: off, a question, an error */
	}
	if (n > 1 && !a->msg_error && !a->quiz.pending)
		app_message(a, false, "Stepped %llu instructions.",
			    (unsigned long long)(session_position(a->sess) - before));
	return 0;
}

/* next [N]: to the Nth next trap or port access. */
static int cmd_next(struct app *a, const char *arg)
{
	uint64_t n;

	if (parse_count(arg, &n) != 0 || n > 100000) {
		app_message(a, true, "next wants a count of traps up to 100000, not '%s'", arg);
		return -1;
	}
	for (uint64_t i = 0; i < n && !a->quiz.pending; i++) {
		uint64_t pos = session_position(a->sess);

		app_next_trap(a);
		if (a->running || session_position(a->sess) == pos)
			break;	/* still searching, or stopped for good */
	}
	return 0;
}

static int cmd_run(struct app *a, const char *arg)
{
	(void)arg;
	if (a->running)
		app_stop_running(a);
	else
		app_start_running(a, false);
	return 0;
}

static int cmd_pause(struct app *a, const char *arg)
{
	(void)arg;
	app_stop_running(a);
	return 0;
}

static int cmd_back(struct app *a, const char *arg)
{
	uint64_t n;

	if (parse_count(arg, &n) != 0) {
		app_message(a, true, "back wants a count of instructions, not '%s'", arg);
		return -1;
	}
	app_back(a, n);
	return 0;
}

static void say_speed(struct app *a)
{
	uint32_t ips = app_speed_ips(a);

	if (ips == 0)
		app_message(a, false, "Speed: free run (as fast as the simulator goes).");
	else
		app_message(a, false, "Speed: %u instruction%s per second.", ips,
			    ips == 1 ? "" : "s");
}

static int cmd_faster(struct app *a, const char *arg)
{
	(void)arg;
	if (a->speed < APP_SPEED_COUNT - 1)
		a->speed++;
	say_speed(a);
	return 0;
}

static int cmd_slower(struct app *a, const char *arg)
{
	(void)arg;
	if (a->speed > 0)
		a->speed--;
	say_speed(a);
	return 0;
}

static int cmd_speed(struct app *a, const char *arg)
{
	uint64_t want;

	if (arg && strcmp(arg, "free") == 0) {
		a->speed = APP_SPEED_COUNT - 1;
	} else if (parse_count(arg, &want) == 0 && arg) {
		a->speed = 0;
		while (a->speed < APP_SPEED_COUNT - 2 &&
		       app_speeds[a->speed + 1] <= want)
			a->speed++;
	} else {
		app_message(a, true, "speed wants instructions per second or 'free'");
		return -1;
	}
	say_speed(a);
	return 0;
}

static int cmd_free(struct app *a, const char *arg)
{
	(void)arg;
	if (a->running && app_speed_ips(a) == 0) {
		app_stop_running(a);
		return 0;
	}
	a->speed = APP_SPEED_COUNT - 1;
	app_start_running(a, false);
	if (a->running)
		say_speed(a);
	return 0;
}

/* ---- breakpoints -------------------------------------------------------- */

static int cmd_break(struct app *a, const char *arg)
{
	uint32_t addr = a->sess->now.geip;
	int cls = parse_class(arg);

	if (cls >= 0) {
		a->sess->brk_classes ^= 1u << cls;
		app_message(a, false, "Class breakpoint on %s instructions %s.",
			    class_name((enum insn_class)cls),
			    a->sess->brk_classes & (1u << cls) ? "set" : "cleared");
		return 0;
	}
	if (arg && parse_addr(arg, &addr) != 0) {
		app_message(a, true, "break wants an address (hex, as in the code pane) or a class (privileged, io, sensitive, innocuous), not '%s'",
			    arg);
		return -1;
	}
	if (session_break_toggle(a->sess, addr))
		app_message(a, false, "Breakpoint set at 0x%08x: a run stops before it.", addr);
	else if (a->sess->nbrk == SESSION_MAX_BREAKS)
		app_message(a, true, "Too many breakpoints (at most %d).", SESSION_MAX_BREAKS);
	else
		app_message(a, false, "Breakpoint at 0x%08x cleared.", addr);
	return 0;
}

/* Cycle the class breakpoint: none, privileged, io, sensitive, none. */
static int cmd_break_class(struct app *a, const char *arg)
{
	static const int order[] = { CLASS_PRIVILEGED, CLASS_IO, CLASS_SENSITIVE };
	unsigned cur = a->sess->brk_classes;
	int next = 0;

	(void)arg;
	for (int i = 0; i < 3; i++)
		if (cur == 1u << order[i])
			next = i + 1;
	if (next == 3) {
		a->sess->brk_classes = 0;
		app_message(a, false, "No class breakpoint.");
		return 0;
	}
	a->sess->brk_classes = 1u << order[next];
	app_message(a, false, "A run now stops before every %s instruction.",
		    class_name((enum insn_class)order[next]));
	return 0;
}

static int cmd_clear_breaks(struct app *a, const char *arg)
{
	(void)arg;
	session_break_clear(a->sess);
	app_message(a, false, "All breakpoints cleared.");
	return 0;
}

/* ---- the world ------------------------------------------------------------ */

static int restart(struct app *a, enum exec_mode mode)
{
	char err[256];

	app_stop_running(a);
	a->mode_tried = mode;
	if (session_restart(a->sess, mode, err, sizeof err) != SIM_OK) {
		app_message(a, true, "%s: %s", exec_mode_name(mode), err);
		return -1;
	}
	a->quiz.pending = false;
	a->quiz.nseen = 0;		/* a new run: every question again */
	app_message(a, false, "Restarted from power-on in mode %s.",
		    exec_mode_name(mode));
	return 0;
}

static int cmd_mode(struct app *a, const char *arg)
{
	static const char *const names[] = { "te", "bt", "hw" };

	if (arg == NULL)
		return restart(a, (enum exec_mode)((a->mode_tried + 1) % 3));
	for (int m = 0; m < 3; m++)
		if (strcmp(arg, names[m]) == 0)
			return restart(a, (enum exec_mode)m);
	app_message(a, true, "mode wants te, bt or hw, not '%s'", arg);
	return -1;
}

static int cmd_restart(struct app *a, const char *arg)
{
	(void)arg;
	return restart(a, a->sess->cfg.mode);
}

/* ---- the quiz ------------------------------------------------------------- */

static int cmd_quiz(struct app *a, const char *arg)
{
	if (arg == NULL)
		a->quiz.on = !a->quiz.on;
	else if (strcmp(arg, "on") == 0 || strcmp(arg, "off") == 0)
		a->quiz.on = strcmp(arg, "on") == 0;
	else {
		app_message(a, true, "quiz wants on or off");
		return -1;
	}
	if (!a->quiz.on) {
		a->quiz.pending = false;
		app_message(a, false, "Quiz off. Score: %d of %d.", a->quiz.right,
			    a->quiz.asked);
		return 0;
	}
	app_message(a, false, "Quiz on: before each trap or I/O you guess who handles it.");
	if (!a->running && session_vm_running(a->sess))
		app_maybe_ask(a);
	return 0;
}

static int cmd_answer(struct app *a, const char *arg)
{
	int given = quiz_answer_parse(arg);
	enum run_stop why;
	struct quiz *q = &a->quiz;

	if (!q->pending) {
		app_message(a, true, "No question is open (t turns the quiz on).");
		return -1;
	}
	if (given < 0) {
		app_message(a, true, "answer wants hardware, vmm, vmkernel, vmx or guest");
		return -1;
	}
	/* close the question, run the instruction, grade against its path */
	q->pending = false;
	if (session_step(a->sess, &why) != SIM_OK) {
		app_message(a, true, "%s", a->sess->err);
		return -1;
	}
	quiz_grade(q, (enum quiz_answer)given, &a->sess->last);
	q->gen = a->sess->last_gen;
	if (q->graded && q->given == q->correct)
		app_message(a, false, "Right: %s. Score %d of %d.",
			    quiz_answer_name(q->correct), q->right, q->asked);
	else if (q->graded)
		app_message(a, false, "Not quite: it was the %s (%s). Score %d of %d.",
			    quiz_answer_name(q->correct), q->why, q->right, q->asked);
	return 0;
}

static int cmd_skip(struct app *a, const char *arg)
{
	(void)arg;
	if (!a->quiz.pending)
		return 0;
	quiz_skip(&a->quiz);
	app_message(a, false, "Question skipped.");
	return 0;
}

/* Rebuild the world on the other kind of host: ESX or hosted. */
static int cmd_hosted(struct app *a, const char *arg)
{
	bool hosted = arg ? strcmp(arg, "on") == 0 : !a->hosted;
	char err[256];

	app_stop_running(a);
	if (session_set_host_kind(a->sess, hosted ? HOST_HOSTED : HOST_ESX,
				  err, sizeof err) != SIM_OK) {
		app_message(a, true, "%s", err);
		return -1;
	}
	a->hosted = hosted;
	a->quiz.pending = false;
	a->quiz.nseen = 0;
	app_message(a, false, "Restarted on a %s.", a->hosted ?
		    "hosted product (Workstation/Server on a host OS)" :
		    "bare-metal ESX host");
	return 0;
}

/* drs-apply [N]: the administrator applies DRS's recommendation N. */
static int cmd_drs_apply(struct app *a, const char *arg)
{
	char msg[300];
	int n = arg ? atoi(arg) : 1;
	int rc = drsha_apply(a->sess->sim, n, msg, sizeof msg);

	app_message(a, rc != 0, "%s", msg);
	a->dirty = true;
	return rc;
}

/*
 * ESX's two answers to a VM paused by a full datastore (storage.h).
 * Retry stores the held write if room was freed, or pauses the VM again;
 * Cancel powers it off.  Both are changes from outside a run: the history
 * keeps a checkpoint there (history.h), so stepping back across one
 * undoes it.
 */
static struct vm *paused_vm(struct app *a)
{
	struct vm *vm = session_vm(a->sess);

	if (vm->state == VM_PAUSED)
		return vm;
	app_message(a, true, "%s is not paused: Retry and Cancel answer a full datastore",
		    vm->name);
	return NULL;
}

static int cmd_retry(struct app *a, const char *arg)
{
	struct vm *vm = paused_vm(a);
	int rc;

	(void)arg;
	if (vm == NULL)
		return -1;
	app_stop_running(a);
	rc = sim_retry(a->sess->sim, vm);
	session_refresh(a->sess);
	a->dirty = true;
	if (rc == SIM_OK)
		app_message(a, false, "Retry: the held write is stored; %s runs on.", vm->name);
	else
		app_message(a, true, "Retry: still no space on the datastore, %s is paused again (free space first, or C cancels).",
			    vm->name);
	return rc == SIM_OK ? 0 : -1;
}

static int cmd_cancel(struct app *a, const char *arg)
{
	struct vm *vm = paused_vm(a);

	(void)arg;
	if (vm == NULL)
		return -1;
	vm_power_off(vm, POWER_USER, 0);
	session_refresh(a->sess);
	a->dirty = true;
	app_message(a, false, "Cancel: %s is powered off; the held write is lost with it.",
		    vm->name);
	return 0;
}

static int cmd_redraw(struct app *a, const char *arg)
{
	(void)arg;
	a->dirty = a->repaint = true;
	return 0;
}

static int cmd_prompt(struct app *a, const char *arg)
{
	(void)arg;
	a->prompt = true;
	a->prompt_len = 0;
	a->prompt_buf[0] = '\0';
	a->dirty = true;
	return 0;
}

static int cmd_quit(struct app *a, const char *arg)
{
	(void)arg;
	a->quit = true;
	return 0;
}

const struct command commands[] = {
	{ "step", cmd_step, "[N]", "run one instruction (or N, one by one)" },
	{ "next", cmd_next, "[N]", "run to the next trap or I/O (or the Nth)" },
	{ "run", cmd_run, "", "run or pause at the current speed" },
	{ "pause", cmd_pause, "", "pause" },
	{ "back", cmd_back, "[N]", "step back N instructions (default 1)" },
	{ "faster", cmd_faster, "", "more instructions per second" },
	{ "slower", cmd_slower, "", "fewer instructions per second" },
	{ "speed", cmd_speed, "N|free", "set instructions per second" },
	{ "free", cmd_free, "", "free run: as fast as it goes (again: pause)" },
	{ "break", cmd_break, "[ADDR|CLASS]", "toggle a breakpoint (at EIP if no argument)" },
	{ "break-class", cmd_break_class, "", "cycle the class breakpoint: privileged, io, sensitive, none" },
	{ "clear-breaks", cmd_clear_breaks, "", "remove every breakpoint" },
	{ "mode", cmd_mode, "[te|bt|hw]", "restart in another execution mode" },
	{ "restart", cmd_restart, "", "start the guest again from power-on" },
	{ "quiz", cmd_quiz, "[on|off]", "guess who handles each trap or I/O" },
	{ "answer", cmd_answer, "WHO", "answer the quiz: hardware, vmm, vmkernel, vmx, guest" },
	{ "skip", cmd_skip, "", "skip the quiz question" },
	{ "view", cmd_view, "NAME", "show a view: cpu, arch, worlds, xlat, log, help, cluster, vmcs, next, prev" },
	{ "focus", cmd_focus, "[next|VM]", "show another VM: the next one, or the one named" },
	{ "vcpu", cmd_vcpu, "[next|N]", "CPU view: show the VM's next vCPU, or vCPU N" },
	{ "log-filter", cmd_log_filter, "[KIND]", "Log: show one kind of event (next cycles)" },
	{ "scroll", cmd_scroll, "WHERE", "scroll the view (Log, Help, Worlds, What happened): up, down, pgup, pgdn, home, end" },
	{ "hosted", cmd_hosted, "[on|off]", "restart on a hosted product instead of ESX (or back)" },
	{ "drs-apply", cmd_drs_apply, "[N]", "Cluster: apply DRS's recommendation N (default 1) by VMotion" },
	{ "presenter", cmd_presenter, "[on|off]", "the presenter layout: path, code and a large narration" },
	{ "retry", cmd_retry, "", "a VM paused by a full datastore: Retry its held write" },
	{ "cancel", cmd_cancel, "", "a VM paused by a full datastore: Cancel (power it off)" },
	{ "redraw", cmd_redraw, "", "draw the whole screen again" },
	{ "prompt", cmd_prompt, "", "type a command by name" },
	{ "quit", cmd_quit, "", "leave ringside" },
	{ NULL, NULL, NULL, NULL }
};

const struct command *command_find(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int command_run(struct app *a, const char *line)
{
	char name[64], arg[128];
	const struct command *c;
	size_t n;

	while (*line == ' ')
		line++;
	n = strcspn(line, " ");
	if (n == 0 || n >= sizeof name) {
		app_message(a, true, "no such command: '%s'", line);
		return -1;
	}
	memcpy(name, line, n);
	name[n] = '\0';
	line += n;
	while (*line == ' ')
		line++;
	snprintf(arg, sizeof arg, "%s", line);
	for (n = strlen(arg); n > 0 && arg[n - 1] == ' '; n--)
		arg[n - 1] = '\0';	/* trailing blanks */
	c = command_find(name);
	if (c == NULL) {
		app_message(a, true, "no such command: '%s' (? lists the keys)", name);
		return -1;
	}
	a->dirty = true;
	return c->exec(a, arg[0] ? arg : NULL);
}
