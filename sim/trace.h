/*
 * trace.h - events written down: one JSON object per line, or plain text.
 *
 * The JSON form is a contract other tools parse.  An instruction event:
 *
 *   {"seq":12,"t_ns":3400,"kind":"insn","vm":"vm0","vcpu":0,
 *    "eip":"0x00100000","bytes":"fa","asm":"cli","vring":0,"cpl":1,
 *    "class":"privileged","mode":"te",
 *    "path":["guest","vmm","vmkernel","vmm","guest"]}
 *
 * and a line of guest output:
 *
 *   {"seq":40,"t_ns":91000,"kind":"serial","vm":"vm0","text":"hello\n"}
 *
 * docs/trace-format.md lists every kind and field.  Formatting never
 * prints: it fills a caller's buffer.
 */
#ifndef SIM_TRACE_H
#define SIM_TRACE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct sim;

#define TRACE_LINE_MAX 1024

/*
 * The fields of an event, one at a time, in the order the JSON trace writes
 * them.  trace_json() is built on this, and so is every other reader that
 * wants the trace's field names and values (the Lua scenarios' events{}
 * iterator), so there is exactly one list of fields.
 *
 *   TRACE_INT    an unsigned number: num            JSON 12
 *   TRACE_STR    text: str, len bytes (not NUL-terminated in general)
 *                                                   JSON "text", escaped
 *   TRACE_HEX    a number written in hex: num, width hex digits
 *                                                   JSON "0x00100000"
 *   TRACE_BOOL   num is 0 or 1                      JSON true / false
 *   TRACE_LIST   the start of an array named key; the elements follow
 *                with key NULL; TRACE_END closes it  JSON [...]
 *
 * Strings live only for the duration of the callback.
 */
enum trace_type {
	TRACE_INT = 0,
	TRACE_STR,
	TRACE_HEX,
	TRACE_BOOL,
	TRACE_LIST,
	TRACE_END
};

struct trace_field {
	const char *key;	/* "eip"; NULL for an element of a list */
	enum trace_type type;
	const char *str;	/* TRACE_STR */
	size_t len;		/* TRACE_STR: bytes in str */
	uint64_t num;		/* TRACE_INT, TRACE_HEX, TRACE_BOOL */
	int width;		/* TRACE_HEX: digits after 0x */
};

/* Called once per field (ctx is the caller's). */
typedef void trace_field_fn(void *ctx, const struct trace_field *f);

/* Visit every field of ev, in trace order, starting with seq and t_ns. */
void trace_fields(struct sim *s, const struct event *ev, trace_field_fn *fn,
		  void *ctx);

/*
 * Append a formatted string at buf[*len] (buf holds size bytes): never
 * overflows, always terminates, truncates what does not fit and moves *len
 * past what was written.  Every printer of events builds its lines so.
 */
void trace_vappend(char *buf, size_t size, size_t *len, const char *fmt,
		   va_list ap);

/*
 * Write s (n bytes) as a JSON string literal, quotes included and escaped
 * as RFC 8259 asks, into buf.  Returns its length (truncated to fit).
 */
size_t trace_json_string(const char *s, size_t n, char *buf, size_t size);

/* Format ev as one JSON object (no newline).  Returns its length. */
size_t trace_json(struct sim *s, const struct event *ev, char *buf,
		  size_t size);

/* Format ev as one line of English for people.  Returns its length. */
size_t trace_text(struct sim *s, const struct event *ev, char *buf,
		  size_t size);

/* What a trap event's a/b fields mean, in words ("virtual IF 1 -> 0"). */
void trace_trap_detail(const struct event *ev, char *buf, size_t size);

/* Whether a trap event carries a vector (see trace_trap.c). */
bool trace_trap_has_vector(const struct event *ev);

/* The assembly text of an instruction event ("mov eax, cr0"). */
void trace_insn_asm(struct sim *s, const struct event *ev, char *buf,
		    size_t size);

#endif
