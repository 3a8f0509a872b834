/*
 * outbuf.h - an append-only byte buffer: what a device has printed.
 *
 * The serial port's and the printer's output only ever grow (stepping
 * back just remembers a shorter length), so one doubling buffer serves
 * both.
 *
 * It is bounded.  A guest can send without end: `rep outsb` with ECX near
 * 4G sends four billion bytes, one per iteration, and every byte kept
 * for the VM's whole life reached 950 MB of memory (issue 14).  A device
 * keeps its first OUTBUF_MAX bytes; past them each byte is dropped and
 * only counted (the device's `dropped`), and the VMX says so once, with
 * an event (vmx.c).  16 MiB is some 200,000 lines of 80 columns, more
 * than any lesson prints or a student reads, and small beside guest RAM;
 * a checkpoint copies the output too (vmx_state_save), so the cap also
 * bounds what stepping back keeps per checkpoint.
 */
#ifndef SIM_OUTBUF_H
#define SIM_OUTBUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define OUTBUF_MAX (16u << 20)	/* bytes a device keeps */

/*
 * Append byte c to *out (len bytes used of cap), which may hold max
 * bytes.  Returns 1, or 0 if the byte was dropped: the buffer is full
 * (len == max) or could not grow (out of memory); *dropped counts those.
 */
static inline int outbuf_put(char **out, size_t *len, size_t *cap,
			     size_t max, uint64_t *dropped, char c)
{
	if (*len >= max) {
		(*dropped)++;
		return 0;
	}
	if (*len == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4096;
		char *p;

		if (ncap > max)
			ncap = max;
		p = realloc(*out, ncap);
		if (p == NULL) {
			(*dropped)++;
			return 0;
		}
		*out = p;
		*cap = ncap;
	}
	(*out)[(*len)++] = c;
	return 1;
}

#endif
