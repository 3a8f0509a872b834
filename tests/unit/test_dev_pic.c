/* test_dev_pic.c - dev_pic.h against the Intel 8259A data sheet (and QEMU's hand-over state). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/dev_pic.h"

/* The usual protected-mode set-up: IRQ 0-7 at 0x20, 8-15 at 0x28. */
static void remap(struct pic *p, uint8_t icw4)
{
	pic_write(p, 0x20, 0x11);	/* ICW1: edge, cascade, ICW4 */
	pic_write(p, 0xa0, 0x11);
	pic_write(p, 0x21, 0x20);	/* ICW2 */
	pic_write(p, 0xa1, 0x28);
	pic_write(p, 0x21, 0x04);	/* ICW3 */
	pic_write(p, 0xa1, 0x02);
	pic_write(p, 0x21, icw4);	/* ICW4 */
	pic_write(p, 0xa1, icw4);
}

static struct pic fresh(void)
{
	struct pic p;

	memset(&p, 0x5a, sizeof p);
	pic_init(&p);
	remap(&p, 0x01);
	return p;
}

static void eoi(struct pic *p, int irq)
{
	if (irq >= 8)
		pic_write(p, 0xa0, 0x20);
	pic_write(p, 0x20, 0x20);
}

/* What SeaBIOS leaves, as measured on QEMU 7.2 (`info pic` and reads). */
static void post_bios_state(void **state)
{
	struct pic p;

	(void)state;
	memset(&p, 0xa5, sizeof p);
	pic_init(&p);
	assert_int_equal(pic_read(&p, 0x21), 0xb8);
	assert_int_equal(pic_read(&p, 0xa1), 0x8e);
	assert_int_equal(pic_read(&p, 0x20), 0x10);	/* IRR: IRQ 4 */
	assert_int_equal(pic_read(&p, 0xa0), 0x00);
	assert_int_equal(pic_read(&p, 0x4d0), 0x00);
	assert_int_equal(pic_read(&p, 0x4d1), 0x0c);
	assert_int_equal(pic_pending(&p), -1);		/* IRQ 4 is masked */
	/* the BIOS's vectors: IRQ 0 at 0x08 (the CPU's #DF in protected mode) */
	pic_pulse_irq(&p, 0);
	assert_int_equal(pic_pending(&p), 0x08);
	assert_int_equal(pic_ack(&p), 0x08);
	pic_pulse_irq(&p, 14);
	assert_int_equal(pic_pending(&p), -1);		/* IRQ 0 in service */
	eoi(&p, 0);
	assert_int_equal(pic_pending(&p), 0x76);	/* IRQ 14 at 0x70 + 6 */
}

/* ICW1: IMR cleared, edge requests forgotten, ICW2 sets the vectors. */
static void initialization(void **state)
{
	struct pic p;

	(void)state;
	pic_init(&p);
	pic_pulse_irq(&p, 0);
	assert_int_equal(pic_read(&p, 0x20), 0x11);
	pic_write(&p, 0x20, 0x11);
	assert_int_equal(pic_read(&p, 0x21), 0x00);	/* "IMR is cleared" */
	assert_int_equal(pic_read(&p, 0x20), 0x00);	/* requests gone */
	pic_write(&p, 0x21, 0x47);	/* ICW2: low 3 bits ignored */
	pic_write(&p, 0x21, 0x04);
	pic_write(&p, 0x21, 0x01);
	pic_write(&p, 0x21, 0xfe);	/* now OCW1 */
	assert_int_equal(pic_read(&p, 0x21), 0xfe);
	assert_int_equal(p.chip[0].base, 0x40);
	pic_pulse_irq(&p, 0);
	assert_int_equal(pic_ack(&p), 0x40);

	/* single mode (SNGL) skips ICW3; no IC4 skips ICW4 */
	pic_write(&p, 0x20, 0x13);	/* single, IC4 */
	pic_write(&p, 0x21, 0x30);	/* ICW2 */
	pic_write(&p, 0x21, 0x03);	/* ICW4: AEOI */
	pic_write(&p, 0x21, 0xaa);	/* OCW1 */
	assert_int_equal(pic_read(&p, 0x21), 0xaa);
	assert_int_equal(p.chip[0].aeoi, 1);
	pic_write(&p, 0x20, 0x10);	/* cascade, no IC4 */
	pic_write(&p, 0x21, 0x30);
	pic_write(&p, 0x21, 0x04);	/* ICW3, then running */
	pic_write(&p, 0x21, 0x55);
	assert_int_equal(pic_read(&p, 0x21), 0x55);
	assert_int_equal(p.chip[0].aeoi, 0);	/* "ICW4 functions are 0" */
}

