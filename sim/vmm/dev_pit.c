/*
 * dev_pit.c - the 8254 interval timer as a function of simulated time
 * (see dev_pit.h).
 *
 * Nothing here "ticks".  A counting channel remembers the clock tick at
 * which its count N was loaded (`start`); everything else is computed
 * from d = ticks counted since then: the count it shows, the level of its
 * OUT pin, the ticks at which OUT rises.  Writes that change the rules
 * first account for what happened under the old ones.
 */
#include <limits.h>
#include <string.h>

#include "vmm/dev_pit.h"

#define NS_PER_S 1000000000ull
#define NO_TICK UINT64_MAX

/* ---- time ---- */

/* Clock ticks from power-on to ns: floor(ns * PIT_HZ / 10^9), no overflow. */
static uint64_t tick_at(uint64_t ns)
{
	return ns / NS_PER_S * PIT_HZ + ns % NS_PER_S * PIT_HZ / NS_PER_S;
}

/* The first time at which tick `tick` has happened (UINT64_MAX: never). */
static uint64_t time_of(uint64_t tick)
{
	uint64_t q = tick / PIT_HZ, r = tick % PIT_HZ;
	uint64_t frac = (r * NS_PER_S + PIT_HZ - 1) / PIT_HZ;

	if (q > (UINT64_MAX - frac) / NS_PER_S)
		return UINT64_MAX;
	return q * NS_PER_S + frac;
}

/* ---- one channel: pure functions of the tick ---- */

static int eff_mode(const struct pit_channel *c)
{
	return c->mode > 5 ? c->mode - 4 : c->mode;	/* 6, 7 = 2, 3 */
}

static uint32_t modulus(const struct pit_channel *c)
{
	return c->bcd ? 10000 : 65536;
}

/* A low GATE stops counting in modes 0, 2, 3 and 4 (a trigger in 1, 5). */
static int held(const struct pit_channel *c)
{
	int m = eff_mode(c);

	return !c->gate && m != 1 && m != 5;
}

/* The count N in force at tick t, and the tick its period counts from. */
static uint32_t period_at(const struct pit_channel *c, uint64_t t,
			  uint64_t *start)
{
	if (c->pending && t >= c->switch_tick) {
		*start = c->next_start;
		return c->next_count;
	}
	*start = c->start;
	return c->count;
}

/* Ticks counted by tick t (frozen while the gate holds counting). */
static uint64_t counted(const struct pit_channel *c, uint64_t t, uint64_t start)
{
	if (held(c))
		return c->frozen;
	return t > start ? t - start : 0;
}

/*
 * Mode 3 counts by twos: OUT high for the first half of the period, low
 * for the second.  An odd N spends one extra clock high: the data sheet's
 * sequence is N, N-1, N-3 ... 2 while high and N, N-3, N-5 ... 2 while low.
 */
static uint32_t square_value(uint32_t n, uint64_t p)
{
	uint32_t high = (n + 1) / 2;

	if (p >= high)
		p -= high;
	else if (n & 1)
		return p == 0 ? n : n + 1 - 2 * (uint32_t)p;
	else
		return n - 2 * (uint32_t)p;
	if (n & 1)
		return p == 0 ? n : n - 1 - 2 * (uint32_t)p;
	return n - 2 * (uint32_t)p;
}

/* The counting element at tick t, 0..65536 (or 0..10000 in BCD). */
static uint32_t count_value(const struct pit_channel *c, uint64_t t)
{
	uint64_t start, d;
	uint32_t n, m = modulus(c);

	if (c->state != PIT_COUNTING)
		return c->count;
	n = period_at(c, t, &start);
	d = counted(c, t, start);
	switch (eff_mode(c)) {
	case 2: return n - (uint32_t)(d % n);
	case 3: return square_value(n, d % n);
	default: return (n + m - (uint32_t)(d % m)) % m;	/* wraps past 0 */
	}
}

static uint16_t to_bcd(uint32_t v)
{
	v %= 10000;
	return (uint16_t)((v / 1000) << 12 | (v / 100 % 10) << 8 |
			  (v / 10 % 10) << 4 | v % 10);
}

static uint32_t from_bcd(uint16_t raw)
{
	return (raw >> 12) * 1000u + (raw >> 8 & 15) * 100u +
	       (raw >> 4 & 15) * 10u + (raw & 15);
}

