/*
 * trace.c - an event's fields (trace_fields, which every printer reads)
 * and its line of English (trace_text).  The JSON printer is trace_json.c.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cluster/cluster.h"
#include "cluster/drs_ha_trace.h"
#include "cluster/vmotion.h"
#include "cpu/cpu.h"
#include "cpu/disasm.h"
#include "vmm/bt.h"
#include "sim.h"
#include "trace.h"
#include "trace_priv.h"
#include "handler.h"
#include "vmm/vmm.h"
#include "vmx/vmx.h"
#include "vmkernel/storage.h"
#include "vmkernel/vmkernel.h"
#include "vmkernel/world.h"

static const char *vm_name(struct sim *s, uint16_t id)
{
	struct vm *vm = sim_vm(s, id);

	return vm ? vm->name : "-";
}

/*
 * Does the VM's guest run in VT-x non-root mode (hw)?  There its kernel is
 * at its own ring 0, and the CPL that Unicorn runs it at underneath is
 * ringside's, not the model's (docs/fidelity.md): where the trace gives a
 * CPL it says "non-root" instead, and the JSON adds "nonroot":true.
 */
static bool vm_nonroot(struct sim *s, uint16_t id)
{
	struct vm *vm = sim_vm(s, id);

	return vm != NULL && vm->cfg.mode == MODE_HW;
}

void trace_insn_asm(struct sim *s, const struct event *ev, char *buf,
		    size_t size)
{
	struct x86_instruction in;

	memset(&in, 0, sizeof in);
	in.addr = ev->u.insn.eip;
	in.len = ev->u.insn.len;
	memcpy(in.bytes, ev->u.insn.bytes, in.len);
	disasm_text(sim_disasm(s), &in, buf, size);
}

/* ---- the fields of each kind (trace_fields) ---------------------------- */

/* Where the fields go: the caller's function and context. */
struct visit {
	struct sim *s;
	trace_field_fn *fn;
	void *ctx;
};

static void f_emit(struct visit *v, const char *key, enum trace_type type,
		   const char *str, size_t len, uint64_t num, int width)
{
	struct trace_field f = { key, type, str, len, num, width };

	v->fn(v->ctx, &f);
}

static void f_int(struct visit *v, const char *key, uint64_t n)
{
	f_emit(v, key, TRACE_INT, NULL, 0, n, 0);
}

static void f_str(struct visit *v, const char *key, const char *str)
{
	f_emit(v, key, TRACE_STR, str, strlen(str), 0, 0);
}

static void f_hex(struct visit *v, const char *key, uint64_t n, int width)
{
	f_emit(v, key, TRACE_HEX, NULL, 0, n, width);
}

static void f_bool(struct visit *v, const char *key, bool b)
{
	f_emit(v, key, TRACE_BOOL, NULL, 0, b, 0);
}

/* Every event starts so; events about a virtual CPU also name it. */
static void fields_common(struct visit *v, const struct event *ev, bool vcpu)
{
	f_int(v, "seq", ev->seq);
	f_int(v, "t_ns", ev->t_ns);
	f_str(v, "kind", event_kind_name((enum event_kind)ev->kind));
	f_str(v, "vm", vm_name(v->s, ev->vm));
	if (vcpu)
		f_int(v, "vcpu", ev->vcpu);
}

