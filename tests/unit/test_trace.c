/* test_trace.c - trace.h: the JSON contract and the English text, on events of a real hello.elf run. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmx/dev_serial.h"
#include "sim.h"
#include "status.h"
#include "testlib.h"
#include "trace.h"
#include "vmx/vmx.h"

#define HELLO "scenarios/guests/hello.elf"

/* What hello.elf prints on QEMU (qemu-system-i386 -kernel hello.elf). */
static const char hello_output[] =
	"ringside hello: booted with magic 2badb002\n"
	"multiboot info at 00009500, flags 0000024f\n"
	"memory: 639 KiB below 1 MiB, 129920 KiB above\n"
	"command line: \"scenarios/guests/hello.elf \"\n"
	"hello from a guest kernel that thinks it owns the machine\n"
	"goodbye: exit code 0\n";

struct world {
	struct sim *sim;
	struct vm *vm;
	struct event *ev;
	size_t n, cap;
};

static void capture(void *ctx, const struct event *ev)
{
	struct world *w = ctx;

	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 1024;
		struct event *e = realloc(w->ev, cap * sizeof *e);

		assert_non_null(e);
		w->ev = e;
		w->cap = cap;
	}
	w->ev[w->n++] = *ev;
}

/* Boot hello.elf with every event captured, EV_INSN included, and run it out. */
static void run_hello(struct world *w)
{
	char err[GUEST_ERR_MAX] = "";
	enum sim_stop why;

	memset(w, 0, sizeof *w);
	assert_int_equal(sim_create(NULL, &w->sim), SIM_OK);
	assert_true(event_log_subscribe(sim_events(w->sim), EVENT_MASK_ALL,
					capture, w) >= 0);
	if (sim_add_vm(w->sim, &(struct vm_config){ .guest = HELLO }, &w->vm,
		       err) != SIM_OK)
		fail_msg("cannot boot %s: %s", HELLO, err);
	assert_int_equal(sim_run(w->sim, 1000000000ull, &why), SIM_OK);
	assert_int_equal(why, SIM_STOP_IDLE);
	assert_int_equal(w->vm->power_reason, POWER_DEBUG_EXIT);
	assert_true(w->n > 100);
}

static void done(struct world *w)
{
	sim_destroy(w->sim);
	free(w->ev);
}

static const struct event *nth_of(const struct world *w, enum event_kind k,
				  int nth)
{
	int seen = 0;

	for (size_t i = 0; i < w->n; i++)
		if (w->ev[i].kind == k && seen++ == nth)
			return &w->ev[i];
	fail_msg("no %s event number %d (%d seen)", event_kind_name(k), nth,
		 seen);
	return NULL;
}

static void json_is(struct world *w, const struct event *ev, const char *want)
{
	char buf[TRACE_LINE_MAX];
	size_t len = trace_json(w->sim, ev, buf, sizeof buf);

	assert_string_equal(buf, want);
	assert_int_equal(len, strlen(want));
}

