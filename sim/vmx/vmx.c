/*
 * vmx.c - the VMX user world: device emulation for the non-critical
 * devices, dispatched by I/O port.
 *
 * Port map (ISA PC conventions, plus QEMU's debug-exit device):
 *   0x080        POST code port: writes ignored (guests use it as a delay)
 *   0x0f4-0x0f7  debug-exit: a write of v powers the VM off; QEMU would
 *                exit with status (v << 1) | 1
 *   0x170-0x177  secondary IDE channel: the ATAPI CD-ROM drive
 *   0x376        ... its device control / alternate status register
 *   0x378-0x37a  LPT1, a parallel printer port
 *   0x3f8-0x3ff  COM1, a 16550A UART
 * Everything else is an empty ISA bus: reads return all ones, writes are
 * dropped, as on a real PC.  (The PIC and the PIT are not here: they are
 * the VMM's own, vmm_irq.c.)
 *
 * The VMX's devices reach the guest's interrupt controller the way a card
 * on the ISA bus does: the parallel port raises IRQ 7, the secondary IDE
 * channel IRQ 15, and the VMM's virtual PIC latches them.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmx/dev_atapi.h"
#include "vmx/dev_fwcfg.h"
#include "vmx/dev_parallel.h"
#include "vmx/dev_serial.h"
#include "status.h"
#include "vm.h"
#include "vmx/vmx.h"

#define DEBUG_EXIT_PORT 0xf4
#define POST_PORT 0x80
#define IDE2_BASE 0x170
#define IDE2_CONTROL 0x376
#define IRQ_PARALLEL 7
#define IRQ_IDE2 15

/* A device's output, cut into lines for EV_SERIAL events. */
struct out_lines {
	size_t line_start;	/* offset of the current unfinished line */
};

struct vmx {
	struct vm *vm;		/* the VM this VMX serves */
	struct serial com1;
	struct parallel lpt1;
	struct out_lines lpt1_lines;
	struct atapi cd;
	struct fwcfg fwcfg;	/* what the firmware tells the kernel */
};

static const char *const device_names[DEV_COUNT] = {
	[DEV_NONE] = "none", [DEV_SERIAL] = "serial",
	[DEV_DEBUG_EXIT] = "debug-exit", [DEV_POST] = "post",
	[DEV_PARALLEL] = "parallel", [DEV_CDROM] = "cdrom",
	[DEV_PIC] = "pic", [DEV_PIT] = "pit", [DEV_DISK] = "disk",
	[DEV_FWCFG] = "fw-cfg",
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
	[VMX_OPEN_DISK] = "open-disk",
	[VMX_OUTPUT_FULL] = "output-full",
};

const char *vmx_boot_step_name(enum vmx_boot_step s)
{
	return (unsigned)s < VMX_BOOT_STEP_COUNT ? step_names[s] : "?";
}

int vmx_create(struct vm *vm, const char *cdrom, struct vmx **out,
	       char err[GUEST_ERR_MAX])
{
	struct vmx *x = calloc(1, sizeof *x);
	int rc;

	if (x == NULL)
		return SIM_ENOMEM;
	x->vm = vm;
	serial_init(&x->com1);
	parallel_init(&x->lpt1);
	if (cdrom != NULL) {
		rc = atapi_open(&x->cd, cdrom, err, GUEST_ERR_MAX);
		if (rc != SIM_OK) {
			vmx_destroy(x);
			return rc;
		}
	} else {
		atapi_init_empty(&x->cd);
	}
	*out = x;
	return SIM_OK;
}

void vmx_destroy(struct vmx *x)
{
	if (x == NULL)
		return;
	serial_free(&x->com1);
	parallel_free(&x->lpt1);
	atapi_close(&x->cd);
	free(x);
}

void vmx_reset(struct vmx *x)
{
	struct atapi cd = x->cd;

	/* the devices start afresh; what was printed stays printed, and the
	 * disc stays in the drive */
	serial_reset(&x->com1);
	/* the machine the firmware describes: its RAM and its CPUs */
	fwcfg_init(&x->fwcfg, (uint64_t)x->vm->cfg.mem_mb << 20,
		   (uint16_t)x->vm->cfg.vcpus);
	parallel_reset(&x->lpt1);
	x->lpt1_lines.line_start = x->lpt1.len;
	if (cd.fd >= 0) {
		char err[GUEST_ERR_MAX];

		atapi_close(&x->cd);
		if (atapi_open(&x->cd, cd.path, err, sizeof err) != SIM_OK)
			atapi_init_empty(&x->cd);	/* the file went away */
	} else {
		atapi_init_empty(&x->cd);
	}
}

