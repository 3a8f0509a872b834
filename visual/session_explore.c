/*
 * session_explore.c - a student exploring a scenario's world at a pause
 * (see session.h).
 *
 * The scenario owns its world and keeps no history, so nothing in it can
 * go back.  Exploring borrows the trick the TUI uses everywhere
 * (history.h): a checkpoint now, where the lesson paused; then the
 * student's steps, runs and steps back are ordinary session commands on a
 * world that has a history.  Coming back is a seek to the checkpoint: the
 * world, and its event log, are exactly as the lesson left them, so what
 * the lesson counts next is not disturbed by what the student did (even
 * a change made at the pause itself, such as applying a DRS
 * recommendation: history_rewind).
 *
 * A cluster's VirtualCenter goes on meanwhile (VMotion's rounds, DRS's
 * passes, HA's timeline): its state is in the checkpoints like the rest
 * (history.h), so the student sees it act and steps back across it.  The
 * student cannot step back past the pause itself: the history begins
 * there, since before it the lesson's script acted on the world (started
 * a VMotion, failed a host), which replaying would not do again.
 */
#include <stdio.h>

#include "history.h"
#include "session.h"
#include "status.h"

/* Instructions between the explorer's checkpoints (as session.c's). */
#define EXPLORE_INTERVAL 1000000u

int session_explore_begin(struct session *s)
{
	int rc;

	if (s->explore.on)
		return SIM_OK;
	if (!s->attached || s->hist != NULL) {
		snprintf(s->err, sizeof s->err, "this world has its own history");
		return SIM_ESTATE;
	}
	rc = history_create(s->sim, EXPLORE_INTERVAL, 0, &s->hist);
	if (rc != SIM_OK) {
		s->hist = NULL;
		snprintf(s->err, sizeof s->err, "cannot record history: %s",
			 sim_strerror(rc));
		return rc;
	}
	s->explore.on = true;
	s->explore.pos = session_position(s);
	s->explore.last = s->last;
	s->explore.now = s->now;
	s->explore.prev = s->prev;
	s->hist_start = s->explore.pos;
	return SIM_OK;
}

int session_explore_end(struct session *s)
{
	int rc;

	if (!s->explore.on)
		return SIM_OK;
	rc = history_rewind(s->hist);	/* even past what the student did */
	if (rc != SIM_OK)
		snprintf(s->err, sizeof s->err,
			 "going back to the lesson failed: %s; the lesson goes on from here",
			 rc == SIM_ESTATE && history_refusal(s->hist)[0] ?
			 history_refusal(s->hist) : sim_strerror(rc));
	history_destroy(s->hist);
	s->hist = NULL;
	s->hist_start = 0;
	s->explore.on = false;
	s->last = s->explore.last;
	s->last_gen++;
	s->now = s->explore.now;
	s->prev = s->explore.prev;
	return rc;
}