/* What a read of the counter shows: 16 bits, binary or BCD. */
static uint16_t shown(const struct pit_channel *c, uint64_t t)
{
	uint32_t v = count_value(c, t);

	return c->bcd ? to_bcd(v) : (uint16_t)v;
}

/* The level of OUT at tick t. */
static int out_at(const struct pit_channel *c, uint64_t t)
{
	uint64_t start, d;
	uint32_t n;

	if (c->state == PIT_IDLE)
		return eff_mode(c) != 0;	/* mode 0 starts low, others high */
	if (c->state == PIT_ARMED)
		return 1;
	n = period_at(c, t, &start);
	d = counted(c, t, start);
	switch (eff_mode(c)) {
	case 0: case 1: return d >= n;
	case 2: return held(c) || n < 2 || d % n != n - 1;
	case 3: return held(c) || n < 2 || d % n < (n + 1) / 2;
	default: return d != n;		/* 4, 5: one low clock at d = N */
	}
}

/* Rising edges at s + k*n (k >= 1) in the ticks (a, b]. */
static uint64_t periodic_edges(uint64_t s, uint32_t n, uint64_t a, uint64_t b)
{
	if (n < 2)
		return 0;
	if (a < s)
		a = s;
	if (b <= a)
		return 0;
	return (b - s) / n - (a - s) / n;
}

/* The first of those after tick t. */
static uint64_t periodic_next(uint64_t s, uint32_t n, uint64_t t)
{
	if (n < 2)
		return NO_TICK;
	if (t < s)
		return s + n;
	return s + ((t - s) / n + 1) * n;
}

/* The tick of a one-shot's rising edge (modes 0, 1, 4, 5). */
static uint64_t one_shot_edge(const struct pit_channel *c)
{
	int m = eff_mode(c);

	return c->start + c->count + (m == 4 || m == 5);
}

/* Rising edges of OUT in the ticks (a, b]. */
static uint64_t edges_in(const struct pit_channel *c, uint64_t a, uint64_t b)
{
	uint64_t e, n = 0;
	int m = eff_mode(c);

	if (c->state != PIT_COUNTING || held(c) || b <= a)
		return 0;
	if (m != 2 && m != 3) {
		e = one_shot_edge(c);
		return a < e && e <= b;
	}
	if (!c->pending || b <= c->switch_tick)
		return periodic_edges(c->start, c->count, a, b);
	if (a < c->switch_tick) {
		n = periodic_edges(c->start, c->count, a, c->switch_tick);
		a = c->switch_tick;
	}
	return n + periodic_edges(c->next_start, c->next_count, a, b);
}

/* The tick of the first rising edge after tick t, or NO_TICK. */
static uint64_t next_edge(const struct pit_channel *c, uint64_t t)
{
	uint64_t e;
	int m = eff_mode(c);

	if (c->state != PIT_COUNTING || held(c))
		return NO_TICK;
	if (m != 2 && m != 3) {
		e = one_shot_edge(c);
		return e > t ? e : NO_TICK;
	}
	if (c->pending && t >= c->switch_tick)
		return periodic_next(c->next_start, c->next_count, t);
	e = periodic_next(c->start, c->count, t);
	if (!c->pending || e <= c->switch_tick)
		return e;
	return periodic_next(c->next_start, c->next_count, c->switch_tick);
}

/* ---- changing a channel ---- */

/* Make a count that has taken over by tick t the current one. */
static void fold(struct pit_channel *c, uint64_t t)
{
	if (c->pending && t >= c->switch_tick) {
		c->start = c->next_start;
		c->count = c->next_count;
		c->pending = 0;
	}
}

/*
 * A count written while modes 2 or 3 are counting waits for the end of
 * the current period (mode 2) or half-period (mode 3).  A mode-3 switch
 * in mid-period starts the new count in its low half: its period is
 * reckoned from half a period before the switch.
 */
static void defer_count(struct pit_channel *c, uint32_t n, uint64_t t)
{
	uint64_t d = t - c->start, base, high = (c->count + 1) / 2;

	if (c->pending) {		/* rewritten before the switch */
		if (c->next_start != c->switch_tick)	/* a mid-period one */
			c->next_start = c->switch_tick - (n + 1) / 2;
		c->next_count = n;
		return;
	}
	c->next_count = n;
	c->pending = 1;
	base = c->start + d / c->count * c->count;
	if (eff_mode(c) == 3 && d % c->count < high) {
		c->switch_tick = base + high;
		c->next_start = c->switch_tick - (n + 1) / 2;
	} else {
		c->switch_tick = base + c->count;
		c->next_start = c->switch_tick;
	}
}

