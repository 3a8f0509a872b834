/* test_event.c - event.h: the retained ring, subscribers, EV_INSN delivery, names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "event.h"
#include "status.h"

/* What a subscriber saw. */
struct seen {
	int calls;
	int by_kind[EV_KIND_COUNT];
	uint64_t last_seq;
	uint64_t last_t_ns;
};

static void record(void *ctx, const struct event *ev)
{
	struct seen *s = ctx;

	s->calls++;
	assert_true(ev->kind < EV_KIND_COUNT);
	s->by_kind[ev->kind]++;
	s->last_seq = ev->seq;
	s->last_t_ns = ev->t_ns;
}

static void emit(struct event_log *log, enum event_kind kind, uint64_t t)
{
	struct event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = (uint16_t)kind;
	ev.t_ns = t;
	ev.vm = 0;
	ev.u.power.status = (uint32_t)t;
	event_log_emit(log, &ev);
}

static struct event_log *new_log(size_t capacity)
{
	struct event_log *log = NULL;

	assert_int_equal(event_log_create(capacity, &log), SIM_OK);
	assert_non_null(log);
	assert_int_equal(event_log_count(log), 0);
	assert_int_equal(event_log_total(log), 0);
	return log;
}

/* A log of 4 keeps the 4 newest of 10, oldest first. */
static void ring_keeps_newest(void **state)
{
	struct event_log *log = new_log(4);
	struct event ev;

	(void)state;
	for (uint64_t i = 0; i < 10; i++)
		emit(log, EV_POWER, 1000 + i);
	assert_int_equal(event_log_count(log), 4);
	assert_int_equal(event_log_total(log), 10);
	for (size_t i = 0; i < 4; i++) {
		const struct event *e = event_log_at(log, i);

		assert_non_null(e);
		assert_int_equal(e->seq, 6 + i);
		assert_int_equal(e->t_ns, 1006 + i);
		assert_int_equal(e->u.power.status, 1006 + i);
	}
	assert_null(event_log_at(log, 4));

	/* emit stamps the caller's event with its sequence number */
	memset(&ev, 0, sizeof ev);
	ev.kind = EV_TRAP;
	ev.seq = 999;
	event_log_emit(log, &ev);
	assert_int_equal(ev.seq, 10);
	assert_int_equal(event_log_at(log, 3)->seq, 10);
	assert_int_equal(event_log_at(log, 3)->kind, EV_TRAP);
	assert_int_equal(event_log_at(log, 0)->seq, 7);
	event_log_destroy(log);
}

/* A capacity above the first allocation: the ring grows, then wraps. */
static void ring_grows_then_wraps(void **state)
{
	struct event_log *log = new_log(1500);

	(void)state;
	for (uint64_t i = 0; i < 1200; i++)
		emit(log, EV_IO, i);
	assert_int_equal(event_log_count(log), 1200);
	for (size_t i = 0; i < 1200; i++)
		assert_int_equal(event_log_at(log, i)->seq, i);
	for (uint64_t i = 1200; i < 4000; i++)
		emit(log, EV_IO, i);
	assert_int_equal(event_log_count(log), 1500);
	assert_int_equal(event_log_total(log), 4000);
	for (size_t i = 0; i < 1500; i++) {
		const struct event *e = event_log_at(log, i);

		assert_int_equal(e->seq, 2500 + i);
		assert_int_equal(e->t_ns, 2500 + i);
	}
	event_log_destroy(log);

	/* capacity 0 means a large default: nothing dropped early */
	log = new_log(0);
	for (uint64_t i = 0; i < 5000; i++)
		emit(log, EV_IO, i);
	assert_int_equal(event_log_count(log), 5000);
	assert_int_equal(event_log_at(log, 4999)->seq, 4999);
	event_log_destroy(log);
}