/* Edge-triggered: a request needs a 0 -> 1 change. */
static void edges(void **state)
{
	struct pic p = fresh();

	(void)state;
	pic_write(&p, 0x21, 0x00);
	pic_set_irq(&p, 3, 1);
	assert_int_equal(pic_pending(&p), 0x23);
	assert_int_equal(pic_ack(&p), 0x23);
	eoi(&p, 3);
	pic_set_irq(&p, 3, 1);			/* still high: no new edge */
	assert_int_equal(pic_pending(&p), -1);
	pic_set_irq(&p, 3, 0);
	pic_set_irq(&p, 3, 1);
	assert_int_equal(pic_pending(&p), 0x23);
	/* a pulse that ends before INTA still leaves the latched request */
	pic_set_irq(&p, 3, 0);
	assert_int_equal(pic_pending(&p), 0x23);
	/* ICW1 resets edge sensing: an input still high must fall first */
	pic_set_irq(&p, 5, 1);
	remap(&p, 0x01);
	pic_write(&p, 0x21, 0x00);
	assert_int_equal(pic_pending(&p), -1);
	pic_set_irq(&p, 5, 1);
	assert_int_equal(pic_pending(&p), -1);
	pic_pulse_irq(&p, 5);
	pic_pulse_irq(&p, 5);
	assert_int_equal(pic_ack(&p), 0x25);
	eoi(&p, 5);
	assert_int_equal(pic_pending(&p), -1);	/* two edges, one request */
}

/* Fully nested priorities: IRQ 0 highest; in service blocks lower ones. */
static void priority_and_eoi(void **state)
{
	struct pic p = fresh();

	(void)state;
	pic_write(&p, 0x21, 0x00);
	pic_pulse_irq(&p, 3);
	pic_pulse_irq(&p, 1);
	assert_int_equal(pic_pending(&p), 0x21);
	assert_int_equal(pic_ack(&p), 0x21);
	pic_write(&p, 0x20, 0x0b);		/* OCW3: read ISR */
	assert_int_equal(pic_read(&p, 0x20), 0x02);
	pic_write(&p, 0x20, 0x0a);		/* OCW3: read IRR */
	assert_int_equal(pic_read(&p, 0x20), 0x08);
	assert_int_equal(pic_pending(&p), -1);	/* 3 waits for 1's EOI */
	pic_pulse_irq(&p, 0);
	assert_int_equal(pic_ack(&p), 0x20);	/* 0 nests inside 1 */
	pic_write(&p, 0x20, 0x20);		/* non-specific: clears 0 */
	assert_int_equal(p.chip[0].isr, 0x02);
	assert_int_equal(pic_pending(&p), -1);
	pic_write(&p, 0x20, 0x61);		/* specific EOI for IR1 */
	assert_int_equal(p.chip[0].isr, 0x00);
	assert_int_equal(pic_ack(&p), 0x23);
	pic_write(&p, 0x20, 0x67);		/* specific EOI, IR7: not in service */
	assert_int_equal(p.chip[0].isr, 0x08);
	pic_write(&p, 0x20, 0x40);		/* OCW2 no-op */
	assert_int_equal(p.chip[0].isr, 0x08);
	eoi(&p, 3);
	assert_int_equal(p.chip[0].isr, 0x00);
	pic_write(&p, 0x20, 0x20);		/* EOI with nothing in service */
	assert_int_equal(p.chip[0].isr, 0x00);
}