/* A count that must wait for the next gate trigger to load. */
static void await_trigger(struct pit_channel *c, uint32_t n)
{
	c->next_count = n;
	c->pending = 1;
	c->switch_tick = NO_TICK;
}

/* The count register is complete: what loading it does, per mode. */
static void load_count(struct pit_channel *c, uint16_t raw, uint64_t t)
{
	uint32_t n = c->bcd ? from_bcd(raw) : raw;
	int m = eff_mode(c);

	if (n == 0)
		n = modulus(c);			/* 0 means the largest count */
	switch (m) {
	case 1: case 5:
		/* a one-shot in progress is not disturbed: next trigger */
		if (c->state == PIT_COUNTING) {
			await_trigger(c, n);
		} else {
			c->count = n;
			c->state = PIT_ARMED;
		}
		return;
	case 2: case 3:
		if (c->state != PIT_COUNTING)
			break;			/* a first count starts at once */
		if (held(c))
			await_trigger(c, n);	/* the gate's rise restarts */
		else
			defer_count(c, n, t);
		return;
	default:
		break;				/* 0, 4: (re)start at once */
	}
	c->count = n;
	c->pending = 0;
	c->state = PIT_COUNTING;
	c->start = t;
	c->frozen = 0;
}

static void write_count(struct pit_channel *c, uint8_t v, uint64_t t)
{
	switch (c->access) {
	case 2:
		load_count(c, (uint16_t)(v << 8), t);
		break;
	case 3:
		if (!c->write_hi) {
			c->lsb = v;
			c->write_hi = 1;
			/* mode 0: "writing the first byte disables counting" */
			if (eff_mode(c) == 0)
				c->state = PIT_IDLE;
			break;
		}
		c->write_hi = 0;
		load_count(c, (uint16_t)(c->lsb | v << 8), t);
		break;
	default:
		load_count(c, v, t);
		break;
	}
}

/* GATE changes level (counter 2, through port 0x61). */
static void set_gate(struct pit_channel *c, int level, uint64_t t)
{
	uint64_t start;
	int m = eff_mode(c);

	if (level == c->gate)
		return;
	fold(c, t);
	if (!level) {
		period_at(c, t, &start);
		c->frozen = counted(c, t, start);
		c->gate = 0;
		return;
	}
	c->gate = 1;
	if (c->state == PIT_IDLE)
		return;
	if (m == 0 || m == 4) {		/* resume where it stopped */
		c->start = t - c->frozen;
		return;
	}
	if (c->pending) {		/* a trigger loads a waiting count */
		c->count = c->next_count;
		c->pending = 0;
	}
	c->state = PIT_COUNTING;	/* 1, 5: trigger; 2, 3: restart */
	c->start = t;
}

static uint8_t status_byte(const struct pit_channel *c, uint64_t t)
{
	int null = c->state != PIT_COUNTING || c->write_hi ||
		   (c->pending && t < c->switch_tick);

	return (uint8_t)(out_at(c, t) << 7 | null << 6 | (c->access & 3) << 4 |
			 c->mode << 1 | c->bcd);
}

/* Counter latch command: freeze the count for reading (once). */
static void latch_count(struct pit_channel *c, uint64_t t)
{
	if (c->latched)
		return;
	c->latch = shown(c, t);
	c->latched = c->access == 3 ? 2 : 1;
}

static uint8_t read_counter(struct pit_channel *c, uint64_t t)
{
	uint16_t v;
	int hi;

	if (c->status_latched) {
		c->status_latched = 0;
		return c->status;
	}
	if (c->latched) {
		v = c->latch;
		hi = c->access == 2 || (c->access == 3 && c->latched == 1);
		c->latched--;
	} else {
		v = shown(c, t);
		hi = c->access == 2 || (c->access == 3 && c->read_hi);
		if (c->access == 3)
			c->read_hi = !c->read_hi;
	}
	return hi ? (uint8_t)(v >> 8) : (uint8_t)v;
}

/* ---- the chip ---- */

/* Account for counter 0's edges up to now before anything changes. */
static void settle(struct pit *p, uint64_t now_ns)
{
	uint64_t t = tick_at(now_ns), n;

	if (now_ns <= p->last_ns)
		return;
	n = edges_in(&p->ch[0], tick_at(p->last_ns), t);
	p->edges = n > UINT32_MAX - p->edges ? UINT32_MAX : p->edges + (uint32_t)n;
	p->last_ns = now_ns;
	fold(&p->ch[0], t);
}

