/*
 * trace_priv.h - what the trace's printers (trace.c, trace_json.c,
 * trace_trap.c) share: a bounded string builder.  Not public API.
 */
#ifndef SIM_TRACE_PRIV_H
#define SIM_TRACE_PRIV_H

#include <stddef.h>

#include "event.h"

/* A bounded string builder: appends never overflow, always terminate. */
struct sbuf {
	char *p;
	size_t size, len;
};

void trace_sb_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A trap event's text line after the time and the VM (trace_trap.c). */
void trace_trap_text(const struct event *ev, struct sbuf *b);

#endif