static void masks(void **state)
{
	struct pic p = fresh();

	(void)state;
	pic_write(&p, 0x21, 0xff);
	pic_pulse_irq(&p, 6);
	assert_int_equal(pic_pending(&p), -1);
	assert_int_equal(pic_read(&p, 0x20), 0x40);	/* waits in IRR */
	pic_write(&p, 0x21, 0xbf);
	assert_int_equal(pic_pending(&p), 0x26);
	/* nothing pending at INTA: the chip answers with IR7, no ISR bit */
	pic_write(&p, 0x21, 0xff);
	assert_int_equal(pic_ack(&p), 0x27);
	assert_int_equal(p.chip[0].isr, 0);
	assert_int_equal(pic_read(&p, 0x20), 0x40);
}

/* The slave on IR2: a slave IRQ needs the master's IR2 too. */
static void cascade(void **state)
{
	struct pic p = fresh();

	(void)state;
	pic_write(&p, 0x21, 0x00);
	pic_write(&p, 0xa1, 0x00);
	pic_pulse_irq(&p, 12);		/* edge (10 and 11 are level) */
	assert_int_equal(pic_pending(&p), 0x2c);
	pic_pulse_irq(&p, 1);
	assert_int_equal(pic_pending(&p), 0x21);	/* IR1 beats IR2 */
	assert_int_equal(pic_ack(&p), 0x21);
	eoi(&p, 1);
	assert_int_equal(pic_ack(&p), 0x2c);
	assert_int_equal(p.chip[0].isr, 0x04);
	assert_int_equal(p.chip[1].isr, 0x10);
	/* IRQ 8 outranks 12 on the slave, but the master's IR2 is in service */
	pic_pulse_irq(&p, 8);
	assert_int_equal(pic_pending(&p), -1);
	pic_write(&p, 0xa0, 0x20);		/* EOI to the slave only */
	assert_int_equal(pic_pending(&p), -1);	/* master IR2 still in service */
	assert_int_equal(p.chip[1].isr, 0x00);
	pic_write(&p, 0x20, 0x20);
	assert_int_equal(pic_ack(&p), 0x28);
	eoi(&p, 8);
	assert_int_equal(pic_pending(&p), -1);
	/* ISA bus IRQ 2 is IRQ 9 on an AT */
	pic_pulse_irq(&p, 2);
	assert_int_equal(pic_ack(&p), 0x29);
	eoi(&p, 9);
}

/* Special fully nested mode: a higher slave IRQ nests inside a lower one. */
static void special_fully_nested(void **state)
{
	struct pic p;

	(void)state;
	pic_init(&p);
	remap(&p, 0x11);			/* ICW4: SFNM, 8086 */
	pic_write(&p, 0x21, 0x00);
	pic_write(&p, 0xa1, 0x00);
	pic_pulse_irq(&p, 12);
	assert_int_equal(pic_ack(&p), 0x2c);
	pic_pulse_irq(&p, 8);
	assert_int_equal(pic_pending(&p), 0x28);
	assert_int_equal(pic_ack(&p), 0x28);
	assert_int_equal(p.chip[1].isr, 0x11);
}

/* A request that vanished on the slave: spurious IRQ 15. */
static void spurious_slave(void **state)
{
	struct pic p = fresh();

	(void)state;
	pic_write(&p, 0x21, 0x00);
	pic_write(&p, 0xa1, 0x00);
	pic_pulse_irq(&p, 13);			/* latched on both chips */
	pic_write(&p, 0xa1, 0x20);		/* the slave masks it */
	assert_int_equal(pic_pending(&p), 0x2f);
	assert_int_equal(pic_ack(&p), 0x2f);
	assert_int_equal(p.chip[1].isr, 0x00);	/* nothing in service there */
	assert_int_equal(p.chip[0].isr, 0x04);	/* the master did see IR2 */
}