/* The first executed instruction, in the exact contract shape. */
static void insn_json(void **state)
{
	struct world w;
	char want[TRACE_LINE_MAX], buf[TRACE_LINE_MAX];
	const struct event *ev;
	uint32_t start = tl_symbol(HELLO, "_start");
	uint32_t top = tl_symbol(HELLO, "boot_stack_top");
	static const char keys[][12] = {
		"{\"seq\":", ",\"t_ns\":", ",\"kind\":", ",\"vm\":", ",\"vcpu\":",
		",\"eip\":", ",\"bytes\":", ",\"asm\":", ",\"vring\":",
		",\"cpl\":", ",\"class\":", ",\"mode\":", ",\"path\":",
		",\"why\":",
	};
	const char *p;

	(void)state;
	assert_int_not_equal(start, 0);
	assert_int_not_equal(top, 0);
	run_hello(&w);
	ev = nth_of(&w, EV_INSN, 0);
	assert_int_equal(ev->u.insn.eip, start);
	trace_json(w.sim, ev, buf, sizeof buf);
	assert_int_equal(strncmp(buf, "{\"seq\":", 7), 0);
	/* every key, once, in contract order */
	for (size_t i = 0, at = 0; i < sizeof keys / sizeof keys[0]; i++) {
		p = strstr(buf + at, keys[i]);
		if (p == NULL)
			fail_msg("key %s missing or out of order in %s", keys[i], buf);
		at = (size_t)(p - buf) + 1;
	}
	/* _start: mov $boot_stack_top, %esp */
	snprintf(want, sizeof want,
		 "{\"seq\":%llu,\"t_ns\":%llu,\"kind\":\"insn\",\"vm\":\"vm0\","
		 "\"vcpu\":0,\"eip\":\"0x%08x\",\"bytes\":\"bc%02x%02x%02x%02x\","
		 "\"asm\":\"mov esp, 0x%x\",\"vring\":0,\"cpl\":1,"
		 "\"class\":\"innocuous\",\"mode\":\"te\","
		 "\"path\":[\"guest\",\"hardware\"],\"why\":\"native\"}",
		 (unsigned long long)ev->seq, (unsigned long long)ev->t_ns,
		 start, top & 0xff, (top >> 8) & 0xff, (top >> 16) & 0xff,
		 top >> 24, top);
	json_is(&w, ev, want);

	/* the first port access: in al, dx on the I/O path */
	for (size_t i = 0; i < w.n; i++) {
		if (w.ev[i].kind != EV_INSN || w.ev[i].u.insn.cls != CLASS_IO)
			continue;
		trace_json(w.sim, &w.ev[i], buf, sizeof buf);
		assert_non_null(strstr(buf, ",\"asm\":\"in al, dx\",\"vring\":0,\"cpl\":1,"
					    "\"class\":\"io\",\"mode\":\"te\","
					    "\"path\":[\"guest\",\"vmm\",\"vmx\",\"vmm\",\"guest\"],"
					    "\"why\":\"trap\"}"));
		break;
	}
	done(&w);
}

