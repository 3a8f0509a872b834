/* cdrom.c - a guest that reads a file from a CD-ROM: an ATAPI driver and an ISO 9660 reader.
 *
 * The drive is the master on the PC's secondary IDE channel (ports
 * 0x170-0x177 and 0x376).  It speaks ATA on the outside and SCSI on the
 * inside: the ATA command PACKET (0xA0) carries a 12-byte SCSI command,
 * and the drive answers with data blocks and SCSI sense codes.  We poll
 * the status register instead of taking IRQ 15 (nIEN = 1), as a BIOS does.
 *
 * The disc is scenarios/guests/build/cdrom.iso (QEMU: -cdrom; ringside:
 * the VM's CD-ROM image).  ISO 9660 in three steps: sector 16 is the
 * primary volume descriptor; it holds the root directory's record; the
 * root directory lists each file's first sector and size.
 *
 * Without a disc the drive says NOT READY, MEDIUM NOT PRESENT: we print
 * that and exit 0 (a missing disc is a normal state for a CD-ROM drive).
 * Exit code 1: no drive, or an error that should not happen.
 */
#include "lib.h"

#define ATA_DATA     0x170
#define ATA_ERROR    0x171     /* read; write: features */
#define ATA_COUNT    0x172     /* interrupt reason for packet commands */
#define ATA_LBA_LOW  0x173
#define ATA_LBA_MID  0x174     /* byte count, low */
#define ATA_LBA_HIGH 0x175     /* byte count, high */
#define ATA_DEVICE   0x176
#define ATA_STATUS   0x177     /* read; write: command */
#define ATA_CONTROL  0x376     /* write: device control; read: alternate status */

#define ST_BSY 0x80
#define ST_DRQ 0x08
#define ST_ERR 0x01
#define WAIT_MAX 10000000u

#define SECTOR 2048

static u8 sector[2 * SECTOR];
static u8 file[4 * SECTOR];
static u8 sense_key, sense_asc;        /* from the last failed command */
static u32 blocks;                     /* DRQ data blocks of the last command */

/* Reading the alternate status four times takes the 400 ns the ATA
 * standard asks the host to wait before trusting the status register. */
static void delay400(void)
{
    for (int i = 0; i < 4; i++)
        inb(ATA_CONTROL);
}

/* Wait until BSY is clear; returns the status, or 0xFF on time-out. */
static u8 wait_idle(void)
{
    for (u32 i = 0; i < WAIT_MAX; i++) {
        u8 st = inb(ATA_CONTROL);
        if (!(st & ST_BSY))
            return st;
    }
    return 0xFF;
}

/* ------------------------------------------------------------------
 * PACKET: send a 12-byte SCSI command, receive up to `max` bytes.
 * Returns the bytes the drive sent, or -1 on CHECK CONDITION (the
 * sense key is in the error register's high nibble).
 */
static int packet(const u8 cdb[12], u8 *buf, u32 max, u16 limit)
{
    outb(ATA_ERROR, 0);                        /* features: PIO, no overlap */
    outb(ATA_LBA_MID, (u8)limit);              /* byte count limit per block */
    outb(ATA_LBA_HIGH, (u8)(limit >> 8));
    outb(ATA_STATUS, 0xA0);                    /* PACKET */
    delay400();
    u8 st = wait_idle();
    if ((st & (ST_ERR | ST_DRQ)) != ST_DRQ || (inb(ATA_COUNT) & 3) != 1)
        return -1;                             /* wanted: DRQ, C/D = 1, I/O = 0 */
    for (int i = 0; i < 12; i += 2)
        outw(ATA_DATA, (u16)(cdb[i] | cdb[i + 1] << 8));

    u32 total = 0;
    blocks = 0;
    for (;;) {
        delay400();
        st = wait_idle();
        if (st & ST_ERR) {
            sense_key = inb(ATA_ERROR) >> 4;
            inb(ATA_STATUS);                   /* acknowledge */
            return -1;
        }
        if (!(st & ST_DRQ))
            break;                             /* status phase: done */
        u32 n = inb(ATA_LBA_MID) | inb(ATA_LBA_HIGH) << 8;   /* this block */
        for (u32 i = 0; i < n; i += 2) {
            u16 w = inw(ATA_DATA);
            if (total + i < max)
                buf[total + i] = (u8)w;
            if (total + i + 1 < max)
                buf[total + i + 1] = (u8)(w >> 8);
        }
        total += n;
        blocks++;
    }
    inb(ATA_STATUS);                           /* acknowledge */
    return (int)total;
}

