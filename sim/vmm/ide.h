/*
 * ide.h - what every IDE (ATA) drive shares, the hard disk on the primary
 * channel (dev_ata.c) and the CD-ROM on the secondary (dev_atapi.c).
 *
 * A PC's IDE channel is eight "command block" registers and one "control
 * block" register; the drive, not the PC, implements them (ATA/ATAPI-4,
 * T13/1153D, section 7):
 *
 *   base+0  data (16 bits: the host moves a word at a time)
 *   base+1  read: error            write: features
 *   base+2  sector count
 *   base+3  LBA low  (CHS: sector number)
 *   base+4  LBA mid  (CHS: cylinder low)
 *   base+5  LBA high (CHS: cylinder high)
 *   base+6  device: bit 6 LBA, bit 4 DEV (drive 0 or 1), bits 3-0 LBA 27-24
 *   base+7  read: status           write: command
 *   ctl     read: alternate status (no side effect)
 *           write: device control, bit 2 SRST, bit 1 nIEN (no interrupts)
 *
 * Primary channel: base 0x1f0, ctl 0x3f6, IRQ 14.  Secondary: 0x170,
 * 0x376, IRQ 15.
 */
#ifndef SIM_IDE_H
#define SIM_IDE_H

#include <stddef.h>
#include <stdint.h>

/* Status register (7.15.6). */
#define IDE_BSY 0x80		/* busy: nothing else is valid */
#define IDE_DRDY 0x40		/* ready for a command */
#define IDE_DSC 0x10		/* seek complete */
#define IDE_DRQ 0x08		/* a data word is waiting to move */
#define IDE_ERR 0x01		/* see the error register */
#define IDE_DONE (IDE_DRDY | IDE_DSC)	/* what a finished command shows */

#define IDE_ABRT 0x04		/* error register: command aborted */
#define IDE_NIEN 0x02		/* device control: interrupts off */
#define IDE_SRST 0x04		/* device control: software reset */
#define IDE_DEV1 0x10		/* device register: drive 1 selected */
#define IDE_LBA 0x40		/* device register: LBA addressing */

/*
 * Software reset is a level, not a pulse: while the host holds SRST the
 * drive is in reset (BSY); it comes out, with its signature in the task
 * file, when SRST is dropped.  What a write to device control did:
 */
enum ide_srst {
	IDE_SRST_SAME = 0,	/* SRST unchanged */
	IDE_SRST_ASSERTED,	/* raised: the drive goes into reset */
	IDE_SRST_RELEASED	/* dropped: the drive resets and is ready */
};

enum ide_srst ide_srst_edge(uint8_t was, uint8_t now);

/* One word of IDENTIFY data: the word number and its value. */
struct ide_word {
	uint16_t n;
	uint16_t v;
};

/*
 * 256 words of IDENTIFY data in buf (512 bytes, little-endian words): the
 * words given, the rest zero.
 */
void ide_identify_words(uint8_t buf[512], const struct ide_word *w,
			size_t nw);

/*
 * An ATA string: space-padded ASCII of n bytes; with swap, two characters
 * per word, the first in the high byte (IDENTIFY's order; SCSI replies
 * are not swapped).
 */
void ide_put_string(uint8_t *p, size_t n, const char *s, int swap);

#endif
