/*
 * test_serial.c - dev_serial.h: the 16550A register file and its output
 * buffer, and the cap on what a device keeps (outbuf.h): the event that
 * says it filled, the count of bytes dropped, stepping back across it,
 * and the memory a guest sending without end takes (rep4g.S).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "history.h"
#include "outbuf.h"
#include "testlib.h"
#include "vm.h"
#include "vmx/dev_parallel.h"
#include "vmx/dev_serial.h"

#define REP4G "build/guests/rep4g.elf"

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

/*
 * Past its cap a device keeps nothing more: each byte is dropped and
 * counted, the ones kept are untouched, and a reset keeps both.
 */
static void output_capped(void **state)
{
	struct serial s;
	struct parallel lp;
	enum { MAX = 5000, SENT = 12345 };

	(void)state;
	serial_init(&s);
	assert_int_equal(s.max, OUTBUF_MAX);
	s.max = MAX;
	for (size_t i = 0; i < SENT; i++)
		assert_int_equal(serial_write(&s, THR, (uint8_t)i), i < MAX);
	assert_int_equal(s.len, MAX);
	assert_true(s.cap <= MAX);		/* grown no further than the cap */
	assert_int_equal(s.dropped, SENT - MAX);
	for (size_t i = 0; i < MAX; i++)
		assert_int_equal((uint8_t)s.out[i], (uint8_t)i);
	serial_write(&s, LCR, 0x03);
	serial_reset(&s);
	assert_int_equal(serial_read(&s, LCR), 0);	/* registers afresh */
	assert_int_equal(s.len, MAX);
	assert_int_equal(s.dropped, SENT - MAX);
	serial_free(&s);

	parallel_init(&lp);
	lp.max = 2;
	for (int i = 0; i < 3; i++) {
		parallel_write(&lp, 0, (uint8_t)('a' + i));
		parallel_write(&lp, 2, 0xcd);	/* strobe up: printed */
		parallel_write(&lp, 2, 0xcc);
	}
	assert_int_equal(lp.len, 2);
	assert_memory_equal(lp.out, "ab", 2);
	assert_int_equal(lp.dropped, 1);
	parallel_free(&lp);
}

/* The output-full events in the world's log so far, and the last one. */
static int output_full_events(struct sim *s, struct event *last)
{
	const struct event_log *log = sim_events(s);
	int n = 0;

	for (size_t i = 0; i < event_log_count(log); i++) {
		const struct event *ev = event_log_at(log, i);

		if (ev->kind == EV_VMX && ev->u.vmx.step == VMX_OUTPUT_FULL) {
			*last = *ev;
			n++;
		}
	}
	return n;
}

/*
 * rep4g.S sends four billion bytes to the serial port.  With a cap of
 * 200,000 bytes (set small for the test: the real one is OUTBUF_MAX) the
 * VM keeps exactly that many, says so with ONE output-full event, and
 * counts the rest; its last line is announced as it fills.  The count and
 * the length are part of the VM's history: stepping back before the cap
 * forgets both, and running forward again gives the same figures and
 * the same single event.
 */
#define CAP 200000
static void output_full_event_and_step_back(void **state)
{
	struct tl_run r;
	struct history *h;
	struct event ev;
	enum sim_stop why;
	size_t len;
	uint64_t dropped, before_cap;

	(void)state;
	tl_boot(REP4G, false, &r);
	vmx_set_output_max(r.vm->vmx, CAP);
	assert_int_equal(history_create(r.sim, 50000, 0, &h), SIM_OK);
	/* the text written (1 M instructions), the first of it sent */
	assert_int_equal(history_run(h, 1100000, &why), SIM_OK);
	vm_serial(r.vm, &len);
	assert_true(len > 9 * 1000 && len < CAP);
	assert_int_equal(vm_output_dropped(r.vm, DEV_SERIAL), 0);
	assert_int_equal(output_full_events(r.sim, &ev), 0);
	before_cap = sim_insns(r.sim);
	/* on past the cap: one event, the bytes after it counted */
	assert_int_equal(history_run(h, 150000, &why), SIM_OK);
	vm_serial(r.vm, &len);
	assert_int_equal(len, CAP);
	dropped = vm_output_dropped(r.vm, DEV_SERIAL);
	assert_true(dropped > 0);
	assert_int_equal(output_full_events(r.sim, &ev), 1);
	assert_int_equal(ev.u.vmx.a, DEV_SERIAL);
	assert_int_equal(ev.u.vmx.b, CAP);
	/* every byte kept was announced in a line: the last ends at the cap */
	{
		const struct event_log *log = sim_events(r.sim);
		const struct event *last = NULL;

		for (size_t i = 0; i < event_log_count(log); i++)
			if (event_log_at(log, i)->kind == EV_SERIAL)
				last = event_log_at(log, i);
		assert_non_null(last);
		assert_int_equal(last->u.serial.offset + last->u.serial.len, CAP);
	}
	/* back before the cap: nothing dropped, no event */
	assert_int_equal(history_seek(h, before_cap), SIM_OK);
	vm_serial(r.vm, &len);
	assert_true(len < CAP);
	assert_int_equal(vm_output_dropped(r.vm, DEV_SERIAL), 0);
	assert_int_equal(output_full_events(r.sim, &ev), 0);
	/* and forward again: the same */
	assert_int_equal(history_run(h, 150000, &why), SIM_OK);
	vm_serial(r.vm, &len);
	assert_int_equal(len, CAP);
	assert_int_equal(vm_output_dropped(r.vm, DEV_SERIAL), dropped);
	assert_int_equal(output_full_events(r.sim, &ev), 1);
	/* back a little, still past the cap: fewer dropped, still one event */
	assert_int_equal(history_back(h, 1000), SIM_OK);
	assert_int_equal(vm_output_dropped(r.vm, DEV_SERIAL), dropped - 1000);
	assert_int_equal(output_full_events(r.sim, &ev), 1);
	history_destroy(h);
	tl_free(&r);
}

