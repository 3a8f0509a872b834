/*
 * sim.h - the simulated world: its VMs, its clock, its event log.
 *
 * Everything is deterministic: time is simulated (it advances with the
 * work the CPUs do, never with the wall clock) and there is no unseeded
 * randomness, so the same world run twice emits the same events.
 *
 * Typical use (what `ringside --headless --guest G` does):
 *
 *     struct sim *s;
 *     struct vm *vm;
 *     char err[GUEST_ERR_MAX];
 *     sim_create(NULL, &s);
 *     event_log_subscribe(sim_events(s), EVENT_MASK_ALL, print, NULL);
 *     sim_add_vm(s, &(struct vm_config){ .guest = "hello.elf" }, &vm, err);
 *     sim_run(s, 1000000000, &stop);
 *     sim_destroy(s);
 */
#ifndef SIM_SIM_H
#define SIM_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"
#include "vmx/guest.h"
#include "host/host.h"
#include "vm.h"

/*
 * No limit below vSphere's configuration maximums (VMware Configuration
 * Maximums, vSphere 7.0 U1 / 8.0, configmax.vmware.com): a vCenter manages
 * up to 2,500 hosts and 45,000 registered VMs.  Tables grow as needed.
 */
#define SIM_MAX_VMS 45000
#define SIM_MAX_HOSTS 2500

struct sim_config {
	size_t event_capacity;		/* events retained (0 = default) */
};

struct sim;
struct disasm;

int sim_create(const struct sim_config *cfg, struct sim **out);
void sim_destroy(struct sim *s);

struct event_log *sim_events(struct sim *s);
struct disasm *sim_disasm(struct sim *s);

/*
 * Simulated time, in nanoseconds since the world began: the start of the
 * quantum being played (every pCPU has got at least this far).
 */
uint64_t sim_now_ns(const struct sim *s);

/* How far the furthest pCPU has got in the quantum being played. */
uint64_t sim_clock_ns(const struct sim *s);

/*
 * Add a physical host.  Missing fields of cfg get defaults (see host.h).
 * The host boots at once: its system worlds exist and an EV_HOST says so.
 */
int sim_add_host(struct sim *s, const struct host_config *cfg,
		 struct host **out, char err[GUEST_ERR_MAX]);

int sim_host_count(const struct sim *s);
struct host *sim_host(struct sim *s, int id);
struct host *sim_host_by_name(struct sim *s, const char *name);

/*
 * Create a VM from a Multiboot kernel and power it on, on cfg->host (the
 * first host if NULL; a default ESX host "esx0" is made if there is none).
 * Missing fields of cfg get defaults (name "vm<N>", 128 MiB, 1 vCPU,
 * trap-and-emulate).  With cfg->guest NULL the VM is *modelled*: no code
 * runs, its vCPUs simply demand cfg->load_mhz of CPU each.  On failure err
 * holds a one-line message naming the file.
 */
int sim_add_vm(struct sim *s, const struct vm_config *cfg, struct vm **out,
	       char err[GUEST_ERR_MAX]);

/* The host a VM runs on. */
struct host *vm_host(const struct vm *vm);

/* Power a VM that is off back on: from power-on, as a fresh boot. */
int sim_power_on(struct sim *s, struct vm *vm, char err[GUEST_ERR_MAX]);

/*
 * Answer Retry to a VM paused by a full datastore (storage.h): it runs
 * again (EV_POWER, reason POWER_RETRY) and its held disk write is stored;
 * if there is still no room the write is held again and the VM paused
 * again (SIM_ENOSPC).  SIM_ESTATE if the VM is not paused.  Cancel is a
 * power-off (vm_power_off, POWER_USER): the held write is lost with the
 * rest of what the VM had not written, as when ESX's Cancel ends the
 * session.
 */
int sim_retry(struct sim *s, struct vm *vm);

int sim_vm_count(const struct sim *s);
struct vm *sim_vm(struct sim *s, int id);
struct vm *sim_vm_by_name(struct sim *s, const char *name);

/* Why sim_run returned. */
enum sim_stop {
	SIM_STOP_BUDGET = 0,	/* the instruction budget is spent */
	SIM_STOP_IDLE,		/* no VM can run any more (all off or halted) */
	SIM_STOP_REQUESTED,	/* sim_request_stop() */
	SIM_STOP_TIME		/* sim_run_until reached its time */
};

