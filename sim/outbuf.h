/*
 * outbuf.h - an append-only byte buffer: what a device has printed.
 *
 * The serial port's and the printer's output only ever grow (stepping
 * back just remembers a shorter length), so one doubling buffer serves
 * both.
 */
#ifndef SIM_OUTBUF_H
#define SIM_OUTBUF_H

#include <stddef.h>
#include <stdlib.h>

/*
 * Append byte c to *out (len bytes used of cap).  Returns 1, or 0 if the
 * buffer could not grow (out of memory: the byte is lost, nothing else).
 */
static inline int outbuf_put(char **out, size_t *len, size_t *cap, char c)
{
	if (*len == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4096;
		char *p = realloc(*out, ncap);

		if (p == NULL)
			return 0;
		*out = p;
		*cap = ncap;
	}
	(*out)[(*len)++] = c;
	return 1;
}

#endif
