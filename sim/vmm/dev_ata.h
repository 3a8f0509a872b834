/*
 * dev_ata.h - an ATA hard disk controller, master on the PC's primary IDE
 * channel (ports 0x1f0-0x1f7 and 0x3f6, IRQ 14), programmed I/O only.
 *
 * The VMM emulates these registers itself, as ESX's monitor does for its
 * virtual disk controllers: a disk is touched too often to pay a world
 * switch to the VMX on every port access.  The sectors do not live here:
 * when a command needs one, the controller asks the VMKernel's storage
 * stack (storage.c), which reads or writes the VM's disk file on its
 * datastore (vmfs.c).  Register layout: ide.h.
 *
 * The protocol (ATA/ATAPI-4, T13/1153D, 8 and 9.5-9.6), as a driver sees
 * it on QEMU's piix IDE (hw/ide/core.c, QEMU 7.2):
 *   READ SECTORS (0x20, 0x21): for each sector, the drive fetches it,
 *     sets DRQ and interrupts; the host reads 256 words.  After the last
 *     one: status 0x50, no interrupt.
 *   WRITE SECTORS (0x30, 0x31): DRQ at once, no interrupt; after each 256
 *     words the drive stores the sector and interrupts; DRQ again while
 *     sectors remain.  After the last: status 0x50.
 *   IDENTIFY DEVICE (0xec): 256 words describing the disk, then 0x50.
 *   Both transfers advance the address registers and count down the
 *   sector count as sectors move (count 0 means 256).  An address past
 *   the end aborts the command: status 0x41 (DRDY, ERR), error 0x04.
 *   FLUSH CACHE (0xe7), SET FEATURES (0xef), INITIALIZE DEVICE PARAMETERS
 *   (0x91), RECALIBRATE (0x10) and EXECUTE DEVICE DIAGNOSTIC (0x90) are
 *   accepted; any other command is aborted.  While BSY or DRQ is set,
 *   writes to the other registers are ignored, and so is a command.
 * A sector the storage stack cannot store for want of room (a full
 * datastore, storage.h) is held: the buffer, the address and the count
 * stay as they are, the drive shows BSY, and ata_retry stores it later;
 * the VMM pauses the VM meanwhile, so the guest never sees the wait.
 * Not modelled: DMA (the bus master), LBA48, READ/WRITE MULTIPLE, a slave
 * (absent: its status reads 0), timing (a command completes at once, so
 * BSY shows only while SRST is held).
 */
#ifndef SIM_DEV_ATA_H
#define SIM_DEV_ATA_H

#include <stdbool.h>
#include <stdint.h>

#define ATA_PORT 0x1f0		/* command block, 0x1f0-0x1f7 */
#define ATA_CTRL_PORT 0x3f6	/* device control / alternate status */
#define ATA_IRQ 14
#define ATA_SECTOR 512

enum ata_phase {
	ATA_IDLE = 0,		/* no data moving */
	ATA_DATA_IN,		/* the host reads buf (READ, IDENTIFY) */
	ATA_DATA_OUT		/* the host fills buf (WRITE) */
};

/* All register and transfer state: plain data, copyable by value. */
struct ata_regs {
	uint8_t error;		/* 0x1f1 read */
	uint8_t features;	/* 0x1f1 write */
	uint8_t count;		/* 0x1f2 */
	uint8_t lba_low;	/* 0x1f3 */
	uint8_t lba_mid;	/* 0x1f4 */
	uint8_t lba_high;	/* 0x1f5 */
	uint8_t device;		/* 0x1f6 */
	uint8_t status;		/* 0x1f7 read */
	uint8_t control;	/* 0x3f6 write */
	uint8_t irq;		/* INTRQ asserted (seen if nIEN is 0) */
	uint8_t phase;		/* enum ata_phase */
	uint8_t cmd;		/* the command moving data */
	uint16_t pos;		/* next byte of buf */
	uint16_t left;		/* sectors of the command not yet in buf */
	uint8_t held;		/* buf is a written sector waiting for room */
	uint8_t buf[ATA_SECTOR];	/* the sector (or IDENTIFY data) */
};

/* The drive: registers, and the disk's size (0: no disk attached). */
struct ata {
	struct ata_regs r;
	uint64_t sectors;	/* 512-byte sectors */
	uint16_t cylinders, heads, spt;	/* the CHS geometry it reports */
};

/* What the storage stack answers a read or a write. */
enum ata_io {
	ATA_IO_OK = 0,
	ATA_IO_ERROR,		/* a failure: the command is aborted */
	ATA_IO_NO_SPACE		/* a write with no room: held (ata_retry) */
};

/*
 * Where the sectors come from: the VMKernel's storage stack.  read/write
 * return an enum ata_io.
 */
struct ata_storage {
	void *ctx;
	int (*read)(void *ctx, uint64_t lba, uint8_t buf[ATA_SECTOR]);
	int (*write)(void *ctx, uint64_t lba, const uint8_t buf[ATA_SECTOR]);
};

/*
 * Power-on state, with a disk of `sectors` sectors (0: none; then every
 * register reads 0, as QEMU's channel with no drive).  The registers are
 * as QEMU leaves its disk after SeaBIOS: ready (0x50), master selected.
 */
void ata_init(struct ata *a, uint64_t sectors);

/*
 * Port access: 0x1f0-0x1f7 or 0x3f6; size 1, 2 or 4.  The data port
 * moves 2 or 4 bytes of a transfer; a wider access to another port
 * touches the following ports in turn.  io serves the sectors.
 */
uint32_t ata_read(struct ata *a, const struct ata_storage *io, uint16_t port,
		  int size);
void ata_write(struct ata *a, const struct ata_storage *io, uint16_t port,
	       int size, uint32_t v);

/*
 * Store the held sector again (room was freed): the command goes on as
 * if it had just been written, or is held again.  False if none is held.
 */
bool ata_retry(struct ata *a, const struct ata_storage *io);

/* The IRQ 14 line: a pending interrupt, unless nIEN masks it. */
bool ata_irq(const struct ata *a);

/* Is this one of the controller's ports? */
bool ata_port(uint16_t port);

#endif
