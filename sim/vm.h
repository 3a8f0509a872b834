/*
 * vm.h - a virtual machine: guest RAM, virtual CPUs, and its VMX.
 *
 * In ESX every VM has one VMM (with one thread, a "world", per virtual
 * CPU) and one VMX, a user-level process that bootstrapped the VM and now
 * emulates its non-critical devices.  struct vm ties them together; the
 * VMM code lives in vmm*.c and the VMX in vmx.c.
 */
#ifndef SIM_VM_H
#define SIM_VM_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/dev_ata.h"
#include "vmm/dev_pic.h"
#include "vmm/dev_pit.h"
#include "event.h"
#include "vmx/guest.h"
#include "vmm/vcpu.h"

#define VM_MAX_VCPUS 8
#define VM_NAME_MAX 32

enum vm_state {
	VM_OFF = 0,		/* not running: never started or powered off */
	VM_ON,			/* running */
	VM_HALTED,		/* its CPU stopped with interrupts off */
	VM_PAUSED		/* stopped by the VMKernel, its state kept: a
				   write found the datastore full (storage.h) */
};

const char *vm_state_name(enum vm_state s);

struct vm_config {
	const char *name;	/* "vm0" */
	const char *host;	/* host to place it on (NULL: the first host,
				   made as "esx0" if there is none) */
	const char *guest;	/* path of the Multiboot kernel, or NULL for a
				   modelled VM (a load profile, no code) */
	const char *cdrom;	/* ISO image in its CD-ROM drive, or NULL */
	const char *append;	/* Multiboot command line after the kernel's
				   path (QEMU's -append), or NULL */
	const char *modules[GUEST_MAX_MODULES];	/* Multiboot modules, each
				   "FILE" or "FILE,STRING" (QEMU's -initrd) */
	int nmodules;
	const char *disk;	/* raw image copied to its hard disk, or NULL */
	uint32_t disk_mb;	/* or a blank hard disk of this size (0: none) */
	const char *datastore;	/* where its disk file is (NULL: "datastore1") */
	uint32_t mem_mb;	/* guest RAM (default 128, as QEMU) */
	int vcpus;		/* 1 */
	enum exec_mode mode;	/* te, bt or hw */
	uint32_t tc_bytes;	/* bt: translation cache size (0: all of
				   BT_TC_SIZE; a test makes it small) */
	uint32_t mhz;		/* the host's pCPU clock (set by the host) */
	bool tsc_deadline;	/* its CPUs announce and have the local APIC
				   timer's TSC-deadline mode (CPUID.01H:ECX
				   bit 24); false: qemu32's CPUID, without */
	/* modelled VMs only */
	uint32_t load_mhz;	/* CPU demand of each vCPU, in MHz */
	uint32_t dirty_mb_s;	/* rate it writes memory (for VMotion) */
};

struct vmx;
struct sim;
struct host;

struct vm {
	uint16_t id;
	char name[VM_NAME_MAX];
	struct sim *sim;		/* the world it lives in */
	struct host *host;		/* the host it runs on */
	bool modelled;			/* no guest code: a load profile */
	struct vm_config cfg;
	char guest_path[256];
	char append[256];		/* cfg.append, kept */
	char modules[GUEST_MAX_MODULES][256];	/* cfg.modules, kept */
	enum vm_state state;
	enum power_reason power_reason;	/* why it last changed state */
	uint32_t exit_status;		/* debug-exit value, if any */
	uint8_t *ram;			/* guest physical memory */
	uint32_t ram_size;
	uint8_t *touched;		/* per 4 KiB page: ever written (vm_touch) */
	/*
	 * VMotion's dirty tracking (vmotion.c), NULL when off: per page,
	 * written since the tracker last looked.  ESX write-protects the
	 * guest's pages ("traces") and the first write to each page in a
	 * pre-copy round faults into the VMM, which marks it and lets the
	 * write go on: that fault is charged to the guest (COST_TRAP).
	 */
	uint8_t *dirty;
	uint32_t ndirty;		/* pages marked in dirty */
	struct blockcache *code;	/* decoded guest code */
	struct vmx *vmx;		/* the VMX user world */
	int nvcpus;
	struct vcpu *vcpu[VM_MAX_VCPUS];
	struct guest_boot boot;		/* state the loader handed over */

	/* the devices the VMM itself emulates (vmm_devices.c) */
	struct pic pic;			/* 8259A pair */
	struct pit pit;			/* 8254 timer */
	uint64_t pit_seen_ns;		/* the PIT's edges are raised to here */
	struct ata ata;			/* ATA disk controller (vmm_disk.c) */