/*
 * Run the world for at most max_insns guest instructions in all: each
 * host's VMKernel schedules its worlds on its physical CPUs, quantum by
 * quantum of simulated time.  Stops early when nothing can run.
 */
int sim_run(struct sim *s, uint64_t max_insns, enum sim_stop *why);

/*
 * Run the world until simulated time reaches t_ns (or nothing can run, or
 * max_insns guest instructions ran, whichever comes first).
 */
int sim_run_until(struct sim *s, uint64_t t_ns, uint64_t max_insns,
		  enum sim_stop *why);

/* Is a VM running guest code still on?  (Modelled VMs do not count.) */
bool sim_guests_alive(const struct sim *s);

/*
 * Has a part (a cluster's VirtualCenter: a VMotion under way...) work
 * under way?  With no guest alive and no part busy, sim_run stops idle;
 * a caller that runs to time limits of its own (esxtop's sampler) asks
 * the same two questions.
 */
bool sim_parts_busy(const struct sim *s);

/* Ask sim_run to return at the next opportunity. */
void sim_request_stop(struct sim *s);

/*
 * A question sim_run asks now and then while it runs (every 1024th time
 * the CPU comes back to the VMM): true stops the run as sim_request_stop
 * does.  For a front end that must answer its user whatever the guest
 * does (a deadline on the wall clock, ^C); it changes where a run pauses,
 * never what the simulation does.  NULL: never asked.
 */
void sim_set_poll(struct sim *s, bool (*poll)(void *ctx), void *ctx);

/* Ask the poll now (the VMM's loops do); true if it stopped the run. */
bool sim_poll(struct sim *s);

/*
 * A part of the world with its own clock-driven work (a cluster's
 * VirtualCenter: migrations, DRS, HA).  The scheduler calls tick at the
 * start of every quantum at or after the deadline tick last returned, and
 * never skips idle time past it.  tick does what is due at `now` and
 * returns its next deadline (UINT64_MAX: none); *busy says whether it has
 * work under way (a migration) rather than only routine (a DRS pass every
 * five minutes): a world with no running guest and no busy part is idle.
 * The world owns the part: sim_destroy calls destroy(ctx).
 *
 * Like every owner of state, a part saves and loads its own, so that
 * stepping back (history.h) can go back across what it did:
 *   save        a copy of its state now, self-contained, into *out;
 *   load        put such a copy back (the part's deadline is the world's:
 *               the world's clock saves it);
 *   fits        can the copy still be put back?  (false when the part
 *               was rebuilt since in a way no copy can undo; history.c
 *               then refuses, or starts its history afresh);
 *   free_state  release a copy.
 * A part without save keeps the world from going back before it last
 * acted (history_refusal says so).
 */
struct sim_part {
	uint64_t (*tick)(void *ctx, uint64_t now, bool *busy);
	void (*destroy)(void *ctx);
	int (*save)(void *ctx, void **out);
	int (*load)(void *ctx, const void *st);
	bool (*fits)(void *ctx, const void *st);
	void (*free_state)(void *st);
	void *ctx;
	uint64_t due;		/* its next deadline (UINT64_MAX none) */
	bool busy;		/* it has work under way */
};

#define SIM_MAX_PARTS 16

/* Attach a part (it is ticked from the next quantum on). */
int sim_attach(struct sim *s, const struct sim_part *part);

/*
 * A part asks to be ticked at t_ns (if earlier than it last said); busy:
 * it now has work under way.
 */
void sim_part_wake(struct sim *s, void *ctx, uint64_t t_ns, bool busy);

/* Guest instructions executed so far, over every VM. */
uint64_t sim_insns(struct sim *s);

/*
 * Hold the parts (hold true): they are not ticked, so a cluster's
 * VirtualCenter takes no step (no VMotion round, DRS pass or HA timer)
 * until released; the guests run on.  (A front end may want the guests
 * alone for a while; going back no longer needs it: the parts' state is
 * in the checkpoints, history.h.)
 */
void sim_hold_parts(struct sim *s, bool hold);

#endif
