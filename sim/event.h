/*
 * event.h - the spine of ringside: every decision the simulator makes is an
 * event.
 *
 * The VMM catching a trap, the VMX answering a port read, a line of guest
 * output, a VM powering off: each is appended to the event log with the
 * simulated time it happened at.  The TUI animates events, headless mode
 * prints them, tests assert on them.  Events hold ids and scalars only (no
 * pointers), so a log can be compared, replayed and written as JSON.
 *
 * Per-instruction events (EV_INSN) are the exception to retention: there
 * can be billions, so they are handed to subscribers that ask for them and
 * never stored.
 */
#ifndef SIM_EVENT_H
#define SIM_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "cpu/classify.h"

enum event_kind {
	EV_INSN = 0,	/* one executed guest instruction (on request) */
	EV_TRAP,	/* the VMM took control: a trap, fault or INT n */
	EV_IO,		/* a port access the VMM routed to a device */
	EV_SERIAL,	/* a line of guest output on the serial port */
	EV_VMX,		/* a step of the VMX bootstrapping a VM */
	EV_POWER,	/* a VM changed power state */
	EV_RING,	/* the guest moved to another protection ring */
	EV_MODE,	/* the VMM switched execution mode (bt <-> direct) */
	EV_TRANSLATE,	/* the binary translator translated a unit */
	EV_WORLD,	/* the scheduler switched worlds on a physical CPU */
	EV_HOST,	/* something happened to a host (log-off, admin...) */
	EV_CLUSTER,	/* VirtualCenter: a VMotion step, a host's state */
	EV_DRS,		/* DRS recommended or made a move (cluster/drs.h) */
	EV_HA,		/* a step of HA's detection or restarts (cluster/ha.h) */
	EV_DISK,	/* storage: a sector read or written, a snapshot, a backup step */
	EV_ENGINE,	/* a vCPU's CPU replaced its Unicorn engine (cpu.h,
			   cpu_set_renew_after): Unicorn's memory bounded */
	EV_INVALIDATE,	/* guest code was written: translated units dropped
			   (vmm/bt_smc.c) */
	EV_KIND_COUNT
};

#define EVENT_MASK(kind) (1u << (kind))
#define EVENT_MASK_ALL ((1u << EV_KIND_COUNT) - 1)

/* Execution modes, as the trace spells them. */
enum exec_mode {
	MODE_TE = 0,	/* trap-and-emulate */
	MODE_BT,	/* binary translation */
	MODE_HW,	/* hardware assist (VT-x style) */
	MODE_DIRECT,	/* direct execution of guest user code */
	MODE_COUNT
};

const char *exec_mode_name(enum exec_mode m);

/* What the VMM did with a trap (EV_TRAP). */
enum trap_action {
	TRAP_EMULATED = 0,	/* privileged instruction virtualized */
	TRAP_REFLECTED,		/* guest's own fault delivered to its IDT */
	TRAP_SOFT_INT,		/* INT n delivered through the guest's IDT */
	TRAP_VMM_EMULATED,	/* sensitive instruction fixed up by the VMM */
	TRAP_HALTED,		/* (not emitted: HLT is reported as the
				   privileged instruction it is; the
				   halted vCPU's world then blocks) */
	TRAP_TRIPLE_FAULT,	/* (not emitted: a triple fault is EV_POWER
				   POWER_TRIPLE_FAULT) */
	TRAP_CALLOUT,		/* translated code called the VMM (no trap) */
	TRAP_VM_EXIT,		/* hardware assist: a VM exit, then VM entry */
	TRAP_INTERRUPT,		/* a device interrupt delivered to the guest */
	TRAP_IPI,		/* an IPI sent through the local APIC's ICR */
	TRAP_STARTUP,		/* INIT or SIPI: an AP stopped or started */
	TRAP_NO_MEMORY,		/* the guest touched memory that does not
				   exist (past RAM, the VMM's area): the VMM
				   made it as nothing, a read gives 0 and a
				   store goes nowhere, code is zeros; a =
				   address, b = 0 load, 1 store, 2 fetch
				   (hw: a VM exit, exception or NMI, #PF:
				   the VMM's shadow page tables map
				   nothing there) */
	TRAP_INJECTED,		/* the exception the VMM's emulation
				   answered (RDPMC's #UD, a bad MOV CR's
				   #GP), which the CPU did not raise; a =
				   enum inject_how */
	TRAP_MSI,		/* a message-signalled interrupt stored in
				   the local APIC's region: a = the vCPU
				   it reached (UINT32_MAX: none), b its
				   address, c its data (apic_bus.c) */
	TRAP_ACTION_COUNT
};