	/* its disk file on a datastore, served by the VMKernel (storage.c) */
	struct vmfs_disk *disk;		/* NULL: no hard disk */
	struct snapshots *snaps;	/* its snapshots (snapshot.c), or NULL */
};

/*
 * Create a VM and have its VMX bootstrap it: allocate RAM, load the
 * kernel, create the VMM and its vCPUs, power on.  Each step is an EV_VMX
 * event.  *out is set as soon as the VM exists (so the world can name it
 * in those events) and reset to NULL on failure.  On a bad kernel returns
 * SIM_EFORMAT/SIM_EIO with a message in err.
 */
int vm_create(struct sim *sim, struct host *host, uint16_t id,
	      const struct vm_config *cfg, struct vm **out,
	      char err[GUEST_ERR_MAX]);
void vm_destroy(struct vm *vm);

/*
 * Boot the VM (again): fresh RAM, the kernel loaded anew, new vCPUs (their
 * counters carry on), devices reset; EV_VMX for each step, then EV_POWER.
 */
int vm_boot(struct vm *vm, char err[GUEST_ERR_MAX]);

/* Emit an event on behalf of this VM (fills vm id and time). */
void vm_emit(struct vm *vm, int vcpu, struct event *ev);

/* Simulated time now, as seen by this vCPU. */
uint64_t vm_now_ns(struct vm *vm, int vcpu);

/*
 * Power the VM off (or mark it halted) and stop its vCPUs at the next
 * opportunity.  Emits EV_POWER.  Safe from inside CPU hooks.
 */
void vm_power_off(struct vm *vm, enum power_reason why, uint32_t status);

/*
 * Pause a running VM (VM_PAUSED): its vCPUs stop where they are at the
 * next opportunity, everything is kept (RAM, registers, a device's
 * half-done command), and it waits for an answer (storage.h: Retry or
 * Cancel).  why: POWER_NO_SPACE; status: the sector whose write waits.
 * Emits EV_POWER (on false).  Safe from inside CPU hooks.
 */
void vm_pause(struct vm *vm, enum power_reason why, uint32_t status);

/*
 * A paused VM runs again (VM_ON), from where it stopped: EV_POWER (on,
 * reason why: POWER_RETRY).  The caller has its worlds scheduled again.
 */
void vm_resume(struct vm *vm, enum power_reason why);

/*
 * Guest RAM [addr, addr+len) was written (by the guest, the VMM, the VMX or
 * the loader): the only way to mark guest pages written, which is what a
 * checkpoint (history.c) and vm_state_save() copy.  Any size and
 * alignment: a 4-byte store at 0x3ffffe writes two pages, and addresses
 * wrap at 4 GiB as the CPU's do.  Pages beyond RAM are not memory.
 * While VMotion tracks the VM (vm->dirty set), the pages are marked dirty
 * too; returns how many were not yet dirty (each a trace fault).
 */
static inline int vm_touch(struct vm *vm, uint32_t addr, uint32_t len)
{
	uint32_t p = addr >> 12, last = (uint32_t)(addr + len - 1) >> 12;
	uint32_t npages = vm->ram_size >> 12;
	int traced = 0;

	if (len == 0)
		return 0;
	for (;;) {
		if (p < npages) {
			vm->touched[p] = 1;
			if (vm->dirty && !vm->dirty[p]) {	/* a VMotion trace */
				vm->dirty[p] = 1;
				vm->ndirty++;
				traced++;
			}
		}
		if (p == last)
			break;
		p = (p + 1) & 0xfffffu;
	}
	return traced;
}

/*
 * All output so far of a VMX device (device: enum vmx_device, DEV_SERIAL
 * or DEV_PARALLEL); not NUL-terminated, *len bytes.
 */
const char *vm_device_output(const struct vm *vm, int device, size_t *len);

/*
 * The bytes a VMX device (DEV_SERIAL or DEV_PARALLEL) sent past the
 * output it keeps (outbuf.h's cap), dropped and only counted; 0: none.
 */
uint64_t vm_output_dropped(const struct vm *vm, int device);

/*
 * The line of output an EV_SERIAL event announces (serial or parallel, as
 * its device says), *len bytes; NULL if that output is gone (the world
 * stepped back before it).
 */
const char *vm_output_line(const struct vm *vm, const struct event *ev,
			   size_t *len);

/* All serial output so far (not NUL-terminated; *len bytes). */
const char *vm_serial(const struct vm *vm, size_t *len);

#endif
