/*
 * dev_atapi.c - the ATAPI CD-ROM drive (see dev_atapi.h).
 *
 * Every command finishes the moment it is written: there is no seek time
 * and no spinning up.  What remains is the protocol a driver must follow:
 * the phases of a packet command, DRQ and the interrupt reason telling
 * the host what the data port wants next, and SCSI sense for errors.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmm/ide.h"
#include "vmx/dev_atapi.h"
#include "status.h"

#define IR_CD 0x01		/* interrupt reason: command or status */
#define IR_IO 0x02		/* interrupt reason: to the host */

/* ATA commands a packet device accepts. */
enum {
	ATA_DEVICE_RESET = 0x08,
	ATA_DIAGNOSTIC = 0x90,
	ATA_PACKET = 0xa0,
	ATA_IDENTIFY_PACKET = 0xa1,
	ATA_IDENTIFY = 0xec,
	ATA_SET_FEATURES = 0xef,
};

/* SCSI packet commands (MMC / SPC operation codes). */
enum {
	SCSI_TEST_UNIT_READY = 0x00,
	SCSI_REQUEST_SENSE = 0x03,
	SCSI_INQUIRY = 0x12,
	SCSI_START_STOP = 0x1b,
	SCSI_PREVENT_ALLOW = 0x1e,
	SCSI_READ_CAPACITY = 0x25,
	SCSI_READ_10 = 0x28,
	SCSI_READ_12 = 0xa8,
};

/* Sense keys and additional sense codes (SPC). */
enum {
	SENSE_NONE = 0x0,
	SENSE_NOT_READY = 0x2,
	SENSE_MEDIUM_ERROR = 0x3,
	SENSE_ILLEGAL_REQUEST = 0x5,
	ASC_READ_ERROR = 0x11,		/* unrecovered read error */
	ASC_BAD_OPCODE = 0x20,		/* invalid command operation code */
	ASC_LBA_RANGE = 0x21,		/* logical block address out of range */
	ASC_BAD_FIELD = 0x24,		/* invalid field in the command */
	ASC_NO_MEDIUM = 0x3a,		/* medium not present */
};

#define PACKET_SIZE 12

/* ---- register state ---- */

/*
 * After a reset, a packet device leaves its "signature" in the registers
 * (ATA/ATAPI-4, 9.1): LBA mid/high = 0x14/0xeb says "ATAPI here", where a
 * disk would show 0x00/0x00.  DRDY stays clear: a packet device is only
 * ready once the host has identified it.
 */
static void reset_device(struct atapi_regs *r)
{
	r->phase = ATAPI_IDLE;
	r->irq = 0;
	r->count = 0x01;
	r->lba_low = 0x01;
	r->lba_mid = 0x14;
	r->lba_high = 0xeb;
	r->device &= 0xf0;
	r->error = 0x01;	/* diagnostic code: device 0 passed */
	r->status = 0;
	r->sense_key = SENSE_NONE;
	r->asc = 0;
}

/* The status phase of a packet command: C/D = 1, I/O = 1, interrupt. */
static void end_packet(struct atapi_regs *r, uint8_t status)
{
	r->status = status;
	r->count = (r->count & ~7) | IR_IO | IR_CD;
	r->phase = ATAPI_IDLE;
	r->irq = 1;
}

static void finish_ok(struct atapi_regs *r)
{
	r->error = 0;
	r->sense_key = SENSE_NONE;
	r->asc = 0;
	end_packet(r, IDE_DONE);
}

/* CHECK CONDITION: the sense key goes to error bits 7-4. */
static void check_condition(struct atapi_regs *r, uint8_t key, uint8_t asc)
{
	r->error = (uint8_t)(key << 4);
	r->sense_key = key;
	r->asc = asc;
	end_packet(r, IDE_DRDY | IDE_ERR);
}

static void abort_command(struct atapi_regs *r)
{
	r->error = IDE_ABRT;
	r->status = IDE_DRDY | IDE_ERR;
	r->phase = ATAPI_IDLE;
	r->irq = 1;
}

/* ---- data transfer to the host ---- */

/* Read the next sector of a READ into buf. */
static int fetch_sector(struct atapi *a)
{
	struct atapi_regs *r = &a->r;
	off_t at = (off_t)r->next_lba * ATAPI_SECTOR;

	if (a->fd < 0 || pread(a->fd, r->buf, ATAPI_SECTOR, at) != ATAPI_SECTOR)
		return -1;
	r->next_lba++;
	r->pos = 0;
	r->buf_len = ATAPI_SECTOR;
	return 0;
}