/* How the VMM gave the guest an exception of its own making. */
enum inject_how {
	INJECT_BY_VMM = 0,	/* te, bt: the VMM builds the frame through
				   the guest's IDT, in software */
	INJECT_ON_ENTRY,	/* hw: the VM-entry interruption-information
				   field; the CPU delivers it on the entry */
};

const char *trap_action_name(enum trap_action a);

/* Why a VM changed power state (EV_POWER). */
enum power_reason {
	POWER_ON = 0,		/* powered on */
	POWER_DEBUG_EXIT,	/* guest wrote the debug-exit port */
	POWER_HALT,		/* HLT with interrupts off: halted for good */
	POWER_IDLE,		/* HLT waiting for an interrupt none will send */
	POWER_TRIPLE_FAULT,	/* the CPU would reset; powered off */
	POWER_BAD_MEMORY,	/* guest touched memory that does not exist */
	POWER_BAD_INSN,		/* an instruction ringside cannot run */
	POWER_USER,		/* switched off by the user or a scenario */
	POWER_LOGOFF,		/* hosted: the user logged off the host OS */
	POWER_NO_SPACE,		/* paused: its datastore is full (not off: Retry
				   or Cancel, storage.h) */
	POWER_RETRY,		/* running again: Retry, the held write stored */
	POWER_INIT_RESET,	/* INIT reset the bootstrap processor: a PC runs
				   its firmware again, which reboots; QEMU's
				   -no-reboot run stops there (apic_bus.c) */
	POWER_REASON_COUNT
};

const char *power_reason_name(enum power_reason r);

enum io_dir { IO_IN = 0, IO_OUT = 1 };

/* Why a physical CPU changed worlds (EV_WORLD). */
enum switch_reason {
	SWITCH_START = 0,	/* the pCPU had nothing and picked a world */
	SWITCH_QUANTUM,		/* the running world used its time slice */
	SWITCH_BLOCKED,		/* the running world blocked (HLT, no work) */
	SWITCH_DIED,		/* the running world's VM powered off */
	SWITCH_PREEMPT,		/* a world further behind its share woke up */
	/*
	 * The co-scheduler's decisions (vmkernel_cosched.c) have no pCPU
	 * (pcpu EVENT_NO_PCPU): `from` is the vCPU's world, `to` its slowest
	 * sibling, skew_us how far `from` has progressed ahead of it.  A
	 * co-stopped world that was running then leaves its pCPU: a switch
	 * with reason SWITCH_COSTOP too, on that pCPU.
	 */
	SWITCH_COSTOP,		/* from co-stopped: skew past the threshold */
	SWITCH_COSTART,		/* from co-started: the slowest caught up */
	SWITCH_REASON_COUNT
};

const char *switch_reason_name(enum switch_reason r);

/* What happened to a host (EV_HOST). */
enum host_action {
	HOST_UP = 0,		/* the host booted (its system worlds exist) */
	HOST_LOGOFF,		/* hosted: the user logged off */
	HOST_LOGIN,		/* hosted: the user logged in */
	HOST_ADMIN_OK,		/* ESX: remote admin done via the console */
	HOST_ADMIN_REFUSED,	/* hosted: no remote administration */
	HOST_ACTION_COUNT
};

const char *host_action_name(enum host_action a);

/* What VirtualCenter did (EV_CLUSTER); vmotion.h says what each means. */
enum cluster_action {
	CL_VMOTION_START = 0,	/* checks passed, pre-copy begins */
	CL_VMOTION_REFUSED,	/* refused before anything moved (reason) */
	CL_VMOTION_ROUND,	/* a pre-copy round sent `pages`; `left` dirtied */
	CL_VMOTION_THROTTLE,	/* auto-converge slowed the guest to `pct` */
	CL_VMOTION_STUN,	/* the VM stops on the source; `left` to send */
	CL_VMOTION_SWITCHOVER,	/* the rest + CPU and device state sent */
	CL_VMOTION_RESUME,	/* the VM runs on the destination */
	CL_VMOTION_RARP,	/* the destination announced the VM's MAC */
	CL_VMOTION_DONE,	/* finished (reason: why pre-copy stopped) */
	CL_HOST_STATE,		/* a host changed state (`pct`: the new one) */
	CL_ACTION_COUNT
};

const char *cluster_action_name(enum cluster_action a);
/*
 * What happened to a VM's virtual disk (EV_DISK): the storage path
 * (VMM > VMKernel storage stack > VMFS file on the datastore), the delta
 * chain, and the steps of a consolidated backup (sim/cluster/vcb.c).
 */
