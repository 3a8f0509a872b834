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

#include <stddef.h>

#include "event.h"

struct sim;

#define TRACE_LINE_MAX 1024

/* Format ev as one JSON object (no newline).  Returns its length. */
size_t trace_json(struct sim *s, const struct event *ev, char *buf,
		  size_t size);

/* Format ev as one line of English for people.  Returns its length. */
size_t trace_text(struct sim *s, const struct event *ev, char *buf,
		  size_t size);

/* What a trap event's a/b fields mean, in words ("virtual IF 1 -> 0"). */
void trace_trap_detail(const struct event *ev, char *buf, size_t size);

/* The assembly text of an instruction event ("mov eax, cr0"). */
void trace_insn_asm(struct sim *s, const struct event *ev, char *buf,
		    size_t size);

#endif
