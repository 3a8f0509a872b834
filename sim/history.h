/*
 * history.h - stepping backwards through a deterministic world.
 *
 * A real CPU cannot run backwards; a simulator can pretend to.  Because
 * everything in ringside is deterministic, going back N instructions is:
 * put back the last *checkpoint* taken before the target, then run forward
 * again to the target.  Checkpoints are taken every `interval` guest
 * instructions (a full copy of the CPU registers, the VMM's virtual state,
 * the devices, and the guest pages ever written; the parts of the world,
 * such as a cluster's VirtualCenter, and where each VM's worlds run); the
 * event log is cut back to where it was, and replaying emits the very same
 * events again.  Stepping back N and forward N lands on the identical
 * state.
 *
 * A change made between runs from outside (a script starts a VMotion,
 * fails a host) is not replayed: the history takes a checkpoint where it
 * was made (it sees the events logged outside a run) and keeps it, so
 * going back to that moment or later keeps the change and going back
 * before it undoes it.
 */
#ifndef SIM_HISTORY_H
#define SIM_HISTORY_H

#include <stdint.h>

#include "sim.h"

struct history;

/*
 * Start recording s.  Takes the first checkpoint now.  interval: guest
 * instructions between checkpoints (0 = 10000).  At most `keep` checkpoints
 * are kept (0 = 64); when full, every other one is dropped and the interval
 * doubles, so memory stays bounded on long runs (a checkpoint taken after
 * a change from outside is never dropped: see above).
 */
int history_create(struct sim *s, uint64_t interval, int keep,
		   struct history **out);
void history_destroy(struct history *h);

/* Run like sim_run, taking checkpoints on the way. */
int history_run(struct history *h, uint64_t max_insns, enum sim_stop *why);

/*
 * Go back n guest instructions (or to the beginning).  The world is then
 * exactly as it was when it had run that many instructions fewer.
 */
int history_back(struct history *h, uint64_t n);

/* Go to an absolute position (instructions since the start). */
int history_seek(struct history *h, uint64_t insns);

/*
 * The caller changed the world from outside, between runs (a load
 * changed, a setting): checkpoint it now and keep that checkpoint, so
 * replays from here on start after the change.  history_run does this by
 * itself when it finds events logged since it last ran (most changes log
 * one: a VMotion started, a host failed); a change that logs none needs
 * this call.
 */
int history_mark(struct history *h);

/*
 * Back to the world exactly as it was when the history began (its first
 * checkpoint), even if it was changed from outside at that very position
 * since: a front end exploring at a pause returns there with this.
 */
int history_rewind(struct history *h);

/*
 * Why the last history_seek or history_back returned SIM_ESTATE, in a
 * sentence ("" if it did not).  Going back is refused past a VM or host
 * added to the world, past a part rebuilt since (a cluster's HA
 * configured again), before the history's first checkpoint, and past a
 * moment when a part that cannot save its state acted (none today: a
 * cluster's VirtualCenter saves its migrations, VM records, DRS's and
 * HA's models and where its VMs run; docs/vmotion.md).
 */
const char *history_refusal(const struct history *h);

/* Checkpoints held now, and the interval between them. */
int history_checkpoints(const struct history *h);
uint64_t history_interval(const struct history *h);

#endif