enum disk_op {
	DISK_READ = 0,		/* the VMKernel read sectors from the disk file */
	DISK_WRITE,		/* ... wrote them (into the newest delta) */
	DISK_SNAPSHOT,		/* a delta disk made; its parent is read-only now */
	DISK_REVERT,		/* back to a snapshot: the writes since dropped */
	DISK_CONSOLIDATE,	/* a snapshot removed: its delta merged into the parent */
	DISK_QUIESCE,		/* backup: the guest's writes are held */
	DISK_UNQUIESCE,		/* backup: ... and let go again */
	DISK_MOUNT,		/* backup: the proxy opened the snapshot over the SAN */
	DISK_COPY,		/* backup: the proxy copied sectors off the datastore */
	DISK_UNMOUNT,		/* backup: the proxy closed it */
	DISK_REFUSED,		/* a snapshot or backup refused: n says why
				   (enum disk_refusal) */
	DISK_NO_SPACE,		/* a write found the datastore full: held, VM paused */
	DISK_OP_COUNT
};

const char *disk_op_name(enum disk_op op);

/* Why a DISK_REFUSED event refused (its n field). */
enum disk_refusal {
	DISK_REFUSED_LOCAL = 0,	/* backup: the disk is on a host's local
				   datastore, which the proxy cannot see */
	DISK_REFUSED_QUESTION,	/* the VM is paused with a question pending
				   (its datastore is full) */
	DISK_REFUSAL_COUNT
};

const char *disk_refusal_name(enum disk_refusal r);

#define EVENT_NO_VM 0xffff
#define EVENT_NO_HOST 0xffff
#define EVENT_NO_PCPU 0xff

struct event {
	uint64_t seq;		/* 0, 1, 2... in emission order */
	uint64_t t_ns;		/* simulated time */
	uint16_t kind;		/* enum event_kind */
	uint16_t vm;		/* VM id or EVENT_NO_VM */
	uint16_t vcpu;
	union {
		struct {
			uint32_t eip;
			uint8_t len;
			uint8_t bytes[15];
			uint8_t vring;	/* ring the guest believes it is in */
			uint8_t cpl;	/* real CPL on the CPU */
			uint8_t cls;	/* enum insn_class */
			uint8_t path;	/* enum insn_path: who acted */
			uint8_t why;	/* enum handler_why: how */
			uint8_t mode;	/* enum exec_mode */
			uint8_t xlat;	/* bt: 1 IDENT, 2 non-IDENT; else 0 */
		} insn;
		struct {
			uint32_t eip;
			uint16_t op;	/* enum x86_op of the instruction */
			uint8_t vector;	/* exception or INT vector */
			uint8_t action;	/* enum trap_action */
			uint8_t vring, cpl;
			uint8_t has_error;
			uint8_t exit_reason;	/* if vm_exit: SDM number */
			uint8_t vm_exit;	/* 1: the VMM was entered by a
					   VM exit (hw) */
			uint8_t faulted;	/* 1: the VMM's emulation of the
					   instruction ended in a fault for
					   the guest (the next trap event):
					   a and b mean nothing */
			uint32_t error;
			uint32_t a, b;	/* before/after, meaning per op */
			uint32_t c;	/* a third, per action (TRAP_MSI) */
		} trap;
		struct {
			uint32_t eip;
			uint16_t port;
			uint8_t size;	/* 1, 2 or 4 bytes */
			uint8_t dir;	/* enum io_dir */
			uint8_t device;	/* enum vmx_device (vmx.h) */
			uint32_t value;
		} io;
		struct {
			uint32_t offset;	/* into that device's output */
			uint32_t len;
			uint8_t device;	/* enum vmx_device: serial or parallel */
		} serial;
		struct {
			uint8_t step;	/* enum vmx_boot_step (vmx.h) */
			uint32_t a, b;
		} vmx;
		struct {
			uint8_t reason;	/* enum power_reason */
			uint8_t on;	/* 1 powered on, 0 off/halted */
			uint32_t status;	/* debug-exit value, fault eip... */
		} power;
		struct {
			uint8_t from, to;	/* virtual rings */
			uint8_t cpl;		/* real CPL now */
			uint32_t eip;
		} ring;
		struct {
			uint8_t from, to;	/* enum exec_mode */
			uint8_t reason;		/* enum mode_reason (bt.h) */
			uint32_t eip;		/* guest address */
		} mode;
		struct {
			uint32_t guest;		/* guest address of the unit */
			uint16_t guest_len;	/* its bytes */
			uint8_t n;		/* its instructions (<= 12) */
			uint8_t end;		/* enum unit_end (bt.h) */
			uint16_t ident;		/* bit i: instruction i IDENT */
			uint32_t tc;		/* the fragment in the TC */
			uint16_t tc_len;
		} translate;
		struct {
			uint16_t host;		/* host id */
			uint8_t pcpu;		/* physical CPU */
			uint8_t reason;		/* enum switch_reason */
			uint16_t from, to;	/* world ids in that host */
			uint32_t skew_us;	/* co-stop/co-start: the skew */
		} world;
		struct {
			uint16_t host;		/* host id */
			uint8_t action;		/* enum host_action */
			uint32_t a;		/* VMs affected, ... */
		} host;
		struct {
			uint16_t vm;		/* the VM's id in its cluster */
			uint16_t src, dst;	/* host indices in the cluster */
			uint8_t cluster;	/* which cluster of the world */
			uint8_t action;		/* enum cluster_action */
			uint8_t round;		/* pre-copy round (0 = all RAM) */
			uint8_t reason;		/* enum vmotion_refusal/_stop */
			uint8_t pct;		/* throttle %, or host state */
			uint32_t pages;		/* pages sent by this step */
			uint32_t left;		/* pages still to send */
			uint32_t us;		/* the step's duration, µs */
		} cluster;
		struct {
			uint16_t vm;		/* the VM's id in its cluster */
			uint16_t from, to;	/* host indices in the cluster */
			uint8_t cluster;	/* which cluster of the world */
			uint8_t action;		/* enum drs_action (drs.h) */
			uint8_t priority;	/* 1 mandatory .. 5 */
			uint8_t why;		/* enum drs_why (drs.h) */
			uint32_t mhz;		/* the VM's entitlement */
			uint32_t before_ppm;	/* imbalance x 10^6 */
			uint32_t after_ppm;
		} drs;
		struct {
			uint16_t vm;		/* VM id in its cluster, or 0xffff */
			uint16_t host;		/* the host concerned, or 0xffff */
			uint16_t other;		/* a second host (master, target) */
			uint8_t cluster;	/* which cluster of the world */
			uint8_t action;		/* enum ha_action (ha.h) */
			uint8_t priority;	/* enum ha_priority of the VM */
			uint32_t a;		/* per action: attempt, seconds... */
		} ha;
		struct {
			uint8_t op;		/* enum disk_op */
			uint8_t layer;		/* the file: 0 base, k the k-th delta */
			uint16_t host;		/* whose VMKernel, or EVENT_NO_HOST */
			uint32_t lba;		/* first sector */
			uint32_t n;		/* sectors (or bytes, for a copy) */
		} disk;
		struct {
			uint8_t engine;		/* enum cpu_engine (cpu.h) */
			uint32_t retranslations; /* the old engine's */
			uint32_t eip;		/* where the guest was */
		} engine;
		struct {
			uint32_t addr;		/* the first byte written */
			uint32_t len;		/* bytes from it */
			uint32_t units;		/* translation units dropped */
			uint8_t unit_max;	/* instructions per unit there now */
		} invalidate;
	} u;
};

