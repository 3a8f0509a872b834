/*
 * vcb.c - a consolidated backup, step by step in simulated time (vcb.h).
 *
 * The world runs between the steps: the copy takes as long as the disk's
 * size at the proxy's SAN bandwidth, in chunks, and the guest goes on
 * executing (and writing its disk, into the snapshot's delta) all along.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster.h"
#include "cluster/vcb.h"
#include "sim.h"
#include "status.h"
#include "vm.h"
#include "vmkernel/storage.h"
#include "vmx/snapshot.h"

#define CHUNK_SECTORS 512u		/* the proxy reads 256 KiB at a time */
#define DEFAULT_MB_S 100u		/* a 2 Gb/s FC SAN, about [assumption] */

/*
 * Record a step and emit it at its own time (the proxy's steps are not a
 * vCPU's: their time is the world's).  host: the VM's host, or the proxy.
 */
static void step(struct sim *s, struct vm *vm, struct vcb_result *r, int op,
		 uint32_t lba, uint32_t n, int layer, bool proxy)
{
	struct event ev = { .kind = EV_DISK, .vm = vm->id };

	ev.t_ns = sim_clock_ns(s);
	ev.u.disk.op = (uint8_t)op;
	ev.u.disk.layer = (uint8_t)layer;
	ev.u.disk.host = proxy ? EVENT_NO_HOST : vm->host->id;
	ev.u.disk.lba = lba;
	ev.u.disk.n = n;
	event_log_emit(sim_events(s), &ev);
	if (r->nsteps < VCB_MAX_STEPS)
		r->step[r->nsteps++] = (struct vcb_step){ op, ev.t_ns, lba, n };
}

/* Sectors the guest has written since the snapshot (the delta's size). */
static uint64_t delta_sectors(const struct vm *vm)
{
	return vmfs_layer_sectors(vm->disk, vmfs_layers(vm->disk) - 1);
}

/* Let the world run for ns of simulated time (the guest too). */
static void let_run(struct sim *s, uint64_t ns)
{
	enum sim_stop why;

	sim_run_until(s, sim_clock_ns(s) + ns, UINT64_MAX, &why);
}

static uint64_t fnv1a(const uint8_t *p, uint64_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (uint64_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* 4-6: the proxy mounts the frozen disk (the first depth layers), copies it. */
static void copy_off_host(struct sim *s, struct vm *vm, int depth,
			  uint64_t bytes_per_s, struct vcb_result *r)
{
	uint64_t sectors = vmfs_sectors(vm->disk);

	step(s, vm, r, DISK_MOUNT, 0, (uint32_t)sectors, depth - 1, true);
	for (uint64_t lba = 0; lba < sectors; lba += CHUNK_SECTORS) {
		uint32_t n = (uint32_t)(sectors - lba < CHUNK_SECTORS ?
					sectors - lba : CHUNK_SECTORS);

		/* the chunk takes its time on the SAN; the guest runs */
		let_run(s, (uint64_t)n * VMFS_SECTOR * 1000000000ull / bytes_per_s);
		for (uint32_t i = 0; i < n; i++)
			vmfs_read_view(vm->disk, depth, lba + i,
				       r->image + (lba + i) * VMFS_SECTOR);
		r->bytes += (uint64_t)n * VMFS_SECTOR;
		step(s, vm, r, DISK_COPY, (uint32_t)lba, n, depth - 1, true);
	}
	step(s, vm, r, DISK_UNMOUNT, 0, 0, depth - 1, true);
}

/*
 * VCB's proxy is a separate Windows server zoned into the SAN: it mounts
 * the snapshot's LUN directly (LAN-free), without the ESX host's help.  A
 * disk on a host's local datastore is on no LUN the proxy can see, so
 * VCB cannot back it up [src: VMware, "Virtual Machine Backup Guide", VI3
 * (VCB 1.x); /work/shared/research/cluster-facts.md, VCB].  A VM outside
 * any cluster has its disk on the host's datastore, taken here as a SAN
 * LUN the proxy is zoned to.
 */
static bool proxy_sees(struct sim *s, const struct vm *vm, char *err,
		       size_t errlen)
{
	struct cluster *c;
	int i = cluster_vm_of_live(s, vm, &c);
	const struct datastore *d;

	if (i < 0)
		return true;
	d = cluster_datastore(c, cluster_vm(c, i)->datastore);
	if (d->shared)
		return true;
	snprintf(err, errlen,
		 "%s's disk is on %s, a datastore local to %s: the VCB proxy copies disks off the SAN and cannot see a host's local disk",
		 vm->name, d->name,
		 cluster_host(c, d->local_host)->host->name);
	return false;
}

int vcb_backup(struct sim *s, struct vm *vm, const struct vcb_options *o,
	       struct vcb_result *out, char *err, size_t errlen)
{
	uint32_t mb_s = o && o->bandwidth_mb_s ? o->bandwidth_mb_s : DEFAULT_MB_S;
	uint64_t insns0 = sim_insns(s), written;
	int rc, depth;

	memset(out, 0, sizeof *out);
	if (vm->disk == NULL) {
		snprintf(err, errlen, "%s has no disk to back up", vm->name);
		return SIM_EINVAL;
	}
	if (!proxy_sees(s, vm, err, errlen)) {
		step(s, vm, out, DISK_REFUSED, 0, DISK_REFUSED_LOCAL,
		     vmfs_layers(vm->disk) - 1, false);
		return SIM_ESTATE;
	}
	/* its first step is a snapshot, which a paused VM refuses */
	if (snapshot_question_pending(vm, err, errlen)) {
		step(s, vm, out, DISK_REFUSED, 0, DISK_REFUSED_QUESTION,
		     vmfs_layers(vm->disk) - 1, false);
		return SIM_ESTATE;
	}
	out->image = malloc(vmfs_sectors(vm->disk) * VMFS_SECTOR);
	if (out->image == NULL) {	/* the backup is kept in memory */
		snprintf(err, errlen, "%s's disk (%llu MiB) is too big to back up into memory",
			 vm->name, (unsigned long long)(vmfs_sectors(vm->disk) >> 11));
		return SIM_ENOMEM;
	}
	out->start_ns = sim_clock_ns(s);
	/* 1-3: no VMware Tools in our guests: the snapshot is crash-consistent */
	step(s, vm, out, DISK_QUIESCE, 0, 0, vmfs_layers(vm->disk) - 1, false);
	rc = snapshot_take(vm, VCB_SNAPSHOT, false, err, errlen);
	if (rc != SIM_OK) {
		vcb_result_free(out);
		return rc;
	}
	depth = vmfs_layers(vm->disk) - 1;	/* the frozen files */
	step(s, vm, out, DISK_UNQUIESCE, 0, 0, depth, false);
	copy_off_host(s, vm, depth, (uint64_t)mb_s * 1000000u, out);
	/* 7: consolidate what the guest wrote meanwhile */
	written = delta_sectors(vm);
	rc = snapshot_remove(vm, VCB_SNAPSHOT, err, errlen);
	out->end_ns = sim_clock_ns(s);
	out->guest_insns = sim_insns(s) - insns0;
	out->sectors_changed = written;
	out->checksum = fnv1a(out->image, vmfs_sectors(vm->disk) * VMFS_SECTOR);
	if (rc == SIM_OK && out->nsteps < VCB_MAX_STEPS)
		out->step[out->nsteps++] = (struct vcb_step){
			DISK_CONSOLIDATE, out->end_ns, 0, (uint32_t)written };
	return rc;
}

void vcb_result_free(struct vcb_result *r)
{
	free(r->image);
	r->image = NULL;
}
