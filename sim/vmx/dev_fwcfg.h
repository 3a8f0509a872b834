/*
 * dev_fwcfg.h - QEMU's firmware configuration interface (fw_cfg), the
 * minimal part a kernel asks: the signature, the CPU count, the RAM size.
 *
 * On a QEMU PC the guest writes a 16-bit item number ("key") to the
 * selector port 0x510, then reads the item's bytes one at a time from the
 * data port 0x511 (QEMU docs/specs/fw_cfg.txt, the "legacy" I/O
 * interface).  The VMX emulates it (a slow device).  Items kept here:
 *   0x0000  FW_CFG_SIGNATURE  "QEMU"
 *   0x0001  FW_CFG_ID         1 (traditional interface only, no DMA)
 *   0x0003  FW_CFG_RAM_SIZE   64-bit, bytes
 *   0x0005  FW_CFG_NB_CPUS    16-bit
 * Any other item reads as zeros, as an item QEMU does not have.
 */
#ifndef SIM_DEV_FWCFG_H
#define SIM_DEV_FWCFG_H

#include <stdint.h>

#define FWCFG_PORT_SEL  0x510
#define FWCFG_PORT_DATA 0x511

struct fwcfg {
	uint16_t key;		/* the item selected */
	uint32_t off;		/* the next byte of it */
	/* the machine it describes (set by the VMX) */
	uint64_t ram_bytes;
	uint16_t cpus;
};

void fwcfg_init(struct fwcfg *f, uint64_t ram_bytes, uint16_t cpus);
void fwcfg_select(struct fwcfg *f, uint16_t key);
uint8_t fwcfg_read(struct fwcfg *f);

#endif
