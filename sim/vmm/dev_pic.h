/*
 * dev_pic.h - the PC's two 8259A programmable interrupt controllers.
 *
 * A device that wants the CPU's attention raises its interrupt request
 * line (IRQ).  The CPU has a single input for all of them (INTR), so
 * something must choose which request goes first and tell the CPU which
 * vector to run: that is the 8259A (Intel 8259A data sheet, 1988).  One
 * chip has eight inputs IR0-IR7; the PC/AT has two, the slave's output
 * wired to the master's IR2 ("cascade"), giving IRQ 0-15 minus IRQ 2:
 *
 *   master  ports 0x20 (A0 = 0) and 0x21 (A0 = 1)   IRQ 0-7
 *   slave   ports 0xa0 (A0 = 0) and 0xa1 (A0 = 1)   IRQ 8-15, on master IR2
 *   ELCR    ports 0x4d0 (master) and 0x4d1 (slave): the PIIX chipset's
 *           edge/level control, one bit per IRQ (1 = level-triggered)
 *
 * Three registers per chip:
 *   IRR  interrupt request register: requests seen, not yet accepted
 *   ISR  in-service register: accepted by the CPU, handler not finished
 *   IMR  interrupt mask register: 1 = ignore that input
 *
 * The life of an interrupt: the device's line goes 0 -> 1 (an edge) and
 * the IRR bit is set; if it is unmasked and has a higher priority than
 * everything in service, the chip raises INTR; the CPU, when its IF flag
 * allows, answers with an INTA cycle (pic_ack): the chip moves the bit
 * from IRR to ISR and puts the vector (base + input) on the bus; the
 * handler ends by writing EOI ("end of interrupt"), which clears the ISR
 * bit and lets lower priorities through again.
 *
 * Programming: writing port 0x20/0xa0 with bit 4 set starts initialization
 * (ICW1), followed by ICW2 (vector base) ICW3 (cascade wiring) and ICW4
 * (8086 mode, auto-EOI) on port 0x21/0xa1.  Afterwards, 0x21/0xa1 writes
 * set the mask (OCW1); 0x20/0xa0 writes are OCW2 (EOI and priority
 * rotation) or OCW3 (which register a read returns, poll, special mask).
 *
 * Modelled: all of the above, including rotation, special mask mode,
 * special fully nested mode, auto-EOI, poll mode, level-triggered inputs
 * (ICW1.LTIM or the ELCR) and spurious IRQ 7 / IRQ 15.  Not modelled: the
 * 8080/8085 mode (ICW4 bit 0 = 0; the PC never uses it) and buffered mode
 * (an electrical detail).  Where the data sheet is silent, QEMU's
 * hw/intc/i8259.c is followed (ICW1 forgets latched edge requests).
 *
 * The state is plain data: it can be copied by value (checkpoints).
 */
#ifndef SIM_DEV_PIC_H
#define SIM_DEV_PIC_H

#include <stdint.h>

#define PIC_MASTER 0x20		/* command (A0 = 0); data (A0 = 1) is +1 */
#define PIC_SLAVE 0xa0
#define PIC_ELCR 0x4d0		/* master's; the slave's is 0x4d1 */

/* One 8259A. */
struct pic_chip {
	uint8_t irr;		/* requests latched, not yet acknowledged */
	uint8_t isr;		/* acknowledged, waiting for their EOI */
	uint8_t imr;		/* 1 = input masked (OCW1) */
	uint8_t lines;		/* last level seen on each input (edges) */
	uint8_t elcr;		/* 1 = level-triggered input (PIIX ELCR) */
	uint8_t elcr_mask;	/* ELCR bits that exist on this chip */
	uint8_t base;		/* vector of IR0 (ICW2; low 3 bits zero) */
	uint8_t rotation;	/* the input with the highest priority */
	uint8_t icw3;		/* cascade wiring, as written */
	uint8_t init_step;	/* 0: running; 2, 3, 4: expecting that ICW */
	uint8_t ic4;		/* ICW1: an ICW4 follows */
	uint8_t single;		/* ICW1: no cascade, so no ICW3 */
	uint8_t ltim;		/* ICW1: every input level-triggered */
	uint8_t aeoi;		/* ICW4: auto-EOI (no ISR bit at INTA) */
	uint8_t sfnm;		/* ICW4: special fully nested mode */
	uint8_t rotate_aeoi;	/* OCW2: rotate priorities on auto-EOI */
	uint8_t read_isr;	/* OCW3: command port reads ISR, not IRR */
	uint8_t poll;		/* OCW3: the next read is a poll */
	uint8_t special_mask;	/* OCW3: special mask mode */
};

/* The pair: chip[0] the master, chip[1] the slave.  Copyable by value. */
struct pic {
	struct pic_chip chip[2];
};

/*
 * The state a Multiboot kernel finds on QEMU 7.2 after SeaBIOS: master
 * vectors 0x08-0x0f, slave 0x70-0x77 (the real-mode BIOS layout), IMR
 * 0xb8/0x8e (IRQ 0 1 2 6 8 12 13 14 open), ELCR 0x00/0x0c (IRQ 10 and 11
 * level-triggered, for PCI), IRQ 4 already latched by the BIOS's serial
 * port set-up.  Measured with a guest reading the registers and QEMU's
 * monitor (`info pic`).
 */
void pic_init(struct pic *p);

/*
 * Read port 0x20, 0x21, 0xa0, 0xa1 (IRR or ISR as OCW3 chose, IMR, or a
 * poll result), 0x4d0 or 0x4d1 (ELCR).  Any other port reads 0xff.  A
 * poll read acknowledges the interrupt it reports, as an INTA would.
 */
uint8_t pic_read(struct pic *p, uint16_t port);

/* Write one of those ports (ICW1-4, OCW1-3, ELCR); others are ignored. */
void pic_write(struct pic *p, uint16_t port, uint8_t v);

/*
 * Set the level of IRQ irq (0-15) to level (0 or 1).  An edge-triggered
 * input latches a request on a 0 -> 1 change only; a level-triggered one
 * requests for as long as the level is 1.  IRQ 2 is the cascade: as on
 * the PC/AT, a device on the ISA bus's IRQ 2 pin really drives IRQ 9.
 * irq out of range: ignored.
 */
void pic_set_irq(struct pic *p, int irq, int level);

/* A 0 -> 1 -> 0 pulse on IRQ irq: what one PIT tick looks like here. */
void pic_pulse_irq(struct pic *p, int irq);

/*
 * The vector an INTA cycle would deliver now (the highest-priority
 * unmasked request not blocked by an interrupt in service), or -1 if the
 * INTR output is low.  Does not change the state.
 */
int pic_pending(const struct pic *p);

/*
 * The INTA cycle: returns the vector and moves the request from IRR to
 * ISR (or, with auto-EOI, just clears it).  If no request is there any
 * more (it went away between INTR and INTA) the chip answers with IR7's
 * vector and sets no ISR bit: a "spurious" IRQ 7, or IRQ 15 when the
 * slave has nothing for a cascade request.
 */
int pic_ack(struct pic *p);

#endif
