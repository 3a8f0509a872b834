/*
 * dev_serial.c - the 16550A UART register file (see dev_serial.h).
 */
#include <stdlib.h>
#include <string.h>

#include "vmx/dev_serial.h"
#include "outbuf.h"

#define LCR_DLAB 0x80
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define IIR_NO_INTERRUPT 0x01

void serial_init(struct serial *s)
{
	memset(s, 0, sizeof *s);
	s->mcr = 0x08;		/* OUT2, as the PC BIOS leaves it */
	s->dll = 0x01;		/* 115200 baud */
	s->max = OUTBUF_MAX;
}

void serial_reset(struct serial *s)
{
	struct serial kept = *s;

	serial_init(s);
	s->out = kept.out;
	s->len = kept.len;
	s->cap = kept.cap;
	s->max = kept.max;
	s->dropped = kept.dropped;
	s->line_start = kept.len;	/* a new line after the reset */
}

void serial_free(struct serial *s)
{
	free(s->out);
	s->out = NULL;
}

uint8_t serial_read(struct serial *s, unsigned reg)
{
	switch (reg & 7) {
	case 0: return (s->lcr & LCR_DLAB) ? s->dll : 0;	/* no input */
	case 1: return (s->lcr & LCR_DLAB) ? s->dlm : s->ier;
	case 2: return IIR_NO_INTERRUPT;
	case 3: return s->lcr;
	case 4: return s->mcr;
	case 5: return LSR_THRE | LSR_TEMT;
	case 6: return 0xb0;	/* DCD, DSR, CTS: a terminal is attached */
	default: return s->scr;
	}
}

static int emit_byte(struct serial *s, uint8_t c)
{
	return outbuf_put(&s->out, &s->len, &s->cap, s->max, &s->dropped,
			  (char)c);
}

int serial_write(struct serial *s, unsigned reg, uint8_t value)
{
	switch (reg & 7) {
	case 0:
		if (s->lcr & LCR_DLAB) {
			s->dll = value;
			return 0;
		}
		return emit_byte(s, value);
	case 1:
		if (s->lcr & LCR_DLAB)
			s->dlm = value;
		else
			s->ier = value & 0x0f;
		return 0;
	case 2: return 0;	/* FIFO control: nothing to do */
	case 3: s->lcr = value; return 0;
	case 4: s->mcr = value & 0x1f; return 0;
	case 7: s->scr = value; return 0;
	default: return 0;	/* LSR and MSR are read-only */
	}
}
