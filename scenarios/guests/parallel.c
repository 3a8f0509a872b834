/* parallel.c - a guest that prints on paper: the PC's parallel port, LPT1 at 0x378.
 *
 * A parallel printer port is three registers wired straight to the pins
 * of the connector:
 *   0x378  data      eight data lines
 *   0x379  status    in from the printer: bit 7 = NOT busy (the BUSY pin,
 *                    inverted), bit 6 = ACK pin (0 while the printer
 *                    acknowledges a byte), bit 4 = on line, bit 3 = no error
 *   0x37A  control   out to the printer: bit 3 = select, bit 2 = NOT
 *                    initialize (0 resets the printer), bit 0 = STROBE
 * Printing a byte is a handshake: wait until the printer is not busy, put
 * the byte on the data lines, pulse STROBE (the printer takes the byte and
 * says BUSY), and the printer pulses ACK when it is done.
 *
 * The message goes to the parallel port (QEMU: -parallel file:F); the
 * serial port tells what happened, status bytes included.
 */
#include "lib.h"

#define LPT_DATA    0x378
#define LPT_STATUS  0x379
#define LPT_CONTROL 0x37A

#define ST_NOT_BUSY 0x80
#define CT_SELECT   0x08
#define CT_NOT_INIT 0x04
#define CT_STROBE   0x01
#define CT_DIR      0x20
#define WAIT_MAX    1000                 /* status reads before giving up */

static const char message[] = "Hello, paper! A ringside guest printed this on LPT1.\n";

/* Poll until the printer is not busy; record what we saw (up to max). */
static int wait_ready(u8 *seen, int max, int *n)
{
    *n = 0;
    for (int i = 0; i < WAIT_MAX; i++) {
        u8 st = inb(LPT_STATUS);
        if (*n < max)
            seen[(*n)++] = st;
        if (st & ST_NOT_BUSY)
            return 0;
    }
    return -1;
}

static void print_statuses(const char *what, const u8 *seen, int n)
{
    kprintf("%s:", what);
    for (int i = 0; i < n; i++)
        kprintf(" %02x", seen[i]);
    kprintf("\n");
}

static void strobe(char c)
{
    outb(LPT_DATA, (u8)c);
    outb(LPT_CONTROL, CT_SELECT | CT_NOT_INIT | CT_STROBE);   /* STROBE on ... */
    outb(LPT_CONTROL, CT_SELECT | CT_NOT_INIT);              /* ... and off */
}

int kmain(void);
int kmain(void)
{
    u8 seen[8];
    int n;

    kprintf("ringside parallel: printing on LPT1 (port 378)\n");
    u8 data = inb(LPT_DATA), status = inb(LPT_STATUS), control = inb(LPT_CONTROL);
    kprintf("lpt1 as the BIOS left it: data %02x status %02x control %02x\n",
            data, status, control);

    /* Reset the printer: NOT-INIT low for a moment, then select it. */
    outb(LPT_CONTROL, CT_SELECT);
    outb(LPT_CONTROL, CT_SELECT | CT_NOT_INIT);
    status = inb(LPT_STATUS);
    control = inb(LPT_CONTROL);
    kprintf("after reset: status %02x (%s, %s, %s) control %02x\n", status,
            (status & 0x80) ? "ready" : "busy", (status & 0x10) ? "on line" : "off line",
            (status & 0x08) ? "no error" : "error", control);

    /* The first byte, watched closely: the handshake one status read at a time. */
    strobe(message[0]);
    if (wait_ready(seen, 8, &n) != 0) {
        kprintf("printer stays busy: giving up\n");
        return 1;
    }
    print_statuses("status reads after the first strobe (busy, ack, ready)", seen, n);

    /* The rest, as a driver would: wait, write, strobe. */
    int sent = 1;
    for (const char *p = message + 1; *p; p++) {
        if (wait_ready(seen, 8, &n) != 0) {
            kprintf("printer stays busy after %d bytes: giving up\n", sent);
            return 1;
        }
        strobe(*p);
        sent++;
    }
    wait_ready(seen, 8, &n);
    kprintf("printed %d bytes; the printer is ready again: status %02x\n", sent, seen[n - 1]);

    /* The data lines can also be inputs (bit 5 of control): with nothing
     * driving them from the other side, they read all ones. */
    outb(LPT_DATA, 0x5A);
    u8 out = inb(LPT_DATA);
    outb(LPT_CONTROL, CT_DIR | CT_SELECT | CT_NOT_INIT);
    u8 in = inb(LPT_DATA);
    outb(LPT_CONTROL, CT_SELECT | CT_NOT_INIT);
    kprintf("data register: reads back %02x as output, %02x as input\n", out, in);
    kprintf("parallel: done\n");
    return 0;
}
