/*
 * event.c - the event log: a ring of retained events plus subscribers.
 */
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "status.h"

#define MAX_SUBSCRIBERS 16
#define DEFAULT_CAPACITY (1u << 20)

struct subscriber {
	unsigned mask;		/* 0 = free slot */
	event_fn *fn;
	void *ctx;
};

struct event_log {
	struct event *ring;	/* capacity slots, oldest at `head` */
	size_t capacity;	/* most events ever retained */
	size_t alloc_slots;	/* slots allocated so far (<= capacity) */
	size_t head;		/* index of the oldest retained event */
	size_t count;		/* retained events */
	uint64_t next_seq;
	int insn_subscribers;	/* subscribers whose mask has EV_INSN */
	struct subscriber subs[MAX_SUBSCRIBERS];
};

int event_log_create(size_t capacity, struct event_log **out)
{
	struct event_log *log = calloc(1, sizeof *log);

	if (log == NULL)
		return SIM_ENOMEM;
	log->capacity = capacity ? capacity : DEFAULT_CAPACITY;
	*out = log;
	return SIM_OK;
}

void event_log_destroy(struct event_log *log)
{
	if (log == NULL)
		return;
	free(log->ring);
	free(log);
}

int event_log_subscribe(struct event_log *log, unsigned mask,
			event_fn *fn, void *ctx)
{
	for (int i = 0; i < MAX_SUBSCRIBERS; i++) {
		if (log->subs[i].mask != 0)
			continue;
		log->subs[i] = (struct subscriber){ mask, fn, ctx };
		if (mask & EVENT_MASK(EV_INSN))
			log->insn_subscribers++;
		return i;
	}
	return -1;
}

void event_log_unsubscribe(struct event_log *log, int handle)
{
	if (handle < 0 || handle >= MAX_SUBSCRIBERS)
		return;
	if (log->subs[handle].mask & EVENT_MASK(EV_INSN))
		log->insn_subscribers--;
	log->subs[handle].mask = 0;
}

int event_log_wants_insns(const struct event_log *log)
{
	return log->insn_subscribers > 0;
}

/*
 * The ring is allocated lazily and doubled until it reaches capacity, so a
 * short run does not pay for a million slots.
 */
static void retain(struct event_log *log, const struct event *ev)
{
	size_t slots = log->alloc_slots;

	if (log->count == slots && slots < log->capacity) {
		size_t grow = slots ? slots * 2 : 1024;
		struct event *ring;

		if (grow > log->capacity)
			grow = log->capacity;
		ring = malloc(grow * sizeof *ring);
		if (ring != NULL) {
			/* unroll the ring into the new array, oldest first */
			for (size_t i = 0; i < log->count; i++)
				ring[i] = log->ring[(log->head + i) % slots];
			free(log->ring);
			log->ring = ring;
			log->alloc_slots = grow;
			log->head = 0;
			slots = grow;
		}
	}
	if (slots == 0)
		return;		/* out of memory: the event is only delivered */
	if (log->count < slots) {
		log->ring[(log->head + log->count) % slots] = *ev;
		log->count++;
	} else {		/* full: overwrite the oldest */
		log->ring[log->head] = *ev;
		log->head = (log->head + 1) % slots;
	}
}

void event_log_emit(struct event_log *log, struct event *ev)
{
	unsigned bit = EVENT_MASK(ev->kind);

	ev->seq = log->next_seq++;
	if (ev->kind != EV_INSN)
		retain(log, ev);
	for (int i = 0; i < MAX_SUBSCRIBERS; i++)
		if (log->subs[i].mask & bit)
			log->subs[i].fn(log->subs[i].ctx, ev);
}

uint64_t event_log_total(const struct event_log *log)
{
	return log->next_seq;
}

size_t event_log_count(const struct event_log *log)
{
	return log->count;
}

const struct event *event_log_at(const struct event_log *log, size_t i)
{
	if (i >= log->count)
		return NULL;
	return &log->ring[(log->head + i) % log->alloc_slots];
}

void event_log_truncate(struct event_log *log, uint64_t seq)
{
	while (log->count > 0 &&
	       event_log_at(log, log->count - 1)->seq >= seq)
		log->count--;
	if (seq < log->next_seq)
		log->next_seq = seq;
}

void event_log_clear(struct event_log *log)
{
	log->head = 0;
	log->count = 0;
}

static const char *const kind_names[EV_KIND_COUNT] = {
	[EV_INSN] = "insn", [EV_TRAP] = "trap", [EV_IO] = "io",
	[EV_SERIAL] = "serial", [EV_VMX] = "vmx", [EV_POWER] = "power",
	[EV_RING] = "ring", [EV_MODE] = "mode", [EV_TRANSLATE] = "translate",
	[EV_WORLD] = "world", [EV_HOST] = "host", [EV_CLUSTER] = "cluster",
	[EV_DRS] = "drs", [EV_HA] = "ha",
	[EV_DISK] = "disk", [EV_ENGINE] = "engine",
	[EV_INVALIDATE] = "invalidate",
};