enum vmx_device vmx_device_at(uint16_t port)
{
	if (port >= SERIAL_COM1 && port < SERIAL_COM1 + 8)
		return DEV_SERIAL;
	if (port >= PARALLEL_LPT1 && port < PARALLEL_LPT1 + 3)
		return DEV_PARALLEL;
	if ((port >= IDE2_BASE && port < IDE2_BASE + 8) || port == IDE2_CONTROL)
		return DEV_CDROM;
	if (port >= DEBUG_EXIT_PORT && port < DEBUG_EXIT_PORT + 4)
		return DEV_DEBUG_EXIT;
	if (port == POST_PORT)
		return DEV_POST;
	if (port == FWCFG_PORT_SEL || port == FWCFG_PORT_DATA)
		return DEV_FWCFG;
	return DEV_NONE;
}

/* The VMX's devices' interrupt lines, as the VMM's PIC sees them. */
static void update_irqs(struct vmx *x)
{
	pic_set_irq(&x->vm->pic, IRQ_PARALLEL, parallel_irq(&x->lpt1));
	pic_set_irq(&x->vm->pic, IRQ_IDE2, atapi_irq(&x->cd));
}

uint32_t vmx_port_in(struct vmx *x, int vcpu, uint16_t port, int size)
{
	uint32_t value;

	(void)vcpu;
	switch (vmx_device_at(port)) {
	case DEV_SERIAL:
		if (size == 1)
			return serial_read(&x->com1, port - SERIAL_COM1);
		break;
	case DEV_PARALLEL:
		if (size == 1) {
			value = parallel_read(&x->lpt1, port - PARALLEL_LPT1);
			update_irqs(x);
			return value;
		}
		break;
	case DEV_CDROM:
		value = atapi_read(&x->cd, port, size);
		update_irqs(x);
		return value;
	case DEV_DEBUG_EXIT:
		return 0;
	case DEV_FWCFG:
		if (port == FWCFG_PORT_DATA && size == 1)
			return fwcfg_read(&x->fwcfg);
		break;
	default:
		break;
	}
	return size == 1 ? 0xffu : size == 2 ? 0xffffu : 0xffffffffu;
}

/* A completed line of a device's output becomes one EV_SERIAL event. */
static void emit_line(struct vmx *x, int vcpu, enum vmx_device dev,
		      size_t *line_start, size_t len)
{
	struct event ev = { .kind = EV_SERIAL };

	if (len == *line_start)
		return;
	ev.u.serial.offset = (uint32_t)*line_start;
	ev.u.serial.len = (uint32_t)(len - *line_start);
	ev.u.serial.device = (uint8_t)dev;
	*line_start = len;
	vm_emit(x->vm, vcpu, &ev);
}

/*
 * A byte written to a device's output (stored: whether it was kept), with
 * `dropped` its count of dropped bytes before the write.  A completed line
 * becomes an EV_SERIAL event.  The first byte dropped ends the line so
 * far (the printers show all that was kept) and is said by one EV_VMX
 * output-full event; later ones are only counted.
 */
static void output_written(struct vmx *x, int vcpu, enum vmx_device dev,
			   bool stored, uint64_t dropped)
{
	bool lpt = dev == DEV_PARALLEL;
	const char *out = lpt ? x->lpt1.out : x->com1.out;
	size_t len = lpt ? x->lpt1.len : x->com1.len;
	size_t *line_start = lpt ? &x->lpt1_lines.line_start :
				   &x->com1.line_start;
	struct event ev = { .kind = EV_VMX };

	if (stored && out[len - 1] == '\n')
		emit_line(x, vcpu, dev, line_start, len);
	if (stored || dropped != 0 ||
	    (lpt ? x->lpt1.dropped : x->com1.dropped) == 0)
		return;
	emit_line(x, vcpu, dev, line_start, len);
	ev.u.vmx.step = VMX_OUTPUT_FULL;
	ev.u.vmx.a = (uint32_t)dev;
	ev.u.vmx.b = (uint32_t)len;
	vm_emit(x->vm, vcpu, &ev);
}

void vmx_port_out(struct vmx *x, int vcpu, uint16_t port, int size,
		  uint32_t value)
{
	uint64_t dropped;
	bool stored;

	switch (vmx_device_at(port)) {
	case DEV_SERIAL:
		if (size != 1)
			break;
		dropped = x->com1.dropped;
		stored = serial_write(&x->com1, port - SERIAL_COM1,
				      (uint8_t)value);
		output_written(x, vcpu, DEV_SERIAL, stored, dropped);
		break;
	case DEV_PARALLEL:
		if (size == 1) {
			dropped = x->lpt1.dropped;
			stored = parallel_write(&x->lpt1, port - PARALLEL_LPT1,
						(uint8_t)value);
			output_written(x, vcpu, DEV_PARALLEL, stored, dropped);
		}
		update_irqs(x);
		break;
	case DEV_CDROM:
		atapi_write(&x->cd, port, size, value);
		update_irqs(x);
		break;
	case DEV_DEBUG_EXIT:
		vm_power_off(x->vm, POWER_DEBUG_EXIT, value);
		break;
	case DEV_FWCFG:
		if (port == FWCFG_PORT_SEL && size == 2)
			fwcfg_select(&x->fwcfg, (uint16_t)value);
		break;
	default:
		break;
	}
}

