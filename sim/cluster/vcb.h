/*
 * vcb.h - VMware Consolidated Backup: a VM's disk backed up off the host,
 * while the guest keeps running.
 *
 * VCB (ESX 3.x, 2006-2009) moved backups out of the guests and off the
 * ESX hosts onto a "proxy": a physical server zoned to the same SAN LUNs
 * as the hosts.  For each VM [src: VMware, "Virtual Machine Backup Guide"
 * (VCB 1.x), chapters on how VCB works; cluster-facts.md]:
 *   1. quiesce: VMware Tools' sync driver flushes the guest's buffers and
 *      holds its writes (without Tools the backup is crash-consistent);
 *   2. snapshot: the disk file becomes read-only, a delta takes the writes
 *      (the snapshot is named _VCB-BACKUP_);
 *   3. unquiesce: the guest writes again, into the delta;
 *   4. mount: the proxy opens the frozen disk file straight off the SAN
 *      (LAN-free: no byte crosses the host or the network);
 *   5. copy: the proxy reads the whole frozen disk, at the SAN's speed;
 *   6. unmount;
 *   7. remove the snapshot: the delta (every write the guest made during
 *      the backup) is consolidated into the disk file.
 * The backup is the disk exactly as it was at step 2.  Its successor, the
 * vStorage APIs for Data Protection (vSphere 4, 2009), keeps the snapshot
 * but lets the backup server read changed blocks only (Changed Block
 * Tracking) over the SAN or the network.
 */
#ifndef SIM_VCB_H
#define SIM_VCB_H

#include <stdbool.h>
#include <stdint.h>

#define VCB_SNAPSHOT "_VCB-BACKUP_"
#define VCB_MAX_STEPS 64

struct sim;
struct vm;

struct vcb_options {
	const char *proxy;		/* the proxy's name (NULL: "vcb-proxy") */
	uint32_t bandwidth_mb_s;	/* its SAN read rate (0: 100 MB/s) */
};

struct vcb_step {
	int op;				/* enum disk_op: quiesce ... consolidate */
	uint64_t t_ns;			/* when, in simulated time */
	uint32_t lba, n;		/* copy: the sectors; consolidate: merged */
};

struct vcb_result {
	int nsteps;
	struct vcb_step step[VCB_MAX_STEPS];
	uint64_t bytes;			/* copied to the proxy */
	uint64_t checksum;		/* FNV-1a of the backup (vmfs_checksum's) */
	uint8_t *image;			/* the backup itself (vcb_result_free) */
	uint64_t start_ns, end_ns;
	uint64_t guest_insns;		/* the guest ran this many meanwhile */
	uint64_t sectors_changed;	/* ... and changed this many sectors */
};

/*
 * Back up vm's disk through a proxy, running the world meanwhile.  On
 * failure (no disk, a snapshot already named _VCB-BACKUP_) err says why
 * and nothing has changed.  Release out with vcb_result_free.
 */
int vcb_backup(struct sim *s, struct vm *vm, const struct vcb_options *o,
	       struct vcb_result *out, char *err, size_t errlen);

void vcb_result_free(struct vcb_result *r);

#endif
