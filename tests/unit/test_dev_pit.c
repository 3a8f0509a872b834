/* test_dev_pit.c - dev_pit.h against the Intel 8254 data sheet, on simulated time. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/dev_pit.h"

/* Independent of the model: ticks by time and the first time of a tick. */
static uint64_t ticks_at(uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * PIT_HZ / 1000000000u);
}

static uint64_t ns_of_tick(uint64_t t)
{
	return (uint64_t)(((unsigned __int128)t * 1000000000u + PIT_HZ - 1) / PIT_HZ);
}

/* A time well into a run, not on a tick boundary. */
#define T0 (1000000000ull * 3600 + 123)

static void control(struct pit *p, uint8_t cw, uint64_t now)
{
	pit_write(p, 0x43, cw, now);
}

/* Program a counter: control word, then the count as its access says. */
static void program(struct pit *p, int ch, int mode, uint16_t count, uint64_t now)
{
	control(p, (uint8_t)(ch << 6 | 0x30 | mode << 1), now);
	pit_write(p, (uint16_t)(0x40 + ch), (uint8_t)count, now);
	pit_write(p, (uint16_t)(0x40 + ch), (uint8_t)(count >> 8), now);
}

/*
 * Latch and read a 16-bit count (access mode 3), on a copy: the state is
 * plain data, so a test can look at any moment without moving time on.
 */
static unsigned latched(const struct pit *p0, int ch, uint64_t now)
{
	struct pit p = *p0;

	control(&p, (uint8_t)(ch << 6), now);
	unsigned lo = pit_read(&p, (uint16_t)(0x40 + ch), now);
	return lo | pit_read(&p, (uint16_t)(0x40 + ch), now) << 8;
}

static uint8_t status(const struct pit *p0, int ch, uint64_t now)
{
	struct pit p = *p0;

	control(&p, (uint8_t)(0xe0 | 2 << ch), now);
	return pit_read(&p, (uint16_t)(0x40 + ch), now);
}

/* The time `ticks` clock ticks after the tick current at `from`. */
static uint64_t after(uint64_t from, uint64_t ticks)
{
	return ns_of_tick(ticks_at(from) + ticks);
}

/* SeaBIOS's hand-over: counter 0 at 18.2 Hz; port 0x61 as QEMU shows it. */
static void post_bios_state(void **state)
{
	struct pit p;

	(void)state;
	memset(&p, 0x77, sizeof p);
	pit_init(&p, T0);
	assert_int_equal(status(&p, 0, T0), 0xb4);	/* OUT, lohi, mode 2 */
	assert_int_equal(status(&p, 2, T0) & 0x7f, 0x06);	/* mode 3 */
	assert_int_equal(pit_read(&p, 0x61, T0), 0x30);	/* OUT2, refresh */
	assert_int_equal(pit_read(&p, 0x61, T0), 0x20);	/* refresh toggles */
	assert_int_equal(pit_read(&p, 0x43, T0), 0x00);
	assert_int_equal(pit_next_irq0_ns(&p, T0), after(T0, 65536));
	assert_int_equal(pit_update(&p, T0 + 1000000000ull), 18);	/* 18.2 Hz */
	assert_int_equal(latched(&p, 0, T0), 0);	/* 65536 reads 0 */
}

/* Time is exact integer arithmetic, even years into a run. */
static void exact_time(void **state)
{
	static const uint64_t times[] = {
		0, 1, 837, 838, 999999999, 1000000000, 86400000000000ull,
		31557600000000000ull, 18000000000000000000ull,
	};

	(void)state;
	for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
		struct pit p;
		uint64_t t0 = times[i], t1 = t0 + 5000000;	/* 5 ms later */

		pit_init(&p, t0);
		program(&p, 0, 2, 1000, t0);
		assert_int_equal(latched(&p, 0, t0), 1000);
		assert_int_equal(latched(&p, 0, t1),
				 1000 - (ticks_at(t1) - ticks_at(t0)) % 1000);
		/* edges not yet collected are due at once */
		assert_int_equal(pit_next_irq0_ns(&p, t1), t1);
		assert_int_equal(pit_update(&p, t1), (ticks_at(t1) - ticks_at(t0)) / 1000);
		assert_int_equal(pit_next_irq0_ns(&p, t1),
				 ns_of_tick(ticks_at(t0) + (ticks_at(t1) - ticks_at(t0)) / 1000 * 1000 + 1000));
	}
}

