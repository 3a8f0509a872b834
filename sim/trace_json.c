/*
 * trace_json.c - an event as one JSON object per line (the trace contract,
 * docs/trace-format.md), written from trace_fields, and the bounded string
 * builder that every trace printer appends to.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "trace.h"
#include "trace_priv.h"

void trace_vappend(char *buf, size_t size, size_t *len, const char *fmt,
		   va_list ap)
{
	int n;

	if (size == 0 || *len + 1 >= size)
		return;
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	if (n > 0)
		*len += (size_t)n < size - *len ? (size_t)n : size - *len - 1;
}

void trace_sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	trace_vappend(b->p, b->size, &b->len, fmt, ap);
	va_end(ap);
}

/* A JSON string literal, escaped (RFC 8259 section 7). */
static void sb_json_str(struct sbuf *b, const char *s, size_t n)
{
	trace_sb_printf(b, "\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"': trace_sb_printf(b, "\\\""); break;
		case '\\': trace_sb_printf(b, "\\\\"); break;
		case '\n': trace_sb_printf(b, "\\n"); break;
		case '\r': trace_sb_printf(b, "\\r"); break;
		case '\t': trace_sb_printf(b, "\\t"); break;
		default:
			if (c < 0x20 || c >= 0x7f)
				trace_sb_printf(b, "\\u%04x", c);
			else
				trace_sb_printf(b, "%c", c);
		}
	}
	trace_sb_printf(b, "\"");
}

size_t trace_json_string(const char *s, size_t n, char *buf, size_t size)
{
	struct sbuf b = { buf, size, 0 };

	buf[0] = '\0';
	sb_json_str(&b, s, n);
	return b.len;
}

/* ---- JSON: the fields written as one object ------------------------------ */

struct json {
	struct sbuf b;
	bool first;		/* no field written yet (object or list) */
};

static void json_field(void *ctx, const struct trace_field *f)
{
	struct json *j = ctx;

	if (f->type == TRACE_END) {
		trace_sb_printf(&j->b, "]");
		j->first = false;
		return;
	}
	trace_sb_printf(&j->b, j->first ? "" : ",");
	j->first = false;
	if (f->key)
		trace_sb_printf(&j->b, "\"%s\":", f->key);
	switch (f->type) {
	case TRACE_INT:
		trace_sb_printf(&j->b, "%llu", (unsigned long long)f->num);
		break;
	case TRACE_STR:
		sb_json_str(&j->b, f->str, f->len);
		break;
	case TRACE_HEX:
		trace_sb_printf(&j->b, "\"0x%0*llx\"", f->width,
			  (unsigned long long)f->num);
		break;
	case TRACE_BOOL:
		trace_sb_printf(&j->b, f->num ? "true" : "false");
		break;
	case TRACE_LIST:
		trace_sb_printf(&j->b, "[");
		j->first = true;
		break;
	default:
		break;
	}
}

size_t trace_json(struct sim *s, const struct event *ev, char *buf,
		  size_t size)
{
	struct json j = { { buf, size, 0 }, true };

	buf[0] = '\0';
	trace_sb_printf(&j.b, "{");
	trace_fields(s, ev, json_field, &j);
	trace_sb_printf(&j.b, "}");
	return j.b.len;
}