/* Run ringside with args (split on spaces), stdout to /dev/null; its
 * peak resident memory in KiB (ru_maxrss of the child), its status. */
static long child_maxrss(const char *args, int *status)
{
	char buf[400], *argv[24], *save = NULL;
	struct rusage ru;
	int n = 0;
	pid_t pid;

	snprintf(buf, sizeof buf, "%s", args);
	argv[n++] = "ringside";
	for (char *t = strtok_r(buf, " ", &save); t && n < 23;
	     t = strtok_r(NULL, " ", &save))
		argv[n++] = t;
	argv[n] = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		tl_child_small_quarantine();
		freopen("/dev/null", "w", stdout);
		freopen("/dev/null", "w", stderr);
		execv("./ringside", argv);
		_exit(127);
	}
	assert_int_equal(wait4(pid, status, 0, &ru), pid);
	return ru.ru_maxrss;
}

/*
 * The memory a guest sending without end takes is bounded: rep4g under
 * trap-and-emulate (the fastest mode) for 30 million instructions sends
 * 29 MB, of which the VM keeps OUTBUF_MAX (16 MiB).  Its peak resident
 * memory, less that of a run of two million (the machine: RAM, Unicorn,
 * the translation cache, an event log already full, and 1.8 MB of
 * output), must grow by less than the cap plus 4 MiB of slack (16 MiB
 * under AddressSanitizer: its shadow and quarantine grow too): it grows
 * by 15.7 MiB; when every byte was kept it grew by 43 MiB (the buffer
 * doubling to 32 MiB, then to 64), and by 950 MB once the count was not
 * bounded.  Measured on the child alone (wait4), so a loaded machine
 * does not change the figure.  ru_maxrss counts what the child had
 * before its exec too, a copy of this process: so this test runs first,
 * before the others have made this process big.
 */
#ifdef __SANITIZE_ADDRESS__
#define SLACK_KIB (16 * 1024)	/* + shadow, redzones, 8 MiB quarantine */
#else
#define SLACK_KIB (4 * 1024)
#endif
static void rep4g_memory_bounded(void **state)
{
	long base, big;
	int st;

	(void)state;
	base = child_maxrss("--headless --mode=te -g " REP4G " --max-insns 2M", &st);
	assert_true(WIFEXITED(st));
	big = child_maxrss("--headless --mode=te -g " REP4G " --max-insns 30M", &st);
	assert_true(WIFEXITED(st));
	print_message("rep4g: peak RSS %ld KiB after 2M instructions, %ld KiB after 30M\n",
		      base, big);
	if (big - base > (long)(OUTBUF_MAX >> 10) + SLACK_KIB)
		fail_msg("peak RSS grew by %ld KiB (cap %zu KiB + %d KiB)",
			 big - base, (size_t)OUTBUF_MAX >> 10, SLACK_KIB);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rep4g_memory_bounded),	/* first: see there */
		cmocka_unit_test(reset_values),
		cmocka_unit_test(transmit),
		cmocka_unit_test(divisor_latch),
		cmocka_unit_test(other_registers),
		cmocka_unit_test(large_output),
		cmocka_unit_test(output_capped),
		cmocka_unit_test(output_full_event_and_step_back),
	};

	return cmocka_run_group_tests_name("serial", tests, NULL, NULL);
}