/* Mode 2: OUT low for the one clock at count 1, a rising edge every N. */
static void mode2_rate_generator(void **state)
{
	struct pit p;
	uint64_t t;

	(void)state;
	pit_init(&p, T0);
	program(&p, 0, 2, 11932, T0);
	assert_int_equal(pit_update(&p, T0), 0);
	assert_int_equal(latched(&p, 0, after(T0, 1)), 11931);
	assert_int_equal(latched(&p, 0, after(T0, 11931)), 1);
	assert_int_equal(pit_out(&p, 0, after(T0, 11930)), 1);
	assert_int_equal(pit_out(&p, 0, after(T0, 11931)), 0);	/* count 1 */
	assert_int_equal(pit_out(&p, 0, after(T0, 11932)), 1);
	assert_int_equal(latched(&p, 0, after(T0, 11932)), 11932);	/* reload */
	t = pit_next_irq0_ns(&p, T0);
	assert_int_equal(t, after(T0, 11932));
	assert_int_equal(pit_update(&p, t - 1), 0);
	assert_int_equal(pit_update(&p, t), 1);
	assert_int_equal(pit_next_irq0_ns(&p, t), after(T0, 2 * 11932));
	/* one second at (almost) 100 Hz: exactly the edges that fit */
	assert_int_equal(pit_update(&p, T0 + 1000000000ull),
			 (ticks_at(T0 + 1000000000ull) - ticks_at(T0)) / 11932 - 1);
	assert_int_equal(pit_update(&p, T0 + 1000000000ull), 0);
	/* a count of 1 is illegal in mode 2: no ticks at all */
	program(&p, 0, 2, 1, T0 + 2000000000ull);
	assert_true(pit_update(&p, T0 + 2000000000ull) > 0);	/* the old 100 Hz */
	assert_int_equal(pit_next_irq0_ns(&p, T0 + 2000000000ull), UINT64_MAX);
	assert_int_equal(pit_update(&p, T0 + 3000000000ull), 0);
}

/* Mode 3: counting by twos; an odd N is high one clock longer. */
static void mode3_square_wave(void **state)
{
	static const unsigned even[] = { 10, 8, 6, 4, 2, 10, 8, 6, 4, 2, 10 };
	static const unsigned odd[] = { 9, 8, 6, 4, 2, 9, 6, 4, 2, 9 };
	struct pit p;

	(void)state;
	pit_init(&p, T0);
	program(&p, 0, 3, 10, T0);
	for (unsigned d = 0; d < 11; d++) {
		assert_int_equal(latched(&p, 0, after(T0, d)), even[d]);
		assert_int_equal(pit_out(&p, 0, after(T0, d)), d % 10 < 5);
	}
	program(&p, 0, 3, 9, T0);
	for (unsigned d = 0; d < 10; d++) {
		assert_int_equal(latched(&p, 0, after(T0, d)), odd[d]);
		assert_int_equal(pit_out(&p, 0, after(T0, d)), d % 9 < 5);
	}
	assert_int_equal(pit_next_irq0_ns(&p, T0), after(T0, 9));
	assert_int_equal(pit_update(&p, after(T0, 90)), 10);
}

/* Mode 0: OUT low until the count runs out, then high for good. */
static void mode0_one_shot(void **state)
{
	struct pit p;

	(void)state;
	pit_init(&p, T0);
	control(&p, 0x30, T0);			/* counter 0, mode 0 */
	assert_int_equal(pit_out(&p, 0, T0), 0);
	assert_int_equal(status(&p, 0, T0), 0x70);	/* null count */
	pit_write(&p, 0x40, 100, T0);
	pit_write(&p, 0x40, 0, T0);
	assert_int_equal(status(&p, 0, T0), 0x30);
	assert_int_equal(pit_out(&p, 0, after(T0, 99)), 0);
	assert_int_equal(pit_out(&p, 0, after(T0, 100)), 1);
	assert_int_equal(pit_next_irq0_ns(&p, T0), after(T0, 100));
	assert_int_equal(pit_update(&p, after(T0, 5000)), 1);	/* once */
	assert_int_equal(pit_next_irq0_ns(&p, after(T0, 5000)), UINT64_MAX);
	assert_int_equal(latched(&p, 0, after(T0, 101)), 0xffff);	/* wraps */
	/* the first byte of a new count stops it: OUT low at once */
	pit_write(&p, 0x40, 50, after(T0, 6000));
	assert_int_equal(pit_out(&p, 0, after(T0, 6000)), 0);
	pit_write(&p, 0x40, 0, after(T0, 7000));
	assert_int_equal(pit_out(&p, 0, after(T0, 7049)), 0);
	assert_int_equal(pit_out(&p, 0, after(T0, 7050)), 1);
}