/* REQUEST SENSE: what went wrong with the previous command. */
static void request_sense(void)
{
    static const u8 cdb[12] = { 0x03, 0, 0, 0, 18 };
    u8 sense[18];
    if (packet(cdb, sense, sizeof sense, sizeof sense) >= 14) {
        sense_key = sense[2] & 0x0F;
        sense_asc = sense[12];
    }
}

static int read_sectors(u32 lba, u32 count, u8 *buf, u32 max)
{
    u8 cdb[12] = { 0x28, 0, (u8)(lba >> 24), (u8)(lba >> 16), (u8)(lba >> 8), (u8)lba,
                   0, (u8)(count >> 8), (u8)count };
    return packet(cdb, buf, max, SECTOR);      /* one sector per data block */
}

static u32 le32(const u8 *p) { return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24; }
static u32 be32(const u8 *p) { return (u32)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

/* ------------------------------------------------------------------
 * Finding and identifying the drive.
 */
static int find_drive(void)
{
    /* Select the master first: the BIOS may have left the slave selected,
     * and an absent slave answers every status read with 0 ("not busy"). */
    outb(ATA_DEVICE, 0xA0);
    delay400();
    outb(ATA_CONTROL, 0x06);                   /* SRST (reset) + nIEN (no IRQ) */
    delay400();
    outb(ATA_CONTROL, 0x02);                   /* end of reset; still no IRQ */
    delay400();
    if (wait_idle() == 0xFF)
        return -1;
    outb(ATA_DEVICE, 0xA0);                    /* the master again */
    delay400();
    u8 mid = inb(ATA_LBA_MID), high = inb(ATA_LBA_HIGH);
    kprintf("ata: secondary master after reset: signature %02x %02x (%s)\n", mid, high,
            mid == 0x14 && high == 0xEB ? "ATAPI packet device" :
            mid == 0 && high == 0 ? "ATA disk" : "nothing");
    return mid == 0x14 && high == 0xEB ? 0 : -1;
}

static int identify(void)
{
    u16 id[256];

    outb(ATA_STATUS, 0xA1);                    /* IDENTIFY PACKET DEVICE */
    delay400();
    u8 st = wait_idle();
    if ((st & (ST_ERR | ST_DRQ)) != ST_DRQ)
        return -1;
    for (int i = 0; i < 256; i++)
        id[i] = inw(ATA_DATA);
    st = inb(ATA_STATUS);
    kprintf("identify packet device: word 0 = %04x: %s, type %u (%s), %s, %u-byte packets\n",
            id[0], (id[0] >> 14) == 2 ? "ATAPI" : "not ATAPI", (id[0] >> 8) & 0x1F,
            ((id[0] >> 8) & 0x1F) == 5 ? "CD-ROM" : "other",
            (id[0] & 0x80) ? "removable" : "fixed", (id[0] & 3) ? 16 : 12);
    kprintf("status after the 512 bytes: %02x (ready, no DRQ)\n", st);
    return 0;
}

/* TEST UNIT READY until the drive stops reporting a "unit attention"
 * (a fresh disc, a reset): only the final answer is printed. */
static int disc_ready(void)
{
    static const u8 cdb[12] = { 0x00 };
    for (int i = 0; i < 4; i++) {
        if (packet(cdb, 0, 0, SECTOR) == 0)
            return 1;
        request_sense();
        if (sense_key != 6)                    /* 6 = UNIT ATTENTION: ask again */
            return 0;
    }
    return 0;
}

/* ------------------------------------------------------------------
 * The ISO 9660 file system.
 */
static void print_text(const u8 *s, u32 n)
{
    for (u32 i = 0; i < n; i++)
        serial_putc((char)s[i]);
}

/* Walk the root directory; read and print README.TXT. */
static int read_root(u32 lba, u32 size)
{
    u32 file_lba = 0, file_size = 0;

    if (size > SECTOR || read_sectors(lba, 1, sector, SECTOR) != SECTOR)
        return -1;
    kprintf("root directory (sector %u, %u bytes):\n", lba, size);
    for (u32 off = 0; off < size && sector[off] != 0; off += sector[off]) {
        const u8 *rec = sector + off;
        u32 len = rec[32];
        char name[32];
        for (u32 i = 0; i < len && i < sizeof name - 1; i++)
            name[i] = (char)rec[33 + i];
        name[len < sizeof name ? len : sizeof name - 1] = '\0';
        const char *shown = len == 1 && rec[33] == 0 ? "." : len == 1 && rec[33] == 1 ? ".." : name;
        kprintf("  %12s  %s  %u bytes at sector %u\n", shown,
                (rec[25] & 2) ? "dir " : "file", le32(rec + 10), le32(rec + 2));
        if (strcmp(name, "README.TXT;1") == 0) {
            file_lba = le32(rec + 2);
            file_size = le32(rec + 10);
        }
    }
    if (file_lba == 0 || file_size > sizeof file)
        return -1;
    u32 count = (file_size + SECTOR - 1) / SECTOR;
    int got = read_sectors(file_lba, count, file, sizeof file);
    kprintf("README.TXT: READ(10) of %u sector(s) from sector %u: %d bytes in %u data block(s)\n",
            count, file_lba, got, blocks);
    if (got != (int)(count * SECTOR))
        return -1;
    kprintf("----\n");
    print_text(file, file_size);
    kprintf("----\n");
    return 0;
}

int kmain(void);
int kmain(void)
{
    kprintf("ringside cdrom: reading a file from an ATAPI CD-ROM\n");
    if (find_drive() != 0 || identify() != 0) {
        kprintf("no ATAPI drive on the secondary channel\n");
        return 1;
    }

    static const u8 inquiry[12] = { 0x12, 0, 0, 0, 36 };
    u8 inq[36];
    if (packet(inquiry, inq, sizeof inq, sizeof inq) != 36)
        return 1;
    kprintf("inquiry: peripheral type %u (%s), %s\n", inq[0] & 0x1F,
            (inq[0] & 0x1F) == 5 ? "CD-ROM" : "other", (inq[1] & 0x80) ? "removable" : "fixed");

    if (!disc_ready()) {
        kprintf("test unit ready: not ready, sense key %x asc %02x%s\n", sense_key, sense_asc,
                sense_key == 2 && sense_asc == 0x3A ? " (medium not present): no disc" : "");
        kprintf("cdrom: done (no disc)\n");
        return 0;
    }
    kprintf("test unit ready: a disc is in the drive\n");

    static const u8 capacity[12] = { 0x25 };
    u8 cap[8];
    if (packet(capacity, cap, sizeof cap, sizeof cap) != 8)
        return 1;
    u32 sectors = be32(cap) + 1;
    kprintf("read capacity: %u sectors of %u bytes\n", sectors, be32(cap + 4));

    /* sectors 16 and 17 in one command: two data blocks, one per sector */
    int got = read_sectors(16, 2, sector, sizeof sector);
    kprintf("READ(10) of sectors 16-17: %d bytes in %u data blocks of at most %u bytes\n",
            got, blocks, SECTOR);
    if (got != 2 * SECTOR || sector[0] != 1 ||
        sector[1] != 'C' || sector[2] != 'D' || sector[3] != '0' || sector[4] != '0' ||
        sector[5] != '1') {
        kprintf("sector 16 is not an ISO 9660 primary volume descriptor\n");
        return 1;
    }
    char volid[33];
    int n = 32;
    memcpy(volid, sector + 40, 32);
    while (n > 0 && volid[n - 1] == ' ')
        n--;
    volid[n] = '\0';
    kprintf("sector 16: primary volume descriptor CD001, volume \"%s\", %u sectors\n",
            volid, le32(sector + 80));
    kprintf("sector 17: volume descriptor type %u (%s)\n", sector[SECTOR],
            sector[SECTOR] == 255 ? "set terminator" : "another descriptor");
    u32 root_lba = le32(sector + 156 + 2), root_size = le32(sector + 156 + 10);
    if (read_root(root_lba, root_size) != 0) {
        kprintf("could not read README.TXT\n");
        return 1;
    }

    /* Two errors a driver must expect, answered with SCSI sense data. */
    int r = read_sectors(sectors, 1, sector, SECTOR);
    request_sense();
    kprintf("READ(10) of sector %u (past the end): %s, sense key %x asc %02x\n", sectors,
            r < 0 ? "check condition" : "data?", sense_key, sense_asc);
    static const u8 bogus[12] = { 0xFF };
    r = packet(bogus, 0, 0, SECTOR);
    request_sense();
    kprintf("packet command ff (unknown): %s, sense key %x asc %02x\n",
            r < 0 ? "check condition" : "accepted?", sense_key, sense_asc);
    kprintf("cdrom: done\n");
    return 0;
}
