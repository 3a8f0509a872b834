/*
 * dev_pic.c - the 8259A interrupt controller pair (see dev_pic.h).
 *
 * Priorities: eight inputs in a circle.  `rotation` names the input with
 * the highest priority; the others follow in order, wrapping round, so
 * with rotation 0 IR0 beats IR1 ... beats IR7 (the "fully nested" order
 * the PC uses).  Rotating priorities (OCW2) moves `rotation`, making the
 * input just serviced the lowest: fair for equal devices.
 */
#include <string.h>

#include "vmm/dev_pic.h"

/* ICW1 and the OCW bits the code tests, from the data sheet's figures. */
#define ICW1_IC4 0x01		/* an ICW4 follows */
#define ICW1_SNGL 0x02		/* a single chip: no ICW3 */
#define ICW1_LTIM 0x08		/* level-triggered inputs */
#define ICW1_INIT 0x10		/* A0 = 0 with bit 4 set: this is ICW1 */
#define ICW4_AEOI 0x02
#define ICW4_SFNM 0x10
#define OCW3_SEL 0x08		/* A0 = 0, bit 4 clear, bit 3 set: OCW3 */
#define OCW3_RIS 0x01		/* read ISR (with RR) */
#define OCW3_RR 0x02		/* change which register reads */
#define OCW3_POLL 0x04
#define OCW3_SMM 0x20		/* special mask mode (with ESMM) */
#define OCW3_ESMM 0x40

#define CASCADE_IR 2		/* the slave's INT goes to the master's IR2 */

/* ---- one chip ---- */

/* Inputs that request for as long as their level is high. */
static uint8_t level_inputs(const struct pic_chip *c)
{
	return c->ltim ? 0xff : c->elcr;
}

/*
 * The priority rank (0 = highest) of the best input in mask, or 8 if the
 * mask is empty.
 */
static int best_rank(const struct pic_chip *c, uint8_t mask)
{
	for (int rank = 0; rank < 8; rank++)
		if (mask & (1u << ((rank + c->rotation) & 7)))
			return rank;
	return 8;
}

/*
 * The input this chip would signal the CPU for, or -1: the best unmasked
 * request, if it outranks every interrupt in service.  In special mask
 * mode a masked in-service input blocks nothing (a handler can let lower
 * priorities in by masking itself).  In special fully nested mode the
 * master lets the slave interrupt again while the cascade input is in
 * service, so a higher slave IRQ can nest inside a lower one.
 */
static int chip_output(const struct pic_chip *c, int is_master)
{
	uint8_t blocking = c->isr;
	int want = best_rank(c, c->irr & ~c->imr);

	if (want == 8)
		return -1;
	if (c->special_mask)
		blocking &= ~c->imr;
	if (c->sfnm && is_master)
		blocking &= ~(1u << CASCADE_IR);
	if (want < best_rank(c, blocking))
		return (want + c->rotation) & 7;
	return -1;
}

static void chip_set_line(struct pic_chip *c, int ir, int level)
{
	uint8_t bit = (uint8_t)(1u << ir);

	if (level_inputs(c) & bit) {
		if (level)
			c->irr |= bit;
		else
			c->irr &= ~bit;
	} else if (level && !(c->lines & bit)) {
		c->irr |= bit;		/* a rising edge latches a request */
	}
	if (level)
		c->lines |= bit;
	else
		c->lines &= ~bit;
}

/* The INTA cycle, on one chip. */
static void chip_ack(struct pic_chip *c, int ir)
{
	uint8_t bit = (uint8_t)(1u << ir);

	if (c->aeoi) {
		if (c->rotate_aeoi)
			c->rotation = (uint8_t)((ir + 1) & 7);
	} else {
		c->isr |= bit;
	}
	if (!(level_inputs(c) & bit))
		c->irr &= ~bit;	/* a level request stays while its line is high */
}