/* Mode 4: a single low clock N clocks after the count; 1: gate-triggered. */
static void strobes_and_triggers(void **state)
{
	struct pit p;
	uint64_t g;

	(void)state;
	pit_init(&p, T0);
	program(&p, 0, 4, 20, T0);
	assert_int_equal(pit_out(&p, 0, after(T0, 19)), 1);
	assert_int_equal(pit_out(&p, 0, after(T0, 20)), 0);
	assert_int_equal(pit_out(&p, 0, after(T0, 21)), 1);
	assert_int_equal(pit_next_irq0_ns(&p, T0), after(T0, 21));

	/* counter 2 in mode 1: nothing until GATE rises (port 0x61 bit 0) */
	program(&p, 2, 1, 30, T0);
	assert_int_equal(status(&p, 2, T0) & 0xc0, 0xc0);	/* OUT, null */
	assert_int_equal(pit_out(&p, 2, after(T0, 100)), 1);
	g = after(T0, 100);
	pit_write(&p, 0x61, 0x01, g);
	assert_int_equal(pit_out(&p, 2, g), 0);
	assert_int_equal(pit_read(&p, 0x61, after(g, 29)) & 0x21, 0x01);
	assert_int_equal(pit_read(&p, 0x61, after(g, 30)) & 0x21, 0x21);
	/* retrigger: low again for a full count */
	pit_write(&p, 0x61, 0x00, after(g, 40));
	pit_write(&p, 0x61, 0x01, after(g, 50));
	assert_int_equal(pit_out(&p, 2, after(g, 79)), 0);
	assert_int_equal(pit_out(&p, 2, after(g, 80)), 1);
	/* mode 5: the strobe comes N clocks after the trigger */
	program(&p, 2, 5, 10, g);
	assert_int_equal(pit_out(&p, 2, after(g, 500)), 1);
	pit_write(&p, 0x61, 0x00, after(g, 500));
	pit_write(&p, 0x61, 0x01, after(g, 600));
	assert_int_equal(pit_out(&p, 2, after(g, 610)), 0);
	assert_int_equal(pit_out(&p, 2, after(g, 611)), 1);
}

/* GATE low holds counting in modes 0 and 2/3 (where OUT goes high). */
static void gate_holds(void **state)
{
	struct pit p;

	(void)state;
	pit_init(&p, T0);
	pit_write(&p, 0x61, 0x01, T0);
	program(&p, 2, 0, 100, T0);
	pit_write(&p, 0x61, 0x00, after(T0, 40));	/* hold at 60 */
	assert_int_equal(latched(&p, 2, after(T0, 500)), 60);
	pit_write(&p, 0x61, 0x01, after(T0, 1000));	/* resume */
	assert_int_equal(latched(&p, 2, after(T0, 1010)), 50);
	assert_int_equal(pit_out(&p, 2, after(T0, 1059)), 0);
	assert_int_equal(pit_out(&p, 2, after(T0, 1060)), 1);

	program(&p, 2, 2, 100, after(T0, 2000));
	assert_int_equal(pit_out(&p, 2, after(T0, 2099)), 0);
	pit_write(&p, 0x61, 0x00, after(T0, 2099));
	assert_int_equal(pit_out(&p, 2, after(T0, 2099)), 1);	/* forced high */
	assert_int_equal(latched(&p, 2, after(T0, 3000)), 1);
	pit_write(&p, 0x61, 0x01, after(T0, 3000));	/* rise: reload */
	assert_int_equal(latched(&p, 2, after(T0, 3000)), 100);
	assert_int_equal(latched(&p, 2, after(T0, 3010)), 90);
}

