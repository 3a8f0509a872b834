/*
 * dev_pit.h - the 8254 programmable interval timer (the PC's clock tick).
 *
 * A crystal feeds the PIT a 1,193,182 Hz clock (the old 14.31818 MHz
 * colour-TV crystal divided by 12).  Each of its three 16-bit counters
 * counts that clock down from a value the program wrote and changes its
 * output OUT on the way (Intel 8254 data sheet, 1993):
 *
 *   counter 0  port 0x40  OUT -> IRQ 0 of the PIC: the system timer
 *   counter 1  port 0x41  once the DRAM refresh request (unused today)
 *   counter 2  port 0x42  OUT -> the speaker, and readable at port 0x61
 *   control    port 0x43  control word: which counter, how to read and
 *                         write it, which mode; also the latch commands
 *
 * Control word: bits 7-6 counter (3 = read-back command), bits 5-4 access
 * (0 = latch the count, 1 = low byte only, 2 = high byte only, 3 = low
 * then high), bits 3-1 mode, bit 0 BCD.  The modes:
 *
 *   0  interrupt on terminal count: OUT low, high after N clocks (once)
 *   1  hardware one-shot: a gate edge starts an N-clock low pulse
 *   2  rate generator: OUT low for 1 clock in every N (periodic ticks)
 *   3  square wave: OUT high for N/2 clocks, low for N/2 (rounded up/down)
 *   4  software strobe: one 1-clock low pulse N clocks after the write
 *   5  hardware strobe: the same, started by a gate edge
 *
 * Port 0x61 (system control port B): bit 0 drives counter 2's GATE, bit 1
 * enables the speaker, bit 5 reads counter 2's OUT, bit 4 toggles at each
 * read as QEMU shows DRAM refresh.  Counters 0 and 1 have GATE wired high.
 *
 * Time: there is no wall clock here.  The counters are pure functions of
 * simulated time: clock ticks since power-on = now_ns * 1193182 / 10^9
 * (rounded down, exact integer arithmetic), so a guest polling a counter
 * or port 0x61 sees time pass exactly as the simulation decides.
 *
 * Modelled: every mode, binary and BCD counting, the counter latch and
 * read-back commands, status bytes, the gate (counting held in modes 0, 2,
 * 3, 4; triggers in 1, 2, 3, 5), a new count in modes 2 and 3 taking over
 * at the end of the current period (half-period in mode 3).  Simplified:
 * a count takes effect on the clock edge at which it is written, not one
 * clock later (as QEMU does); counts of 1 in modes 2 and 3, illegal per the
 * data sheet, keep OUT high.
 *
 * The state is plain data: it can be copied by value (checkpoints).
 */
#ifndef SIM_DEV_PIT_H
#define SIM_DEV_PIT_H

#include <stdint.h>

#define PIT_HZ 1193182u		/* input clock, Hz */
#define PIT_PORT 0x40		/* counters 0x40-0x42, control 0x43 */
#define PIT_PORT_B 0x61		/* system control port B */

/* One counter. */
struct pit_channel {
	uint8_t mode;		/* 0-7 as written (6 and 7 act as 2 and 3) */
	uint8_t access;		/* 1 low byte, 2 high byte, 3 both (0: as 1) */
	uint8_t bcd;		/* counting in binary-coded decimal */
	uint8_t gate;		/* level of the GATE input */
	uint8_t state;		/* PIT_IDLE, PIT_ARMED or PIT_COUNTING */
	uint8_t write_hi;	/* 2-byte access: the next write is the MSB */
	uint8_t read_hi;	/* 2-byte access: the next read is the MSB */
	uint8_t latched;	/* bytes of the latched count still to read */
	uint8_t status_latched;	/* a status byte waits to be read */
	uint8_t status;		/* that status byte */
	uint8_t lsb;		/* 2-byte write: the low byte written so far */
	uint8_t pending;	/* modes 2, 3: next_count loads at switch_tick */
	uint16_t latch;		/* the latched count */
	uint32_t count;		/* the count N (1..65536, or 1..10000 in BCD) */
	uint32_t next_count;	/* a count written while counting (modes 2, 3) */
	uint64_t start;		/* clock tick at which the count was loaded */
	uint64_t switch_tick;	/* when next_count takes over */
	uint64_t next_start;	/* then the tick its period counts from */
	uint64_t frozen;	/* ticks counted when the gate held counting */
};

/* The chip plus port 0x61.  Copyable by value. */
struct pit {
	struct pit_channel ch[3];
	uint64_t last_ns;	/* time of the last pit_update */
	uint32_t edges;		/* IRQ-0 rising edges not yet reported */
	uint8_t speaker;	/* port 0x61 bit 1 */
	uint8_t refresh;	/* port 0x61 bit 4 */
};

enum pit_state {
	PIT_IDLE = 0,		/* control word written, waiting for a count */
	PIT_ARMED,		/* modes 1, 5: count written, waiting for a gate edge */
	PIT_COUNTING		/* counting from `start` */
};

/*
 * The state QEMU 7.2 shows a Multiboot kernel after SeaBIOS (measured with
 * read-back status commands): counter 0 in mode 2, low-then-high access,
 * binary, count 65536 (18.2 Hz); counters 1 and 2 in QEMU's reset state,
 * mode 3, count 65536; counter 2's gate low (port 0x61 bits 0, 1 clear).
 * Counting starts at now_ns.
 */
void pit_init(struct pit *p, uint64_t now_ns);

/*
 * Read port 0x40-0x42 (latched status, latched count or the live count,
 * per the access mode), 0x43 (reads 0, as QEMU) or 0x61.  Other ports
 * read 0xff.
 */
uint8_t pit_read(struct pit *p, uint16_t port, uint64_t now_ns);

/* Write port 0x40-0x43 or 0x61; other ports are ignored. */
void pit_write(struct pit *p, uint16_t port, uint8_t v, uint64_t now_ns);

/*
 * The simulated time of the next rising edge of counter 0's OUT (IRQ 0)
 * strictly after now_ns, or UINT64_MAX if none will come.  If a write
 * already produced an edge that pit_update has not reported yet (e.g. a
 * control word that drove OUT from low to high), it is due at once:
 * returns now_ns.
 */
uint64_t pit_next_irq0_ns(const struct pit *p, uint64_t now_ns);

/*
 * How many rising edges counter 0's OUT made in (time of the previous
 * update, now_ns], plus those writes made since; records now_ns.  The
 * caller pulses IRQ 0 at the PIC once per edge (pic_pulse_irq).
 */
int pit_update(struct pit *p, uint64_t now_ns);

/* Counter 2's OUT (port 0x61 bit 5) at now_ns: for tests and views. */
int pit_out(const struct pit *p, int channel, uint64_t now_ns);

#endif
