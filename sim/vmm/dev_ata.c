/*
 * dev_ata.c - the ATA hard disk controller (see dev_ata.h).
 *
 * A PIO transfer moves through a 512-byte buffer: for a read, the drive
 * fills it from the disk and the host drains it word by word through the
 * data port; for a write, the host fills it and the drive stores it.  DRQ
 * says "the buffer wants the host"; the interrupt says "look at me now".
 */
#include <string.h>

#include "vmm/dev_ata.h"
#include "vmm/ide.h"

enum {
	CMD_RECALIBRATE = 0x10,
	CMD_READ = 0x20,
	CMD_READ_NORETRY = 0x21,
	CMD_WRITE = 0x30,
	CMD_WRITE_NORETRY = 0x31,
	CMD_DIAGNOSTIC = 0x90,
	CMD_INIT_PARAMS = 0x91,
	CMD_FLUSH_CACHE = 0xe7,
	CMD_IDENTIFY = 0xec,
	CMD_SET_FEATURES = 0xef,
};

/* ---- addresses ---- */

/*
 * The address in the task file: LBA (device bit 6) is 28 bits spread over
 * four registers; CHS is cylinder (mid/high), head (device 3-0) and a
 * sector numbered from 1 (low).
 */
static uint64_t task_lba(const struct ata *a)
{
	const struct ata_regs *r = &a->r;
	uint32_t cyl = (uint32_t)r->lba_high << 8 | r->lba_mid;

	if (r->device & IDE_LBA)
		return (uint64_t)(r->device & 0x0f) << 24 | cyl << 8 | r->lba_low;
	if (r->lba_low == 0)
		return UINT64_MAX;	/* sector 0 does not exist in CHS */
	return ((uint64_t)cyl * a->heads + (r->device & 0x0f)) * a->spt +
	       r->lba_low - 1u;
}

/* Write an address back: the registers show where the next sector is. */
static void set_task_lba(struct ata *a, uint64_t lba)
{
	struct ata_regs *r = &a->r;
	uint32_t cyl, rest;

	if (r->device & IDE_LBA) {
		r->device = (uint8_t)((r->device & 0xf0) | ((lba >> 24) & 0x0f));
		r->lba_high = (uint8_t)(lba >> 16);
		r->lba_mid = (uint8_t)(lba >> 8);
		r->lba_low = (uint8_t)lba;
		return;
	}
	cyl = (uint32_t)(lba / ((uint32_t)a->heads * a->spt));
	rest = (uint32_t)(lba % ((uint32_t)a->heads * a->spt));
	r->lba_high = (uint8_t)(cyl >> 8);
	r->lba_mid = (uint8_t)cyl;
	r->device = (uint8_t)((r->device & 0xf0) | ((rest / a->spt) & 0x0f));
	r->lba_low = (uint8_t)(rest % a->spt + 1);
}

/* ---- ending commands ---- */

static void abort_command(struct ata_regs *r)
{
	r->error = IDE_ABRT;
	r->status = IDE_DRDY | IDE_ERR;
	r->phase = ATA_IDLE;
	r->irq = 1;
}

/* The data phase is over: no DRQ, the drive is ready. */
static void transfer_stop(struct ata_regs *r)
{
	r->phase = ATA_IDLE;
	r->pos = 0;
	r->status &= (uint8_t)~IDE_DRQ;
}

/* The buffer is the host's now: DRQ, and (if asked) an interrupt. */
static void transfer_start(struct ata_regs *r, enum ata_phase phase, int irq)
{
	r->phase = (uint8_t)phase;
	r->pos = 0;
	r->status |= IDE_DRQ;
	if (irq)
		r->irq = 1;
}

/* The one-sector step both directions take: count down, move on. */
static void sector_done(struct ata *a, uint64_t lba)
{
	a->r.left--;
	a->r.count = (uint8_t)a->r.left;
	set_task_lba(a, lba + 1);
}

/* ---- reading ---- */