/* ICW1: start initialization; the data sheet's list of what it resets. */
static void chip_icw1(struct pic_chip *c, uint8_t v)
{
	c->ltim = (v & ICW1_LTIM) != 0;
	/*
	 * "The edge sense circuit is reset": a request latched before must
	 * come again, with a new low-to-high transition (`lines` keeps the
	 * levels, so an input still high has to fall and rise first).
	 */
	c->irr &= level_inputs(c);
	c->isr = 0;
	c->imr = 0;			/* "the IMR is cleared" */
	c->rotation = 0;		/* "IR7 is assigned priority 7" */
	c->base = 0;
	c->read_isr = 0;		/* "status read is set to IRR" */
	c->poll = 0;
	c->special_mask = 0;		/* "special mask mode is cleared" */
	c->aeoi = 0;			/* "if IC4 = 0, ICW4 functions are 0" */
	c->rotate_aeoi = 0;
	c->sfnm = 0;
	c->ic4 = (v & ICW1_IC4) != 0;
	c->single = (v & ICW1_SNGL) != 0;
	c->init_step = 2;
}

/* ICW2-ICW4 arrive in turn on the A0 = 1 port. */
static void chip_icw(struct pic_chip *c, uint8_t v)
{
	switch (c->init_step) {
	case 2:
		c->base = v & 0xf8;	/* T7-T3; the input fills bits 2-0 */
		c->init_step = !c->single ? 3 : c->ic4 ? 4 : 0;
		break;
	case 3:
		c->icw3 = v;
		c->init_step = c->ic4 ? 4 : 0;
		break;
	default:
		c->aeoi = (v & ICW4_AEOI) != 0;
		c->sfnm = (v & ICW4_SFNM) != 0;
		c->init_step = 0;
		break;
	}
}

/* OCW2: end of interrupt and priority rotation (R, SL, EOI bits 7-5). */
static void chip_ocw2(struct pic_chip *c, uint8_t v)
{
	int ir = v & 7;
	int rank;

	switch (v >> 5) {
	case 0: c->rotate_aeoi = 0; break;	/* clear rotate in AEOI */
	case 4: c->rotate_aeoi = 1; break;	/* set rotate in AEOI */
	case 1:					/* non-specific EOI */
	case 5:					/* ... and rotate */
		rank = best_rank(c, c->isr);
		if (rank == 8)
			break;
		ir = (rank + c->rotation) & 7;
		c->isr &= ~(1u << ir);
		if (v >> 5 == 5)
			c->rotation = (uint8_t)((ir + 1) & 7);
		break;
	case 3:					/* specific EOI */
		c->isr &= ~(1u << ir);
		break;
	case 7:					/* ... and rotate */
		c->isr &= ~(1u << ir);
		c->rotation = (uint8_t)((ir + 1) & 7);
		break;
	case 6:					/* set priority: ir lowest */
		c->rotation = (uint8_t)((ir + 1) & 7);
		break;
	default:				/* 2: no operation */
		break;
	}
}

static void chip_ocw3(struct pic_chip *c, uint8_t v)
{
	if (v & OCW3_POLL)
		c->poll = 1;
	if (v & OCW3_RR)
		c->read_isr = (v & OCW3_RIS) != 0;
	if (v & OCW3_ESMM)
		c->special_mask = (v & OCW3_SMM) != 0;
}

static void chip_write(struct pic_chip *c, int a0, uint8_t v)
{
	if (a0) {
		if (c->init_step)
			chip_icw(c, v);
		else
			c->imr = v;		/* OCW1 */
	} else if (v & ICW1_INIT) {
		chip_icw1(c, v);
	} else if (v & OCW3_SEL) {
		chip_ocw3(c, v);
	} else {
		chip_ocw2(c, v);
	}
}

/* ---- the pair ---- */

/* The slave's INT output drives the master's IR2. */
static void cascade(struct pic *p)
{
	chip_set_line(&p->chip[0], CASCADE_IR, chip_output(&p->chip[1], 0) >= 0);
}

static void chip_reset(struct pic_chip *c, uint8_t base, uint8_t imr,
		       uint8_t elcr_mask)
{
	memset(c, 0, sizeof *c);
	c->base = base;
	c->imr = imr;
	c->elcr_mask = elcr_mask;
}