static void fields_insn(struct visit *v, const struct event *ev)
{
	char text[X86_TEXT_MAX], bytes[2 * sizeof ev->u.insn.bytes + 1];
	enum path_hop hops[PATH_MAX_HOPS];
	int n = path_hops((enum insn_path)ev->u.insn.path, hops);

	f_hex(v, "eip", ev->u.insn.eip, 8);
	bytes[0] = '\0';
	for (int i = 0; i < ev->u.insn.len && i < (int)sizeof ev->u.insn.bytes; i++)
		snprintf(bytes + 2 * i, 3, "%02x", ev->u.insn.bytes[i]);
	f_str(v, "bytes", bytes);
	trace_insn_asm(v->s, ev, text, sizeof text);
	f_str(v, "asm", text);
	f_int(v, "vring", ev->u.insn.vring);
	f_int(v, "cpl", ev->u.insn.cpl);
	if (ev->u.insn.mode == MODE_HW)
		f_bool(v, "nonroot", true);
	f_str(v, "class", class_name((enum insn_class)ev->u.insn.cls));
	f_str(v, "mode", exec_mode_name((enum exec_mode)ev->u.insn.mode));
	f_emit(v, "path", TRACE_LIST, NULL, 0, 0, 0);
	for (int i = 0; i < n; i++)
		f_str(v, NULL, hop_name(hops[i]));
	f_emit(v, NULL, TRACE_END, NULL, 0, 0, 0);
	f_str(v, "why", handler_why_name((enum handler_why)ev->u.insn.why));
	if (ev->u.insn.xlat)
		f_str(v, "xlat", ev->u.insn.xlat == 1 ? "ident" : "non-ident");
}

/*
 * A line of output.  The text is read from the device's output buffer;
 * `device` is written only for devices other than the serial port, so a
 * serial line reads as it always has.
 */
static void fields_serial(struct visit *v, const struct event *ev)
{
	size_t len = 0;
	const char *out = vm_output_line(sim_vm(v->s, ev->vm), ev, &len);

	if (out == NULL)	/* output rewound (stepping back) */
		f_emit(v, "text", TRACE_STR, "", 0, 0, 0);
	else
		f_emit(v, "text", TRACE_STR, out, len, 0, 0);
	if (ev->u.serial.device != DEV_NONE && ev->u.serial.device != DEV_SERIAL)
		f_str(v, "device",
		      vmx_device_name((enum vmx_device)ev->u.serial.device));
}

static void fields_trap(struct visit *v, const struct event *ev)
{
	char detail[160];

	trace_trap_detail(ev, detail, sizeof detail);
	f_hex(v, "eip", ev->u.trap.eip, 8);
	f_str(v, "insn", x86_op_name((enum x86_op)ev->u.trap.op));
	if (trace_trap_has_vector(ev))
		f_int(v, "vector", ev->u.trap.vector);
	f_str(v, "action", trap_action_name((enum trap_action)ev->u.trap.action));
	f_int(v, "vring", ev->u.trap.vring);
	f_int(v, "cpl", ev->u.trap.cpl);
	if (vm_nonroot(v->s, ev->vm))
		f_bool(v, "nonroot", true);
	if (ev->u.trap.has_error)
		f_hex(v, "error", ev->u.trap.error, 4);
	if (ev->u.trap.faulted)
		f_bool(v, "faulted", true);
	if (ev->u.trap.vm_exit) {
		f_int(v, "exit_reason", ev->u.trap.exit_reason);
		f_str(v, "exit", vmm_exit_reason_name(ev->u.trap.exit_reason));
	}
	if (ev->u.trap.action == TRAP_INTERRUPT)
		f_int(v, "irq", ev->u.trap.a);
	if (ev->u.trap.action == TRAP_IPI || ev->u.trap.action == TRAP_STARTUP ||
	    ev->u.trap.action == TRAP_MSI)
		f_int(v, "target", ev->u.trap.a);
	if (ev->u.trap.action == TRAP_MSI) {
		f_hex(v, "address", ev->u.trap.b, 8);
		f_hex(v, "data", ev->u.trap.c, 8);
	}
	f_str(v, "detail", detail);
}

static void fields_io(struct visit *v, const struct event *ev)
{
	f_hex(v, "eip", ev->u.io.eip, 8);
	f_hex(v, "port", ev->u.io.port, 4);
	f_str(v, "dir", ev->u.io.dir == IO_OUT ? "out" : "in");
	f_int(v, "size", ev->u.io.size);
	f_hex(v, "value", ev->u.io.value, ev->u.io.size * 2);
	f_str(v, "device", vmx_device_name((enum vmx_device)ev->u.io.device));
}

