/* mbinfo.S - what the Multiboot loader hands a kernel, printed: the info
 * flags, mem_lower and mem_upper, the boot device, the command line and
 * where it is, the modules (where each is, its string, its first line),
 * where the boot loader's name is, and the memory map.  ringside's
 * loader must give what QEMU's gives (-append, -initrd), address for
 * address (only the boot loader's name itself differs: "qemu" and
 * "ringside", so it is not printed).  Then what QEMU's firmware
 * interface (fw_cfg, ports 0x510/0x511) says: its signature, the RAM
 * size and the CPU count (not its ID: QEMU's announces DMA, which
 * ringside's fw_cfg does not have).  Exits 0. */
        .include "tests/guests/mb.inc"

/* FIELD label, value: "label" then the value in hex (field, below). */
.macro FIELD label, value
        mov  $\label, %esi
        mov  \value, %eax
        call field
.endm

/* QUOTED string: the string at address `string`, between quotes. */
.macro QUOTED string
        mov  $m_quote, %esi
        call puts
        mov  \string, %esi
        call puts
        mov  $m_endq, %esi
        call puts
.endm

_start:
        mov  $stack, %esp
        mov  %ebx, %ebp                 /* the Multiboot information */
        FIELD m_flags, (%ebp)
        FIELD m_lower, 4(%ebp)
        FIELD m_upper, 8(%ebp)
        FIELD m_bootdev, 12(%ebp)
        FIELD m_cmdline, 16(%ebp)
        QUOTED 16(%ebp)
        FIELD m_loader, 64(%ebp)
        FIELD m_count, 20(%ebp)
        FIELD m_addr, 24(%ebp)
        mov  20(%ebp), %ecx             /* each module */
        mov  24(%ebp), %edi
1:      test %ecx, %ecx
        jz   3f
        push %ecx
        FIELD m_mod, (%edi)
        FIELD m_end, 4(%edi)
        FIELD m_str, 8(%edi)
        QUOTED 8(%edi)
        mov  $m_first, %esi             /* its first line, 60 bytes at most */
        call puts
        mov  (%edi), %esi
        mov  $60, %ecx
2:      lodsb
        cmp  $'\n', %al
        je   4f
        test %al, %al
        je   4f
        call putc
        loop 2b
4:      mov  $'\n', %al
        call putc
        pop  %ecx
        add  $16, %edi
        dec  %ecx
        jmp  1b
3:      mov  44(%ebp), %ecx             /* the memory map */
        mov  48(%ebp), %edi
        add  %edi, %ecx
5:      cmp  %ecx, %edi
        jae  6f
        FIELD m_map, 4(%edi)
        FIELD m_len, 12(%edi)
        FIELD m_type, 20(%edi)
        add  (%edi), %edi
        add  $4, %edi
        jmp  5b
6:      mov  $m_sig, %esi               /* fw_cfg item 0: "QEMU" */
        call puts
        xor  %eax, %eax
        call fw_select
        mov  $4, %ecx
7:      inb  %dx, %al
        call putc
        loop 7b
        call newline
        mov  $m_ram, %esi               /* item 3: RAM size, 64-bit */
        mov  $3, %eax
        call fw_item
        mov  $m_cpus, %esi              /* item 5: CPUs, 16-bit */
        mov  $5, %eax
        call fw_item
        EXIT 0

/* fw_select: select fw_cfg item AX; DX = the data port after. */
fw_select:
        mov  $0x510, %dx
        outw %ax, %dx
        inc  %dx
        ret

/* fw_item: the label at ESI, then item EAX's first 4 bytes as a
 * little-endian number in hex. */
fw_item:
        call fw_select
        mov  $4, %ecx
1:      inb  %dx, %al
        ror  $8, %ebx
        mov  %al, %bl
        loop 1b
        ror  $8, %ebx
        mov  %ebx, %eax
        jmp  field

/* field: the label at ESI, then EAX in hex, then a newline. */
field:  push %ecx
        push %eax
        call puts
        pop  %eax
        call hex
        call newline
        pop  %ecx
        ret

        .include "scenarios/guests/lib/print.inc"

        .data
m_flags:   .asciz "flags "
m_lower:   .asciz "mem_lower "
m_upper:   .asciz "mem_upper "
m_bootdev: .asciz "boot_device "
m_cmdline: .asciz "cmdline at "
m_quote:   .asciz "  \""
m_endq:    .asciz "\"\n"
m_loader:  .asciz "boot loader name at "
m_count:   .asciz "mods_count "
m_addr:    .asciz "mods_addr "
m_mod:     .asciz "module "
m_end:     .asciz "  end "
m_str:     .asciz "  string at "
m_first:   .asciz "  first line: "
m_map:     .asciz "mmap base "
m_len:     .asciz "  length "
m_type:    .asciz "  type "
m_sig:     .asciz "fw_cfg signature "
m_ram:     .asciz "fw_cfg ram_size "
m_cpus:    .asciz "fw_cfg nb_cpus "

        .bss
        .space 4096
stack:
