/*
 * dev_fwcfg.c - QEMU's fw_cfg, legacy I/O interface (dev_fwcfg.h).
 */
#include <string.h>

#include "vmx/dev_fwcfg.h"

void fwcfg_init(struct fwcfg *f, uint64_t ram_bytes, uint16_t cpus)
{
	memset(f, 0, sizeof *f);
	f->ram_bytes = ram_bytes;
	f->cpus = cpus;
}

void fwcfg_select(struct fwcfg *f, uint16_t key)
{
	f->key = key;
	f->off = 0;		/* selecting starts the item over */
}

/* Byte i of a little-endian value of n bytes, 0 past its end. */
static uint8_t le_byte(uint64_t v, uint32_t n, uint32_t i)
{
	return i < n ? (uint8_t)(v >> (8 * i)) : 0;
}

uint8_t fwcfg_read(struct fwcfg *f)
{
	uint32_t i = f->off;
	uint8_t b;

	switch (f->key) {
	case 0x0000: b = i < 4 ? (uint8_t)"QEMU"[i] : 0; break;
	case 0x0001: b = le_byte(1, 4, i); break;
	case 0x0003: b = le_byte(f->ram_bytes, 8, i); break;
	case 0x0005: b = le_byte(f->cpus, 2, i); break;
	default: b = 0; break;
	}
	if (f->off < UINT32_MAX)
		f->off++;
	return b;
}
