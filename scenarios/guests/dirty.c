/* dirty.c - a guest that keeps writing its memory: what VMotion must chase.
 *
 * Pass after pass it rewrites a working set (an eighth of its memory, at
 * most 4 MiB: one word in every 64 bytes), reads all of it back twice,
 * and prints a checksum line: about 400 MiB/s of dirtied memory at
 * ringside's 1,000 MHz, which a 1,000 MiB/s link can outrun.  Every line depends on every write before it,
 * so a migration that lost or repeated a write, or an instruction, would
 * change the lines that follow.  Nothing here depends on time: the same
 * lines come out on QEMU, on ringside unmoved, and on ringside moved
 * between hosts in the middle of the run.
 */
#include "lib.h"

#define PASSES 24
#define BASE 0x200000u          /* 2 MiB: above the kernel and its stack */
#define STRIDE 16u              /* words: one write per 64 bytes */

struct multiboot_info {
    u32 flags;
    u32 mem_lower, mem_upper;   /* KiB below 1 MiB, above 1 MiB */
};

int kmain(u32 magic, struct multiboot_info *mbi);
int kmain(u32 magic, struct multiboot_info *mbi)
{
    u32 top = 0x100000u + mbi->mem_upper * 1024u;
    u32 wss = (top - BASE) / 8;
    volatile u32 *mem = (volatile u32 *)BASE;
    u32 words, sum = magic;

    if (wss > 4u << 20)
        wss = 4u << 20;
    words = wss / 4;
    kprintf("dirty: rewriting %u KiB of memory, %d passes\n", wss / 1024, PASSES);
    for (u32 pass = 0; pass < PASSES; pass++) {
        for (u32 i = 0; i < words; i += STRIDE)
            mem[i] = sum ^ (i * 2654435761u) ^ pass;
        for (u32 r = 0; r < 2; r++)
            for (u32 i = 0; i < words; i++)
                sum = (sum << 5 | sum >> 27) + mem[i];
        kprintf("pass %u: checksum %08x\n", pass, sum);
    }
    kprintf("dirty: done\n");
    return 0;
}
