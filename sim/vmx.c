/*
 * vmx.c - the VMX user world: device emulation for the non-critical
 * devices, dispatched by I/O port.
 *
 * Port map (ISA PC conventions, plus QEMU's debug-exit device):
 *   0x080        POST code port: writes ignored (guests use it as a delay)
 *   0x0f4-0x0f7  debug-exit: a write of v powers the VM off; QEMU would
 *                exit with status (v << 1) | 1
 *   0x3f8-0x3ff  COM1, a 16550A UART
 * Everything else is an empty ISA bus: reads return all ones, writes are
 * dropped, as on a real PC.
 */
#include <stdlib.h>

#include "dev_serial.h"
#include "status.h"
#include "vm.h"
#include "vmx.h"

#define DEBUG_EXIT_PORT 0xf4
#define POST_PORT 0x80

struct vmx {
	struct vm *vm;		/* the VM this VMX serves */
	struct serial com1;
};

static const char *const device_names[DEV_COUNT] = {
	[DEV_NONE] = "none", [DEV_SERIAL] = "serial",
	[DEV_DEBUG_EXIT] = "debug-exit", [DEV_POST] = "post",
};

const char *vmx_device_name(enum vmx_device d)
{
	return (unsigned)d < DEV_COUNT ? device_names[d] : "?";
}

static const char *const step_names[VMX_BOOT_STEP_COUNT] = {
	[VMX_CREATE_WORLD] = "create-world",
	[VMX_ALLOC_MEMORY] = "alloc-memory",
	[VMX_LOAD_IMAGE] = "load-image",
	[VMX_CREATE_VMM] = "create-vmm",
	[VMX_START] = "start",
};

const char *vmx_boot_step_name(enum vmx_boot_step s)
{
	return (unsigned)s < VMX_BOOT_STEP_COUNT ? step_names[s] : "?";
}

int vmx_create(struct vm *vm, struct vmx **out)
{
	struct vmx *x = calloc(1, sizeof *x);

	if (x == NULL)
		return SIM_ENOMEM;
	x->vm = vm;
	serial_init(&x->com1);
	*out = x;
	return SIM_OK;
}

void vmx_destroy(struct vmx *x)
{
	if (x == NULL)
		return;
	serial_free(&x->com1);
	free(x);
}

enum vmx_device vmx_device_at(uint16_t port)
{
	if (port >= SERIAL_COM1 && port < SERIAL_COM1 + 8)
		return DEV_SERIAL;
	if (port >= DEBUG_EXIT_PORT && port < DEBUG_EXIT_PORT + 4)
		return DEV_DEBUG_EXIT;
	if (port == POST_PORT)
		return DEV_POST;
	return DEV_NONE;
}

uint32_t vmx_port_in(struct vmx *x, int vcpu, uint16_t port, int size)
{
	enum vmx_device dev = vmx_device_at(port);

	(void)vcpu;
	if (dev == DEV_SERIAL && size == 1)
		return serial_read(&x->com1, port - SERIAL_COM1);
	if (dev == DEV_DEBUG_EXIT)
		return 0;
	return size == 1 ? 0xffu : size == 2 ? 0xffffu : 0xffffffffu;
}

/* A completed line of output becomes one EV_SERIAL event. */
static void emit_line(struct vmx *x, int vcpu)
{
	struct serial *s = &x->com1;
	struct event ev = { .kind = EV_SERIAL };

	if (s->len == s->line_start)
		return;
	ev.u.serial.offset = (uint32_t)s->line_start;
	ev.u.serial.len = (uint32_t)(s->len - s->line_start);
	s->line_start = s->len;
	vm_emit(x->vm, vcpu, &ev);
}

void vmx_port_out(struct vmx *x, int vcpu, uint16_t port, int size,
		  uint32_t value)
{
	switch (vmx_device_at(port)) {
	case DEV_SERIAL:
		if (size == 1 &&
		    serial_write(&x->com1, port - SERIAL_COM1, (uint8_t)value) &&
		    x->com1.out[x->com1.len - 1] == '\n')
			emit_line(x, vcpu);
		break;
	case DEV_DEBUG_EXIT:
		vm_power_off(x->vm, POWER_DEBUG_EXIT, value);
		break;
	default:
		break;
	}
}

const char *vmx_serial_output(const struct vmx *x, size_t *len)
{
	*len = x->com1.len;
	return x->com1.out ? x->com1.out : "";
}

/*
 * Output is only ever appended, so a saved state keeps the registers and
 * the length: loading it forgets whatever was written afterwards.
 */
struct vmx_state {
	struct serial com1;	/* registers; out/cap unused */
};

int vmx_state_save(const struct vmx *x, struct vmx_state **out)
{
	struct vmx_state *st = malloc(sizeof *st);

	if (st == NULL)
		return SIM_ENOMEM;
	st->com1 = x->com1;
	st->com1.out = NULL;
	*out = st;
	return SIM_OK;
}

void vmx_state_load(struct vmx *x, const struct vmx_state *st)
{
	char *out = x->com1.out;
	size_t cap = x->com1.cap;

	x->com1 = st->com1;
	x->com1.out = out;
	x->com1.cap = cap;
}

void vmx_state_free(struct vmx_state *st)
{
	free(st);
}

void vmx_flush(struct vmx *x, int vcpu)
{
	emit_line(x, vcpu);
}
