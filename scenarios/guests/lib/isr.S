/* isr.S - exception/interrupt entry stubs and the ring-changing helpers, in assembly.
 *
 * Part 1: one tiny "stub" per IDT vector (256 of them).  The CPU jumps to
 * the stub named in the IDT.  For every vector we want the stack to look
 * the same (struct frame in lib.h), but the CPU pushes an error code for
 * only some exceptions.  So each stub pushes a fake error code 0 when the
 * CPU did not push one, then pushes its own vector number, then jumps to
 * the common code that saves the registers and calls C.
 *
 * Part 2: enter_ring / return_from_ring, which change privilege level.
 *
 * Assembled with plain `as --32`: no C preprocessor, constants use .set.
 */

        .set KERNEL_DS, 0x10
        .set SYS_RETURN, 2

/* ------------------------------------------------------------------------
 * Part 1: the stubs.  Every stub is exactly 16 bytes long, so the stub
 * for vector v is at isr_stubs + 16 * v (lib.c uses that to fill the IDT).
 * .rept repeats the block 256 times; `vec` counts 0, 1, 2, ...
 */
        .text
        .balign 16
        .globl isr_stubs
isr_stubs:
        .set vec, 0
        .rept 256
        .balign 16
        /* Exceptions for which the CPU itself pushes an error code:
         * 8 #DF, 10 #TS, 11 #NP, 12 #SS, 13 #GP, 14 #PF, 17 #AC, 21 #CP,
         * 29 #VC, 30 #SX.  (An "INT 13" instruction pushes none: never
         * use INT n on those vectors.) */
        .if (vec == 8) || (vec >= 10 && vec <= 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
        .else
        pushl $0                         /* fake error code */
        .endif
        pushl $vec                       /* which vector this is */
        jmp  isr_common
        .set vec, vec + 1
        .endr

/* The common part.  On entry the stack holds (top first):
 *   vector, error code, EIP, CS, EFLAGS [, ESP, SS if we came from ring 1-3]
 * We do not reload DS/ES: all our data segments are flat (base 0, 4 GiB),
 * so whichever one was loaded works for the kernel too. */
isr_common:
        pusha                            /* EAX..EDI: now the stack is a struct frame */
        mov  %esp, %eax
        push %eax                        /* argument: pointer to the frame */
        cld                              /* C code expects the direction flag clear */
        call isr_dispatch                /* lib.c: calls the handler for f->vector */
        add  $4, %esp
        popa                             /* the handler may have changed saved registers */
        add  $8, %esp                    /* drop vector and error code */
        iret                             /* pop EIP, CS, EFLAGS (and ESP, SS if going out) */

/* A handler for interrupts we want to ignore: return at once. */
        .globl quiet_iret
quiet_iret:
        iret

/* ------------------------------------------------------------------------
 * Part 2: changing rings.
 *
 * u32 enter_ring(u32 code_sel, u32 data_sel, void (*fn)(void), u32 stack_top)
 *
 * The only way down from ring 0 to an outer ring is a "return" that pops a
 * less privileged CS: we build the frame an interrupt from that ring would
 * have pushed (SS, ESP, EFLAGS, CS, EIP) and execute IRET.  The CPU checks
 * the selectors' privilege levels, loads SS:ESP and CS:EIP, and continues
 * in fn at the new ring.
 *
 * We come back here when someone calls return_from_ring(value): it puts ESP
 * back to what we saved below and returns `value` to enter_ring's caller.
 * With code_sel 0x08 (ring 0) there is no IRET: fn is simply called, but
 * return_from_ring still works (a way to escape from a faulting probe).
 */
        .globl enter_ring
enter_ring:
        push %ebp                        /* save the registers C wants preserved */
        push %ebx
        push %esi
        push %edi
        mov  %esp, ring_saved_esp        /* where return_from_ring resumes */

        mov  20(%esp), %ecx              /* code selector */
        mov  24(%esp), %edx              /* data selector */
        mov  28(%esp), %esi              /* fn */
        mov  32(%esp), %edi              /* top of the stack for that ring */

        cmp  $0x08, %ecx
        jne  1f
        call *%esi                       /* ring 0: just a call */
        xor  %eax, %eax
        jmp  ring_back

1:      /* If fn returns, it returns to ring_fn_returned (on its own ring). */
        sub  $4, %edi
        movl $ring_fn_returned, (%edi)

        /* Data segments: after the IRET the CPU would empty any segment
         * register whose DPL is more privileged than the new ring, so load
         * the outer ring's data segment now (ring 0 may use it too). */
        mov  %edx, %ds
        mov  %edx, %es
        mov  %edx, %fs
        mov  %edx, %gs

        push %edx                        /* SS  for the new ring */
        push %edi                        /* ESP for the new ring */
        pushl $0x00000002                /* EFLAGS: IF = 0, IOPL = 0 (bit 1 is always 1) */
        push %ecx                        /* CS */
        push %esi                        /* EIP = fn */
        iret                             /* ... and we are in the outer ring */

/* Runs in the outer ring when fn returns: ask the kernel to take us back. */
ring_fn_returned:
        mov  $SYS_RETURN, %eax
        xor  %ebx, %ebx                  /* return value 0 */
        int  $0x80
        ud2                              /* never reached */

/* void return_from_ring(u32 value): called at ring 0, usually by a handler.
 * Whatever was running (outer-ring code, trap frames) is abandoned: the
 * next trap from an outer ring starts again at the top of the trap stack. */
        .globl return_from_ring
return_from_ring:
        mov  4(%esp), %eax               /* the value */
        mov  $KERNEL_DS, %edx            /* back to the kernel's data segment */
        mov  %edx, %ds
        mov  %edx, %es
        mov  %edx, %fs
        mov  %edx, %gs
        mov  ring_saved_esp, %esp        /* the stack as enter_ring left it */
ring_back:
        pop  %edi
        pop  %esi
        pop  %ebx
        pop  %ebp
        ret                              /* to enter_ring's caller, with EAX */

        .section .bss
        .balign 4
ring_saved_esp:
        .skip 4

        .section .note.GNU-stack, "", @progbits