/*
 * Announce the next DRQ block: as many bytes as are left, but no more
 * than the host's byte count limit (made even when it cuts the data);
 * the block's size goes to LBA mid/high for the host to read.  A READ
 * reads its sector first, so a bad sector ends the command here, in the
 * status phase, rather than half-way through a block.
 */
static void next_block(struct atapi *a)
{
	struct atapi_regs *r = &a->r;
	uint32_t size = r->left > r->limit ? (r->limit & ~1u) : (uint32_t)r->left;

	if (r->from_disc && r->pos == r->buf_len && fetch_sector(a) != 0) {
		check_condition(r, SENSE_MEDIUM_ERROR, ASC_READ_ERROR);
		return;
	}
	r->block_left = size;
	r->lba_mid = (uint8_t)size;
	r->lba_high = (uint8_t)(size >> 8);
	r->count = (r->count & ~7) | IR_IO;
	r->status = IDE_DONE | IDE_DRQ;
	r->phase = ATAPI_DATA_IN;
	r->irq = 1;
}

/* Start sending total bytes (from buf, or from the disc for READ). */
static void start_data(struct atapi *a, uint64_t total)
{
	struct atapi_regs *r = &a->r;

	r->left = total;
	r->pos = 0;
	if (total == 0) {
		finish_ok(r);
		return;
	}
	/* a limit of 0, or of 1 for more than 1 byte, cannot move data */
	if (r->limit == 0 || (r->limit == 1 && total > 1)) {
		check_condition(r, SENSE_ILLEGAL_REQUEST, ASC_BAD_FIELD);
		return;
	}
	next_block(a);
}

/* A reply built in buf, cut to the allocation length the host gave. */
static void reply(struct atapi *a, uint32_t len, uint32_t alloc)
{
	struct atapi_regs *r = &a->r;

	r->from_disc = 0;
	r->buf_len = len < alloc ? len : alloc;
	start_data(a, r->buf_len);
}

/*
 * One 16-bit word through the data port.  A block of odd size ends with
 * a half-filled word.  The word that ends a block starts the next one (or
 * the status phase); a failing read ends the command with MEDIUM ERROR.
 */
static uint16_t read_word(struct atapi *a)
{
	struct atapi_regs *r = &a->r;
	uint16_t v = 0;

	if (r->phase != ATAPI_DATA_IN || !(r->status & IDE_DRQ))
		return 0;	/* no data waiting: QEMU reads 0 */
	for (int i = 0; i < 2 && r->block_left > 0; i++) {
		if (r->pos == r->buf_len &&
		    (!r->from_disc || fetch_sector(a) != 0)) {
			check_condition(r, SENSE_MEDIUM_ERROR, ASC_READ_ERROR);
			return 0;
		}
		v |= (uint16_t)(r->buf[r->pos++] << (8 * i));
		r->left--;
		r->block_left--;
	}
	if (r->block_left == 0) {
		if (r->left == 0)
			finish_ok(r);
		else
			next_block(a);
	}
	return v;
}

/* ---- the packet commands ---- */

static uint32_t be16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t be32(const uint8_t *p) { return be16(p) << 16 | be16(p + 2); }

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void request_sense(struct atapi *a)
{
	struct atapi_regs *r = &a->r;

	memset(r->buf, 0, 18);
	r->buf[0] = 0x70;		/* current error, fixed format */
	r->buf[2] = r->sense_key;
	r->buf[7] = 10;			/* 10 more bytes follow */
	r->buf[12] = r->asc;
	reply(a, 18, r->packet[4]);
}

static void inquiry(struct atapi *a)
{
	struct atapi_regs *r = &a->r;

	memset(r->buf, 0, 36);
	r->buf[0] = 0x05;		/* peripheral type: CD-ROM */
	r->buf[1] = 0x80;		/* removable medium */
	r->buf[3] = 0x21;		/* ATAPI, response format 1 */
	r->buf[4] = 31;			/* additional length */
	ide_put_string(r->buf + 8, 8, "RINGSIDE", 0);
	ide_put_string(r->buf + 16, 16, "VIRTUAL CD-ROM", 0);
	ide_put_string(r->buf + 32, 4, "1.0", 0);
	reply(a, 36, r->packet[4]);
}

static void read_capacity(struct atapi *a)
{
	put_be32(a->r.buf, (uint32_t)(a->sectors - 1));	/* last LBA */
	put_be32(a->r.buf + 4, ATAPI_SECTOR);
	reply(a, 8, 8);
}