/* Every event: seq is its position, and a well-formed line of each kind. */
static void every_event(void **state)
{
	struct world w;
	char buf[TRACE_LINE_MAX], head[128], txt[TRACE_LINE_MAX];
	int kinds = 0;

	(void)state;
	run_hello(&w);
	for (size_t i = 0; i < w.n; i++) {
		const struct event *ev = &w.ev[i];
		size_t len = trace_json(w.sim, ev, buf, sizeof buf);

		assert_int_equal(ev->seq, i);
		kinds |= 1 << ev->kind;
		/* host-level events (the host booting) belong to no VM */
		assert_true(ev->vm == 0 || (ev->vm == EVENT_NO_VM &&
					    (ev->kind == EV_HOST ||
					     ev->kind == EV_WORLD)));
		snprintf(head, sizeof head,
			 "{\"seq\":%zu,\"t_ns\":%llu,\"kind\":\"%s\"%s",
			 i, (unsigned long long)ev->t_ns,
			 event_kind_name((enum event_kind)ev->kind),
			 ev->vm == 0 ? ",\"vm\":\"vm0\"" : "");
		if (strncmp(buf, head, strlen(head)) != 0)
			fail_msg("event %zu: %s", i, buf);
		assert_int_equal(len, strlen(buf));
		assert_int_equal(buf[len - 1], '}');
		for (size_t j = 0; j < len; j++)
			assert_true((unsigned char)buf[j] >= 0x20);

		len = trace_text(w.sim, ev, txt, sizeof txt);
		assert_true(len > 0);
		assert_int_equal(len, strlen(txt));
		switch (ev->kind) {
		case EV_INSN:
			trace_insn_asm(w.sim, ev, head, sizeof head);
			assert_non_null(strstr(txt, head));
			break;
		case EV_IO: assert_non_null(strstr(txt, "port 0x")); break;
		case EV_SERIAL: assert_non_null(strstr(txt, "serial")); break;
		case EV_VMX: assert_non_null(strstr(txt, "VMX")); break;
		case EV_POWER: assert_non_null(strstr(txt, "power")); break;
		default: break;
		}
	}
	assert_int_equal(kinds & 0x3d, EVENT_MASK(EV_INSN) | EVENT_MASK(EV_IO) |
			 EVENT_MASK(EV_SERIAL) | EVENT_MASK(EV_VMX) |
			 EVENT_MASK(EV_POWER));

	/* first events (the host boots, then the VMX starts) and last */
	json_is(&w, &w.ev[0], "{\"seq\":0,\"t_ns\":0,\"kind\":\"host\",\"vm\":\"-\","
		"\"host\":\"esx0\",\"action\":\"up\",\"a\":2}");
	json_is(&w, &w.ev[1], "{\"seq\":1,\"t_ns\":0,\"kind\":\"vmx\",\"vm\":\"vm0\","
		"\"step\":\"create-world\",\"a\":0,\"b\":0}");
	{
		/* the power-off, then the VMKernel takes the dead vCPU's
		 * world off its pCPU */
		size_t last = w.n - 1;

		while (last > 0 && w.ev[last].kind != EV_POWER)
			last--;
		assert_int_equal(w.ev[w.n - 1].kind, EV_WORLD);
		assert_int_equal(w.ev[w.n - 1].u.world.reason, SWITCH_DIED);
		snprintf(buf, sizeof buf, "{\"seq\":%zu,\"t_ns\":%llu,\"kind\":\"power\","
			 "\"vm\":\"vm0\",\"on\":false,\"reason\":\"debug-exit\",\"status\":0}",
			 last, (unsigned long long)w.ev[last].t_ns);
		json_is(&w, &w.ev[last], buf);
	}
	{
		const struct event *io = nth_of(&w, EV_IO, 0);

		snprintf(buf, sizeof buf, "{\"seq\":%llu,\"t_ns\":%llu,\"kind\":\"io\","
			 "\"vm\":\"vm0\",\"vcpu\":0,\"eip\":\"0x%08x\",\"port\":\"0x03fd\","
			 "\"dir\":\"in\",\"size\":1,\"value\":\"0x60\",\"device\":\"serial\"}",
			 (unsigned long long)io->seq, (unsigned long long)io->t_ns,
			 io->u.io.eip);
		json_is(&w, io, buf);
	}
	done(&w);
}

/* Serial lines: one event per line, the whole output as on QEMU. */
static void serial_lines(void **state)
{
	struct world w;
	char want[TRACE_LINE_MAX], all[sizeof hello_output + 64] = "";
	const struct event *ev;
	const char *out;
	size_t len, at = 0, nserial = 0;

	(void)state;
	run_hello(&w);
	out = vm_serial(w.vm, &len);
	assert_int_equal(len, strlen(hello_output));
	assert_memory_equal(out, hello_output, len);
	for (size_t i = 0; i < w.n; i++)
		nserial += w.ev[i].kind == EV_SERIAL;
	assert_int_equal(nserial, 6);
	for (int i = 0; i < 6; i++) {
		ev = nth_of(&w, EV_SERIAL, i);
		assert_int_equal(ev->u.serial.offset, at);
		assert_true(at + ev->u.serial.len < sizeof all);
		memcpy(all + at, out + ev->u.serial.offset, ev->u.serial.len);
		at += ev->u.serial.len;
		assert_int_equal(all[at - 1], '\n');
	}
	all[at] = '\0';
	assert_string_equal(all, hello_output);

	ev = nth_of(&w, EV_SERIAL, 0);
	snprintf(want, sizeof want, "{\"seq\":%llu,\"t_ns\":%llu,\"kind\":\"serial\","
		 "\"vm\":\"vm0\",\"text\":\"ringside hello: booted with magic 2badb002\\n\"}",
		 (unsigned long long)ev->seq, (unsigned long long)ev->t_ns);
	json_is(&w, ev, want);
	/* quotes inside the text are escaped */
	ev = nth_of(&w, EV_SERIAL, 3);
	snprintf(want, sizeof want, "{\"seq\":%llu,\"t_ns\":%llu,\"kind\":\"serial\","
		 "\"vm\":\"vm0\",\"text\":\"command line: \\\"scenarios/guests/hello.elf \\\"\\n\"}",
		 (unsigned long long)ev->seq, (unsigned long long)ev->t_ns);
	json_is(&w, ev, want);
	done(&w);
}