/* Fetch the next sector of a READ for the host, or end the command. */
static void read_next(struct ata *a, const struct ata_storage *io)
{
	struct ata_regs *r = &a->r;
	uint64_t lba = task_lba(a);

	r->status = IDE_DONE;
	r->error = 0;
	if (r->left == 0) {
		transfer_stop(r);
		return;
	}
	if (lba >= a->sectors || io->read(io->ctx, lba, r->buf) != 0) {
		abort_command(r);
		return;
	}
	transfer_start(r, ATA_DATA_IN, 1);
	sector_done(a, lba);
}

/* IDENTIFY DEVICE: what the disk is and how big (ATA/ATAPI-4 8.12). */
static void identify(struct ata *a)
{
	uint32_t chs = (uint32_t)a->cylinders * a->heads * a->spt;
	/* 28 bits of address: at most 0x0fffffff sectors are addressable */
	uint32_t lbas = a->sectors > 0x0fffffff ? 0x0fffffff : (uint32_t)a->sectors;
	const struct ide_word words[] = {
		{ 0, 0x0040 },		/* fixed (not removable) disk */
		{ 1, a->cylinders }, { 3, a->heads }, { 6, a->spt },
		{ 47, 0x8000 },		/* READ/WRITE MULTIPLE: not supported */
		{ 48, 0x0001 },		/* 32-bit I/O through the data port */
		{ 49, 0x0a00 },		/* IORDY, LBA; no DMA */
		{ 51, 0x0200 },		/* PIO timing mode 2 */
		{ 53, 0x0003 },		/* words 54-58 and 64-70 valid */
		{ 54, a->cylinders }, { 55, a->heads }, { 56, a->spt },
		{ 57, (uint16_t)chs }, { 58, (uint16_t)(chs >> 16) },
		{ 60, (uint16_t)lbas },	/* sectors addressable in LBA28 */
		{ 61, (uint16_t)(lbas >> 16) },
		{ 64, 0x0003 },		/* PIO modes 3 and 4 */
		{ 65, 120 }, { 66, 120 }, { 67, 120 }, { 68, 120 },
		{ 80, 0x001e },		/* ATA-1 to ATA/ATAPI-4 */
		{ 82, 0x4000 }, { 83, 0x4000 }, { 84, 0x4000 },
		{ 85, 0x4000 }, { 86, 0x0000 }, { 87, 0x4000 },
	};
	struct ata_regs *r = &a->r;

	ide_identify_words(r->buf, words, sizeof words / sizeof words[0]);
	/*
	 * What a VMware virtual IDE disk calls itself: model "VMware Virtual
	 * IDE Hard Drive", firmware revision "00000001", as Windows XP SP3
	 * in a VMware VM reports it (the recorded device data of
	 * jcurl/RJCP.DLL.VolumeDeviceInfo's tests,
	 * VolumeDeviceInfoTest_WinXpSP3.cs).  The serial is ringside's.
	 */
	ide_put_string(r->buf + 20, 20, "00000000000000000001", 1);
	ide_put_string(r->buf + 46, 8, "00000001", 1);
	ide_put_string(r->buf + 54, 40, "VMware Virtual IDE Hard Drive", 1);
	r->status = IDE_DONE;
	r->left = 0;
	transfer_start(r, ATA_DATA_IN, 1);
}

/* One word (or its first half, for a byte) to the host. */
static uint16_t read_word(struct ata *a, const struct ata_storage *io)
{
	struct ata_regs *r = &a->r;
	uint16_t v;

	if (r->phase != ATA_DATA_IN || !(r->status & IDE_DRQ))
		return 0;		/* nothing waiting: QEMU reads 0 */
	v = (uint16_t)(r->buf[r->pos] | r->buf[r->pos + 1] << 8);
	r->pos += 2;
	if (r->pos == ATA_SECTOR) {
		if (r->cmd == CMD_READ)
			read_next(a, io);
		else
			transfer_stop(r);
	}
	return v;
}

/* ---- writing ---- */

