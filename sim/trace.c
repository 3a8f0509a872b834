/*
 * trace.c - formatting events as JSON lines and as English.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "disasm.h"
#include "bt.h"
#include "sim.h"
#include "trace.h"
#include "vmm.h"
#include "vmx.h"

/* A bounded string builder: appends never overflow, always terminate. */
struct sbuf {
	char *p;
	size_t size, len;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->len + 1 >= b->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->size - b->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n < b->size - b->len ? (size_t)n
						       : b->size - b->len - 1;
}

/* A JSON string literal, escaped (RFC 8259 section 7). */
static void sb_json_str(struct sbuf *b, const char *s, size_t n)
{
	sb_printf(b, "\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"': sb_printf(b, "\\\""); break;
		case '\\': sb_printf(b, "\\\\"); break;
		case '\n': sb_printf(b, "\\n"); break;
		case '\r': sb_printf(b, "\\r"); break;
		case '\t': sb_printf(b, "\\t"); break;
		default:
			if (c < 0x20 || c >= 0x7f)
				sb_printf(b, "\\u%04x", c);
			else
				sb_printf(b, "%c", c);
		}
	}
	sb_printf(b, "\"");
}

static const char *vm_name(struct sim *s, uint16_t id)
{
	struct vm *vm = sim_vm(s, id);

	return vm ? vm->name : "-";
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

void trace_trap_detail(const struct event *ev, char *buf, size_t size)
{
	uint32_t a = ev->u.trap.a, b = ev->u.trap.b;

	buf[0] = '\0';
	switch (ev->u.trap.action) {
	case TRAP_SOFT_INT:
		snprintf(buf, size, "INT 0x%02x through the guest's IDT, returns to 0x%08x",
			 ev->u.trap.vector, a);
		return;
	case TRAP_REFLECTED:
		snprintf(buf, size, "the guest's own %s: delivered through its IDT",
			 x86_vector_name(ev->u.trap.vector) ?
			 x86_vector_name(ev->u.trap.vector) : "exception");
		return;
	case TRAP_TRIPLE_FAULT:
		snprintf(buf, size, "triple fault");
		return;
	case TRAP_CALLOUT:
		if (ev->u.trap.op == X86_OP_RET || ev->u.trap.op == X86_OP_JMP ||
		    ev->u.trap.op == X86_OP_CALL) {
			snprintf(buf, size, "continue at 0x%08x", a);
			return;
		}
		break;
	case TRAP_VMM_EMULATED:
		switch (ev->u.trap.op) {
		case X86_OP_RDTSC:
			snprintf(buf, size, "virtual TSC = 0x%08x%08x", b, a);
			break;
		case X86_OP_MOV_TO_SREG: case X86_OP_POP_SREG:
		case X86_OP_LOAD_FAR_PTR:
			snprintf(buf, size, "SS = 0x%04x loaded as 0x%04x (ring compression)",
				 a, b);
			break;
		default:
			snprintf(buf, size, "far return to 0x%04x:0x%08x done by the VMM",
				 b, a);
			break;
		}
		return;
	default:
		break;
	}
	switch (ev->u.trap.op) {
	case X86_OP_CLI: case X86_OP_STI:
		snprintf(buf, size, "virtual IF %u -> %u", a, b);
		break;
	case X86_OP_HLT:
		snprintf(buf, size, a ? "vCPU waits for an interrupt"
				      : "halted with interrupts off");
		break;
	case X86_OP_LGDT:
		snprintf(buf, size, "virtual GDTR = 0x%08x/0x%04x (shadowed)", a, b);
		break;
	case X86_OP_LIDT:
		snprintf(buf, size, "virtual IDTR = 0x%08x/0x%04x", a, b);
		break;
	case X86_OP_LLDT:
		snprintf(buf, size, "virtual LDTR 0x%04x -> 0x%04x", a, b);
		break;
	case X86_OP_LTR:
		snprintf(buf, size, "virtual TR 0x%04x -> 0x%04x", a, b);
		break;
	case X86_OP_RDMSR: case X86_OP_WRMSR:
		snprintf(buf, size, "MSR 0x%x = 0x%08x", a, b);
		break;
	case X86_OP_MOV_FROM_CR: case X86_OP_MOV_FROM_DR:
		snprintf(buf, size, "reads virtual value 0x%08x", b);
		break;
	case X86_OP_MOV_TO_CR: case X86_OP_MOV_TO_DR:
	case X86_OP_LMSW: case X86_OP_CLTS:
		snprintf(buf, size, "virtual 0x%08x -> 0x%08x", a, b);
		break;
	default:
		break;
	}
}

static void common(struct sbuf *b, struct sim *s, const struct event *ev,
		   bool vcpu)
{
	sb_printf(b, "{\"seq\":%llu,\"t_ns\":%llu,\"kind\":\"%s\",\"vm\":",
		  (unsigned long long)ev->seq, (unsigned long long)ev->t_ns,
		  event_kind_name((enum event_kind)ev->kind));
	sb_json_str(b, vm_name(s, ev->vm), strlen(vm_name(s, ev->vm)));
	if (vcpu)
		sb_printf(b, ",\"vcpu\":%u", ev->vcpu);
}

static void json_insn(struct sbuf *b, struct sim *s, const struct event *ev)
{
	char text[X86_TEXT_MAX];
	enum path_hop hops[PATH_MAX_HOPS];
	int n = path_hops((enum insn_path)ev->u.insn.path, hops);

	sb_printf(b, ",\"eip\":\"0x%08x\",\"bytes\":\"", ev->u.insn.eip);
	for (int i = 0; i < ev->u.insn.len; i++)
		sb_printf(b, "%02x", ev->u.insn.bytes[i]);
	trace_insn_asm(s, ev, text, sizeof text);
	sb_printf(b, "\",\"asm\":");
	sb_json_str(b, text, strlen(text));
	sb_printf(b, ",\"vring\":%u,\"cpl\":%u,\"class\":\"%s\",\"mode\":\"%s\",\"path\":[",
		  ev->u.insn.vring, ev->u.insn.cpl,
		  class_name((enum insn_class)ev->u.insn.cls),
		  exec_mode_name((enum exec_mode)ev->u.insn.mode));
	for (int i = 0; i < n; i++)
		sb_printf(b, "%s\"%s\"", i ? "," : "", hop_name(hops[i]));
	sb_printf(b, "]");
	if (ev->u.insn.xlat)
		sb_printf(b, ",\"xlat\":\"%s\"",
			  ev->u.insn.xlat == 1 ? "ident" : "non-ident");
	sb_printf(b, "}");
}

size_t trace_json(struct sim *s, const struct event *ev, char *buf,
		  size_t size)
{
	struct sbuf b = { buf, size, 0 };
	char detail[160];
	const char *out;
	size_t len;
	struct vm *vm;

	buf[0] = '\0';
	switch (ev->kind) {
	case EV_INSN:
		common(&b, s, ev, true);
		json_insn(&b, s, ev);
		break;
	case EV_SERIAL:
		common(&b, s, ev, false);
		vm = sim_vm(s, ev->vm);
		out = vm ? vm_serial(vm, &len) : "";
		sb_printf(&b, ",\"text\":");
		sb_json_str(&b, out + ev->u.serial.offset, ev->u.serial.len);
		sb_printf(&b, "}");
		break;
	case EV_TRAP:
		common(&b, s, ev, true);
		trace_trap_detail(ev, detail, sizeof detail);
		sb_printf(&b, ",\"eip\":\"0x%08x\",\"insn\":\"%s\",\"vector\":%u,\"action\":\"%s\",\"vring\":%u,\"cpl\":%u",
			  ev->u.trap.eip, x86_op_name((enum x86_op)ev->u.trap.op),
			  ev->u.trap.vector,
			  trap_action_name((enum trap_action)ev->u.trap.action),
			  ev->u.trap.vring, ev->u.trap.cpl);
		if (ev->u.trap.has_error)
			sb_printf(&b, ",\"error\":\"0x%04x\"", ev->u.trap.error);
		if (ev->u.trap.action == TRAP_VM_EXIT)
			sb_printf(&b, ",\"exit_reason\":%u,\"exit\":\"%s\"",
				  ev->u.trap.exit_reason,
				  vmm_exit_reason_name(ev->u.trap.exit_reason));
		sb_printf(&b, ",\"detail\":");
		sb_json_str(&b, detail, strlen(detail));
		sb_printf(&b, "}");
		break;
	case EV_IO:
		common(&b, s, ev, true);
		sb_printf(&b, ",\"eip\":\"0x%08x\",\"port\":\"0x%04x\",\"dir\":\"%s\",\"size\":%u,\"value\":\"0x%0*x\",\"device\":\"%s\"}",
			  ev->u.io.eip, ev->u.io.port,
			  ev->u.io.dir == IO_OUT ? "out" : "in", ev->u.io.size,
			  ev->u.io.size * 2, ev->u.io.value,
			  vmx_device_name((enum vmx_device)ev->u.io.device));
		break;
	case EV_VMX:
		common(&b, s, ev, false);
		sb_printf(&b, ",\"step\":\"%s\",\"a\":%u,\"b\":%u}",
			  vmx_boot_step_name((enum vmx_boot_step)ev->u.vmx.step),
			  ev->u.vmx.a, ev->u.vmx.b);
		break;
	case EV_POWER:
		common(&b, s, ev, false);
		sb_printf(&b, ",\"on\":%s,\"reason\":\"%s\",\"status\":%u}",
			  ev->u.power.on ? "true" : "false",
			  power_reason_name((enum power_reason)ev->u.power.reason),
			  ev->u.power.status);
		break;
	case EV_RING:
		common(&b, s, ev, true);
		sb_printf(&b, ",\"from\":%u,\"to\":%u,\"cpl\":%u,\"eip\":\"0x%08x\"}",
			  ev->u.ring.from, ev->u.ring.to, ev->u.ring.cpl,
			  ev->u.ring.eip);
		break;
	case EV_MODE:
		common(&b, s, ev, true);
		sb_printf(&b, ",\"from\":\"%s\",\"to\":\"%s\",\"eip\":\"0x%08x\",\"reason\":\"%s\"}",
			  exec_mode_name((enum exec_mode)ev->u.mode.from),
			  exec_mode_name((enum exec_mode)ev->u.mode.to),
			  ev->u.mode.eip,
			  mode_reason_name((enum mode_reason)ev->u.mode.reason));
		break;
	case EV_TRANSLATE:
		common(&b, s, ev, true);
		sb_printf(&b, ",\"guest\":\"0x%08x\",\"guest_len\":%u,\"insns\":%u,\"end\":\"%s\",\"tc\":\"0x%08x\",\"tc_len\":%u,\"ident\":[",
			  ev->u.translate.guest, ev->u.translate.guest_len,
			  ev->u.translate.n,
			  unit_end_name((enum unit_end)ev->u.translate.end),
			  ev->u.translate.tc, ev->u.translate.tc_len);
		for (int i = 0; i < ev->u.translate.n; i++)
			sb_printf(&b, "%s%s", i ? "," : "",
				  (ev->u.translate.ident >> i) & 1 ? "true" : "false");
		sb_printf(&b, "]}");
		break;
	default:
		common(&b, s, ev, false);
		sb_printf(&b, "}");
		break;
	}
	return b.len;
}

size_t trace_text(struct sim *s, const struct event *ev, char *buf,
		  size_t size)
{
	struct sbuf b = { buf, size, 0 };
	char text[X86_TEXT_MAX], detail[160];
	const char *vec;

	buf[0] = '\0';
	sb_printf(&b, "%12.3f us  %-4s ", (double)ev->t_ns / 1000.0,
		  vm_name(s, ev->vm));
	switch (ev->kind) {
	case EV_INSN:
		trace_insn_asm(s, ev, text, sizeof text);
		sb_printf(&b, "%08x  %-28s ring %u (cpl %u)  %-10s %-6s %s",
			  ev->u.insn.eip, text, ev->u.insn.vring, ev->u.insn.cpl,
			  class_name((enum insn_class)ev->u.insn.cls),
			  ev->u.insn.xlat == 1 ? "IDENT" :
			  ev->u.insn.xlat == 2 ? "rewr." :
			  exec_mode_name((enum exec_mode)ev->u.insn.mode),
			  path_text((enum insn_path)ev->u.insn.path));
		break;
	case EV_TRAP:
		trace_trap_detail(ev, detail, sizeof detail);
		vec = x86_vector_name(ev->u.trap.vector);
		if (ev->u.trap.action == TRAP_VM_EXIT) {
			sb_printf(&b, "%08x  VM exit (%s) on %s", ev->u.trap.eip,
				  vmm_exit_reason_name(ev->u.trap.exit_reason),
				  x86_op_name((enum x86_op)ev->u.trap.op));
		} else if (ev->u.trap.action == TRAP_CALLOUT) {
			sb_printf(&b, "%08x  callout to the VMM for %s",
				  ev->u.trap.eip,
				  x86_op_name((enum x86_op)ev->u.trap.op));
		} else {
			sb_printf(&b, "%08x  trap %s", ev->u.trap.eip,
				  vec ? vec : "INT");
			if (!vec)
				sb_printf(&b, " 0x%02x", ev->u.trap.vector);
			sb_printf(&b, " on %s: %s",
				  x86_op_name((enum x86_op)ev->u.trap.op),
				  trap_action_name((enum trap_action)ev->u.trap.action));
		}
		if (detail[0])
			sb_printf(&b, " (%s)", detail);
		break;
	case EV_IO:
		sb_printf(&b, "%08x  %s port 0x%04x %s 0x%x (%s)", ev->u.io.eip,
			  ev->u.io.dir == IO_OUT ? "out" : "in", ev->u.io.port,
			  ev->u.io.dir == IO_OUT ? "<-" : "->", ev->u.io.value,
			  vmx_device_name((enum vmx_device)ev->u.io.device));
		break;
	case EV_SERIAL:
		sb_printf(&b, "serial output line (%u bytes)", ev->u.serial.len);
		break;
	case EV_VMX:
		sb_printf(&b, "VMX bootstrap: %s",
			  vmx_boot_step_name((enum vmx_boot_step)ev->u.vmx.step));
		break;
	case EV_POWER:
		sb_printf(&b, "power %s: %s (status 0x%x)",
			  ev->u.power.on ? "on" : "off",
			  power_reason_name((enum power_reason)ev->u.power.reason),
			  ev->u.power.status);
		break;
	case EV_RING:
		sb_printf(&b, "%08x  guest moves from ring %u to ring %u (real CPL %u)",
			  ev->u.ring.eip, ev->u.ring.from, ev->u.ring.to,
			  ev->u.ring.cpl);
		break;
	case EV_MODE:
		sb_printf(&b, "%08x  execution mode %s -> %s: %s", ev->u.mode.eip,
			  exec_mode_name((enum exec_mode)ev->u.mode.from),
			  exec_mode_name((enum exec_mode)ev->u.mode.to),
			  mode_reason_name((enum mode_reason)ev->u.mode.reason));
		break;
	case EV_TRANSLATE:
		sb_printf(&b, "%08x  translated %u instructions (%u bytes, ends: %s) into %u bytes at 0x%08x",
			  ev->u.translate.guest, ev->u.translate.n,
			  ev->u.translate.guest_len,
			  unit_end_name((enum unit_end)ev->u.translate.end),
			  ev->u.translate.tc_len, ev->u.translate.tc);
		break;
	default:
		break;
	}
	return b.len;
}