void pic_init(struct pic *p)
{
	/* ELCR: IRQ 0, 1, 2, 8 and 13 are always edge-triggered (PIIX). */
	chip_reset(&p->chip[0], 0x08, 0xb8, 0xf8);
	chip_reset(&p->chip[1], 0x70, 0x8e, 0xde);
	p->chip[0].icw3 = 0x04;		/* a slave on IR2 */
	p->chip[1].icw3 = 0x02;		/* I am the slave on IR2 */
	p->chip[1].elcr = 0x0c;		/* IRQ 10 and 11: PCI, level */
	p->chip[0].irr = 0x10;		/* IRQ 4: left by SeaBIOS */
}

/* Which chip a port belongs to (0 master, 1 slave), or -1. */
static int chip_of(uint16_t port)
{
	switch (port) {
	case PIC_MASTER: case PIC_MASTER + 1: case PIC_ELCR: return 0;
	case PIC_SLAVE: case PIC_SLAVE + 1: case PIC_ELCR + 1: return 1;
	default: return -1;
	}
}

/*
 * A poll read: the CPU asked (OCW3.P) and now reads the answer instead of
 * taking an interrupt: bit 7 = "there is one", bits 2-0 = which input.
 * The chip treats the read as its INTA.
 */
static uint8_t poll_read(struct pic *p, int which)
{
	struct pic_chip *c = &p->chip[which];
	int ir = chip_output(c, which == 0);

	c->poll = 0;
	if (ir < 0)
		return 0;
	chip_ack(c, ir);
	cascade(p);
	return (uint8_t)(0x80 | ir);
}

uint8_t pic_read(struct pic *p, uint16_t port)
{
	int which = chip_of(port);
	struct pic_chip *c;

	if (which < 0)
		return 0xff;
	c = &p->chip[which];
	if (port >= PIC_ELCR)
		return c->elcr;
	if (c->poll)
		return poll_read(p, which);
	if (port & 1)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

void pic_write(struct pic *p, uint16_t port, uint8_t v)
{
	int which = chip_of(port);
	struct pic_chip *c;

	if (which < 0)
		return;
	c = &p->chip[which];
	if (port >= PIC_ELCR) {
		c->elcr = v & c->elcr_mask;
		return;
	}
	chip_write(c, port & 1, v);
	cascade(p);
}

void pic_set_irq(struct pic *p, int irq, int level)
{
	if (irq < 0 || irq > 15)
		return;
	if (irq == CASCADE_IR)
		irq = 9;	/* the AT rewired the bus's IRQ 2 pin to IRQ 9 */
	chip_set_line(&p->chip[irq >> 3], irq & 7, level != 0);
	cascade(p);
}

void pic_pulse_irq(struct pic *p, int irq)
{
	pic_set_irq(p, irq, 1);
	pic_set_irq(p, irq, 0);
}

int pic_pending(const struct pic *p)
{
	int ir = chip_output(&p->chip[0], 1);
	int sir;

	if (ir < 0)
		return -1;
	if (ir != CASCADE_IR)
		return p->chip[0].base + ir;
	sir = chip_output(&p->chip[1], 0);
	return p->chip[1].base + (sir < 0 ? 7 : sir);
}

int pic_ack(struct pic *p)
{
	int ir = chip_output(&p->chip[0], 1);
	int sir, vector;

	if (ir < 0)
		return p->chip[0].base + 7;	/* spurious IRQ 7 */
	if (ir == CASCADE_IR) {
		sir = chip_output(&p->chip[1], 0);
		if (sir >= 0) {
			chip_ack(&p->chip[1], sir);
			vector = p->chip[1].base + sir;
		} else {
			vector = p->chip[1].base + 7;	/* spurious IRQ 15 */
		}
		cascade(p);
	} else {
		vector = p->chip[0].base + ir;
	}
	chip_ack(&p->chip[0], ir);
	return vector;
}
