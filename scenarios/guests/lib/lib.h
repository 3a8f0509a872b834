/* lib.h - the tiny runtime shared by every ringside guest kernel: types, I/O, printing, CPU tables.
 *
 * A "guest kernel" here is a program that believes it owns a bare x86 PC:
 * nobody loads it but the boot loader, nobody runs below it, and it talks to
 * the hardware directly.  This header is everything such a program needs:
 *
 *   - port I/O (inb/outb) and a driver for the serial port (COM1),
 *   - a small printf (kprintf) that writes to the serial port,
 *   - guest_exit(), which ends the run through QEMU's debug-exit port,
 *   - the CPU tables: GDT (segments), TSS (stacks for privilege changes)
 *     and IDT (where the CPU goes on an exception or an INT n),
 *   - a C-level view of the "trap frame" the CPU and our stubs push,
 *   - run_at_ring(), which drops to ring 1, 2 or 3 with IRET.
 *
 * Everything is 32-bit protected mode, flat segments (base 0, limit 4 GiB),
 * no paging: an address in C is a physical address.
 */
#ifndef RINGSIDE_GUEST_LIB_H
#define RINGSIDE_GUEST_LIB_H

#include <stdarg.h>     /* va_list: provided by the compiler, fine without a C library */

typedef unsigned char  u8;
typedef unsigned short u16;
typedef unsigned int   u32;

/* ---------------------------------------------------------------------------
 * Segment selectors.  A selector is (index * 8) | table bit | requested
 * privilege level (RPL, the low two bits).  Our GDT (see lib.c) holds:
 */
#define KERNEL_CS  0x08   /* index 1: ring 0 code */
#define KERNEL_DS  0x10   /* index 2: ring 0 data */
#define USER_CS    0x1B   /* index 3: ring 3 code, RPL 3 */
#define USER_DS    0x23   /* index 4: ring 3 data, RPL 3 */
#define TSS_SEL    0x28   /* index 5: the task-state segment */
#define RING1_CS   0x31   /* index 6: ring 1 code (only after gdt_add_middle_rings) */
#define RING1_DS   0x39   /* index 7: ring 1 data */
#define RING2_CS   0x42   /* index 8: ring 2 code */
#define RING2_DS   0x4A   /* index 9: ring 2 data */

#define GDT_BASIC_ENTRIES 6    /* null, kernel code/data, user code/data, TSS */
#define GDT_ALL_ENTRIES   10   /* ... plus code/data for rings 1 and 2 */

/* ---------------------------------------------------------------------------
 * Port I/O.  IN and OUT are the only way to talk to PC devices such as the
 * serial port.  They are privileged: at ring 3 (with IOPL 0) they raise #GP.
 */
