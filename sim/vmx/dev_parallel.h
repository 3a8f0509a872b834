/*
 * dev_parallel.h - an ISA parallel printer port (the PC's LPT1 at 0x378).
 *
 * Three registers, selected by the port offset (IBM PC Technical
 * Reference, "Printer Adapter"; the bits are the connector's pins):
 *
 *   0  data     the byte to print (8 data pins); reads back the same
 *   1  status   (read only) bit 7 nBUSY (1 = printer ready, the pin is
 *               inverted), bit 6 nACK (0 during the acknowledge pulse),
 *               bit 5 paper out, bit 4 SELECT (on line), bit 3 nERROR
 *   2  control  bit 5 direction (1 = data pins are inputs), bit 4 IRQ 7
 *               on acknowledge, bit 3 SELECT IN, bit 2 nINIT (0 resets the
 *               printer), bit 1 auto line feed, bit 0 STROBE (1 = pulse on)
 *
 * Printing one byte (the handshake a BIOS or driver performs): wait until
 * status bit 7 says "not busy", write the byte to data, raise STROBE and
 * lower it again; the printer takes the byte on the strobe, reports BUSY,
 * pulses nACK low, then drops BUSY.
 *
 * Modelled as QEMU's hw/char/parallel.c does it, so the same guest sees
 * the same status bytes on both: the byte is printed when STROBE goes
 * from 0 to 1 while SELECT IN and nINIT are 1; then BUSY, the nACK pulse
 * and "ready" appear on three successive reads of the status register
 * (the printer is fast, but not infinitely).  Writing nINIT = 0 resets the
 * printer to "ready, on line, no error".  Not modelled: input (with the
 * direction bit set, data reads 0xff), EPP/ECP modes, paper running out.
 */
#ifndef SIM_DEV_PARALLEL_H
#define SIM_DEV_PARALLEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PARALLEL_LPT1 0x378

struct parallel {
	uint8_t data;		/* the data latch (last byte written) */
	uint8_t status;		/* the status pins as the next read shows them */
	uint8_t control;	/* the control latch (bits 7-6 read as 1) */
	uint8_t irq;		/* IRQ 7 requested (cleared by a status read) */
	char *out;		/* what was printed, up to max bytes */
	size_t len, cap;
	size_t max;		/* bytes kept: OUTBUF_MAX (outbuf.h) */
	uint64_t dropped;	/* bytes printed past max, not kept */
};

/*
 * The state QEMU 7.2 shows after SeaBIOS probed the port (it wrote 0xaa
 * to data): data 0xaa, status 0xd9, control 0xcc.  No output yet.
 */
void parallel_init(struct parallel *lp);

/* A reset (power-on again): the registers as parallel_init leaves them;
 * the output so far, its cap and its count of dropped bytes are kept. */
void parallel_reset(struct parallel *lp);

/* Free the output buffer (lp stays usable: empty output). */
void parallel_free(struct parallel *lp);

/* Read register reg (0..2); others read 0xff.  Status reads advance the
 * printer's handshake. */
uint8_t parallel_read(struct parallel *lp, unsigned reg);

/*
 * Write register reg (0..2; others are ignored).  Returns 1 if this write
 * printed a byte (it is now lp->out[lp->len - 1]), 0 otherwise (including
 * a byte dropped, and counted in lp->dropped, because the output is full
 * or out of memory).
 */
int parallel_write(struct parallel *lp, unsigned reg, uint8_t v);

/* The IRQ 7 line (control bit 4 enables it). */
bool parallel_irq(const struct parallel *lp);

#endif
