/* test_dev_parallel.c - dev_parallel.h: the printer port's registers and the strobe/busy/ack handshake. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmx/dev_parallel.h"

enum { DATA = 0, STATUS = 1, CONTROL = 2 };

/* Control values a driver writes: SELECT IN | nINIT, plus STROBE. */
#define IDLE 0x0c
#define STROBE 0x0d

static struct parallel reset_printer(void)
{
	struct parallel lp;

	parallel_init(&lp);
	parallel_write(&lp, CONTROL, 0x08);	/* nINIT low: reset */
	parallel_write(&lp, CONTROL, IDLE);
	return lp;
}

/* What SeaBIOS leaves on QEMU 7.2 (its probe wrote 0xaa to data). */
static void post_bios_state(void **state)
{
	struct parallel lp;

	(void)state;
	memset(&lp, 0x5a, sizeof lp);
	parallel_init(&lp);
	assert_int_equal(parallel_read(&lp, DATA), 0xaa);
	assert_int_equal(parallel_read(&lp, STATUS), 0xd9);
	assert_int_equal(parallel_read(&lp, STATUS), 0xd9);	/* stable */
	assert_int_equal(parallel_read(&lp, CONTROL), 0xcc);
	assert_false(parallel_irq(&lp));
	assert_null(lp.out);
	assert_int_equal(lp.len, 0);
	parallel_free(&lp);
}

/* One byte: write data, pulse STROBE; the printer shows busy, ack, ready. */
static void handshake(void **state)
{
	struct parallel lp = reset_printer();

	(void)state;
	assert_int_equal(parallel_read(&lp, STATUS), 0xd8);	/* ready, on line */
	assert_int_equal(parallel_write(&lp, DATA, 'H'), 0);
	assert_int_equal(lp.len, 0);
	assert_int_equal(parallel_write(&lp, CONTROL, STROBE), 1);
	assert_int_equal(lp.len, 1);
	assert_int_equal(lp.out[0], 'H');
	/* busy while STROBE is held */
	assert_int_equal(parallel_read(&lp, STATUS), 0x58);
	assert_int_equal(parallel_read(&lp, STATUS), 0x58);
	assert_int_equal(parallel_write(&lp, CONTROL, IDLE), 0);
	assert_int_equal(parallel_read(&lp, STATUS), 0x58);	/* busy */
	assert_int_equal(parallel_read(&lp, STATUS), 0x18);	/* nACK pulse */
	assert_int_equal(parallel_read(&lp, STATUS), 0xd8);	/* ready */
	assert_int_equal(parallel_read(&lp, STATUS), 0xd8);
	assert_int_equal(parallel_read(&lp, CONTROL), 0xcc);
	parallel_free(&lp);
	assert_null(lp.out);
}

/* Only a rising STROBE with the printer selected and not in reset prints. */
static void strobe_rules(void **state)
{
	struct parallel lp = reset_printer();

	(void)state;
	parallel_write(&lp, DATA, 'a');
	assert_int_equal(parallel_write(&lp, CONTROL, STROBE), 1);
	assert_int_equal(parallel_write(&lp, CONTROL, STROBE), 0);	/* held */
	assert_int_equal(parallel_write(&lp, DATA, 'b'), 0);		/* data only */
	parallel_write(&lp, CONTROL, IDLE);
	assert_int_equal(parallel_write(&lp, CONTROL, 0x05), 0);	/* not selected */
	parallel_write(&lp, CONTROL, IDLE);
	assert_int_equal(parallel_write(&lp, CONTROL, 0x09), 0);	/* nINIT low */
	assert_int_equal(parallel_read(&lp, STATUS), 0xd8);	/* and reset */
	parallel_write(&lp, CONTROL, IDLE);
	assert_int_equal(parallel_write(&lp, CONTROL, STROBE), 1);
	assert_int_equal(lp.len, 2);
	assert_memory_equal(lp.out, "ab", 2);
	parallel_free(&lp);
}

/* The data register reads back; with the direction bit it is an input. */
static void data_direction(void **state)
{
	struct parallel lp = reset_printer();

	(void)state;
	parallel_write(&lp, DATA, 0x5a);
	assert_int_equal(parallel_read(&lp, DATA), 0x5a);
	parallel_write(&lp, CONTROL, 0x2c);
	assert_int_equal(parallel_read(&lp, DATA), 0xff);
	assert_int_equal(parallel_read(&lp, CONTROL), 0xec);
	parallel_write(&lp, CONTROL, 0x00);
	assert_int_equal(parallel_read(&lp, CONTROL), 0xc0);	/* bits 7-6 read 1 */
	assert_int_equal(parallel_read(&lp, DATA), 0x5a);
	parallel_free(&lp);
}

/* IRQ 7: requested at the end of a strobe with interrupts enabled. */
static void interrupt(void **state)
{
	struct parallel lp = reset_printer();

	(void)state;
	parallel_write(&lp, CONTROL, 0x1c);		/* IRQ enable */
	assert_false(parallel_irq(&lp));
	parallel_write(&lp, CONTROL, 0x1d);
	assert_false(parallel_irq(&lp));
	parallel_write(&lp, CONTROL, 0x1c);
	assert_true(parallel_irq(&lp));
	parallel_read(&lp, CONTROL);
	assert_true(parallel_irq(&lp));
	parallel_read(&lp, STATUS);			/* acknowledges */
	assert_false(parallel_irq(&lp));
	parallel_write(&lp, CONTROL, 0x0d);
	parallel_write(&lp, CONTROL, 0x0c);		/* IRQ disabled */
	assert_false(parallel_irq(&lp));
	parallel_free(&lp);
}

/* Registers 3 and up do not exist here: all ones, writes ignored. */
static void bad_registers(void **state)
{
	struct parallel lp = reset_printer(), before;
	static const unsigned regs[] = { 3, 4, 7, 8, 0x378, ~0u };

	(void)state;
	parallel_write(&lp, DATA, 'x');
	before = lp;
	for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++) {
		assert_int_equal(parallel_read(&lp, regs[i]), 0xff);
		assert_int_equal(parallel_write(&lp, regs[i], 0x0d), 0);
	}
	assert_int_equal(parallel_write(&lp, STATUS, 0x00), 0);	/* read-only */
	assert_memory_equal(&lp, &before, sizeof lp);
	parallel_free(&lp);
}

/* 10 KiB printed: the buffer grows and keeps every byte. */
static void large_output(void **state)
{
	struct parallel lp = reset_printer();
	enum { N = 10 * 1024 };

	(void)state;
	for (size_t i = 0; i < N; i++) {
		parallel_write(&lp, DATA, (uint8_t)(i * 13));
		assert_int_equal(parallel_write(&lp, CONTROL, STROBE), 1);
		parallel_write(&lp, CONTROL, IDLE);
	}
	assert_int_equal(lp.len, N);
	assert_true(lp.cap >= N);
	for (size_t i = 0; i < N; i++)
		if ((uint8_t)lp.out[i] != (uint8_t)(i * 13))
			fail_msg("byte %zu is 0x%02x", i, (uint8_t)lp.out[i]);
	parallel_free(&lp);
	assert_null(lp.out);
	assert_int_equal(lp.len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(post_bios_state),
		cmocka_unit_test(handshake),
		cmocka_unit_test(strobe_rules),
		cmocka_unit_test(data_direction),
		cmocka_unit_test(interrupt),
		cmocka_unit_test(bad_registers),
		cmocka_unit_test(large_output),
	};

	return cmocka_run_group_tests_name("dev_parallel", tests, NULL, NULL);
}