/* Counter latch, read-back, and the access modes. */
static void latches_and_access(void **state)
{
	struct pit p;

	(void)state;
	pit_init(&p, T0);
	program(&p, 0, 2, 5000, T0);
	control(&p, 0x00, after(T0, 10));		/* latch: 4990 */
	control(&p, 0x00, after(T0, 20));		/* ignored: still latched */
	assert_int_equal(pit_read(&p, 0x40, after(T0, 30)), 4990 & 0xff);
	assert_int_equal(pit_read(&p, 0x40, after(T0, 40)), 4990 >> 8);
	/* read-back: status and count together, status first */
	control(&p, 0xc2, after(T0, 100));
	assert_int_equal(pit_read(&p, 0x40, after(T0, 200)), 0xb4);
	assert_int_equal(pit_read(&p, 0x40, after(T0, 200)), 4900 & 0xff);
	assert_int_equal(pit_read(&p, 0x40, after(T0, 200)), 4900 >> 8);
	/* read-back with no counter selected does nothing */
	control(&p, 0xc0, after(T0, 300));
	assert_int_equal(latched(&p, 0, after(T0, 300)), 4700);
	/* low byte only (access 1), high byte only (access 2) */
	control(&p, 0x14, after(T0, 400));		/* counter 0, LSB, mode 2 */
	pit_write(&p, 0x40, 200, after(T0, 400));
	assert_int_equal(pit_read(&p, 0x40, after(T0, 410)), 190);
	assert_int_equal(pit_read(&p, 0x40, after(T0, 420)), 180);
	control(&p, 0x24, after(T0, 500));		/* MSB only */
	pit_write(&p, 0x40, 0x02, after(T0, 500));	/* 512 */
	assert_int_equal(pit_read(&p, 0x40, after(T0, 500)), 0x02);
	control(&p, 0x00, after(T0, 600));
	assert_int_equal(pit_read(&p, 0x40, after(T0, 700)), 0x01);	/* 412 */
	/* mode bits 6 and 7 are modes 2 and 3; status shows what was written */
	program(&p, 0, 6, 100, after(T0, 1000));
	assert_int_equal(status(&p, 0, after(T0, 1000)) & 0x3f, 0x3c);
	assert_int_equal(pit_next_irq0_ns(&p, after(T0, 1000)), after(T0, 1100));
}

/* BCD counting: decimal digits, 0 means 10000. */
static void bcd(void **state)
{
	struct pit p;

	(void)state;
	pit_init(&p, T0);
	control(&p, 0x35, T0);			/* mode 2, BCD */
	pit_write(&p, 0x40, 0x00, T0);
	pit_write(&p, 0x40, 0x10, T0);		/* 1000 decimal */
	assert_int_equal(latched(&p, 0, after(T0, 1)), 0x0999);
	assert_int_equal(latched(&p, 0, after(T0, 990)), 0x0010);
	assert_int_equal(pit_next_irq0_ns(&p, T0), after(T0, 1000));
	program(&p, 0, 0, 0, after(T0, 5000));
	control(&p, 0x31, after(T0, 5000));	/* mode 0, BCD, count 0 = 10000 */
	pit_write(&p, 0x40, 0, after(T0, 5000));
	pit_write(&p, 0x40, 0, after(T0, 5000));
	assert_int_equal(pit_update(&p, after(T0, 5000)), 5);	/* 1000 ... 5000 */
	assert_int_equal(latched(&p, 0, after(T0, 5001)), 0x9999);
	assert_int_equal(pit_next_irq0_ns(&p, after(T0, 5000)), after(T0, 15000));
}

/* A new count in modes 2 and 3 waits for the end of the (half) period. */
static void new_count_while_counting(void **state)
{
	struct pit p;

	(void)state;
	pit_init(&p, T0);
	program(&p, 0, 2, 1000, T0);
	pit_write(&p, 0x40, 500 & 0xff, after(T0, 300));	/* no control word */
	pit_write(&p, 0x40, 500 >> 8, after(T0, 300));
	assert_int_equal(status(&p, 0, after(T0, 300)) & 0x40, 0x40);	/* null */
	assert_int_equal(latched(&p, 0, after(T0, 301)), 699);	/* unchanged */
	assert_int_equal(pit_next_irq0_ns(&p, after(T0, 300)), after(T0, 1000));
	assert_int_equal(pit_update(&p, after(T0, 1000)), 1);
	assert_int_equal(pit_next_irq0_ns(&p, after(T0, 1000)), after(T0, 1500));
	assert_int_equal(pit_update(&p, after(T0, 2000)), 2);	/* 1500 2000 */
	assert_int_equal(latched(&p, 0, after(T0, 2100)), 400);

	/* mode 3, written in the high half: the switch comes mid-period, and
	 * the new count starts in its low half */
	program(&p, 0, 3, 100, after(T0, 10000));
	assert_int_equal(pit_update(&p, after(T0, 10000)), 16);	/* 2500 ... 10000 */
	pit_write(&p, 0x40, 60, after(T0, 10005));	/* replaced before */
	pit_write(&p, 0x40, 0, after(T0, 10005));	/* the switch */
	pit_write(&p, 0x40, 40, after(T0, 10010));
	pit_write(&p, 0x40, 0, after(T0, 10010));
	assert_int_equal(pit_out(&p, 0, after(T0, 10049)), 1);
	assert_int_equal(pit_out(&p, 0, after(T0, 10050)), 0);	/* switch */
	assert_int_equal(latched(&p, 0, after(T0, 10050)), 40);
	assert_int_equal(pit_out(&p, 0, after(T0, 10069)), 0);
	assert_int_equal(pit_out(&p, 0, after(T0, 10070)), 1);	/* 20 low */
	assert_int_equal(pit_update(&p, after(T0, 10010)), 0);
	assert_int_equal(pit_next_irq0_ns(&p, after(T0, 10010)), after(T0, 10070));
	assert_int_equal(pit_update(&p, after(T0, 10070)), 1);
	assert_int_equal(pit_next_irq0_ns(&p, after(T0, 10070)), after(T0, 10110));
}

