/* x87smc.S - a long loop whose stores land later in the code's own page,
 * past the loop's code (issue #14, "every run is bounded").  The loop is
 * x87loop.S's, 8 instructions an iteration, with its operands moved from
 * a page of their own into the code's page, right after the code:
 *   mov  (%esi), %eax     a plain load of y, through a register: where
 *                         it lands is not known before the block runs,
 *                         so the block is stepped (BLOCK_STALE_MIXED,
 *                         vmm_guard_block_in_ram)
 *   fldl x; faddl step    x87 loads (in Unicorn's helpers: stepped)
 *   fstpl x               an x87 store, into the code's page
 *   add, dec, jnz
 * then a plain store, once an iteration, of the running sum:
 *   mov  %edx, sum        (in the same page too)
 * Nothing here writes code: each store lands in data, after the loop.
 * 800,000 iterations: 6.4 million instructions, past the ~4.5 million
 * at which Unicorn 2.0.1 once crashed retranslating the stepped
 * instructions one by one.  At the end the guest prints x as an integer
 * (FISTP), ITERATIONS, the sum, ITERATIONS * 3, and the last store. */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
        .set ITERATIONS, 800000
_start:
        BEGIN msg
        FLAT_SEGMENTS
        fninit
        mov  $ITERATIONS, %ecx
        xor  %edx, %edx
        mov  $y, %esi
        jmp  1f
        .balign 64                      /* the loop and its data in one page */
1:      mov  (%esi), %eax
        fldl x
        faddl step
        fstpl x
        add  %eax, %edx
        mov  %edx, sum
        dec  %ecx
        jnz  1b
        jmp  2f
        .balign 64                      /* data, in the code's page (not in
                                           the loop's 64-byte chunk: blockcache.c) */
x:      .double 0.0
step:   .double 1.0
y:      .long 3
sum:    .long 0
out:    .long 0
2:      fldl x
        fistpl out
        mov  out, %eax
        call hexln                      /* ITERATIONS */
        mov  sum, %eax
        call hexln                      /* ITERATIONS * y */
        mov  $msg_end, %esi
        call puts
        EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg:     .asciz "x87smc: 800000 iterations of FLD, FADD, FSTP and a MOV store, data in the code's page\n"
msg_end: .asciz "x87smc: done\n"
        FLAT_GDT
        GDT_PTR
        STACK
