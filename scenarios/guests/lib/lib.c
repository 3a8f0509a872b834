/* lib.c - the C half of the guest runtime: serial output, printf, exit, GDT/TSS/IDT, trap dispatch.
 *
 * Read it top to bottom: each section is independent of the ones below.
 */
#include "lib.h"

/* ===================================================================
 * 1. Serial output (COM1, a 16550 UART at I/O port 0x3F8).
 *
 * The UART sends one byte at a time.  Before writing the next byte to the
 * transmit register we must wait until the line status register says it
 * is empty (bit 5, "THR empty").  This waiting is called polling.  We do
 * not program the baud rate: QEMU and ringside accept bytes at any speed.
 */
void serial_putc(char c)
{
    while ((inb(COM1_LSR) & 0x20) == 0)
        ;                                   /* wait for THR empty */
    outb(COM1, (u8)c);
}

void serial_puts(const char *s)
{
    while (*s)
        serial_putc(*s++);
}

/* ===================================================================
 * 2. A very small printf.
 *
 * Supports %s %c %d %u %x and %%, with an optional width and '0' flag
 * ("%08x" = hex, at least 8 digits, padded with zeros).  It formats into
 * a buffer, so it also works at ring 3 (where the result is handed to the
 * kernel with SYS_WRITE): only kprintf does I/O.
 */
struct out { char *buf; int size; int len; };

static void put(struct out *o, char c)
{
    if (o->len < o->size - 1)                /* keep room for the final '\0' */
        o->buf[o->len] = c;
    o->len++;
}

/* Write `v` in base 10 or 16, at least `width` characters wide. */
static void put_number(struct out *o, u32 v, u32 base, int width, char pad, int negative)
{
    char digits[12];
    int n = 0;

    do {                                     /* digits come out last-first */
        digits[n++] = "0123456789abcdef"[v % base];
        v /= base;                           /* 32-bit division: one DIV */
    } while (v != 0);
    if (negative)
        digits[n++] = '-';
    while (n < width--)
        put(o, pad);
    while (n > 0)
        put(o, digits[--n]);
}

int vformat(char *buf, int size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };

    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        fmt++;
        char pad = ' ';
        int width = 0;
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');

        switch (*fmt) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            int n = 0;
            while (s[n])
                n++;
            while (n < width--)
                put(&o, ' ');
            while (*s)
                put(&o, *s++);
            break;
        }
        case 'c':
            put(&o, (char)va_arg(ap, int));
            break;
        case 'd': {
            int v = va_arg(ap, int);
            put_number(&o, v < 0 ? 0u - (u32)v : (u32)v, 10, width, pad, v < 0);
            break;
        }
        case 'u':
            put_number(&o, va_arg(ap, u32), 10, width, pad, 0);
            break;
        case 'x':
            put_number(&o, va_arg(ap, u32), 16, width, pad, 0);
            break;
        case '\0':                           /* a lone '%' at the end */
            fmt--;
            break;
        default:                             /* "%%" and anything unknown */
            put(&o, *fmt);
            break;
        }
    }
    if (size > 0)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return o.len;
}