static void control_word(struct pit *p, uint8_t v, uint64_t t)
{
	struct pit_channel *c;
	int sel = v >> 6;

	if (sel == 3) {				/* read-back command */
		for (int i = 0; i < 3; i++) {
			if (!(v & (2 << i)))
				continue;
			c = &p->ch[i];
			if (!(v & 0x20))
				latch_count(c, t);
			if (!(v & 0x10) && !c->status_latched) {
				c->status = status_byte(c, t);
				c->status_latched = 1;
			}
		}
		return;
	}
	c = &p->ch[sel];
	if ((v >> 4 & 3) == 0) {
		latch_count(c, t);
		return;
	}
	c->access = v >> 4 & 3;
	c->mode = v >> 1 & 7;
	c->bcd = v & 1;
	c->state = PIT_IDLE;		/* "all control logic is reset" */
	c->pending = 0;
	c->write_hi = 0;
	c->read_hi = 0;
	c->latched = 0;
	c->status_latched = 0;
}

static void channel_reset(struct pit_channel *c, uint8_t mode, uint8_t access,
			  uint8_t gate, uint64_t t)
{
	memset(c, 0, sizeof *c);
	c->mode = mode;
	c->access = access;
	c->gate = gate;
	c->count = 65536;
	c->state = PIT_COUNTING;
	c->start = t;
}

void pit_init(struct pit *p, uint64_t now_ns)
{
	uint64_t t = tick_at(now_ns);

	memset(p, 0, sizeof *p);
	channel_reset(&p->ch[0], 2, 3, 1, t);	/* SeaBIOS: 18.2 Hz ticks */
	channel_reset(&p->ch[1], 3, 0, 1, t);	/* QEMU's reset state */
	channel_reset(&p->ch[2], 3, 0, 0, t);	/* gate low: not counting */
	p->last_ns = now_ns;
}

uint8_t pit_read(struct pit *p, uint16_t port, uint64_t now_ns)
{
	uint64_t t = tick_at(now_ns);

	if (port >= PIT_PORT && port < PIT_PORT + 3)
		return read_counter(&p->ch[port - PIT_PORT], t);
	if (port == PIT_PORT + 3)
		return 0;			/* write-only; QEMU reads 0 */
	if (port != PIT_PORT_B)
		return 0xff;
	p->refresh ^= 0x10;
	return (uint8_t)(p->ch[2].gate | p->speaker << 1 | p->refresh |
			 out_at(&p->ch[2], t) << 5);
}

void pit_write(struct pit *p, uint16_t port, uint8_t v, uint64_t now_ns)
{
	uint64_t t = tick_at(now_ns);
	int before;

	if ((port < PIT_PORT || port > PIT_PORT + 3) && port != PIT_PORT_B)
		return;
	settle(p, now_ns);
	before = out_at(&p->ch[0], t);
	if (port >= PIT_PORT && port < PIT_PORT + 3) {
		fold(&p->ch[port - PIT_PORT], t);
		write_count(&p->ch[port - PIT_PORT], v, t);
	} else if (port == PIT_PORT + 3) {
		control_word(p, v, t);
	} else {
		set_gate(&p->ch[2], v & 1, t);
		p->speaker = v >> 1 & 1;
	}
	if (!before && out_at(&p->ch[0], t) && p->edges < UINT32_MAX)
		p->edges++;			/* the write itself raised IRQ 0 */
}

uint64_t pit_next_irq0_ns(const struct pit *p, uint64_t now_ns)
{
	uint64_t t = tick_at(now_ns), e;

	if (p->edges || (now_ns > p->last_ns &&
			 edges_in(&p->ch[0], tick_at(p->last_ns), t)))
		return now_ns;			/* already due */
	e = next_edge(&p->ch[0], t);
	return e == NO_TICK ? UINT64_MAX : time_of(e);
}

int pit_update(struct pit *p, uint64_t now_ns)
{
	uint32_t n;

	settle(p, now_ns);
	n = p->edges;
	p->edges = 0;
	return n > INT_MAX ? INT_MAX : (int)n;
}

int pit_out(const struct pit *p, int channel, uint64_t now_ns)
{
	if (channel < 0 || channel > 2)
		return 0;
	return out_at(&p->ch[channel], tick_at(now_ns));
}
