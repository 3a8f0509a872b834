/* disklog.c - a guest that keeps writing its disk: one journal record per timer tick.
 *
 * For the consolidated backup scenario (scenarios/vcb.lua): while the
 * guest writes, a snapshot freezes the disk and a backup proxy copies
 * it.  The guest never notices.  The backup holds the journal as it was
 * at the snapshot; the live disk holds every record.
 *
 * Layout: sector 0 is the journal's header ("journal: N records"),
 * sector k (1..RECORDS) is record k.  At 100 Hz, one record per tick:
 * the header is rewritten after each record, as a file system updates
 * its metadata.
 */
#include "lib.h"

#define HZ      100
#define RECORDS 200                    /* two seconds of simulated time */

static volatile u32 ticks;
static u8 sector[ATA_SECTOR];

static void on_timer(struct frame *f)
{
    (void)f;
    ticks++;
    pic_eoi(0);
}

static void on_spurious(struct frame *f)
{
    (void)f;
}

static u8 put(u32 lba, const char *fmt, u32 a, u32 b)
{
    memset(sector, 0, sizeof sector);
    format((char *)sector, sizeof sector, fmt, a, b);
    return ata_write(lba, 1, sector);
}

int kmain(void);
int kmain(void)
{
    u8 st = 0x50;

    if (!ata_present()) {
        kprintf("disklog: no hard disk on the primary IDE channel\n");
        return 1;
    }
    cpu_setup();
    pic_remap(IRQ_BASE, IRQ_BASE + 8);
    pic_set_masks(0xFE, 0xFF);
    pit_set_periodic(HZ);
    idt_gate(IRQ_BASE, 0, 1);
    set_handler(IRQ_BASE, on_timer);
    idt_gate(IRQ_BASE + 7, 0, 1);
    set_handler(IRQ_BASE + 7, on_spurious);
    kprintf("disklog: one journal record per tick at %u Hz\n", HZ);
    for (u32 k = 1; k <= RECORDS && st == 0x50; ) {
        cli();
        if (ticks >= k) {
            sti();
            st = put(k, "record %u, written at tick %u", k, ticks);
            st |= put(0, "journal: %u records", k, 0);
            if (k % 50 == 0)
                kprintf("disklog: %u records\n", k);
            k++;
            continue;
        }
        sti_hlt();
    }
    cli();
    pic_set_masks(0xFF, 0xFF);
    kprintf(st == 0x50 ? "disklog: done\n" : "disklog: FAILED, status %02x\n", st);
    return st == 0x50 ? 0 : 1;
}