static void fields_translate(struct visit *v, const struct event *ev)
{
	f_hex(v, "guest", ev->u.translate.guest, 8);
	f_int(v, "guest_len", ev->u.translate.guest_len);
	f_int(v, "insns", ev->u.translate.n);
	f_str(v, "end", unit_end_name((enum unit_end)ev->u.translate.end));
	f_hex(v, "tc", ev->u.translate.tc, 8);
	f_int(v, "tc_len", ev->u.translate.tc_len);
	f_emit(v, "ident", TRACE_LIST, NULL, 0, 0, 0);
	for (int i = 0; i < ev->u.translate.n; i++)
		f_bool(v, NULL, (ev->u.translate.ident >> i) & 1);
	f_emit(v, NULL, TRACE_END, NULL, 0, 0, 0);
}

static const char *host_name(struct sim *s, uint16_t id)
{
	struct host *h = sim_host(s, id);

	return h ? h->name : "-";
}

/* A world of host `host` by id (ids are creation order, as host_world's). */
static const char *world_name(struct sim *s, uint16_t host, uint16_t id)
{
	struct host *h = sim_host(s, host);
	struct world *w = h ? host_world(h, id) : NULL;

	return w ? w->name : "-";
}

/*
 * On a hosted product the VMM does not own the CPU: entering or leaving a
 * VMM world is the VMM driver's world switch between the host OS's
 * context and the VMM's (page tables, IDT, everything).
 */
static const char *hosted_switch(struct sim *s, const struct event *ev)
{
	struct host *h = sim_host(s, ev->u.world.host);
	struct world *from = h ? host_world(h, ev->u.world.from) : NULL;
	struct world *to = h ? host_world(h, ev->u.world.to) : NULL;
	bool in = to && to->kind == WORLD_VMM;
	bool out = from && from->kind == WORLD_VMM;

	if (h == NULL || !host_kind_is_hosted(h->cfg.kind) || in == out)
		return "";
	return in ? "; the VMM driver world-switches from the host OS context into the VMM"
		  : "; the VMM driver world-switches back to the host OS context";
}

/*
 * The VMKernel's co-scheduler stopped or restarted a vCPU's world
 * (vmkernel_cosched.c): it ran too far ahead of its slowest sibling, or
 * that sibling caught up.
 */
static void cosched_text(struct sim *s, const struct event *ev,
			 struct sbuf *b)
{
	const char *from = world_name(s, ev->u.world.host, ev->u.world.from);
	const char *to = world_name(s, ev->u.world.host, ev->u.world.to);
	unsigned us = ev->u.world.skew_us;

	if (ev->u.world.reason == SWITCH_COSTOP)
		trace_sb_printf(b, "%s: the VMKernel co-stops %s: %u.%03u ms ahead of %s, past the %u ms skew threshold",
			  host_name(s, ev->u.world.host), from, us / 1000,
			  us % 1000, to, (unsigned)(VMKERNEL_COSTOP_SKEW_NS / 1000000));
	else
		trace_sb_printf(b, "%s: the VMKernel co-starts %s: %s caught up to %u.%03u ms behind",
			  host_name(s, ev->u.world.host), from, to,
			  us / 1000, us % 1000);
}

/* EV_CLUSTER: names from the cluster that emitted it. */
static void fields_cluster(struct visit *v, const struct event *ev)
{
	struct cluster *c = cluster_of_world(v->s, ev->u.cluster.cluster);
	const struct cluster_vm *vm = c ? cluster_vm(c, ev->u.cluster.vm) : NULL;
	const struct cluster_host *src = c ? cluster_host(c, ev->u.cluster.src) : NULL;
	const struct cluster_host *dst = c ? cluster_host(c, ev->u.cluster.dst) : NULL;
	enum cluster_action a = (enum cluster_action)ev->u.cluster.action;

	f_str(v, "cluster", c ? cluster_name(c) : "?");
	f_str(v, "action", cluster_action_name(a));
	if (a == CL_HOST_STATE) {
		f_str(v, "host", src ? src->host->name : "?");
		f_str(v, "state", chost_state_name((enum chost_state)ev->u.cluster.pct));
		return;
	}
	f_str(v, "cvm", vm ? vm->name : "?");
	f_str(v, "from", src ? src->host->name : "?");
	f_str(v, "to", dst ? dst->host->name : "?");
	f_int(v, "round", ev->u.cluster.round);
	f_int(v, "pages", ev->u.cluster.pages);
	f_int(v, "left", ev->u.cluster.left);
	f_int(v, "us", ev->u.cluster.us);
	f_int(v, "throttle", ev->u.cluster.pct);
	f_str(v, "reason", a == CL_VMOTION_REFUSED
		? vmotion_refusal_name((enum vmotion_refusal)ev->u.cluster.reason)
		: precopy_stop_name((enum precopy_stop)ev->u.cluster.reason));
}