/* Quote, backslash and control bytes, sent through the VMX's COM1 like a guest OUT. */
static void json_escaping(void **state)
{
	struct world w;
	static const char line[] = "q\"\\\x01\t\r\x1f" "A/\n";
	char want[TRACE_LINE_MAX];
	const struct event *ev;
	size_t before;

	(void)state;
	run_hello(&w);
	before = w.n;
	for (const char *p = line; *p; p++)
		vmx_port_out(w.vm->vmx, 0, SERIAL_COM1, 1, (uint8_t)*p);
	assert_int_equal(w.n, before + 1);
	ev = &w.ev[before];
	assert_int_equal(ev->kind, EV_SERIAL);
	assert_int_equal(ev->u.serial.offset, strlen(hello_output));
	assert_int_equal(ev->u.serial.len, strlen(line));
	snprintf(want, sizeof want, "{\"seq\":%llu,\"t_ns\":%llu,\"kind\":\"serial\","
		 "\"vm\":\"vm0\",\"text\":\"q\\\"\\\\\\u0001\\t\\r\\u001fA/\\n\"}",
		 (unsigned long long)ev->seq, (unsigned long long)ev->t_ns);
	json_is(&w, ev, want);
	done(&w);
}

/* A short buffer gets a terminated prefix of the line, never more. */
static void truncation(void **state)
{
	struct world w;
	char full[TRACE_LINE_MAX], small[16];
	const struct event *ev;

	(void)state;
	run_hello(&w);
	ev = nth_of(&w, EV_INSN, 0);
	trace_json(w.sim, ev, full, sizeof full);
	memset(small, 'x', sizeof small);
	assert_int_equal(trace_json(w.sim, ev, small, sizeof small), 15);
	assert_int_equal(small[15], '\0');
	assert_memory_equal(small, full, 15);
	memset(small, 'x', sizeof small);
	assert_int_equal(trace_text(w.sim, ev, small, sizeof small), 15);
	assert_int_equal(small[15], '\0');
	done(&w);
}

/*
 * Regression (was a bug): simulated time runs backwards right after power-on.  The VMM's boot
 * ring switch (vmm_vcpu_init -> switch_via_stub) charges COST_RING_SWITCH
 * (300 cycles) before the first slice, so EV_POWER "power-on" is stamped
 * t_ns 300; then sim.c run_slice() resets slice_ns to the world clock (still
 * 0) and slice_cycles to the vCPU's 300 cycles, so the first EV_INSN is
 * stamped t_ns 1 and every later event is 300 ns early.  Seen in every
 * bundled guest: seq 5 power t_ns 300 -> seq 6 insn t_ns 1.
 */
static void time_never_runs_backwards(void **state)
{
	struct world w;
	char msg[200] = "";

	(void)state;
	run_hello(&w);
	for (size_t i = 1; i < w.n && !msg[0]; i++)
		if (w.ev[i].t_ns < w.ev[i - 1].t_ns)
			snprintf(msg, sizeof msg,
				 "seq %zu (%s) t_ns %llu after seq %zu (%s) t_ns %llu",
				 i, event_kind_name((enum event_kind)w.ev[i].kind),
				 (unsigned long long)w.ev[i].t_ns, i - 1,
				 event_kind_name((enum event_kind)w.ev[i - 1].kind),
				 (unsigned long long)w.ev[i - 1].t_ns);
	done(&w);		/* free before failing: keep LeakSanitizer quiet */
	if (msg[0])
		fail_msg("%s", msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(insn_json),
		cmocka_unit_test(every_event),
		cmocka_unit_test(serial_lines),
		cmocka_unit_test(json_escaping),
		cmocka_unit_test(truncation),
		cmocka_unit_test(time_never_runs_backwards),
	};

	return cmocka_run_group_tests_name("trace", tests, NULL, NULL);
}
