/*
 * dev_serial.h - a 16550A UART (the PC's COM1 at I/O port 0x3f8).
 *
 * Eight registers, selected by the port offset 0..7 (National
 * Semiconductor PC16550D data sheet, table II):
 *
 *   0  THR (write) transmit holding / RBR (read) receive buffer
 *      with LCR.DLAB = 1: DLL, divisor latch low byte
 *   1  IER interrupt enable         (DLAB = 1: DLM, divisor latch high)
 *   2  IIR interrupt identification (read) / FCR FIFO control (write)
 *   3  LCR line control (bit 7 = DLAB)
 *   4  MCR modem control
 *   5  LSR line status: bit 5 THRE (transmitter ready), bit 6 TEMT (empty)
 *   6  MSR modem status
 *   7  SCR scratch
 *
 * A driver writes a character to THR after LSR says THRE; here the
 * transmitter is infinitely fast, so LSR always reads THRE | TEMT and every
 * byte written to THR lands in the output buffer at once.  Reset values are
 * those QEMU shows after its BIOS ran (MCR = 0x08, MSR = 0xb0).
 */
#ifndef SIM_DEV_SERIAL_H
#define SIM_DEV_SERIAL_H

#include <stddef.h>
#include <stdint.h>

#define SERIAL_COM1 0x3f8

struct serial {
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	char *out;		/* what was transmitted, up to max bytes */
	size_t len, cap;
	size_t max;		/* bytes kept: OUTBUF_MAX (outbuf.h) */
	uint64_t dropped;	/* bytes transmitted past max, not kept */
	size_t line_start;	/* offset of the current unfinished line */
};

void serial_init(struct serial *s);
/* A reset (power-on again): the registers as serial_init leaves them;
 * the output so far, its cap and its count of dropped bytes are kept. */
void serial_reset(struct serial *s);
void serial_free(struct serial *s);

uint8_t serial_read(struct serial *s, unsigned reg);

/*
 * Write register reg (0..7).  Returns 1 if the write transmitted a
 * character (it is now at s->out[s->len - 1]), 0 otherwise (including a
 * character dropped, and counted in s->dropped, because the output is
 * full or out of memory).
 */
int serial_write(struct serial *s, unsigned reg, uint8_t value);

#endif