static void fields_world(struct visit *v, const struct event *ev)
{
	f_str(v, "host", host_name(v->s, ev->u.world.host));
	f_int(v, "pcpu", ev->u.world.pcpu);
	f_str(v, "from", world_name(v->s, ev->u.world.host, ev->u.world.from));
	f_str(v, "to", world_name(v->s, ev->u.world.host, ev->u.world.to));
	f_str(v, "reason", switch_reason_name((enum switch_reason)ev->u.world.reason));
	if (ev->u.world.pcpu == EVENT_NO_PCPU)	/* a co-scheduling decision */
		f_int(v, "skew_us", ev->u.world.skew_us);
}

/* The storage path: which file of the VM's disk, on which datastore. */
static void fields_disk(struct visit *v, const struct event *ev)
{
	struct vm *vm = ev->vm == EVENT_NO_VM ? NULL : sim_vm(v->s, ev->vm);
	char file[128] = "";

	if (vm != NULL && vm->disk != NULL)
		storage_file_path(vm->disk, ev->u.disk.layer, file, sizeof file);
	f_str(v, "op", disk_op_name((enum disk_op)ev->u.disk.op));
	f_int(v, "lba", ev->u.disk.lba);
	f_int(v, "n", ev->u.disk.n);
	f_str(v, "file", file);
	f_str(v, "host", ev->u.disk.host == EVENT_NO_HOST ? "proxy" :
			 host_name(v->s, ev->u.disk.host));
	if (ev->u.disk.op == DISK_READ || ev->u.disk.op == DISK_WRITE ||
	    ev->u.disk.op == DISK_NO_SPACE)
		f_str(v, "path", "guest>vmm>vmkernel>datastore");
	if (ev->u.disk.op == DISK_REFUSED)
		f_str(v, "reason",
		      disk_refusal_name((enum disk_refusal)ev->u.disk.n));
}

/* A CPU's two Unicorn engines (cpu.h), as EV_ENGINE names them. */
static const char *engine_name(unsigned e)
{
	static const char *const names[] = {
		[CPU_FAST] = "fast", [CPU_STEP] = "step"
	};

	return e < sizeof names / sizeof names[0] ? names[e] : "?";
}

