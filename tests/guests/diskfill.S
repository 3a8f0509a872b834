/* diskfill.S - a guest that fills its disk: WRITE SECTORS (0x30), one
 * sector a command, LBA 0, 1, 2... on the primary IDE disk, each sector
 * its own LBA + 1 in every dword, until a command fails (the end of the
 * disk: ERR), then "diskfill: stopped at sector N" and debug-exit 0.  A
 * blank disk is sparse: each new sector grows the disk file on its
 * datastore, which fills up before the disk ends when the disk is bigger
 * than the datastore's room (vmfs.h, VMFS_DATA_MAX).  ESX then pauses the
 * VM with the write held (storage.h); QEMU with a small -drive writes to
 * the end.  The protocol is ATA/ATAPI-4's PIO data-out, as dev_ata.h
 * describes it: wait for BSY to clear, set the task file, write the
 * command, wait for DRQ, write 256 words, wait for BSY to clear. */
        .set ATA_DATA, 0x1f0
        .set ATA_COUNT, 0x1f2
        .set ATA_LBA0, 0x1f3
        .set ATA_DEVICE, 0x1f6
        .set ATA_STATUS, 0x1f7          /* and the command register */
        .set BSY, 0x80
        .set DRQ, 0x08
        .set ERR, 0x01
        .include "tests/guests/mb.inc"
        .include "tests/guests/kernel.inc"
_start:
        BEGIN msg_start
        cld
        xor  %ebx, %ebx                 /* the sector to write */
next:   call not_busy
        mov  $ATA_COUNT, %dx
        mov  $1, %al
        outb %al, %dx
        mov  %ebx, %eax                 /* LBA bits 0-23, then 24-27 */
        mov  $ATA_LBA0, %dx
        outb %al, %dx
        inc  %dx
        shr  $8, %eax
        outb %al, %dx
        inc  %dx
        shr  $8, %eax
        outb %al, %dx
        shr  $8, %eax
        and  $0x0f, %al
        or   $0xe0, %al                 /* LBA, master */
        mov  $ATA_DEVICE, %dx
        outb %al, %dx
        mov  $ATA_STATUS, %dx
        mov  $0x30, %al                 /* WRITE SECTORS */
        outb %al, %dx
1:      inb  %dx, %al                   /* DRQ: the buffer is ours */
        test $ERR, %al
        jnz  done
        test $DRQ, %al
        jz   1b
        lea  1(%ebx), %eax              /* the sector's contents */
        mov  $sector, %edi
        mov  $128, %ecx
        rep  stosl
        mov  $sector, %esi
        mov  $ATA_DATA, %dx
        mov  $256, %ecx
        rep  outsw
        call not_busy                   /* stored (or held, while paused) */
        test $ERR, %al
        jnz  done
        inc  %ebx
        jmp  next
done:   mov  $msg_done, %esi
        call puts
        mov  %ebx, %eax
        call hexln
        EXIT 0

/* Wait while the drive is busy; AL = its status. */
not_busy:
        mov  $ATA_STATUS, %dx
1:      inb  %dx, %al
        test $BSY, %al
        jnz  1b
        ret
        .include "tests/guests/lib.inc"
        .data
msg_start: .asciz "diskfill: writing every sector\n"
msg_done:  .asciz "diskfill: stopped at sector "
        .balign 4
sector:    .space 512
        STACK
