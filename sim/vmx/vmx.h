/*
 * vmx.h - the VMX: a VM's user-level helper process.
 *
 * In ESX the VMX is a "user world" (a process the VMKernel schedules) that
 * exists once per VM.  It bootstraps the VM (creates its worlds, allocates
 * and maps its memory, loads what it boots, starts the VMM) and then
 * emulates the devices that are not performance-critical: serial and
 * parallel ports, the CD-ROM.  When guest code touches one of those ports,
 * the VMM hands the access to the VMX and returns its answer to the guest:
 * the I/O path guest > vmm > vmx > vmm > guest.
 */
#ifndef SIM_VMX_H
#define SIM_VMX_H

#include <stddef.h>
#include <stdint.h>

#include "vmx/guest.h"

/* Devices behind the ports, as named in EV_IO events. */
enum vmx_device {
	DEV_NONE = 0,		/* nothing there: reads float high (0xff) */
	DEV_SERIAL,		/* 16550 UART, COM1 at 0x3f8 */
	DEV_DEBUG_EXIT,		/* QEMU's isa-debug-exit at 0xf4 */
	DEV_POST,		/* port 0x80, the BIOS POST code (I/O delay) */
	DEV_PARALLEL,		/* LPT1 at 0x378 */
	DEV_CDROM,		/* ATAPI CD-ROM, secondary IDE (0x170, 0x376) */
	DEV_PIC,		/* 8259A PICs: the VMM's own, not the VMX's */
	DEV_PIT,		/* 8254 PIT and port 0x61: the VMM's own */
	DEV_DISK,		/* ATA disk, primary IDE (0x1f0, 0x3f6): the VMM's own */
	DEV_FWCFG,		/* QEMU's fw_cfg at 0x510/0x511 (dev_fwcfg.h) */
	DEV_COUNT
};

const char *vmx_device_name(enum vmx_device d);

/*
 * The steps the VMX takes (EV_VMX events): the bootstrap, in order, and
 * after it what the VMX says of its devices.
 */
enum vmx_boot_step {
	VMX_CREATE_WORLD = 0,	/* the VMX user world exists */
	VMX_ALLOC_MEMORY,	/* guest RAM allocated and mapped (a = MiB) */
	VMX_LOAD_IMAGE,		/* kernel loaded (a = entry, b = bytes) */
	VMX_CREATE_VMM,		/* the VMM and one world per vCPU (a = vCPUs) */
	VMX_START,		/* vCPU 0 starts at the kernel entry (a) */
	VMX_OPEN_DISK,		/* the disk file opened on its datastore (a = sectors) */
	VMX_OUTPUT_FULL,	/* a device's output reached its cap (outbuf.h):
				   a = enum vmx_device, b = the bytes kept;
				   every byte after is dropped, only counted
				   (vmx_output_dropped).  Once per device. */
	VMX_BOOT_STEP_COUNT
};

const char *vmx_boot_step_name(enum vmx_boot_step s);

struct vm;
struct vmx;

/*
 * The VMX of a VM, with its devices; cdrom: an ISO image for the CD-ROM
 * drive, or NULL for an empty drive.  On a bad image err names the file.
 */
int vmx_create(struct vm *vm, const char *cdrom, struct vmx **out,
	       char err[GUEST_ERR_MAX]);

/* Reset the devices (power-on); output already produced is kept. */
void vmx_reset(struct vmx *x);
void vmx_destroy(struct vmx *x);

/* The device that answers a port. */
enum vmx_device vmx_device_at(uint16_t port);

/*
 * A port access the VMM routes to the VMX.  vcpu is the virtual CPU making
 * the access (for the events the device emits).
 */
uint32_t vmx_port_in(struct vmx *x, int vcpu, uint16_t port, int size);
void vmx_port_out(struct vmx *x, int vcpu, uint16_t port, int size,
		  uint32_t value);

/* Serial output so far. */
const char *vmx_serial_output(const struct vmx *x, size_t *len);

/* Output so far of DEV_SERIAL or DEV_PARALLEL. */
const char *vmx_output(const struct vmx *x, enum vmx_device dev,
		       size_t *len);

/*
 * The bytes DEV_SERIAL or DEV_PARALLEL sent past its cap and dropped (0:
 * all were kept).  Part of the device's state: stepping back restores it.
 */
uint64_t vmx_output_dropped(const struct vmx *x, enum vmx_device dev);

/*
 * For tests only: keep at most max bytes of each device's output instead
 * of OUTBUF_MAX, so that a test reaches the cap in a few instructions.
 */
void vmx_set_output_max(struct vmx *x, size_t max);

/* The ISO image in the CD-ROM drive, or NULL if it is empty. */
const char *vmx_cdrom_path(const struct vmx *x);

/*
 * The devices' state and their output so far, self-contained: to put back
 * later (a checkpoint) or into another VMX (a VM moved to another host).
 * Loading returns SIM_ENOMEM (and changes nothing) if out of memory.
 */
struct vmx_state;
int vmx_state_save(const struct vmx *x, struct vmx_state **out);
int vmx_state_load(struct vmx *x, const struct vmx_state *st);
void vmx_state_free(struct vmx_state *st);

/* Emit the last partial line of serial output, if any (at power-off). */
void vmx_flush(struct vmx *x, int vcpu);

#endif