void trace_fields(struct sim *s, const struct event *ev, trace_field_fn *fn,
		  void *ctx)
{
	struct visit v = { s, fn, ctx };
	/* events about one virtual CPU carry its number */
	bool vcpu = ev->kind == EV_INSN || ev->kind == EV_TRAP ||
		    ev->kind == EV_IO || ev->kind == EV_RING ||
		    ev->kind == EV_MODE || ev->kind == EV_TRANSLATE ||
		    ev->kind == EV_ENGINE || ev->kind == EV_INVALIDATE;

	fields_common(&v, ev, vcpu);
	switch (ev->kind) {
	case EV_INSN:
		fields_insn(&v, ev);
		break;
	case EV_SERIAL:
		fields_serial(&v, ev);
		break;
	case EV_TRAP:
		fields_trap(&v, ev);
		break;
	case EV_IO:
		fields_io(&v, ev);
		break;
	case EV_VMX:
		f_str(&v, "step", vmx_boot_step_name((enum vmx_boot_step)ev->u.vmx.step));
		f_int(&v, "a", ev->u.vmx.a);
		f_int(&v, "b", ev->u.vmx.b);
		break;
	case EV_POWER:
		f_bool(&v, "on", ev->u.power.on);
		f_str(&v, "reason", power_reason_name((enum power_reason)ev->u.power.reason));
		f_int(&v, "status", ev->u.power.status);
		break;
	case EV_RING:
		f_int(&v, "from", ev->u.ring.from);
		f_int(&v, "to", ev->u.ring.to);
		f_int(&v, "cpl", ev->u.ring.cpl);
		if (vm_nonroot(s, ev->vm))
			f_bool(&v, "nonroot", true);
		f_hex(&v, "eip", ev->u.ring.eip, 8);
		break;
	case EV_MODE:
		f_str(&v, "from", exec_mode_name((enum exec_mode)ev->u.mode.from));
		f_str(&v, "to", exec_mode_name((enum exec_mode)ev->u.mode.to));
		f_hex(&v, "eip", ev->u.mode.eip, 8);
		f_str(&v, "reason", mode_reason_name((enum mode_reason)ev->u.mode.reason));
		break;
	case EV_TRANSLATE:
		fields_translate(&v, ev);
		break;
	case EV_WORLD:
		fields_world(&v, ev);
		break;
	case EV_CLUSTER:
		fields_cluster(&v, ev);
		break;
	case EV_DISK:
		fields_disk(&v, ev);
		break;
	case EV_ENGINE:
		f_str(&v, "engine", engine_name(ev->u.engine.engine));
		f_int(&v, "retranslations", ev->u.engine.retranslations);
		f_hex(&v, "eip", ev->u.engine.eip, 8);
		break;
	case EV_INVALIDATE:
		f_hex(&v, "addr", ev->u.invalidate.addr, 8);
		f_int(&v, "len", ev->u.invalidate.len);
		f_int(&v, "units", ev->u.invalidate.units);
		f_int(&v, "unit_max", ev->u.invalidate.unit_max);
		break;
	case EV_HOST:
		f_str(&v, "host", host_name(s, ev->u.host.host));
		f_str(&v, "action", host_action_name((enum host_action)ev->u.host.action));
		f_int(&v, "a", ev->u.host.a);
		break;
	case EV_DRS:
	case EV_HA:
		drs_ha_trace_fields(s, ev, fn, ctx);
		break;
	default:
		break;
	}
}