/* A subscriber: called for each event whose kind is in its mask. */
typedef void event_fn(void *ctx, const struct event *ev);

struct event_log;

/*
 * Create a log keeping the last `capacity` events (0 = a default of about a
 * million).  Older events are dropped; event_log_total still counts them.
 */
int event_log_create(size_t capacity, struct event_log **out);
void event_log_destroy(struct event_log *log);

/*
 * Subscribe fn to the kinds in mask.  Subscribing to EV_INSN turns on
 * per-instruction events, which slows execution.  Returns a handle for
 * event_log_unsubscribe, or -1 if the table is full.
 */
int event_log_subscribe(struct event_log *log, unsigned mask,
			event_fn *fn, void *ctx);
void event_log_unsubscribe(struct event_log *log, int handle);

/* True if some subscriber wants per-instruction events. */
int event_log_wants_insns(const struct event_log *log);

/*
 * Stamp ev with the next sequence number, deliver it to subscribers and,
 * unless it is EV_INSN, retain it.  ev->t_ns, kind, vm, vcpu and the union
 * are the caller's.
 */
void event_log_emit(struct event_log *log, struct event *ev);

/* Events emitted so far (retained or not), and retained events. */
uint64_t event_log_total(const struct event_log *log);
size_t event_log_count(const struct event_log *log);

/* The i-th retained event, oldest first (i < event_log_count). */
const struct event *event_log_at(const struct event_log *log, size_t i);

/*
 * Go back in time: forget retained events numbered seq and later, and
 * number the next event seq.
 */
void event_log_truncate(struct event_log *log, uint64_t seq);

/* Forget every retained event (the sequence numbers go on). */
void event_log_clear(struct event_log *log);

const char *event_kind_name(enum event_kind k);

#endif