/* A write can itself raise IRQ 0: it is due at once. */
static void edge_from_a_write(void **state)
{
	struct pit p;

	(void)state;
	pit_init(&p, T0);
	control(&p, 0x30, T0);			/* mode 0: OUT low */
	assert_int_equal(pit_update(&p, T0), 0);
	control(&p, 0x34, after(T0, 10));	/* mode 2: OUT high */
	assert_int_equal(pit_next_irq0_ns(&p, after(T0, 10)), after(T0, 10));
	assert_int_equal(pit_update(&p, after(T0, 10)), 1);
	/* edges not yet collected are due at once too */
	pit_write(&p, 0x40, 10, after(T0, 20));
	pit_write(&p, 0x40, 0, after(T0, 20));
	assert_int_equal(pit_next_irq0_ns(&p, after(T0, 35)), after(T0, 35));
	assert_int_equal(pit_update(&p, after(T0, 35)), 1);
	assert_int_equal(pit_next_irq0_ns(&p, after(T0, 35)), after(T0, 40));
}

/* Ports that are not the PIT's, time running backwards, huge times. */
static void bad_input(void **state)
{
	struct pit p, before;
	static const uint16_t ports[] = { 0x3f, 0x44, 0x60, 0x62, 0x80, 0xffff };

	(void)state;
	pit_init(&p, T0);
	program(&p, 0, 2, 100, T0);
	before = p;
	for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++) {
		assert_int_equal(pit_read(&p, ports[i], after(T0, 50)), 0xff);
		pit_write(&p, ports[i], 0x00, after(T0, 50));
	}
	assert_memory_equal(&p, &before, sizeof p);
	assert_int_equal(pit_out(&p, 3, T0), 0);
	assert_int_equal(pit_out(&p, -1, T0), 0);
	assert_int_equal(pit_update(&p, after(T0, 1000)), 10);
	assert_int_equal(pit_update(&p, T0), 0);		/* backwards */
	assert_int_equal(pit_update(&p, after(T0, 1000)), 0);
	/* no edge representable after the end of time */
	pit_init(&p, UINT64_MAX - 1000);
	program(&p, 0, 2, 60000, UINT64_MAX - 1000);
	assert_int_equal(pit_next_irq0_ns(&p, UINT64_MAX - 1000), UINT64_MAX);
}

/* Plain data: a copy runs the same future (checkpoints). */
static void copy_by_value(void **state)
{
	struct pit a, b;

	(void)state;
	pit_init(&a, T0);
	program(&a, 0, 3, 777, T0);
	pit_write(&a, 0x40, 99, after(T0, 10));
	pit_write(&a, 0x40, 0, after(T0, 10));
	b = a;
	for (uint64_t d = 0; d < 5000; d += 37) {
		assert_int_equal(pit_update(&a, after(T0, d)), pit_update(&b, after(T0, d)));
		assert_int_equal(latched(&a, 0, after(T0, d)), latched(&b, 0, after(T0, d)));
	}
	assert_memory_equal(&a, &b, sizeof a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(post_bios_state),
		cmocka_unit_test(exact_time),
		cmocka_unit_test(mode2_rate_generator),
		cmocka_unit_test(mode3_square_wave),
		cmocka_unit_test(mode0_one_shot),
		cmocka_unit_test(strobes_and_triggers),
		cmocka_unit_test(gate_holds),
		cmocka_unit_test(latches_and_access),
		cmocka_unit_test(bcd),
		cmocka_unit_test(new_count_while_counting),
		cmocka_unit_test(edge_from_a_write),
		cmocka_unit_test(bad_input),
		cmocka_unit_test(copy_by_value),
	};

	return cmocka_run_group_tests_name("dev_pit", tests, NULL, NULL);
}
