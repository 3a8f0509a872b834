/*
 * dev_atapi.h - an ATAPI CD-ROM drive, master on the PC's secondary IDE
 * channel, programmed I/O only.
 *
 * IDE ("AT attachment", ATA) puts a disk's controller on the drive; the
 * PC only decodes a few ports (ATA/ATAPI-4, T13/1153D, section 7):
 *
 *   0x170  data (16 bits wide: the host reads or writes a word at a time)
 *   0x171  read: error            write: features
 *   0x172  sector count; for a packet command, the interrupt reason:
 *          bit 0 C/D (1 = command/status), bit 1 I/O (1 = to the host)
 *   0x173  LBA low
 *   0x174  LBA mid   } for a packet command, the byte count: the host's
 *   0x175  LBA high  } limit per data block, then the device's block size
 *   0x176  device: bit 4 DEV selects drive 0 (master) or 1 (slave)
 *   0x177  read: status           write: command
 *   0x376  read: alternate status (no side effect)
 *          write: device control, bit 2 SRST (software reset), bit 1 nIEN
 *          (1 = do not interrupt the host)
 *
 * Status: bit 7 BSY (busy: nothing else is valid), 6 DRDY (ready), 4 DSC,
 * 3 DRQ (a data word is waiting to move), 0 ERR (see the error register).
 *
 * A CD-ROM is a SCSI device talking over ATA ("ATA packet interface",
 * SFF-8020i): the host writes the PACKET command (0xa0), the drive asks
 * for a 12-byte command packet (DRQ, C/D = 1), the host writes it through
 * the data port, and the drive answers like a SCSI device (MMC): data
 * blocks of at most the byte count, each announced by DRQ and an
 * interrupt, then a status phase: ERR clear, or ERR with the SCSI sense
 * key in error bits 7-4, details from REQUEST SENSE.
 *
 * Supported: reset (SRST; signature 0x14/0xeb in LBA mid/high), DEVICE
 * RESET, IDENTIFY PACKET DEVICE, SET FEATURES (accepted), EXECUTE DEVICE
 * DIAGNOSTIC, PACKET; packets TEST UNIT READY, REQUEST SENSE, INQUIRY,
 * READ CAPACITY, READ(10), READ(12), START STOP UNIT and PREVENT ALLOW
 * MEDIUM REMOVAL (accepted).  Any other ATA command is aborted; any other
 * packet ends in CHECK CONDITION, ILLEGAL REQUEST.  An empty drive answers
 * commands that need a disc with NOT READY, MEDIUM NOT PRESENT.  Not
 * modelled: DMA (a PACKET asking for it is aborted), the slave (absent:
 * its registers read 0, as on QEMU), audio, tray movement, timing (every
 * command completes at once, so BSY shows only during a reset).
 *
 * The image is only ever read (pread), never written.
 */
#ifndef SIM_DEV_ATAPI_H
#define SIM_DEV_ATAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ATAPI_PORT 0x170	/* command block, 0x170-0x177 */
#define ATAPI_CTRL_PORT 0x376	/* device control / alternate status */
#define ATAPI_IRQ 15
#define ATAPI_SECTOR 2048	/* bytes in a CD-ROM data sector */

/* All register and transfer state: plain data, copyable by value. */
struct atapi_regs {
	uint8_t error;		/* 0x171 read */
	uint8_t features;	/* 0x171 write */
	uint8_t count;		/* 0x172: sector count / interrupt reason */
	uint8_t lba_low;	/* 0x173 */
	uint8_t lba_mid;	/* 0x174: byte count, low byte */
	uint8_t lba_high;	/* 0x175: byte count, high byte */
	uint8_t device;		/* 0x176 */
	uint8_t status;		/* 0x177 read */
	uint8_t control;	/* 0x376 write */
	uint8_t irq;		/* INTRQ asserted (seen if nIEN is 0) */
	uint8_t phase;		/* ATAPI_IDLE, ATAPI_PACKET, ATAPI_DATA_IN */
	uint8_t from_disc;	/* data-in comes from the disc (READ) */
	uint8_t sense_key;	/* SCSI sense of the last command */
	uint8_t asc;		/* additional sense code */
	uint8_t packet[12];	/* the command packet (CDB) */
	uint16_t limit;		/* byte count limit the host gave PACKET */
	uint32_t pos;		/* next byte of buf to transfer */
	uint32_t buf_len;	/* valid bytes in buf */
	uint32_t block_left;	/* bytes left in this DRQ block */
	uint64_t left;		/* bytes left in the whole command */
	uint32_t next_lba;	/* READ: the sector to fetch next */
	uint8_t buf[ATAPI_SECTOR];	/* sector, packet or reply data */
};

enum atapi_phase {
	ATAPI_IDLE = 0,		/* no command in progress */
	ATAPI_PACKET,		/* waiting for the 12 command bytes */
	ATAPI_DATA_IN		/* data moving to the host */
};

/* The drive: its registers plus the disc (not part of a checkpoint). */
struct atapi {
	struct atapi_regs r;
	int fd;			/* the image, read-only; -1: no disc */
	uint64_t sectors;	/* 2048-byte sectors on the disc */
	char path[256];		/* the image's file name, for messages */
};

/*
 * A drive holding the disc image iso_path.  SIM_EIO if the file cannot be
 * opened or read, SIM_EFORMAT if it is not an ISO 9660 image (its size is
 * not a whole number of 2048-byte sectors, or sector 16 holds no primary
 * volume descriptor "CD001"); err then gets one line naming the file and
 * the problem, and a is an empty drive.  The registers start as QEMU 7.2
 * leaves its drive after SeaBIOS probed it: status 0x50, the slave
 * selected (device register 0xb0).
 */
int atapi_open(struct atapi *a, const char *iso_path, char *err,
	       size_t errlen);

/* A drive with no disc. */
void atapi_init_empty(struct atapi *a);

/* Close the image (the drive becomes empty; the registers stay). */
void atapi_close(struct atapi *a);

/*
 * Port access: port 0x170-0x177 or 0x376; size 1, 2 or 4 bytes.  The
 * data port moves 2 bytes (size 2) or 4 (size 4) of a transfer; a wider
 * access to another port reads or writes the following ports in turn, as
 * the ISA bus splits it.  Unknown ports read all ones; writes to them are
 * ignored.
 */
uint32_t atapi_read(struct atapi *a, uint16_t port, int size);
void atapi_write(struct atapi *a, uint16_t port, int size, uint32_t v);

/* The IRQ 15 line: a pending interrupt, unless nIEN masks it. */
bool atapi_irq(const struct atapi *a);

#endif
