/* disk.c - a guest that writes sectors of its IDE hard disk and reads them back.
 *
 * The disk is the master on the primary IDE channel (QEMU: -drive
 * file=IMG,format=raw,if=ide; ringside: --disk IMG, or --disk-mb N for a
 * blank one).  The driver is lib/ata.c: programmed I/O, polling, LBA28.
 *
 * What it shows, in order:
 *   1. IDENTIFY DEVICE: how big the disk says it is;
 *   2. sector 0 as the image holds it;
 *   3. three sectors written in one command and read back in one;
 *   4. one of them overwritten alone: only it changes;
 *   5. reading and writing past the end: the drive aborts the command;
 *   6. 256 sectors in one command (a count of 0 means 256), summed.
 * Under ringside the registers are the VMM's (guest > vmm > guest) and
 * each sector moves through the VMKernel's storage stack to the VM's disk
 * file on its datastore: watch the disk events in the trace.
 *
 * Exit code 0 when every check held (or there is no disk); 1 otherwise.
 */
#include "lib.h"

#define FIRST 100                      /* the sectors we write */
#define COUNT 3

static u16 id[256];
static u8 out[COUNT * ATA_SECTOR], in[COUNT * ATA_SECTOR];
static u8 big[256 * ATA_SECTOR];
static int failed;

static void check(int ok, const char *what)
{
    if (!ok) {
        kprintf("FAILED: %s\n", what);
        failed = 1;
    }
}

/* The first line of a sector, up to 60 printable characters. */
static void show_text(const char *label, const u8 *s)
{
    char line[64];
    int n = 0;
    while (n < 60 && s[n] >= 0x20 && s[n] < 0x7F) {
        line[n] = (char)s[n];
        n++;
    }
    line[n] = '\0';
    kprintf("%s: \"%s\"\n", label, line);
}

static void fill(u8 *buf, u32 lba, int pass)
{
    memset(buf, 0, ATA_SECTOR);
    format((char *)buf, ATA_SECTOR, "sector %u: written by the disk guest, pass %d", lba, pass);
    for (u32 i = 100; i < ATA_SECTOR; i++)
        buf[i] = (u8)(lba + i * (u32)pass);
}

static int same(const u8 *a, const u8 *b, u32 n)
{
    for (u32 i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

static void identify(u32 *sectors)
{
    u8 st = ata_identify(id);
    *sectors = id[60] | (u32)id[61] << 16;
    kprintf("identify: status %02x, %u sectors of 512 bytes (%u KiB), LBA %s, CHS %u/%u/%u\n",
            st, *sectors, *sectors / 2, (id[49] & 0x200) ? "yes" : "no",
            id[1], id[3], id[6]);
    check(st == 0x50 && *sectors > FIRST + COUNT, "IDENTIFY DEVICE");
}

static void write_and_read_back(void)
{
    u8 st;

    for (u32 s = 0; s < COUNT; s++)
        fill(out + s * ATA_SECTOR, FIRST + s, 1);
    st = ata_write(FIRST, COUNT, out);
    kprintf("write sectors %u-%u (one command): status %02x\n", FIRST, FIRST + COUNT - 1, st);
    check(st == 0x50, "WRITE SECTORS");
    memset(in, 0, sizeof in);
    st = ata_read(FIRST, COUNT, in);
    kprintf("read them back (one command): status %02x; the task file now says LBA %u, count %u\n",
            st, ata_taskfile(3) | ata_taskfile(4) << 8 | ata_taskfile(5) << 16, ata_taskfile(2));
    for (u32 s = 0; s < COUNT; s++)
        show_text("  read", in + s * ATA_SECTOR);
    kprintf("  all %u bytes as written: %s\n", (u32)sizeof in, same(in, out, sizeof in) ? "yes" : "no");
    check(st == 0x50 && same(in, out, sizeof in), "read back");
}

static void overwrite_one(void)
{
    u8 st;

    fill(out + ATA_SECTOR, FIRST + 1, 2);
    st = ata_write(FIRST + 1, 1, out + ATA_SECTOR);
    memset(in, 0, sizeof in);
    st |= ata_read(FIRST, COUNT, in);
    kprintf("overwrite sector %u alone, read %u-%u again: status %02x, as expected: %s\n",
            FIRST + 1, FIRST, FIRST + COUNT - 1, st, same(in, out, sizeof in) ? "yes" : "no");
    show_text("  read", in + ATA_SECTOR);
    check(st == 0x50 && same(in, out, sizeof in), "overwrite");
}

static void past_the_end(u32 sectors)
{
    u8 st = ata_read(sectors, 1, in);
    u8 err = ata_error();
    kprintf("read sector %u (past the end): status %02x, error %02x%s\n",
            sectors, st, err, err == 0x04 ? " (command aborted)" : "");
    check(st == 0x41 && err == 0x04, "read past the end");
    st = ata_write(sectors, 1, out);
    err = ata_error();
    kprintf("write sector %u (past the end): status %02x, error %02x%s\n",
            sectors, st, err, err == 0x04 ? " (command aborted)" : "");
    check(st == 0x41 && err == 0x04, "write past the end");
}

static void read_256(void)
{
    u32 sum = 0;
    u8 st = ata_read(0, 256, big);
    for (u32 i = 0; i < sizeof big; i++)
        sum = sum * 31 + big[i];
    kprintf("read sectors 0-255 (count 0 means 256): status %02x, sum %08x\n", st, sum);
    check(st == 0x50, "256 sectors");
}

int kmain(void);
int kmain(void)
{
    u32 sectors;

    if (!ata_present()) {
        kprintf("disk: no hard disk on the primary IDE channel\n");
        return 0;
    }
    kprintf("disk: a hard disk, master on the primary IDE channel (0x1f0, 0x3f6)\n");
    identify(&sectors);
    if (failed)
        return 1;
    ata_read(0, 1, in);
    show_text("sector 0", in);
    write_and_read_back();
    overwrite_one();
    past_the_end(sectors);
    read_256();
    kprintf(failed ? "disk: FAILED\n" : "disk: done\n");
    return failed;
}