static void auto_eoi_and_rotation(void **state)
{
	struct pic p;

	(void)state;
	pic_init(&p);
	remap(&p, 0x03);			/* AEOI */
	pic_write(&p, 0x21, 0x00);
	pic_pulse_irq(&p, 4);
	assert_int_equal(pic_ack(&p), 0x24);
	assert_int_equal(p.chip[0].isr, 0);
	/* rotate in AEOI: the serviced input becomes the lowest */
	pic_write(&p, 0x20, 0x80);
	pic_pulse_irq(&p, 4);
	assert_int_equal(pic_ack(&p), 0x24);
	pic_pulse_irq(&p, 4);
	pic_pulse_irq(&p, 6);
	assert_int_equal(pic_ack(&p), 0x26);	/* 5 is now the highest */
	pic_write(&p, 0x20, 0x00);		/* clear rotate in AEOI */

	/* rotate on non-specific EOI (0xa0), set priority (0xc0 | lowest) */
	remap(&p, 0x01);
	pic_write(&p, 0x21, 0x00);
	pic_pulse_irq(&p, 3);
	assert_int_equal(pic_ack(&p), 0x23);
	pic_write(&p, 0x20, 0xa0);
	assert_int_equal(p.chip[0].rotation, 4);
	pic_pulse_irq(&p, 3);
	pic_pulse_irq(&p, 5);
	assert_int_equal(pic_ack(&p), 0x25);
	pic_write(&p, 0x20, 0xe5);		/* rotate on specific EOI 5 */
	assert_int_equal(pic_ack(&p), 0x23);
	pic_write(&p, 0x20, 0x63);
	pic_write(&p, 0x20, 0xc7);		/* IR7 lowest: back to normal */
	assert_int_equal(p.chip[0].rotation, 0);
}

/* Poll mode: the next read is the INTA. */
static void poll(void **state)
{
	struct pic p = fresh();

	(void)state;
	pic_write(&p, 0x21, 0x00);
	pic_write(&p, 0x20, 0x0c);
	assert_int_equal(pic_read(&p, 0x20), 0x00);	/* nothing */
	pic_pulse_irq(&p, 5);
	pic_write(&p, 0x20, 0x0c);
	assert_int_equal(pic_read(&p, 0x21), 0x85);	/* either port */
	assert_int_equal(p.chip[0].isr, 0x20);
	assert_int_equal(pic_read(&p, 0x21), 0x00);	/* IMR again */
	assert_int_equal(pic_pending(&p), -1);
}

/* Level-triggered inputs: the ELCR, or ICW1.LTIM for the whole chip. */
static void level_triggered(void **state)
{
	struct pic p;

	(void)state;
	pic_init(&p);
	remap(&p, 0x01);
	pic_write(&p, 0xa1, 0x00);
	pic_write(&p, 0x21, 0x00);
	pic_write(&p, 0x4d0, 0xff);
	assert_int_equal(pic_read(&p, 0x4d0), 0xf8);	/* IRQ 0-2 always edge */
	pic_write(&p, 0x4d1, 0xff);
	assert_int_equal(pic_read(&p, 0x4d1), 0xde);	/* IRQ 8, 13 always edge */
	pic_write(&p, 0x4d0, 0x00);
	pic_write(&p, 0x4d1, 0x0c);
	pic_set_irq(&p, 10, 1);
	assert_int_equal(pic_ack(&p), 0x2a);
	eoi(&p, 10);
	assert_int_equal(pic_pending(&p), 0x2a);	/* still asserted */
	pic_set_irq(&p, 10, 0);
	assert_int_equal(p.chip[1].irr, 0x00);		/* gone: no latch */
	/* but the master's IR2 is edge-triggered: it latched the slave's
	 * output rising, and the request is gone by INTA: spurious IRQ 15 */
	assert_int_equal(pic_ack(&p), 0x2f);
	assert_int_equal(p.chip[1].isr, 0x00);
	pic_write(&p, 0x20, 0x20);			/* EOI to the master only */
	assert_int_equal(pic_pending(&p), -1);
	pic_write(&p, 0x20, 0x19);			/* ICW1 with LTIM */
	pic_write(&p, 0x21, 0x20);
	pic_write(&p, 0x21, 0x04);
	pic_write(&p, 0x21, 0x01);
	pic_set_irq(&p, 6, 1);
	assert_int_equal(pic_ack(&p), 0x26);
	eoi(&p, 6);
	assert_int_equal(pic_pending(&p), 0x26);
	pic_set_irq(&p, 6, 0);
	assert_int_equal(pic_pending(&p), -1);
}