/* Subscribers get exactly the kinds in their masks. */
static void subscriber_masks(void **state)
{
	struct event_log *log = new_log(16);
	struct seen a = { 0 }, b = { 0 }, all = { 0 };
	int ha, hb, hall;

	(void)state;
	ha = event_log_subscribe(log, EVENT_MASK(EV_TRAP) | EVENT_MASK(EV_IO),
				 record, &a);
	hb = event_log_subscribe(log, EVENT_MASK(EV_SERIAL), record, &b);
	hall = event_log_subscribe(log, EVENT_MASK_ALL, record, &all);
	assert_true(ha >= 0);
	assert_true(hb >= 0);
	assert_true(hall >= 0);
	assert_int_not_equal(ha, hb);
	assert_int_not_equal(hb, hall);

	emit(log, EV_TRAP, 1);
	emit(log, EV_IO, 2);
	emit(log, EV_SERIAL, 3);
	emit(log, EV_POWER, 4);
	emit(log, EV_VMX, 5);
	emit(log, EV_RING, 6);
	emit(log, EV_IO, 7);

	assert_int_equal(a.calls, 3);
	assert_int_equal(a.by_kind[EV_TRAP], 1);
	assert_int_equal(a.by_kind[EV_IO], 2);
	assert_int_equal(a.last_seq, 6);
	assert_int_equal(a.last_t_ns, 7);
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.by_kind[EV_SERIAL], 1);
	assert_int_equal(b.last_seq, 2);
	assert_int_equal(all.calls, 7);
	assert_int_equal(event_log_count(log), 7);

	/* unsubscribed: no more calls */
	event_log_unsubscribe(log, ha);
	emit(log, EV_TRAP, 8);
	assert_int_equal(a.calls, 3);
	assert_int_equal(all.calls, 8);
	event_log_unsubscribe(log, -1);		/* harmless */
	event_log_unsubscribe(log, 1000);
	event_log_destroy(log);
}

/* EV_INSN goes to whoever asked and is never retained. */
static void insn_not_retained(void **state)
{
	struct event_log *log = new_log(16);
	struct seen ins = { 0 }, other = { 0 };
	int h;

	(void)state;
	assert_false(event_log_wants_insns(log));
	event_log_subscribe(log, EVENT_MASK_ALL & ~EVENT_MASK(EV_INSN), record,
			    &other);
	assert_false(event_log_wants_insns(log));
	h = event_log_subscribe(log, EVENT_MASK(EV_INSN), record, &ins);
	assert_true(h >= 0);
	assert_true(event_log_wants_insns(log));

	emit(log, EV_POWER, 1);
	emit(log, EV_INSN, 2);
	emit(log, EV_INSN, 3);
	emit(log, EV_TRAP, 4);
	assert_int_equal(ins.calls, 2);
	assert_int_equal(ins.by_kind[EV_INSN], 2);
	assert_int_equal(ins.last_seq, 2);
	assert_int_equal(other.calls, 2);
	assert_int_equal(other.by_kind[EV_INSN], 0);
	assert_int_equal(event_log_total(log), 4);
	assert_int_equal(event_log_count(log), 2);
	assert_int_equal(event_log_at(log, 0)->kind, EV_POWER);
	assert_int_equal(event_log_at(log, 1)->kind, EV_TRAP);
	assert_int_equal(event_log_at(log, 1)->seq, 3);

	/* wants_insns follows subscribe/unsubscribe, counting subscribers */
	{
		int h2 = event_log_subscribe(log, EVENT_MASK_ALL, record, &other);

		event_log_unsubscribe(log, h);
		assert_true(event_log_wants_insns(log));
		event_log_unsubscribe(log, h);	/* twice: no double count */
		assert_true(event_log_wants_insns(log));
		event_log_unsubscribe(log, h2);
		assert_false(event_log_wants_insns(log));
	}
	emit(log, EV_INSN, 5);
	assert_int_equal(ins.calls, 2);
	assert_int_equal(event_log_count(log), 2);
	event_log_destroy(log);
}

/* The subscriber table fills up, and a freed slot can be reused. */
static void subscriber_table_full(void **state)
{
	struct event_log *log = new_log(4);
	struct seen s = { 0 };
	int h, last = -1, n = 0;

	(void)state;
	while ((h = event_log_subscribe(log, EVENT_MASK(EV_IO), record, &s)) >= 0) {
		last = h;
		if (++n > 1000)
			fail_msg("subscriber table never fills");
	}
	assert_int_equal(h, -1);
	assert_true(n >= 4);
	emit(log, EV_IO, 1);
	assert_int_equal(s.calls, n);
	event_log_unsubscribe(log, last);
	assert_int_equal(event_log_subscribe(log, EVENT_MASK(EV_IO), record, &s),
			 last);
	event_log_destroy(log);
}

