/*
 * vmm_devices.h - the devices the VMM emulates itself, the PIC, the PIT
 * and the ATA disk controller (vmm_devices.c, vmm_disk.c); their state
 * lives in struct vm (vm.h).
 */
#ifndef SIM_VMM_DEVICES_H
#define SIM_VMM_DEVICES_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/dev_ata.h"
#include "vmm/dev_pic.h"
#include "vmm/dev_pit.h"
#include "vmx/vmx.h"

struct vm;
struct vcpu;

/* Power-on state of the PIC, the PIT and the disk controller. */
void vmm_devices_reset(struct vm *vm);

/* Raise the interrupts the timer has produced up to time now. */
void vmm_devices_advance(struct vm *vm, uint64_t now);

/*
 * When the next device interrupt the guest could take will be raised
 * (after now), or UINT64_MAX if none will: when a halted vCPU wakes.
 */
uint64_t vmm_devices_next_wake_ns(struct vm *vm, int vcpu, uint64_t now);

/* Does vCPU vcpu have an interrupt request waiting at the PIC? */
bool vmm_devices_irq_pending(const struct vm *vm, int vcpu);

/* Ports the VMM answers itself (the PICs, the PIT, port 0x61, the disk)... */
bool vmm_devices_owns_port(uint16_t port);
/* ... and which device each is (DEV_PIC, DEV_PIT or DEV_DISK). */
enum vmx_device vmm_devices_at(uint16_t port);

/* A guest port access to one of them, at the vCPU's time. */
uint32_t vmm_devices_in(struct vcpu *v, uint16_t port, int size);
void vmm_devices_out(struct vcpu *v, uint16_t port, int size,
		     uint32_t value);

/* Their state: plain registers, saved and put back whole (vm_snap.c). */
struct vmm_devices_state {
	struct pic pic;
	struct pit pit;
	uint64_t pit_seen_ns;		/* the PIT's edges are raised to here */
	struct ata ata;			/* the disk controller: its registers and
					   the sector in flight (the disk file
					   stays on its datastore) */
};
void vmm_devices_save(const struct vm *vm, struct vmm_devices_state *out);
void vmm_devices_load(struct vm *vm, const struct vmm_devices_state *st);

#endif
