/* ata.c - a polling driver for the IDE hard disk on the primary channel (see lib.h).
 *
 * ATA/ATAPI-4 (T13/1153D) in its simplest form, as a BIOS does it: select
 * the drive, write the address and the sector count, write the command,
 * then for each sector wait for DRQ and move 256 words through the data
 * port.  Interrupts stay off (nIEN in the device control register): we
 * poll the alternate status, which (unlike the status register) does not
 * acknowledge anything.
 */
#include "lib.h"

#define ATA_DATA     0x1F0
#define ATA_ERROR    0x1F1
#define ATA_COUNT    0x1F2
#define ATA_LBA_LOW  0x1F3
#define ATA_LBA_MID  0x1F4
#define ATA_LBA_HIGH 0x1F5
#define ATA_DEVICE   0x1F6     /* 0xE0 | LBA 27-24: master, LBA mode */
#define ATA_STATUS   0x1F7     /* read: status; write: command */
#define ATA_CONTROL  0x3F6     /* write: device control; read: alternate status */
#define WAIT_MAX     10000000u

/* Reading the alternate status four times takes the 400 ns the standard
 * asks a host to wait before it trusts the status after a command. */
static void delay400(void)
{
    for (int i = 0; i < 4; i++)
        inb(ATA_CONTROL);
}

/* Wait until BSY clears; the status then, or 0xFF if it never does. */
static u8 wait_ready(void)
{
    for (u32 i = 0; i < WAIT_MAX; i++) {
        u8 st = inb(ATA_CONTROL);
        if (!(st & ATA_ST_BSY))
            return st;
    }
    return 0xFF;
}

int ata_present(void)
{
    outb(ATA_DEVICE, 0xA0);                /* the master (the BIOS may have left the slave) */
    delay400();
    outb(ATA_CONTROL, 0x06);               /* SRST + nIEN */
    delay400();
    outb(ATA_CONTROL, 0x02);               /* reset over, interrupts still off */
    delay400();
    u8 st = wait_ready();
    /* no drive: the channel reads 0 (QEMU) or floats to 0xFF (real ISA) */
    return st != 0 && st != 0xFF && inb(ATA_LBA_MID) == 0 && inb(ATA_LBA_HIGH) == 0;
}

/* Address the master in LBA mode and issue cmd. */
static u8 command(u32 lba, u32 count, u8 cmd)
{
    outb(ATA_DEVICE, (u8)(0xE0 | ((lba >> 24) & 0x0F)));
    outb(ATA_COUNT, (u8)count);            /* 256 is written as 0 */
    outb(ATA_LBA_LOW, (u8)lba);
    outb(ATA_LBA_MID, (u8)(lba >> 8));
    outb(ATA_LBA_HIGH, (u8)(lba >> 16));
    outb(ATA_STATUS, cmd);
    delay400();
    return wait_ready();
}

/* Move the sectors of a data-in command to buf, one DRQ block each. */
static u8 data_in(u8 st, u32 count, u8 *buf)
{
    for (u32 s = 0; s < count; s++) {
        if (s > 0)
            st = wait_ready();
        if ((st & (ATA_ST_ERR | ATA_ST_DRQ)) != ATA_ST_DRQ)
            break;                         /* an error, or no data */
        for (u32 i = 0; i < ATA_SECTOR; i += 2) {
            u16 w = inw(ATA_DATA);
            buf[s * ATA_SECTOR + i] = (u8)w;
            buf[s * ATA_SECTOR + i + 1] = (u8)(w >> 8);
        }
        delay400();
    }
    st = wait_ready();
    inb(ATA_STATUS);                       /* acknowledge any interrupt */
    return st;
}

u8 ata_identify(u16 id[256])
{
    return data_in(command(0, 0, 0xEC), 1, (u8 *)id);
}

u8 ata_read(u32 lba, u32 count, u8 *buf)
{
    return data_in(command(lba, count, 0x20), count, buf);
}

u8 ata_write(u32 lba, u32 count, const u8 *buf)
{
    u8 st = command(lba, count, 0x30);
    for (u32 s = 0; s < count; s++) {
        if ((st & (ATA_ST_ERR | ATA_ST_DRQ)) != ATA_ST_DRQ)
            break;
        for (u32 i = 0; i < ATA_SECTOR; i += 2)
            outw(ATA_DATA, (u16)(buf[s * ATA_SECTOR + i] |
                                 buf[s * ATA_SECTOR + i + 1] << 8));
        delay400();
        st = wait_ready();                 /* the drive stores the sector */
    }
    inb(ATA_STATUS);                       /* acknowledge */
    return st;
}

u8 ata_error(void)
{
    return inb(ATA_ERROR);
}

u8 ata_taskfile(int reg)
{
    return inb((u16)(ATA_DATA + reg));
}
