/* test_serial.c - dev_serial.h: the 16550A register file and its output buffer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmx/dev_serial.h"

enum { THR = 0, IER = 1, IIR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

/* Reset values: those QEMU shows after its BIOS ran. */
static void reset_values(void **state)
{
	struct serial s;

	(void)state;
	memset(&s, 0x5a, sizeof s);
	serial_init(&s);
	assert_int_equal(serial_read(&s, THR), 0);	/* no input */
	assert_int_equal(serial_read(&s, IER), 0);
	assert_int_equal(serial_read(&s, IIR), 0x01);	/* no interrupt */
	assert_int_equal(serial_read(&s, LCR), 0);
	assert_int_equal(serial_read(&s, MCR), 0x08);	/* OUT2 */
	assert_int_equal(serial_read(&s, LSR), 0x60);	/* THRE | TEMT */
	assert_int_equal(serial_read(&s, MSR), 0xb0);	/* DCD DSR CTS */
	assert_int_equal(serial_read(&s, SCR), 0);
	assert_null(s.out);
	assert_int_equal(s.len, 0);
	assert_int_equal(s.cap, 0);
	assert_int_equal(s.line_start, 0);
	serial_free(&s);
	assert_null(s.out);
}

/* Bytes written to THR are transmitted at once, in order. */
static void transmit(void **state)
{
	struct serial s;
	const char *msg = "hi\n";

	(void)state;
	serial_init(&s);
	for (const char *p = msg; *p; p++) {
		assert_int_equal(serial_write(&s, THR, (uint8_t)*p), 1);
		assert_int_equal(s.out[s.len - 1], *p);
	}
	assert_int_equal(s.len, 3);
	assert_memory_equal(s.out, "hi\n", 3);
	/* LSR still says "ready" after every byte: an infinitely fast line */
	assert_int_equal(serial_read(&s, LSR), 0x60);
	/* a NUL byte is a byte like any other */
	assert_int_equal(serial_write(&s, THR, 0), 1);
	assert_int_equal(s.len, 4);
	assert_int_equal(s.out[3], '\0');
	/* writes to other registers transmit nothing */
	for (unsigned r = 1; r < 8; r++)
		assert_int_equal(serial_write(&s, r, 0x41), 0);
	assert_int_equal(s.len, 4);
	serial_free(&s);
	assert_null(s.out);
}

/* LCR.DLAB = 1 turns registers 0 and 1 into the divisor latch. */
static void divisor_latch(void **state)
{
	struct serial s;

	(void)state;
	serial_init(&s);
	assert_int_equal(serial_write(&s, IER, 0x05), 0);
	assert_int_equal(serial_write(&s, LCR, 0x83), 0);	/* DLAB, 8N1 */
	assert_int_equal(serial_read(&s, LCR), 0x83);
	assert_int_equal(serial_read(&s, THR), 0x01);	/* 115200 baud */
	assert_int_equal(serial_read(&s, IER), 0x00);
	assert_int_equal(serial_write(&s, THR, 0x0c), 0);	/* 9600 baud */
	assert_int_equal(serial_write(&s, IER, 0x00), 0);
	assert_int_equal(serial_write(&s, IER, 0x12), 0);
	assert_int_equal(s.len, 0);				/* nothing sent */
	assert_null(s.out);
	assert_int_equal(serial_read(&s, THR), 0x0c);
	assert_int_equal(serial_read(&s, IER), 0x12);
	assert_int_equal(s.dll, 0x0c);
	assert_int_equal(s.dlm, 0x12);

	/* DLAB off: THR and IER again, the IER set before untouched */
	assert_int_equal(serial_write(&s, LCR, 0x03), 0);
	assert_int_equal(serial_read(&s, IER), 0x05);
	assert_int_equal(serial_read(&s, THR), 0);
	assert_int_equal(serial_write(&s, THR, 'x'), 1);
	assert_int_equal(s.len, 1);
	assert_int_equal(s.dll, 0x0c);
	serial_free(&s);
}

static void other_registers(void **state)
{
	struct serial s;

	(void)state;
	serial_init(&s);
	/* scratch: any value reads back */
	for (unsigned v = 0; v < 256; v += 51) {
		serial_write(&s, SCR, (uint8_t)v);
		assert_int_equal(serial_read(&s, SCR), v);
	}
	/* IER has four bits; MCR five */
	serial_write(&s, IER, 0xff);
	assert_int_equal(serial_read(&s, IER), 0x0f);
	serial_write(&s, MCR, 0xff);
	assert_int_equal(serial_read(&s, MCR), 0x1f);
	/* LSR and MSR are read-only, IIR ignores FCR writes */
	serial_write(&s, LSR, 0x00);
	assert_int_equal(serial_read(&s, LSR), 0x60);
	serial_write(&s, MSR, 0x00);
	assert_int_equal(serial_read(&s, MSR), 0xb0);
	serial_write(&s, IIR, 0xc7);		/* FCR: enable and clear FIFOs */
	assert_int_equal(serial_read(&s, IIR), 0x01);
	assert_int_equal(s.len, 0);
	serial_free(&s);
}

/* 10 KiB of output: the buffer grows and keeps every byte. */
static void large_output(void **state)
{
	struct serial s;
	enum { N = 10 * 1024 };

	(void)state;
	serial_init(&s);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(serial_write(&s, THR, (uint8_t)(i * 7 + i / 256)), 1);
	assert_int_equal(s.len, N);
	assert_true(s.cap >= N);
	for (size_t i = 0; i < N; i++)
		if ((uint8_t)s.out[i] != (uint8_t)(i * 7 + i / 256))
			fail_msg("byte %zu is 0x%02x", i, (uint8_t)s.out[i]);
	serial_free(&s);
	assert_null(s.out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reset_values),
		cmocka_unit_test(transmit),
		cmocka_unit_test(divisor_latch),
		cmocka_unit_test(other_registers),
		cmocka_unit_test(large_output),
	};

	return cmocka_run_group_tests_name("serial", tests, NULL, NULL);
}