int format(char *buf, int size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vformat(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

void kprintf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    serial_puts(buf);
}

/* ===================================================================
 * 3. Exit, and the string helpers the compiler may call on its own.
 */
void guest_exit(u32 code)
{
    outb(DEBUG_EXIT_PORT, (u8)code);        /* QEMU stops here */
    for (;;)                                 /* a machine without that device */
        __asm__ volatile("cli; hlt");        /* just sleeps forever */
}

void *memset(void *dst, int c, u32 n)
{
    u8 *d = dst;
    while (n--)
        *d++ = (u8)c;
    return dst;
}

void *memcpy(void *dst, const void *src, u32 n)
{
    u8 *d = dst;
    const u8 *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (u8)*a - (u8)*b;
}

/* ===================================================================
 * 4. The GDT: the table of segments.
 *
 * Every segment here is "flat": base 0, limit 4 GiB, so segments change
 * nothing about addresses.  What they do carry is a privilege level (DPL):
 * code in a DPL 3 code segment runs at ring 3, and so on.
 *
 * Access byte, bit by bit: P (present) | DPL (2 bits) | S (1 = code/data)
 * | type (4 bits: code/data, readable/writable, accessed).  We set the
 * "accessed" bit ourselves so that the CPU never has to write it: then the
 * table's contents do not depend on what has run.
 */

/* The tables: one page at 0x101000, placed by link.ld. */
struct cpu_tables cpu __attribute__((section(".cpu_tables"), aligned(4096)));

_Static_assert(sizeof(struct tss) == 104, "a 32-bit TSS is 104 bytes");
_Static_assert(__builtin_offsetof(struct cpu_tables, tss) == 0x100, "TSS at 0x101100");
_Static_assert(__builtin_offsetof(struct cpu_tables, idt) == 0x800, "IDT at 0x101800");

static void gdt_set(int index, u32 base, u32 limit, u8 access, u8 flags)
{
    struct seg_desc *d = &cpu.gdt[index];
    d->limit_lo    = limit & 0xFFFF;
    d->base_lo     = base & 0xFFFF;
    d->base_mid    = (base >> 16) & 0xFF;
    d->access      = access;
    d->flags_limit = (u8)((flags << 4) | ((limit >> 16) & 0x0F));
    d->base_hi     = (base >> 24) & 0xFF;
}

#define FLAT_LIMIT 0xFFFFF   /* in 4 KiB units: 4 GiB */
#define FLAGS_4K_32BIT 0xC   /* G = 1 (limit in 4 KiB pages), D = 1 (32-bit) */

void gdt_init(void)
{
    gdt_set(0, 0, 0, 0, 0);                                  /* 0x00: null, required */
    gdt_set(1, 0, FLAT_LIMIT, 0x9B, FLAGS_4K_32BIT);         /* 0x08: code, DPL 0 */
    gdt_set(2, 0, FLAT_LIMIT, 0x93, FLAGS_4K_32BIT);         /* 0x10: data, DPL 0 */
    gdt_set(3, 0, FLAT_LIMIT, 0xFB, FLAGS_4K_32BIT);         /* 0x18: code, DPL 3 */
    gdt_set(4, 0, FLAT_LIMIT, 0xF3, FLAGS_4K_32BIT);         /* 0x20: data, DPL 3 */
    /* 0x28: the TSS, a "system" segment (S = 0), type 9 = available 32-bit TSS */
    gdt_set(5, (u32)&cpu.tss, sizeof(struct tss) - 1, 0x89, 0);
}

/* Rings 1 and 2 exist on x86 but are rarely used: x86 gives them no meaning
 * of their own (the course text's ring 1 "system services" and ring 2
 * "device drivers" are an OS convention; Windows and Linux use rings 0 and
 * 3 only).  They need their own segments: DPL 1 (access 0xBB/0xB3) and
 * DPL 2 (0xDB/0xD3). */
void gdt_add_middle_rings(void)
{
    gdt_set(6, 0, FLAT_LIMIT, 0xBB, FLAGS_4K_32BIT);         /* 0x30: code, DPL 1 */
    gdt_set(7, 0, FLAT_LIMIT, 0xB3, FLAGS_4K_32BIT);         /* 0x38: data, DPL 1 */
    gdt_set(8, 0, FLAT_LIMIT, 0xDB, FLAGS_4K_32BIT);         /* 0x40: code, DPL 2 */
    gdt_set(9, 0, FLAT_LIMIT, 0xD3, FLAGS_4K_32BIT);         /* 0x48: data, DPL 2 */
    gdt_load(GDT_ALL_ENTRIES);
}

void gdt_load(int entries)
{
    struct dt_ptr p = { (u16)(entries * 8 - 1), (u32)cpu.gdt };
    __asm__ volatile("lgdt %0" : : "m"(p));
}

/* Loading the GDT changes no segment register: each one keeps a hidden copy
 * of its old descriptor.  CS can only be reloaded by a far jump (or far
 * call/return, or IRET); the others by MOV. */
void reload_segments(void)
{
    __asm__ volatile(
        "ljmp $0x08, $1f\n"                  /* far jump: CS = 0x08 */
        "1:\n\t"
        "mov %0, %%ds\n\t"
        "mov %0, %%es\n\t"
        "mov %0, %%fs\n\t"
        "mov %0, %%gs\n\t"
        "mov %0, %%ss\n"                     /* same flat memory: ESP stays valid */
        : : "r"(KERNEL_DS) : "memory");
}

/* ===================================================================
 * 5. The TSS.  When an interrupt takes the CPU from ring 1, 2 or 3 into
 * ring 0, it switches to the stack ss0:esp0 stored here.  Ring 0 must not
 * trust the outer ring's stack.
 */
static u8 trap_stack[4096] __attribute__((aligned(16)));

/* The tables page starts as zeros (it is loaded from the file that way),
 * so we only fill in the fields we use. */
void tss_init(void)
{
    cpu.tss.ss0  = KERNEL_DS;
    cpu.tss.esp0 = (u32)(trap_stack + sizeof trap_stack);
    /* The I/O permission bitmap would start at iomap_base.  Putting it past
     * the end of the TSS means "no bitmap": outer rings may use no port. */
    cpu.tss.iomap_base = sizeof(struct tss);
}

void tss_load(void)
{
    __asm__ volatile("ltr %0" : : "r"((u16)TSS_SEL));   /* marks the TSS busy */
}

/* ===================================================================
 * 6. The IDT: for each vector, the address of its stub (isr.S).
 *
 * Gate type_attr: P | DPL (2 bits) | 0 | 1110 = 32-bit interrupt gate
 * (an interrupt gate also clears IF while the handler runs).
 */
extern char isr_stubs[];               /* stub for vector v at isr_stubs + 16 v */

void idt_gate(u8 vec, int dpl, int present)
{
    u32 addr = (u32)isr_stubs + 16u * vec;
    struct gate *g = &cpu.idt[vec];
    g->offset_lo = addr & 0xFFFF;
    g->offset_hi = addr >> 16;
    g->selector  = KERNEL_CS;              /* handlers always run at ring 0 */
    g->zero      = 0;
    g->type_attr = (u8)((present ? 0x80 : 0) | (dpl << 5) | 0x0E);
}

void idt_init(void)
{
    /* The IDT starts as zeros: all 256 gates "not present", so INT n on an
     * unused vector raises #NP.  Fill in the 32 exception vectors. */
    for (int v = 0; v < 32; v++)
        idt_gate((u8)v, 0, 1);
    /* INT3 (#BP) and INTO (#OF) are instructions: let every ring use them. */
    idt_gate(3, 3, 1);
    idt_gate(4, 3, 1);
}

void idt_load(void)
{
    struct dt_ptr p = { sizeof cpu.idt - 1, (u32)cpu.idt };
    __asm__ volatile("lidt %0" : : "m"(p));
}

void cpu_setup(void)
{
    gdt_init();
    gdt_load(GDT_BASIC_ENTRIES);
    reload_segments();
    tss_init();
    tss_load();
    idt_init();
    idt_load();
}

/* ===================================================================
 * 7. Dispatching traps to C handlers.
 */
static handler_t handlers[256];

void set_handler(u8 vec, handler_t h)
{
    handlers[vec] = h;
}

const char *exc_name(u32 v)
{
    static const char *const names[22] = {
        "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#CSO",
        "#TS", "#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM",
        "#VE", "#CP",
    };
    if (v < 22)
        return names[v];
    return v < 32 ? "#reserved" : "int";
}

/* Called by isr_common (isr.S) with the frame it built. */
void isr_dispatch(struct frame *f);
void isr_dispatch(struct frame *f)
{
    if (handlers[f->vector]) {
        handlers[f->vector](f);
        return;
    }
    kprintf("unexpected %s (vector %02x) err=%04x at %04x:%08x\n",
            exc_name(f->vector), f->vector, f->error, f->cs, f->eip);
    guest_exit(1);
}

/* ===================================================================
 * 8. Rings and system calls.
 */
u32 enter_ring(u32 code_sel, u32 data_sel, void (*fn)(void), u32 stack_top);   /* isr.S */

static u8 ring_stacks[4][4096] __attribute__((aligned(16)));   /* one per ring 1..3 */

u32 run_at_ring(int ring, void (*fn)(void))
{
    static const u32 code[4] = { KERNEL_CS, RING1_CS, RING2_CS, USER_CS };
    static const u32 data[4] = { KERNEL_DS, RING1_DS, RING2_DS, USER_DS };
    return enter_ring(code[ring], data[ring], fn, (u32)(ring_stacks[ring] + 4096));
}

void sys_default(struct frame *f)
{
    switch (f->eax) {
    case SYS_NOP:
        break;
    case SYS_WRITE:
        serial_puts((const char *)f->ebx);
        break;
    case SYS_RETURN:
        return_from_ring(f->ebx);          /* does not return */
    default:
        kprintf("unknown system call %u\n", f->eax);
        f->eax = (u32)-1;
        break;
    }
}

void syscall_install(void)
{
    idt_gate(SYSCALL_VECTOR, 3, 1);        /* DPL 3: any ring may INT 0x80 */
    set_handler(SYSCALL_VECTOR, sys_default);
}