/* The host filled the buffer: store the sector, then want the next. */
static void write_sector(struct ata *a, const struct ata_storage *io)
{
	struct ata_regs *r = &a->r;
	uint64_t lba = task_lba(a);
	enum ata_io got = lba >= a->sectors ? ATA_IO_ERROR :
			  (enum ata_io)io->write(io->ctx, lba, r->buf);

	r->status = IDE_DONE;
	if (got == ATA_IO_NO_SPACE) {
		/* the drive is busy with the sector until there is room */
		r->status = IDE_BSY;
		r->held = 1;
		return;
	}
	if (got != ATA_IO_OK) {
		abort_command(r);
		return;
	}
	sector_done(a, lba);
	if (r->left == 0)
		transfer_stop(r);
	else
		transfer_start(r, ATA_DATA_OUT, 0);
	r->irq = 1;
}

bool ata_retry(struct ata *a, const struct ata_storage *io)
{
	if (!a->r.held)
		return false;
	a->r.held = 0;
	write_sector(a, io);
	return true;
}

static void write_word(struct ata *a, const struct ata_storage *io, uint16_t v)
{
	struct ata_regs *r = &a->r;

	if (r->phase != ATA_DATA_OUT || !(r->status & IDE_DRQ))
		return;
	r->buf[r->pos] = (uint8_t)v;
	r->buf[r->pos + 1] = (uint8_t)(v >> 8);
	r->pos += 2;
	if (r->pos == ATA_SECTOR)
		write_sector(a, io);
}

/* ---- commands ---- */

/* The signature a reset leaves: an ATA disk shows 0x00/0x00 in mid/high. */
static void reset_device(struct ata *a)
{
	struct ata_regs *r = &a->r;

	r->phase = ATA_IDLE;
	r->held = 0;
	r->irq = 0;
	r->count = 1;
	r->lba_low = 1;
	r->lba_mid = 0;
	r->lba_high = 0;
	r->device &= 0xf0;
	r->error = 0x01;	/* diagnostic code: device 0 passed */
	r->status = IDE_DONE;
}

static void command(struct ata *a, const struct ata_storage *io, uint8_t cmd)
{
	struct ata_regs *r = &a->r;

	if (a->sectors == 0 || (r->device & IDE_DEV1) || (r->control & IDE_SRST))
		return;			/* no drive there, or held in reset */
	if (r->status & (IDE_BSY | IDE_DRQ))
		return;			/* QEMU: only an ATAPI reset may cut in */
	r->irq = 0;
	r->cmd = cmd == CMD_READ_NORETRY ? CMD_READ :
		 cmd == CMD_WRITE_NORETRY ? CMD_WRITE : cmd;
	switch (r->cmd) {
	case CMD_READ:
		r->left = r->count ? r->count : 256;
		read_next(a, io);
		break;
	case CMD_WRITE:
		r->left = r->count ? r->count : 256;
		r->status = IDE_DONE;
		transfer_start(r, ATA_DATA_OUT, 0);
		break;
	case CMD_IDENTIFY:
		identify(a);
		break;
	case CMD_DIAGNOSTIC:
		reset_device(a);
		r->irq = 1;
		break;
	case CMD_RECALIBRATE:
	case CMD_INIT_PARAMS:
	case CMD_FLUSH_CACHE:
	case CMD_SET_FEATURES:
		r->error = 0;
		r->status = IDE_DONE;
		r->irq = 1;
		break;
	default:
		abort_command(r);
		break;
	}
}

/* Device control: SRST held high keeps the drive in reset (BSY). */
static void control_write(struct ata *a, uint8_t v)
{
	enum ide_srst edge = ide_srst_edge(a->r.control, v);

	a->r.control = v;
	if (edge == IDE_SRST_ASSERTED) {
		a->r.phase = ATA_IDLE;
		a->r.held = 0;		/* a reset drops the sector */
		a->r.irq = 0;
		a->r.status = IDE_BSY;
	} else if (edge == IDE_SRST_RELEASED) {
		reset_device(a);
	}
}

/* ---- ports ---- */