/* clear forgets retained events; sequence numbers go on. */
static void clear(void **state)
{
	struct event_log *log = new_log(4);

	(void)state;
	for (int i = 0; i < 6; i++)
		emit(log, EV_TRAP, (uint64_t)i);
	event_log_clear(log);
	assert_int_equal(event_log_count(log), 0);
	assert_int_equal(event_log_total(log), 6);
	assert_null(event_log_at(log, 0));
	emit(log, EV_RING, 100);
	assert_int_equal(event_log_count(log), 1);
	assert_int_equal(event_log_at(log, 0)->seq, 6);
	assert_int_equal(event_log_at(log, 0)->kind, EV_RING);
	for (int i = 0; i < 5; i++)
		emit(log, EV_TRAP, (uint64_t)i);
	assert_int_equal(event_log_count(log), 4);
	assert_int_equal(event_log_at(log, 0)->seq, 8);
	assert_int_equal(event_log_at(log, 3)->seq, 11);
	event_log_destroy(log);
	event_log_destroy(NULL);
}

static void names(void **state)
{
	static const char *const kinds[EV_KIND_COUNT] = {
		"insn", "trap", "io", "serial", "vmx", "power", "ring", "mode",
		"translate", "world", "host", "cluster", "drs", "ha", "disk",
		"engine", "invalidate"
	};
	static const char *const disk_ops[DISK_OP_COUNT] = {
		"read", "write", "snapshot", "revert", "consolidate",
		"quiesce", "unquiesce", "mount", "copy", "unmount", "refused",
		"no-space"
	};
	static const char *const modes[] = { "te", "bt", "hw", "direct" };
	static const char *const actions[TRAP_ACTION_COUNT] = {
		"emulated", "reflected", "int", "vmm-emulated", "halted",
		"triple-fault", "callout", "vm-exit", "interrupt", "ipi",
		"startup", "no-memory", "injected", "msi"
	};
	static const char *const reasons[POWER_REASON_COUNT] = {
		"power-on", "debug-exit", "halt", "idle-forever",
		"triple-fault", "bad-memory", "bad-instruction", "user",
		"logoff", "no-space", "retry", "init-reset"
	};

	(void)state;
	assert_int_equal(EV_KIND_COUNT, 17);
	assert_int_equal(MODE_COUNT, 4);
	assert_int_equal(TRAP_ACTION_COUNT, 14);
	assert_int_equal(POWER_REASON_COUNT, 12);
	for (int i = 0; i < EV_KIND_COUNT; i++)
		assert_string_equal(event_kind_name((enum event_kind)i), kinds[i]);
	for (int i = 0; i < MODE_COUNT; i++)
		assert_string_equal(exec_mode_name((enum exec_mode)i), modes[i]);
	for (int i = 0; i < DISK_OP_COUNT; i++)
		assert_string_equal(disk_op_name((enum disk_op)i), disk_ops[i]);
	assert_string_equal(disk_op_name(DISK_OP_COUNT), "?");
	for (int i = 0; i < TRAP_ACTION_COUNT; i++)
		assert_string_equal(trap_action_name((enum trap_action)i),
				    actions[i]);
	for (int i = 0; i < POWER_REASON_COUNT; i++)
		assert_string_equal(power_reason_name((enum power_reason)i),
				    reasons[i]);
	assert_string_equal(event_kind_name(EV_KIND_COUNT), "?");
	assert_string_equal(exec_mode_name(MODE_COUNT), "?");
	assert_string_equal(trap_action_name(TRAP_ACTION_COUNT), "?");
	assert_string_equal(power_reason_name(POWER_REASON_COUNT), "?");
	assert_int_equal(EVENT_MASK_ALL, 0x1ffff);
	assert_int_equal(EVENT_MASK(EV_SERIAL), 0x08);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ring_keeps_newest),
		cmocka_unit_test(ring_grows_then_wraps),
		cmocka_unit_test(subscriber_masks),
		cmocka_unit_test(insn_not_retained),
		cmocka_unit_test(subscriber_table_full),
		cmocka_unit_test(clear),
		cmocka_unit_test(names),
	};

	return cmocka_run_group_tests_name("event", tests, NULL, NULL);
}