/* Special mask mode: a handler masks itself to let lower IRQs in. */
static void special_mask(void **state)
{
	struct pic p = fresh();

	(void)state;
	pic_write(&p, 0x21, 0x00);
	pic_pulse_irq(&p, 2 + 1);
	assert_int_equal(pic_ack(&p), 0x23);
	pic_pulse_irq(&p, 6);
	assert_int_equal(pic_pending(&p), -1);
	pic_write(&p, 0x21, 0x08);		/* mask IR3 */
	pic_write(&p, 0x20, 0x68);		/* OCW3: set special mask */
	assert_int_equal(pic_pending(&p), 0x26);
	pic_write(&p, 0x20, 0x48);		/* reset special mask */
	assert_int_equal(pic_pending(&p), -1);
}

/* Bad input changes nothing: IRQs out of range, ports that are not ours. */
static void bad_input(void **state)
{
	struct pic p = fresh(), before;
	static const uint16_t ports[] = { 0x1f, 0x22, 0x9f, 0xa2, 0x4cf, 0x4d2, 0xffff, 0 };

	(void)state;
	pic_write(&p, 0x21, 0x00);
	pic_pulse_irq(&p, 1);
	before = p;
	pic_set_irq(&p, -1, 1);
	pic_set_irq(&p, 16, 1);
	pic_set_irq(&p, 1000, 1);
	pic_pulse_irq(&p, -5);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(pic_read(&p, ports[i]), 0xff);
		pic_write(&p, ports[i], 0x11);
	}
	assert_memory_equal(&p, &before, sizeof p);
}

/* Plain data: a copy behaves exactly like the original (checkpoints). */
static void copy_by_value(void **state)
{
	struct pic a = fresh(), b;

	(void)state;
	pic_write(&a, 0x21, 0x00);
	pic_pulse_irq(&a, 4);
	b = a;
	for (int i = 0; i < 2; i++) {
		struct pic *p = i ? &b : &a;

		assert_int_equal(pic_ack(p), 0x24);
		pic_pulse_irq(p, 0);
		assert_int_equal(pic_ack(p), 0x20);
		eoi(p, 0);
	}
	assert_memory_equal(&a, &b, sizeof a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(post_bios_state),
		cmocka_unit_test(initialization),
		cmocka_unit_test(edges),
		cmocka_unit_test(priority_and_eoi),
		cmocka_unit_test(masks),
		cmocka_unit_test(cascade),
		cmocka_unit_test(special_fully_nested),
		cmocka_unit_test(spurious_slave),
		cmocka_unit_test(auto_eoi_and_rotation),
		cmocka_unit_test(poll),
		cmocka_unit_test(level_triggered),
		cmocka_unit_test(special_mask),
		cmocka_unit_test(bad_input),
		cmocka_unit_test(copy_by_value),
	};

	return cmocka_run_group_tests_name("dev_pic", tests, NULL, NULL);
}