static inline void outb(u16 port, u8 value)
{
    __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline u8 inb(u16 port)
{
    u8 value;
    __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

#define COM1            0x3F8   /* serial port: transmit register (THR) */
#define COM1_LSR        0x3FD   /* line status register: bit 5 = THR empty */
#define COM1_SCRATCH    0x3FF   /* scratch register: a byte of storage, no effect */
#define DEBUG_EXIT_PORT 0xF4    /* QEMU's isa-debug-exit device */

/* ---------------------------------------------------------------------------
 * Privileged register access.  These instructions only work at ring 0: a
 * ring 3 program trying them gets #GP.  Their results are safe to print
 * because a trap-and-emulate VMM sees (and answers) every one of them.
 */
static inline u32 read_cr0(void) { u32 v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline u32 read_cr2(void) { u32 v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline u32 read_cr3(void) { u32 v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline u32 read_cr4(void) { u32 v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline u32 read_dr7(void) { u32 v; __asm__ volatile("mov %%db7, %0" : "=r"(v)); return v; }
static inline void write_cr0(u32 v) { __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
static inline void write_cr3(u32 v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
static inline void write_cr4(u32 v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }
static inline void write_dr7(u32 v) { __asm__ volatile("mov %0, %%db7" : : "r"(v)); }

/* Model-specific registers: ECX selects the MSR, EDX:EAX is the value.
 * We only use the low 32 bits. */
#define MSR_SYSENTER_CS 0x174
static inline u32 rdmsr_lo(u32 msr)
{
    u32 lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    (void)hi;
    return lo;
}
static inline void wrmsr_lo(u32 msr, u32 lo)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"(lo), "d"(0));
}

/* EFLAGS bits we look at. */
#define EFLAGS_IF   0x00000200   /* interrupts enabled */
#define EFLAGS_IOPL 0x00003000   /* I/O privilege level (two bits) */

/* ---------------------------------------------------------------------------
 * Output.  Every guest speaks through the serial port, one fact per line.
 */
void serial_putc(char c);
void serial_puts(const char *s);
void kprintf(const char *fmt, ...);          /* %s %c %d %u %x, widths like %08x */
int  format(char *buf, int size, const char *fmt, ...);   /* same, into a buffer */
int  vformat(char *buf, int size, const char *fmt, va_list ap);

/* End the run: writes `code` to the debug-exit port (0 = success).  On QEMU
 * this stops the machine; it never returns. */
void guest_exit(u32 code) __attribute__((noreturn));

/* Small string helpers (there is no C library). */
void *memset(void *dst, int c, u32 n);
void *memcpy(void *dst, const void *src, u32 n);
int   strcmp(const char *a, const char *b);

/* ---------------------------------------------------------------------------
 * CPU tables, in memory as the CPU reads them.
 */

/* A GDT entry (segment descriptor): 8 bytes with base and limit cut in pieces. */
struct seg_desc {
    u16 limit_lo;     /* limit bits 0..15 */
    u16 base_lo;      /* base bits 0..15 */
    u8  base_mid;     /* base bits 16..23 */
    u8  access;       /* present, DPL (privilege), type */
    u8  flags_limit;  /* flags (granularity, 32-bit) << 4 | limit bits 16..19 */
    u8  base_hi;      /* base bits 24..31 */
} __attribute__((packed));

/* An IDT entry (interrupt gate): where to go for one vector. */
struct gate {
    u16 offset_lo;    /* handler address bits 0..15 */
    u16 selector;     /* code segment of the handler */
    u8  zero;
    u8  type_attr;    /* present, DPL (who may use INT n), gate type */
    u16 offset_hi;    /* handler address bits 16..31 */
} __attribute__((packed));

/* The 32-bit task-state segment.  We only use it for one thing: when the
 * CPU moves from ring 1, 2 or 3 to ring 0 on an interrupt, it loads the
 * ring 0 stack from ss0:esp0. */
struct tss {
    u32 prev_task, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
    u32 eax, ecx, edx, ebx, esp, ebp, esi, edi;
    u32 es, cs, ss, ds, fs, gs, ldt;
    u16 trap, iomap_base;
} __attribute__((packed));

/* All three tables live in one 4 KiB page at the fixed address 0x101000
 * (see link.ld), so their addresses are the same in every guest. */
struct cpu_tables {
    struct seg_desc gdt[32];                 /* 0x101000 */
    struct tss tss;                          /* 0x101100 */
    u8 unused[0x800 - 0x100 - sizeof(struct tss)];
    struct gate idt[256];                    /* 0x101800 */
};
extern struct cpu_tables cpu;

/* The operand of LGDT/LIDT (and what SGDT/SIDT store): limit then base. */
struct dt_ptr {
    u16 limit;
    u32 base;
} __attribute__((packed));

/* Building and loading the tables (lib.c).  cpu_setup() does all of it. */
void gdt_init(void);              /* fill the 6 basic descriptors */
void gdt_load(int entries);       /* LGDT: limit = entries * 8 - 1 */
void reload_segments(void);       /* far JMP to reload CS, MOV to DS/ES/FS/GS/SS */
void tss_init(void);              /* ss0:esp0 = the trap stack */
void tss_load(void);              /* LTR */
void idt_init(void);              /* exception vectors 0..31 */
void idt_load(void);              /* LIDT */
void cpu_setup(void);             /* all of the above, in that order */
void gdt_add_middle_rings(void);  /* add ring 1 and 2 descriptors, LGDT again */

/* Point IDT vector `vec` at its stub.  `dpl` is the least privileged ring
 * allowed to reach it with INT n (3 = everyone, 0 = ring 0 only); exceptions
 * raised by the CPU itself ignore it.  present = 0 makes INT n raise #NP. */
void idt_gate(u8 vec, int dpl, int present);

/* ---------------------------------------------------------------------------
 * Traps.  When an exception or INT n happens, the CPU pushes (on the ring 0
 * stack) EFLAGS, CS and EIP, plus SS and ESP if it came from an outer ring,
 * plus an error code for some exceptions.  Our stubs (isr.S) then push a
 * dummy error code when the CPU did not, the vector number, and all general
 * registers (PUSHA).  struct frame is that memory, lowest address first.
 */
struct frame {
    u32 edi, esi, ebp, esp_unused, ebx, edx, ecx, eax;   /* pushed by PUSHA */
    u32 vector, error;                                   /* pushed by the stub (or CPU) */
    u32 eip, cs, eflags;                                 /* pushed by the CPU */
    u32 user_esp, user_ss;      /* pushed by the CPU ONLY if (cs & 3) != 0 */
};

typedef void (*handler_t)(struct frame *f);
void set_handler(u8 vec, handler_t h);   /* C function called for that vector */
const char *exc_name(u32 vector);        /* "#GP", "#UD", ... or "int" */

/* ---------------------------------------------------------------------------
 * Changing rings.  run_at_ring(ring, fn) runs fn() at ring 1, 2 or 3 on its
 * own stack (ring 0: a plain call).  It returns when that code makes the
 * SYS_RETURN system call (returning from fn does that), or when a handler
 * calls return_from_ring(): the value given there is what run_at_ring returns.
 */
u32  run_at_ring(int ring, void (*fn)(void));
void return_from_ring(u32 value) __attribute__((noreturn));

/* System calls: INT 0x80 with EAX = number, EBX = argument. */
#define SYSCALL_VECTOR 0x80
#define SYS_NOP    0
#define SYS_WRITE  1     /* EBX = address of a string to print */
#define SYS_RETURN 2     /* EBX = value for run_at_ring to return */
#define SYS_FIRST_GUEST 16   /* numbers from here on belong to the guest */

static inline u32 syscall(u32 number, u32 arg)
{
    u32 ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(number), "b"(arg) : "memory");
    return ret;
}
static inline void sys_write(const char *s) { syscall(SYS_WRITE, (u32)s); }

void syscall_install(void);            /* gate 0x80 with DPL 3 -> sys_default */
void sys_default(struct frame *f);     /* handles SYS_NOP, SYS_WRITE, SYS_RETURN */


/* ---------------------------------------------------------------------------
 * More I/O widths: 16-bit ports (the IDE data port moves a word at a time).
 */
static inline void outw(u16 port, u16 value)
{
    __asm__ volatile("outw %0, %1" : : "a"(value), "Nd"(port));
}

static inline u16 inw(u16 port)
{
    u16 value;
    __asm__ volatile("inw %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

/* ---------------------------------------------------------------------------
 * The interrupt flag.  IF = 1 lets device interrupts (INTR from the PIC)
 * in; CLI and STI are the honest way to change it: both are privileged,
 * so a trap-and-emulate VMM sees them (POPF would change IF silently).
 * STI takes effect after the NEXT instruction, so "sti; hlt" cannot lose
 * an interrupt between the two: the CPU is already halted when it comes.
 */
static inline void cli(void) { __asm__ volatile("cli" : : : "memory"); }
static inline void sti(void) { __asm__ volatile("sti" : : : "memory"); }
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt" : : : "memory"); }

/* ---------------------------------------------------------------------------
 * The interrupt hardware (irq.c): the 8259A PIC pair and the 8254 PIT.
 */
#define PIC1_CMD   0x20    /* master: command, and IRR/ISR reads */
#define PIC1_DATA  0x21    /* master: mask (IMR), and ICW2-4 */
#define PIC2_CMD   0xA0    /* slave, cascaded on master input 2 */
#define PIC2_DATA  0xA1
#define IRQ_BASE   0x20    /* where pic_remap puts IRQ 0 (IRQ 8 at 0x28) */
#define PIT_HZ     1193182 /* the PIT's input clock */

void pic_remap(u8 master_base, u8 slave_base);   /* ICW1-ICW4, all masked */
void pic_set_masks(u8 master, u8 slave);         /* OCW1: 1 bits = masked */
u8   pic_read_isr(int slave);                    /* OCW3: in-service register */
u8   pic_read_irr(int slave);                    /* OCW3: request register */
void pic_eoi(int irq);                           /* OCW2: non-specific EOI */
void pit_set_periodic(u32 hz);                   /* counter 0, mode 2 */
u16  pit_divisor(u32 hz);                        /* PIT_HZ / hz, rounded */
u16  pit_read_count(int counter);                /* counter latch command */
u8   pit_read_status(int counter);               /* read-back command */

/* ---------------------------------------------------------------------------
 * The IDE hard disk (ata.c): the master on the primary channel, ports
 * 0x1F0-0x1F7 and 0x3F6, by programmed I/O with interrupts off (nIEN), in
 * LBA28 addressing.  Each call returns the status register it ended with:
 * 0x50 (ready, seek complete) is success; ERR (bit 0) set means the error
 * register (ata_error) says why, 0x04 being "aborted".
 */
#define ATA_SECTOR 512
#define ATA_ST_BSY 0x80
#define ATA_ST_DRQ 0x08
#define ATA_ST_ERR 0x01

int ata_present(void);                           /* reset; 1 if a disk answers */
u8  ata_identify(u16 id[256]);                   /* IDENTIFY DEVICE */
u8  ata_read(u32 lba, u32 count, u8 *buf);       /* READ SECTORS (count 1..256) */
u8  ata_write(u32 lba, u32 count, const u8 *buf);/* WRITE SECTORS */
u8  ata_error(void);                             /* the error register */
u8  ata_taskfile(int reg);                       /* a register, 0x1F1 + reg - 1 */

#endif
