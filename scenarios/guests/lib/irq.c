/* irq.c - drivers for the PC's interrupt hardware: the 8259A PIC pair and the 8254 PIT.
 *
 * Linked only into the guests that take device interrupts (timer,
 * multitask).  Each function is what an operating system's first lines
 * of interrupt code look like; the comments say which data-sheet word
 * each OUT writes.
 */
#include "lib.h"

/* ===================================================================
 * 1. The PIC.
 *
 * After the BIOS, the master PIC delivers IRQ 0-7 at vectors 0x08-0x0F.
 * In protected mode those vectors are the CPU's own exceptions (0x08 is
 * the double fault!), so every protected-mode kernel first moves the
 * IRQs elsewhere: it re-initializes both chips with four "initialization
 * command words" each.
 */
void pic_remap(u8 master_base, u8 slave_base)
{
    outb(PIC1_CMD, 0x11);          /* ICW1: initialize; edge-triggered, cascade, ICW4 follows */
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, master_base);  /* ICW2: vector of input 0 */
    outb(PIC2_DATA, slave_base);
    outb(PIC1_DATA, 0x04);         /* ICW3 (master): a slave hangs on input 2 (bit 2) */
    outb(PIC2_DATA, 0x02);         /* ICW3 (slave): I am the slave on input 2 */
    outb(PIC1_DATA, 0x01);         /* ICW4: 8086 mode, normal (not automatic) EOI */
    outb(PIC2_DATA, 0x01);
    pic_set_masks(0xFF, 0xFF);     /* ICW1 cleared the masks: close everything */
}

/* OCW1: the interrupt mask register, one bit per input, 1 = ignored. */
void pic_set_masks(u8 master, u8 slave)
{
    outb(PIC1_DATA, master);
    outb(PIC2_DATA, slave);
}

/* OCW3 chooses what a read of the command port returns: 0x0B = the
 * in-service register (interrupts being handled), 0x0A = the request
 * register (interrupts waiting).  We always switch back to IRR. */
u8 pic_read_isr(int slave)
{
    u16 port = slave ? PIC2_CMD : PIC1_CMD;
    outb(port, 0x0B);
    u8 v = inb(port);
    outb(port, 0x0A);
    return v;
}

u8 pic_read_irr(int slave)
{
    u16 port = slave ? PIC2_CMD : PIC1_CMD;
    outb(port, 0x0A);
    return inb(port);
}

/* OCW2 0x20, "non-specific end of interrupt": the handler is done, clear
 * the highest-priority in-service bit so equal and lower priorities can
 * interrupt again.  An IRQ from the slave needs an EOI to both chips. */
void pic_eoi(int irq)
{
    if (irq >= 8)
        outb(PIC2_CMD, 0x20);
    outb(PIC1_CMD, 0x20);
}

/* ===================================================================
 * 2. The PIT.
 *
 * Counter 0 divides the 1,193,182 Hz clock by a 16-bit divisor; in mode 2
 * ("rate generator") its output pulses once per divisor clocks, and each
 * pulse is IRQ 0.  The control word at port 0x43 says which counter, how
 * its 16 bits are written (0x30: low byte then high byte), and the mode.
 */
u16 pit_divisor(u32 hz)
{
    return (u16)((PIT_HZ + hz / 2) / hz);
}

void pit_set_periodic(u32 hz)
{
    u16 div = pit_divisor(hz);
    outb(0x43, 0x34);              /* counter 0, low then high byte, mode 2, binary */
    outb(0x40, (u8)div);
    outb(0x40, (u8)(div >> 8));
}

/* Reading a counter while it runs: the "counter latch" command (access
 * bits 00) copies the count into a holding register, so its two bytes
 * belong to the same moment. */
u16 pit_read_count(int counter)
{
    outb(0x43, (u8)(counter << 6));    /* latch counter `counter` */
    u8 lo = inb((u16)(0x40 + counter));
    u8 hi = inb((u16)(0x40 + counter));
    return (u16)(lo | hi << 8);
}

/* The 8254's read-back command (0xE0 | counter bits): latch the status
 * byte: OUT pin (bit 7), null count (6), access (5-4), mode (3-1), BCD. */
u8 pit_read_status(int counter)
{
    outb(0x43, (u8)(0xE0 | (2 << counter)));
    return inb((u16)(0x40 + counter));
}
