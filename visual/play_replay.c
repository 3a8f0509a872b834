/*
 * play_replay.c - run{animate=N}: a lesson's run at full speed, then its
 * last N instructions shown again one by one, each handler path drawn hop
 * by hop.
 *
 * Where an instruction's path is the point of a lesson (the first trap,
 * an OUT to the VMX), the run that reaches it is far too long to watch
 * and its end too quick to see.  So the session keeps a tape of the
 * focused VM's last N instructions while the run goes (session.h), and
 * when it is over the player shows each record as "the last instruction"
 * in turn: the path pane animates it, the explanation describes it.  The
 * world itself is where the run left it (registers, code, counters); only
 * the path and the explanation replay, and the status line says so.
 *
 * Every watched run keeps a short tape (PLAY_TAPE) even without animate=,
 * so that a run ending on an event shows the instruction that caused it.
 */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "explain.h"
#include "play.h"
#include "play_tui.h"

#define REPLAY_HOP_MS 200	/* as the TUI's own stepping (app.c) */
#define REPLAY_REST_MS 700	/* the whole path stays this long */

/*
 * A run that ends on an event stops a little after it: the world finishes
 * what it was doing (the block the CPU had entered), and those
 * instructions are reported too.  The last instruction of the run, as a
 * lesson means it, is the last one before the event in the log.  The tape
 * says which: keep what came before the event, and show its last.
 */
static int settle(struct play *p, struct app *a, int n)
{
	struct event ev;

	if (!scenario_run_event(p->sc, &ev) || ev.vm != a->sess->focus)
		return n;
	while (n > 0 && p->replay[n - 1].insn.seq > ev.seq)
		n--;
	if (n > 0)
		session_show(a->sess, &p->replay[n - 1]);
	return n;
}

void play_replay_end_run(struct play *p, struct app *a, uint32_t animate)
{
	int n = session_tape_take(a->sess, p->replay, PLAY_REPLAY_MAX);

	n = settle(p, a, n);
	p->replay_final = a->sess->last;
	p->replay_i = 0;
	p->replay_next = 0;
	p->replay_n = 0;
	if (animate == 0 || n == 0 || p->skip)
		return;
	/* the last `animate` of them, hop by hop */
	if (n > (int)animate) {
		memmove(p->replay, p->replay + n - (int)animate,
			animate * sizeof p->replay[0]);
		n = (int)animate;
	}
	p->replay_n = n;
}

bool play_replaying(const struct play *p)
{
	return p->replay_n > 0;
}

void play_replay_skip(struct play *p)
{
	p->replay_i = p->replay_n;
	p->replay_next = 0;
}

bool play_replay_tick(struct play *p, struct app *a, uint64_t now)
{
	enum path_hop hops[PATH_MAX_HOPS];
	const struct step_record *r;

	if (p->replay_n == 0 || now < p->replay_next)
		return false;
	if (p->replay_i >= p->replay_n) {	/* over: the world as it is */
		session_show(a->sess, &p->replay_final);
		p->replay_n = 0;
		p->st = SCENARIO_READY;
		app_message(a, false, "%s", "");
		return true;
	}
	r = &p->replay[p->replay_i++];
	session_show(a->sess, r);
	p->replay_next = now + REPLAY_REST_MS + (uint64_t)REPLAY_HOP_MS *
		(uint64_t)path_hops((enum insn_path)r->insn.u.insn.path, hops);
	app_message(a, false, "Replaying the last %d instructions of %s, hop by hop: %d of %d (Space skips).",
		    p->replay_n, session_vm(a->sess)->name, p->replay_i,
		    p->replay_n);
	return true;
}

int play_replay_wait_ms(const struct play *p, uint64_t now)
{
	return p->replay_next > now ? (int)(p->replay_next - now) : 0;
}
