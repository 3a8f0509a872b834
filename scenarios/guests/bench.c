/* bench.c - a long, pure compute loop with an exactly known instruction count, for benchmarking.
 *
 * The loop body is 10 instructions of plain arithmetic: no memory access,
 * no I/O, nothing privileged or sensitive.  Under trap-and-emulate it never
 * leaves the CPU, so it shows the speed of "direct execution".  The guest
 * prints the number of instructions the loop ran (iterations x 10), so a
 * benchmark can divide by the time taken.
 */
#include "lib.h"

#define ITERATIONS      10000000u   /* ten million */
#define LOOP_BODY_INSNS 10u         /* count them below: from "1:" to "jnz" */

int kmain(u32 magic, void *mbi);
int kmain(u32 magic, void *mbi)
{
    (void)magic, (void)mbi;
    u32 a = 0x12345678, b = 0x9ABCDEF0, c = ITERATIONS, d = 0x0BADCAFE, s = 0;

    kprintf("bench: %u iterations of a %u-instruction loop\n", ITERATIONS, LOOP_BODY_INSNS);
    __asm__ volatile(
        "1:\n\t"
        "add  %%edx, %%eax\n\t"                   /*  1 */
        "rol  $7, %%eax\n\t"                      /*  2 */
        "xor  %%eax, %%ebx\n\t"                   /*  3 */
        "lea  0x9e3779b9(%%ebx,%%esi,4), %%edx\n\t" /* 4: an add that touches no flags */
        "sub  %%ecx, %%edx\n\t"                   /*  5 */
        "inc  %%esi\n\t"                          /*  6 */
        "shr  $2, %%ebx\n\t"                      /*  7 */
        "xor  %%edx, %%ebx\n\t"                   /*  8 */
        "dec  %%ecx\n\t"                          /*  9 */
        "jnz  1b"                                 /* 10: loop while ECX != 0 */
        : "+a"(a), "+b"(b), "+c"(c), "+d"(d), "+S"(s)
        :
        : "cc");

    kprintf("checksum: %08x\n", a ^ b ^ d ^ s);
    kprintf("iterations: %u\n", s);               /* ESI counted them */
    kprintf("insns-in-loop: %u\n", ITERATIONS * LOOP_BODY_INSNS);
    return 0;
}