bool ata_port(uint16_t port)
{
	return (port >= ATA_PORT && port < ATA_PORT + 8) || port == ATA_CTRL_PORT;
}

static uint8_t read_byte(struct ata *a, uint16_t port)
{
	struct ata_regs *r = &a->r;
	int absent = (r->device & IDE_DEV1) != 0;

	if (!ata_port(port))
		return 0xff;
	if (a->sectors == 0)
		return 0;	/* no drive on the channel: QEMU reads 0 */
	switch (port == ATA_CTRL_PORT ? 8 : port - ATA_PORT) {
	case 0: return 0xff;	/* 8 bits of the data port: not a transfer */
	case 1: return r->error;
	case 2: return r->count;
	case 3: return r->lba_low;
	case 4: return r->lba_mid;
	case 5: return r->lba_high;
	case 6: return r->device;
	case 7:
		if (absent)
			return 0;	/* QEMU: a missing slave's status is 0 */
		r->irq = 0;		/* reading status acknowledges INTRQ */
		return r->status;
	default:
		return absent ? 0 : r->status;	/* alternate status */
	}
}

static void write_byte(struct ata *a, const struct ata_storage *io,
		       uint16_t port, uint8_t v)
{
	struct ata_regs *r = &a->r;

	if (port == ATA_CTRL_PORT) {
		control_write(a, v);
		return;
	}
	if (port == ATA_PORT + 7) {
		command(a, io, v);
		return;
	}
	/* the task file is not the host's while a command owns it */
	if (r->status & (IDE_BSY | IDE_DRQ))
		return;
	switch (port - ATA_PORT) {
	case 1: r->features = v; break;
	case 2: r->count = v; break;
	case 3: r->lba_low = v; break;
	case 4: r->lba_mid = v; break;
	case 5: r->lba_high = v; break;
	case 6: r->device = v | 0xa0; break;
	default: break;		/* 8 bits of the data port: ignored */
	}
}

uint32_t ata_read(struct ata *a, const struct ata_storage *io, uint16_t port,
		  int size)
{
	uint32_t v = 0;

	if (size != 1 && size != 2 && size != 4)
		return 0xffffffffu;
	if (port == ATA_PORT && size > 1) {
		if (a->sectors == 0 || (a->r.device & IDE_DEV1))
			return 0;
		v = read_word(a, io);
		if (size == 4)
			v |= (uint32_t)read_word(a, io) << 16;
		return v;
	}
	for (int i = 0; i < size; i++)
		v |= (uint32_t)read_byte(a, (uint16_t)(port + i)) << (8 * i);
	return v;
}

void ata_write(struct ata *a, const struct ata_storage *io, uint16_t port,
	       int size, uint32_t v)
{
	if (size != 1 && size != 2 && size != 4)
		return;
	if (port == ATA_PORT && size > 1) {
		if (a->sectors == 0 || (a->r.device & IDE_DEV1))
			return;
		write_word(a, io, (uint16_t)v);
		if (size == 4)
			write_word(a, io, (uint16_t)(v >> 16));
		return;
	}
	for (int i = 0; i < size; i++)
		if (ata_port((uint16_t)(port + i)))
			write_byte(a, io, (uint16_t)(port + i),
				   (uint8_t)(v >> (8 * i)));
}

bool ata_irq(const struct ata *a)
{
	return a->r.irq && !(a->r.control & IDE_NIEN);
}

/*
 * QEMU's geometry for a disk without a partition table
 * (hw/block/hd-geometry.c, guess_chs_for_size): 16 heads, 63 sectors per
 * track, as many cylinders as fit, from 2 to 16383.
 */
void ata_init(struct ata *a, uint64_t sectors)
{
	uint64_t cyl = sectors / (16 * 63);

	memset(a, 0, sizeof *a);
	a->sectors = sectors;
	a->heads = 16;
	a->spt = 63;
	a->cylinders = (uint16_t)(cyl > 16383 ? 16383 : cyl < 2 ? 2 : cyl);
	a->r.device = 0xa0;
	if (sectors != 0)
		reset_device(a);
}
