/*
 * dev_parallel.c - the parallel printer port (see dev_parallel.h).
 */
#include <stdlib.h>

#include "vmx/dev_parallel.h"
#include "outbuf.h"

/* Status register bits (inputs from the printer). */
#define ST_NBUSY 0x80		/* 1 = not busy */
#define ST_NACK 0x40		/* 0 = acknowledge pulse */
#define ST_SELECT 0x10		/* printer on line */
#define ST_NERROR 0x08		/* 1 = no error */
#define ST_TIMEOUT 0x01		/* EPP time-out (set at power-on) */

/* Control register bits (outputs to the printer). */
#define CT_DIR 0x20		/* data pins are inputs */
#define CT_IRQ 0x10		/* interrupt on acknowledge */
#define CT_SELECT_IN 0x08
#define CT_NINIT 0x04		/* 0 = initialize the printer */
#define CT_STROBE 0x01
#define CT_FIXED 0xc0		/* bits 7-6 read back as 1 */

/* A printer just reset: ready, on line, no error. */
#define ST_READY (ST_NBUSY | ST_NACK | ST_SELECT | ST_NERROR)

void parallel_init(struct parallel *lp)
{
	lp->data = 0xaa;
	lp->status = ST_READY | ST_TIMEOUT;
	lp->control = CT_FIXED | CT_SELECT_IN | CT_NINIT;
	lp->irq = 0;
	lp->out = NULL;
	lp->len = lp->cap = 0;
	lp->max = OUTBUF_MAX;
	lp->dropped = 0;
}

void parallel_reset(struct parallel *lp)
{
	struct parallel kept = *lp;

	parallel_init(lp);
	lp->out = kept.out;
	lp->len = kept.len;
	lp->cap = kept.cap;
	lp->max = kept.max;
	lp->dropped = kept.dropped;
}

void parallel_free(struct parallel *lp)
{
	free(lp->out);
	lp->out = NULL;
	lp->len = lp->cap = 0;
}

/*
 * The printer's side of the handshake after a strobe, one step per read:
 * BUSY (with nACK high), then the nACK pulse, then ready.  A strobe still
 * held high keeps the printer busy.
 */
static void handshake_step(struct parallel *lp)
{
	if ((lp->status & ST_NBUSY) || (lp->control & CT_STROBE))
		return;
	if (lp->status & ST_NACK)
		lp->status &= ~ST_NACK;		/* the acknowledge pulse */
	else
		lp->status |= ST_NACK | ST_NBUSY;	/* done: ready again */
}

uint8_t parallel_read(struct parallel *lp, unsigned reg)
{
	uint8_t v;

	switch (reg) {
	case 0:
		return (lp->control & CT_DIR) ? 0xff : lp->data;
	case 1:
		v = lp->status;
		lp->irq = 0;
		handshake_step(lp);
		return v;
	case 2:
		return lp->control;
	default:
		return 0xff;
	}
}

static int print_byte(struct parallel *lp)
{
	return outbuf_put(&lp->out, &lp->len, &lp->cap, lp->max, &lp->dropped,
			  (char)lp->data);
}

/* A write to the control register: what the printer sees on its pins. */
static int control_write(struct parallel *lp, uint8_t v)
{
	int printed = 0;

	v |= CT_FIXED;
	if (!(v & CT_NINIT)) {
		lp->status = ST_READY;		/* printer reset */
	} else if (v & CT_SELECT_IN) {
		if (v & CT_STROBE) {
			lp->status &= ~ST_NBUSY;	/* takes the byte */
			if (!(lp->control & CT_STROBE))
				printed = print_byte(lp);	/* rising strobe */
		} else if (lp->control & CT_IRQ) {
			lp->irq = 1;	/* as QEMU: the strobe's end "acks" */
		}
	}
	lp->control = v;
	return printed;
}

int parallel_write(struct parallel *lp, unsigned reg, uint8_t v)
{
	switch (reg) {
	case 0:
		lp->data = v;
		return 0;
	case 2:
		return control_write(lp, v);
	default:
		return 0;		/* status is read-only */
	}
}

bool parallel_irq(const struct parallel *lp)
{
	return lp->irq != 0;
}
