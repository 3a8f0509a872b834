/* ide.c - IDENTIFY data and ATA strings, for both IDE drives (ide.h). */
#include <string.h>

#include "vmm/ide.h"

void ide_identify_words(uint8_t buf[512], const struct ide_word *w,
			size_t nw)
{
	memset(buf, 0, 512);
	for (size_t i = 0; i < nw; i++) {
		buf[2 * w[i].n] = (uint8_t)w[i].v;
		buf[2 * w[i].n + 1] = (uint8_t)(w[i].v >> 8);
	}
}

enum ide_srst ide_srst_edge(uint8_t was, uint8_t now)
{
	if (!(was & IDE_SRST) && (now & IDE_SRST))
		return IDE_SRST_ASSERTED;
	if ((was & IDE_SRST) && !(now & IDE_SRST))
		return IDE_SRST_RELEASED;
	return IDE_SRST_SAME;
}

void ide_put_string(uint8_t *p, size_t n, const char *s, int swap)
{
	for (size_t i = 0; i < n; i++)
		p[i ^ (size_t)swap] = (uint8_t)(*s ? *s++ : ' ');
}
