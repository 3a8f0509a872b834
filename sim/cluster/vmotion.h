/*
 * vmotion.h - VMotion: moving a running VM to another host of its cluster
 * with no interruption the guest or its users would notice [src: Nelson,
 * Lim, Hutchins, "Fast Transparent Migration for Virtual Machines", USENIX
 * ATC 2005; Clark et al., NSDI 2005; QEMU migration/].
 *
 * Because the disk is on a shared datastore, only the VM's memory and its
 * CPU and device state move.  The steps, each an EV_CLUSTER event at its
 * simulated time:
 *
 *   check        before anything moves: the destination must reach the
 *                VM's datastore, offer every CPUID feature the guest saw,
 *                have the VM's network, and room (memory, unreserved CPU
 *                and memory for its reservations, a VM slot);
 *   pre-copy     rounds while the guest runs on (precopy.h): round 0 all
 *                of RAM, then what the guest dirtied meanwhile, which a
 *                live VM's write traces count page by page;
 *   stun         the VM stops on the source;
 *   switch-over  the last dirty pages, the vCPUs' registers and the
 *                devices' state go across; this is the downtime;
 *   resume       the VM runs on the destination, from the very next
 *                instruction;
 *   RARP         the destination announces the VM's MAC address so the
 *                physical switches send its traffic to the new port.
 *
 * A migration runs while the world runs: vmotion_start() checks and
 * begins it, and the world's clock plays it (sim_run*).  A modelled VM's
 * rounds happen at exact times; a live VM's end at the first quantum
 * boundary (1 ms) after their data is sent, when its pages are counted.
 */
#ifndef SIM_VMOTION_H
#define SIM_VMOTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cluster/cluster.h"
#include "cluster/precopy.h"

/* Why VMotion refused, before anything moved. */
enum vmotion_refusal {
	VMR_NONE = 0,
	VMR_VM_OFF,		/* a powered-off VM is moved cold, not live */
	VMR_BUSY,		/* it is being migrated already */
	VMR_SAME_HOST,
	VMR_HOST_STATE,		/* destination not connected */
	VMR_DATASTORE,		/* destination cannot reach its disk */
	VMR_CPU,		/* destination lacks a CPUID feature */
	VMR_NETWORK,		/* destination lacks its VM network */
	VMR_MEMORY,		/* not enough memory for it */
	VMR_RESERVATION,	/* its reservation does not fit unreserved */
	VMR_HOST_FULL,		/* HOST_MAX_VMS already */
	VMR_QUESTION,		/* paused with a question pending (its
				   datastore is full): answer it first */
	VMR_COUNT
};

const char *vmotion_refusal_name(enum vmotion_refusal r);

enum migration_phase {
	MIG_REFUSED = 0,	/* never started */
	MIG_PRECOPY,		/* rounds under way, guest running */
	MIG_STUNNED,		/* switch-over: the guest is not running */
	MIG_DONE,		/* resumed on the destination */
};

/* A migration: its figures so far, and at the end the result. */
struct migration {
	int id;			/* in VirtualCenter's list */
	int vm, src, dst;	/* cluster VM, hosts */
	enum migration_phase phase;
	enum vmotion_refusal refusal;
	char error[GUEST_ERR_MAX];	/* refused: why, in a sentence */
	struct precopy pc;	/* the rounds (precopy.h) */
	uint64_t wss_pages;	/* modelled: memory it keeps rewriting */
	uint64_t state_bytes;	/* CPU and device state sent at switch-over */
	uint64_t t_start;	/* checks passed, round 0 began */
	uint64_t t_round;	/* the round under way began */
	uint64_t t_next;	/* when its next step is due */
	uint64_t t_stun, t_resume;
	uint32_t limit_before;	/* live: its CPU limit before throttling */
};

/* The result in the words of vmotion{} (computed from a migration). */
struct vmotion_result {
	bool ok;		/* it moved */
	bool done;		/* finished (or refused) */
	const char *error;	/* refused: why */
	int rounds;		/* live pre-copy rounds */
	double mb_per_round[PRECOPY_ROUNDS_MAX];
	double total_mb;	/* rounds + switch-over */
	double total_s;		/* start to resume */
	double downtime_ms;	/* stun to resume */
	uint32_t throttle_pct;	/* auto-converge's last throttle */
	bool converged;		/* stopped because it fit the limit */
	const char *stop;	/* precopy_stop_name() */
};

/*
 * Check that host dst can take VM vm and start moving it with params p
 * (0 fields: defaults, precopy.h).  Returns SIM_OK and the migration's id
 * in *out, or, refused, SIM_ESTATE with the reason in err (a
 * CL_VMOTION_REFUSED event says it too, and the refused migration is
 * kept, so *out is set either way).  Bad params: SIM_EINVAL.
 */
int vmotion_start(struct cluster *c, int vm, int dst,
		  const struct precopy_params *p, int *out,
		  char err[GUEST_ERR_MAX]);

/* Only the checks: VMR_NONE, or the reason with a sentence in err. */
enum vmotion_refusal vmotion_check(struct cluster *c, int vm, int dst,
				   char err[GUEST_ERR_MAX]);

int vmotion_count(const struct cluster *c);
const struct migration *vmotion_get(const struct cluster *c, int id);
void vmotion_result(const struct cluster *c, int id,
		    struct vmotion_result *out);

/* An EV_CLUSTER event in English (into buf, which it returns). */
const char *cluster_event_text(struct sim *s, const struct event *ev,
			       char *buf, size_t n);

/* Migrations in flight now. */
int vmotion_active(const struct cluster *c);

#endif