const char *vmx_output(const struct vmx *x, enum vmx_device dev,
		       size_t *len)
{
	if (dev == DEV_PARALLEL) {
		*len = x->lpt1.len;
		return x->lpt1.out ? x->lpt1.out : "";
	}
	*len = x->com1.len;
	return x->com1.out ? x->com1.out : "";
}

uint64_t vmx_output_dropped(const struct vmx *x, enum vmx_device dev)
{
	return dev == DEV_PARALLEL ? x->lpt1.dropped : x->com1.dropped;
}

void vmx_set_output_max(struct vmx *x, size_t max)
{
	x->com1.max = max;
	x->lpt1.max = max;
}

const char *vmx_serial_output(const struct vmx *x, size_t *len)
{
	return vmx_output(x, DEV_SERIAL, len);
}

const char *vmx_cdrom_path(const struct vmx *x)
{
	return x->cd.fd >= 0 ? x->cd.path : NULL;
}

/*
 * The VMX's devices: their registers and what they have printed so far
 * (so the state moves to another VMX whole, as VMotion needs), with each
 * output's length and count of dropped bytes: loading a checkpoint
 * forgets whatever was written, or dropped, afterwards.
 */
struct vmx_state {
	struct serial com1;	/* registers, len, dropped; out/cap unused */
	struct parallel lpt1;	/* the same */
	struct out_lines lpt1_lines;
	struct atapi_regs cd;	/* the drive; the disc does not change */
	struct fwcfg fwcfg;
	char *com1_out, *lpt1_out;	/* com1.len, lpt1.len bytes */
};

/* A copy of len bytes (NULL for none); false if out of memory. */
static bool copy_out(char **dst, const char *src, size_t len)
{
	*dst = NULL;
	if (len == 0)
		return true;
	*dst = malloc(len);
	if (*dst == NULL)
		return false;
	memcpy(*dst, src, len);
	return true;
}

int vmx_state_save(const struct vmx *x, struct vmx_state **out)
{
	struct vmx_state *st = calloc(1, sizeof *st);

	if (st == NULL)
		return SIM_ENOMEM;
	st->com1 = x->com1;
	st->com1.out = NULL;
	st->lpt1 = x->lpt1;
	st->lpt1.out = NULL;
	st->lpt1_lines = x->lpt1_lines;
	st->cd = x->cd.r;
	st->fwcfg = x->fwcfg;
	if (!copy_out(&st->com1_out, x->com1.out, x->com1.len) ||
	    !copy_out(&st->lpt1_out, x->lpt1.out, x->lpt1.len)) {
		vmx_state_free(st);
		return SIM_ENOMEM;
	}
	*out = st;
	return SIM_OK;
}

/* Make *buf (cap bytes) hold len bytes from src. */
static int put_out(char **buf, size_t *cap, const char *src, size_t len)
{
	if (len > *cap) {
		char *p = realloc(*buf, len);

		if (p == NULL)
			return SIM_ENOMEM;
		*buf = p;
		*cap = len;
	}
	if (len > 0)
		memcpy(*buf, src, len);
	return SIM_OK;
}

int vmx_state_load(struct vmx *x, const struct vmx_state *st)
{
	char *out = x->com1.out, *lout = x->lpt1.out;
	size_t cap = x->com1.cap, lcap = x->lpt1.cap;
	int rc = put_out(&out, &cap, st->com1_out, st->com1.len);

	if (rc == SIM_OK)
		rc = put_out(&lout, &lcap, st->lpt1_out, st->lpt1.len);
	x->com1.out = out;	/* (grown or not, the buffers stay ours) */
	x->com1.cap = cap;
	x->lpt1.out = lout;
	x->lpt1.cap = lcap;
	if (rc != SIM_OK)
		return rc;	/* out of memory: nothing else changed */
	x->fwcfg = st->fwcfg;
	x->com1 = st->com1;
	x->com1.out = out;
	x->com1.cap = cap;
	x->lpt1 = st->lpt1;
	x->lpt1.out = lout;
	x->lpt1.cap = lcap;
	x->lpt1_lines = st->lpt1_lines;
	x->cd.r = st->cd;
	return SIM_OK;
}

void vmx_state_free(struct vmx_state *st)
{
	if (st == NULL)
		return;
	free(st->com1_out);
	free(st->lpt1_out);
	free(st);
}

void vmx_flush(struct vmx *x, int vcpu)
{
	emit_line(x, vcpu, DEV_SERIAL, &x->com1.line_start, x->com1.len);
	emit_line(x, vcpu, DEV_PARALLEL, &x->lpt1_lines.line_start,
		  x->lpt1.len);
}
