/* timer.c - a guest that lives by the clock: the PIC, the PIT, interrupts and HLT.
 *
 * What it shows, in order:
 *   1. moving the IRQs away from the CPU exceptions (PIC initialization);
 *   2. programming counter 0 of the PIT to tick at 100 Hz, and reading
 *      it back: its status byte and its count running down;
 *   3. timing 10 ms by polling: counter 2 as a one-shot, its output
 *      watched through port 0x61 (how BIOSes calibrate delay loops);
 *   4. taking the timer interrupt: STI; HLT sleeps until the next tick,
 *      the handler counts it and sends the PIC its EOI.
 *
 * Everything printed is a fact that holds on any machine at any speed:
 * no counts of loop iterations, no raw timer values.  Under a VMM, the
 * PIC and the PIT are virtual, time is the simulation's, and HLT gives
 * the physical CPU away until the next virtual tick is due.
 */
#include "lib.h"

#define HZ        100                  /* ticks per second */
#define TICKS     50                   /* how many to wait for */
#define PER_LINE  10                   /* one line every 10 ticks */
#define POLL_MAX  20000000u            /* give up polling after this many reads */

static volatile u32 ticks;             /* written by the handler, read by kmain */
static volatile u8 isr_first_tick;     /* the PIC's in-service register, first tick */

/* IRQ 0, vector 0x20.  The CPU entered through an interrupt gate, so IF is
 * 0 here: no other interrupt can nest.  Until our EOI, the PIC keeps IRQ 0
 * "in service" and holds back IRQ 0-7 of equal or lower priority. */
static void on_timer(struct frame *f)
{
    (void)f;
    if (ticks == 0)
        isr_first_tick = pic_read_isr(0);
    ticks++;
    pic_eoi(0);
}

/* IRQ 7 can arrive "spuriously" (a request that vanished before the CPU
 * acknowledged it).  Its handler must NOT send an EOI: nothing is in service. */
static void on_spurious(struct frame *f)
{
    (void)f;
}

static const char *yes(int cond)
{
    return cond ? "yes" : "no";
}

/* 2: counter 0's status byte and its count going down. */
static void show_counter0(void)
{
    u16 div = pit_divisor(HZ);
    u8 st = pit_read_status(0);

    /* bits 7 (OUT) and 6 (null count) depend on the moment: leave them out */
    kprintf("pit: counter 0 status %02x: mode %u, access %u (low then high byte), %s\n",
            st & 0x3F, (st >> 1) & 7, (st >> 4) & 3, (st & 1) ? "bcd" : "binary");

    u16 first = pit_read_count(0), now = first;
    for (u32 i = 0; i < POLL_MAX && now == first; i++)
        now = pit_read_count(0);
    /* mode 2 counts divisor, divisor-1, ... 1, then reloads: so "down" is
     * a small step modulo the divisor, even across a reload */
    u16 step = (u16)((first + div - now) % div);
    int in_range = first >= 1 && first <= div && now >= 1 && now <= div;
    kprintf("pit: counter 0 counts down from %u: %s\n", div,
            yes(in_range && now != first && step < div / 2));
}

/* 3: 10 ms measured by counter 2, without interrupts.  Port 0x61 bit 0 is
 * counter 2's GATE (1 = count), bit 1 sends its output to the speaker (we
 * keep that off), bit 5 reads its OUT pin. */
static void one_shot_delay(void)
{
    u16 div = pit_divisor(HZ);

    outb(0x61, (u8)((inb(0x61) & 0x0C) | 0x01));   /* gate on, speaker off */
    outb(0x43, 0xB0);              /* counter 2, low then high byte, mode 0, binary */
    outb(0x42, (u8)div);
    outb(0x42, (u8)(div >> 8));    /* mode 0: OUT goes low now, high after div clocks */
    int low_after_load = (inb(0x61) & 0x20) == 0;

    u32 reads = 0;
    while (reads < POLL_MAX && (inb(0x61) & 0x20) == 0)
        reads++;
    int high_at_end = (inb(0x61) & 0x20) != 0;
    outb(0x61, (u8)(inb(0x61) & 0x0C));            /* gate off */

    kprintf("pit: counter 2 one-shot (mode 0, 10 ms): OUT low after loading: %s, "
            "high after polling port 61: %s\n", yes(low_after_load), yes(high_at_end));
}

int kmain(void);
int kmain(void)
{
    kprintf("ringside timer: the PIC, the PIT and HLT\n");
    cpu_setup();

    /* 1: IRQ 0-7 to vectors 0x20-0x27, IRQ 8-15 to 0x28-0x2F; only IRQ 0 open */
    pic_remap(IRQ_BASE, IRQ_BASE + 8);
    pic_set_masks(0xFE, 0xFF);
    kprintf("pic: irq 0-7 at vectors %02x-%02x, irq 8-15 at %02x-%02x, masks %02x %02x\n",
            IRQ_BASE, IRQ_BASE + 7, IRQ_BASE + 8, IRQ_BASE + 15,
            inb(PIC1_DATA), inb(PIC2_DATA));

    /* 2 */
    pit_set_periodic(HZ);
    show_counter0();

    /* 3 */
    one_shot_delay();

    /* 4: the handlers, then let the ticks in */
    idt_gate(IRQ_BASE, 0, 1);
    set_handler(IRQ_BASE, on_timer);
    idt_gate(IRQ_BASE + 7, 0, 1);
    set_handler(IRQ_BASE + 7, on_spurious);
    kprintf("waiting for %u ticks at %u Hz, halting in between\n", TICKS, HZ);

    for (u32 next = PER_LINE; next <= TICKS; ) {
        cli();                         /* look at `ticks` with interrupts off ... */
        if (ticks >= next) {
            sti();
            kprintf("tick %u\n", next);
            next += PER_LINE;
            continue;
        }
        sti_hlt();                     /* ... and sleep with them on: no lost wake-up */
    }
    cli();
    pic_set_masks(0xFF, 0xFF);
    kprintf("pic: in-service register during the first tick: %02x\n", isr_first_tick);
    kprintf("timer: done\n");
    return 0;
}