static const char *const cluster_action_names[CL_ACTION_COUNT] = {
	[CL_VMOTION_START] = "vmotion-start",
	[CL_VMOTION_REFUSED] = "vmotion-refused",
	[CL_VMOTION_ROUND] = "precopy-round",
	[CL_VMOTION_THROTTLE] = "throttle",
	[CL_VMOTION_STUN] = "stun",
	[CL_VMOTION_SWITCHOVER] = "switchover",
	[CL_VMOTION_RESUME] = "resume",
	[CL_VMOTION_RARP] = "rarp",
	[CL_VMOTION_DONE] = "vmotion-done",
	[CL_HOST_STATE] = "host-state",
};

const char *cluster_action_name(enum cluster_action a)
{
	return (unsigned)a < CL_ACTION_COUNT ? cluster_action_names[a] : "?";
}

const char *event_kind_name(enum event_kind k)
{
	return (unsigned)k < EV_KIND_COUNT ? kind_names[k] : "?";
}

static const char *const mode_names[MODE_COUNT] = {
	"te", "bt", "hw", "direct"
};

const char *exec_mode_name(enum exec_mode m)
{
	return (unsigned)m < MODE_COUNT ? mode_names[m] : "?";
}

static const char *const action_names[TRAP_ACTION_COUNT] = {
	[TRAP_EMULATED] = "emulated",
	[TRAP_REFLECTED] = "reflected",
	[TRAP_SOFT_INT] = "int",
	[TRAP_VMM_EMULATED] = "vmm-emulated",
	[TRAP_HALTED] = "halted",
	[TRAP_TRIPLE_FAULT] = "triple-fault",
	[TRAP_CALLOUT] = "callout",
	[TRAP_VM_EXIT] = "vm-exit",
	[TRAP_INTERRUPT] = "interrupt",
	[TRAP_IPI] = "ipi",
	[TRAP_STARTUP] = "startup",
	[TRAP_NO_MEMORY] = "no-memory",
	[TRAP_INJECTED] = "injected",
	[TRAP_MSI] = "msi",
};

const char *trap_action_name(enum trap_action a)
{
	return (unsigned)a < TRAP_ACTION_COUNT ? action_names[a] : "?";
}

static const char *const power_names[POWER_REASON_COUNT] = {
	[POWER_ON] = "power-on",
	[POWER_DEBUG_EXIT] = "debug-exit",
	[POWER_HALT] = "halt",
	[POWER_IDLE] = "idle-forever",
	[POWER_TRIPLE_FAULT] = "triple-fault",
	[POWER_BAD_MEMORY] = "bad-memory",
	[POWER_BAD_INSN] = "bad-instruction",
	[POWER_USER] = "user",
	[POWER_LOGOFF] = "logoff",
	[POWER_NO_SPACE] = "no-space",
	[POWER_RETRY] = "retry",
	[POWER_INIT_RESET] = "init-reset",
};

const char *power_reason_name(enum power_reason r)
{
	return (unsigned)r < POWER_REASON_COUNT ? power_names[r] : "?";
}

static const char *const switch_names[SWITCH_REASON_COUNT] = {
	[SWITCH_START] = "start",
	[SWITCH_QUANTUM] = "quantum",
	[SWITCH_BLOCKED] = "blocked",
	[SWITCH_DIED] = "died",
	[SWITCH_PREEMPT] = "preempt",
	[SWITCH_COSTOP] = "co-stop",
	[SWITCH_COSTART] = "co-start",
};

const char *switch_reason_name(enum switch_reason r)
{
	return (unsigned)r < SWITCH_REASON_COUNT ? switch_names[r] : "?";
}

static const char *const host_action_names[HOST_ACTION_COUNT] = {
	[HOST_UP] = "up",
	[HOST_LOGOFF] = "logoff",
	[HOST_LOGIN] = "login",
	[HOST_ADMIN_OK] = "admin",
	[HOST_ADMIN_REFUSED] = "admin-refused",
};

const char *host_action_name(enum host_action a)
{
	return (unsigned)a < HOST_ACTION_COUNT ? host_action_names[a] : "?";
}

static const char *const disk_op_names[DISK_OP_COUNT] = {
	[DISK_READ] = "read", [DISK_WRITE] = "write",
	[DISK_SNAPSHOT] = "snapshot", [DISK_REVERT] = "revert",
	[DISK_CONSOLIDATE] = "consolidate", [DISK_QUIESCE] = "quiesce",
	[DISK_UNQUIESCE] = "unquiesce", [DISK_MOUNT] = "mount",
	[DISK_COPY] = "copy", [DISK_UNMOUNT] = "unmount",
	[DISK_REFUSED] = "refused",
	[DISK_NO_SPACE] = "no-space",
};

const char *disk_op_name(enum disk_op op)
{
	return (unsigned)op < DISK_OP_COUNT ? disk_op_names[op] : "?";
}

static const char *const disk_refusal_names[DISK_REFUSAL_COUNT] = {
	[DISK_REFUSED_LOCAL] = "local-datastore",
	[DISK_REFUSED_QUESTION] = "question-pending",
};

const char *disk_refusal_name(enum disk_refusal r)
{
	return (unsigned)r < DISK_REFUSAL_COUNT ? disk_refusal_names[r] : "?";
}