static void read_sectors(struct atapi *a)
{
	struct atapi_regs *r = &a->r;
	uint32_t lba = be32(r->packet + 2);
	uint32_t n = r->packet[0] == SCSI_READ_10 ? be16(r->packet + 7)
						   : be32(r->packet + 6);

	if (n == 0) {
		finish_ok(r);		/* nothing to read is not an error */
		return;
	}
	if (lba >= a->sectors || n > a->sectors - lba) {
		check_condition(r, SENSE_ILLEGAL_REQUEST, ASC_LBA_RANGE);
		return;
	}
	r->from_disc = 1;
	r->next_lba = lba;
	r->buf_len = 0;			/* fetched as the host reads */
	start_data(a, (uint64_t)n * ATAPI_SECTOR);
}

/* The 12 command bytes have arrived: act on them. */
static void exec_packet(struct atapi *a)
{
	struct atapi_regs *r = &a->r;
	uint8_t op = r->packet[0];
	int needs_disc = op == SCSI_TEST_UNIT_READY || op == SCSI_READ_CAPACITY ||
			 op == SCSI_READ_10 || op == SCSI_READ_12;

	r->status = IDE_DONE;
	if (needs_disc && a->fd < 0) {
		check_condition(r, SENSE_NOT_READY, ASC_NO_MEDIUM);
		return;
	}
	switch (op) {
	case SCSI_REQUEST_SENSE: request_sense(a); break;
	case SCSI_INQUIRY: inquiry(a); break;
	case SCSI_READ_CAPACITY: read_capacity(a); break;
	case SCSI_READ_10: case SCSI_READ_12: read_sectors(a); break;
	case SCSI_TEST_UNIT_READY:
	case SCSI_START_STOP:
	case SCSI_PREVENT_ALLOW:
		finish_ok(r);
		break;
	default:
		check_condition(r, SENSE_ILLEGAL_REQUEST, ASC_BAD_OPCODE);
		break;
	}
}

/* One 16-bit word of the command packet from the host. */
static void write_word(struct atapi *a, uint16_t v)
{
	struct atapi_regs *r = &a->r;

	if (r->phase != ATAPI_PACKET || !(r->status & IDE_DRQ))
		return;
	r->packet[r->pos++] = (uint8_t)v;
	r->packet[r->pos++] = (uint8_t)(v >> 8);
	if (r->pos == PACKET_SIZE)
		exec_packet(a);
}

/* ---- the ATA commands ---- */

/* IDENTIFY PACKET DEVICE: 256 words describing the drive. */
static void identify_packet(struct atapi_regs *r)
{
	static const struct ide_word words[] = {
		{ 0, 0x85c0 },	/* ATAPI, CD-ROM (5), removable, 12-byte packets */
		{ 49, 0x0200 },	/* LBA; no DMA */
		{ 53, 0x0002 },	/* words 64-70 are valid */
		{ 64, 0x0001 },	/* PIO mode 3 */
		{ 67, 0x012c },	/* PIO cycle times, ns */
		{ 68, 0x00b4 },
		{ 80, 0x001e },	/* ATA/ATAPI-1 to -4 */
	};

	ide_identify_words(r->buf, words, sizeof words / sizeof words[0]);
	/* strings: two characters per word, the first in the high byte */
	ide_put_string(r->buf + 20, 20, "RS-CD0001", 1);		/* serial */
	ide_put_string(r->buf + 46, 8, "1.0", 1);			/* firmware */
	ide_put_string(r->buf + 54, 40, "RINGSIDE VIRTUAL CD-ROM", 1);	/* model */
	r->from_disc = 0;
	r->buf_len = 512;
	r->left = 512;
	r->pos = 0;
	r->block_left = 512;
	r->status = IDE_DONE | IDE_DRQ;
	r->phase = ATAPI_DATA_IN;
	r->irq = 1;
}

/* PACKET: ask for the command bytes (C/D = 1, I/O = 0, no interrupt). */
static void packet_command(struct atapi_regs *r)
{
	if (r->features & 0x03) {	/* DMA or overlap: not supported */
		abort_command(r);
		return;
	}
	r->limit = (uint16_t)(r->lba_mid | r->lba_high << 8);
	r->count = (r->count & ~7) | IR_CD;
	r->pos = 0;
	r->status = IDE_DONE | IDE_DRQ;
	r->phase = ATAPI_PACKET;
}