size_t trace_text(struct sim *s, const struct event *ev, char *buf,
		  size_t size)
{
	struct sbuf b = { buf, size, 0 };
	char text[X86_TEXT_MAX], detail[160], cpl[16];

	buf[0] = '\0';
	trace_sb_printf(&b, "%12.3f us  %-4s ", (double)ev->t_ns / 1000.0,
		  vm_name(s, ev->vm));
	switch (ev->kind) {
	case EV_INSN:
		trace_insn_asm(s, ev, text, sizeof text);
		if (ev->u.insn.mode == MODE_HW)
			snprintf(cpl, sizeof cpl, "non-root");
		else
			snprintf(cpl, sizeof cpl, "cpl %u", ev->u.insn.cpl);
		trace_sb_printf(&b, "%08x  %-28s ring %u (%s)  %-10s %-6s %s (%s)",
			  ev->u.insn.eip, text, ev->u.insn.vring, cpl,
			  class_name((enum insn_class)ev->u.insn.cls),
			  ev->u.insn.xlat == 1 ? "IDENT" :
			  ev->u.insn.xlat == 2 ? "rewr." :
			  exec_mode_name((enum exec_mode)ev->u.insn.mode),
			  path_text((enum insn_path)ev->u.insn.path),
			  handler_why_name((enum handler_why)ev->u.insn.why));
		break;
	case EV_TRAP:
		trace_trap_text(ev, &b);
		break;
	case EV_IO:
		trace_sb_printf(&b, "%08x  %s port 0x%04x %s 0x%x (%s)", ev->u.io.eip,
			  ev->u.io.dir == IO_OUT ? "out" : "in", ev->u.io.port,
			  ev->u.io.dir == IO_OUT ? "<-" : "->", ev->u.io.value,
			  vmx_device_name((enum vmx_device)ev->u.io.device));
		break;
	case EV_SERIAL:
		trace_sb_printf(&b, "serial output line (%u bytes)", ev->u.serial.len);
		break;
	case EV_VMX:
		if (ev->u.vmx.step == VMX_OUTPUT_FULL)
			trace_sb_printf(&b, "VMX: %s output full (%u bytes kept): the rest is dropped, only counted",
				  vmx_device_name((enum vmx_device)ev->u.vmx.a),
				  ev->u.vmx.b);
		else
			trace_sb_printf(&b, "VMX bootstrap: %s",
				  vmx_boot_step_name((enum vmx_boot_step)ev->u.vmx.step));
		break;
	case EV_POWER:
		trace_sb_printf(&b, "power %s: %s (status 0x%x)",
			  ev->u.power.on ? "on" :
			  ev->u.power.reason == POWER_NO_SPACE ? "paused" : "off",
			  power_reason_name((enum power_reason)ev->u.power.reason),
			  ev->u.power.status);
		break;
	case EV_RING:
		if (vm_nonroot(s, ev->vm))
			trace_sb_printf(&b, "%08x  guest moves from ring %u to ring %u (VT-x non-root mode)",
				  ev->u.ring.eip, ev->u.ring.from, ev->u.ring.to);
		else
			trace_sb_printf(&b, "%08x  guest moves from ring %u to ring %u (real CPL %u)",
				  ev->u.ring.eip, ev->u.ring.from, ev->u.ring.to,
				  ev->u.ring.cpl);
		break;
	case EV_MODE:
		trace_sb_printf(&b, "%08x  execution mode %s -> %s: %s", ev->u.mode.eip,
			  exec_mode_name((enum exec_mode)ev->u.mode.from),
			  exec_mode_name((enum exec_mode)ev->u.mode.to),
			  mode_reason_name((enum mode_reason)ev->u.mode.reason));
		break;
	case EV_TRANSLATE:
		trace_sb_printf(&b, "%08x  translated %u instructions (%u bytes, ends: %s) into %u bytes at 0x%08x",
			  ev->u.translate.guest, ev->u.translate.n,
			  ev->u.translate.guest_len,
			  unit_end_name((enum unit_end)ev->u.translate.end),
			  ev->u.translate.tc_len, ev->u.translate.tc);
		break;
	case EV_WORLD:
		if (ev->u.world.pcpu == EVENT_NO_PCPU) {
			cosched_text(s, ev, &b);
			break;
		}
		trace_sb_printf(&b, "%s pCPU %u: %s -> %s (%s)",
			  host_name(s, ev->u.world.host), ev->u.world.pcpu,
			  world_name(s, ev->u.world.host, ev->u.world.from),
			  world_name(s, ev->u.world.host, ev->u.world.to),
			  switch_reason_name((enum switch_reason)ev->u.world.reason));
		trace_sb_printf(&b, "%s", hosted_switch(s, ev));
		break;
	case EV_CLUSTER:
		trace_sb_printf(&b, "%s", cluster_event_text(s, ev, detail,
							 sizeof detail));
		break;
	case EV_DISK:
		storage_event_text(s, ev, detail, sizeof detail);
		trace_sb_printf(&b, "%s", detail);
		break;
	case EV_ENGINE:
		trace_sb_printf(&b, "%08x  new %s engine for the CPU after %u retranslations (Unicorn's memory bounded)",
			  ev->u.engine.eip, engine_name(ev->u.engine.engine),
			  ev->u.engine.retranslations);
		break;
	case EV_INVALIDATE:
		trace_sb_printf(&b, "%08x  code written (%u bytes): %u translated unit%s dropped; units there: up to %u instruction%s",
			  ev->u.invalidate.addr, ev->u.invalidate.len,
			  ev->u.invalidate.units,
			  ev->u.invalidate.units == 1 ? "" : "s",
			  ev->u.invalidate.unit_max,
			  ev->u.invalidate.unit_max == 1 ? "" : "s");
		break;
	case EV_HOST:
		trace_sb_printf(&b, "host %s: %s (%u)", host_name(s, ev->u.host.host),
			  host_action_name((enum host_action)ev->u.host.action),
			  ev->u.host.a);
		break;
	case EV_DRS:
	case EV_HA: {
		char line[256];

		drs_ha_trace_text(s, ev, line, sizeof line);
		trace_sb_printf(&b, "%s", line);
		break;
	}
	default:
		break;
	}
	return b.len;
}
