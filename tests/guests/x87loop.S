/* x87loop.S - a loop of x87 arithmetic on memory operands beside a plain
 * load, for bench_cpu: what ringside pays for a block that mixes an
 * instruction Unicorn runs in a helper (x87: its accesses come with a
 * stale EIP) with another instruction's load (BLOCK_STALE_MIXED,
 * sim/vmm/blockcache.c).  The loop body is 7 instructions:
 *   mov  y, %eax          a plain load
 *   fldl x; faddl step    x87 loads (in Unicorn's helpers)
 *   fstpl x               an x87 store
 *   add, dec, jnz
 * x counts up by 1.0 each iteration; at the end the guest prints x as an
 * integer (FISTP), which is ITERATIONS, and EDX, ITERATIONS times y.
 * Instructions: the loop's ITERATIONS * 7, and a few hundred around it. */
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
        .set ITERATIONS, 1000000
_start:
        BEGIN msg
        FLAT_SEGMENTS
        fninit
        mov  $ITERATIONS, %ecx
        xor  %edx, %edx
1:      mov  y, %eax
        fldl x
        faddl step
        fstpl x
        add  %eax, %edx
        dec  %ecx
        jnz  1b
        mov  %edx, %ebx
        fldl x
        fistpl out
        mov  out, %eax
        call hexln                      /* ITERATIONS */
        mov  %ebx, %eax
        call hexln                      /* ITERATIONS * y */
        mov  $msg_end, %esi
        call puts
        EXIT 0
        .include "tests/guests/lib.inc"
        .data
msg:     .asciz "x87loop: 1000000 iterations of FLD, FADD, FSTP beside a MOV load\n"
msg_end: .asciz "x87loop: done\n"
        .align 4096                     /* not in the code's page: no self-modifying code */
x:       .double 0.0
step:    .double 1.0
y:       .long 3
out:     .long 0
        FLAT_GDT
        GDT_PTR
        STACK