static void command(struct atapi_regs *r, uint8_t cmd)
{
	if ((r->device & IDE_DEV1) || (r->control & IDE_SRST))
		return;			/* no drive 1; or in reset */
	if ((r->status & (IDE_BSY | IDE_DRQ)) && cmd != ATA_DEVICE_RESET)
		return;			/* only a reset interrupts a command */
	r->irq = 0;
	switch (cmd) {
	case ATA_PACKET: packet_command(r); break;
	case ATA_IDENTIFY_PACKET: identify_packet(r); break;
	case ATA_DEVICE_RESET: reset_device(r); break;
	case ATA_DIAGNOSTIC:
		reset_device(r);
		r->irq = 1;
		break;
	case ATA_SET_FEATURES:
		r->error = 0;
		r->status = IDE_DONE;
		r->irq = 1;
		break;
	case ATA_IDENTIFY:		/* "I am not a disk": abort, signature */
		reset_device(r);
		abort_command(r);
		break;
	default:
		abort_command(r);
		break;
	}
}

/* Device control: SRST held high keeps the drive in reset (BSY). */
static void control_write(struct atapi_regs *r, uint8_t v)
{
	enum ide_srst edge = ide_srst_edge(r->control, v);

	r->control = v;
	if (edge == IDE_SRST_ASSERTED) {
		r->phase = ATAPI_IDLE;
		r->irq = 0;
		r->status = IDE_BSY;
	} else if (edge == IDE_SRST_RELEASED) {
		reset_device(r);
	}
}

/* ---- ports ---- */

static uint8_t read_byte(struct atapi_regs *r, uint16_t port)
{
	int absent = (r->device & IDE_DEV1) != 0;

	if (port == ATAPI_CTRL_PORT)
		return absent ? 0 : r->status;
	if (port == ATAPI_PORT + 6)
		return r->device;
	if (port <= ATAPI_PORT || port > ATAPI_PORT + 7)
		return 0xff;		/* nothing, or 8 bits of the data port */
	if (absent)
		return 0;		/* QEMU: an absent drive reads 0 */
	switch (port - ATAPI_PORT) {
	case 1: return r->error;
	case 2: return r->count;
	case 3: return r->lba_low;
	case 4: return r->lba_mid;
	case 5: return r->lba_high;
	default:
		r->irq = 0;		/* reading status acknowledges INTRQ */
		return r->status;
	}
}

static void write_byte(struct atapi_regs *r, uint16_t port, uint8_t v)
{
	switch (port) {
	case ATAPI_PORT + 1: r->features = v; break;
	case ATAPI_PORT + 2: r->count = v; break;
	case ATAPI_PORT + 3: r->lba_low = v; break;
	case ATAPI_PORT + 4: r->lba_mid = v; break;
	case ATAPI_PORT + 5: r->lba_high = v; break;
	case ATAPI_PORT + 6: r->device = v | 0xa0; break;
	case ATAPI_PORT + 7: command(r, v); break;
	case ATAPI_CTRL_PORT: control_write(r, v); break;
	default: break;			/* 8 bits of the data port: ignored */
	}
}

uint32_t atapi_read(struct atapi *a, uint16_t port, int size)
{
	uint32_t v = 0;

	if (size != 1 && size != 2 && size != 4)
		return 0xffffffffu;
	if (port == ATAPI_PORT && size > 1) {
		if (a->r.device & IDE_DEV1)
			return 0;
		v = read_word(a);
		if (size == 4)
			v |= (uint32_t)read_word(a) << 16;
		return v;
	}
	for (int i = 0; i < size; i++)
		v |= (uint32_t)read_byte(&a->r, (uint16_t)(port + i)) << (8 * i);
	return v;
}

void atapi_write(struct atapi *a, uint16_t port, int size, uint32_t v)
{
	if (size != 1 && size != 2 && size != 4)
		return;
	if (port == ATAPI_PORT && size > 1) {
		if (a->r.device & IDE_DEV1)
			return;
		write_word(a, (uint16_t)v);
		if (size == 4)
			write_word(a, (uint16_t)(v >> 16));
		return;
	}
	for (int i = 0; i < size; i++)
		write_byte(&a->r, (uint16_t)(port + i), (uint8_t)(v >> (8 * i)));
}

bool atapi_irq(const struct atapi *a)
{
	return a->r.irq && !(a->r.control & IDE_NIEN);
}

/* ---- the disc ---- */

/* What QEMU's drive shows after SeaBIOS: ready, the slave selected. */
void atapi_init_empty(struct atapi *a)
{
	memset(&a->r, 0, sizeof a->r);
	a->r.device = 0xa0 | IDE_DEV1;
	a->r.status = IDE_DONE;
	a->fd = -1;
	a->sectors = 0;
	a->path[0] = '\0';
}
