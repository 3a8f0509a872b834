/* holes.c - probes each x86 "virtualization hole" at ring 0 and prints what the CPU answers.
 *
 * In 1974 Popek and Goldberg showed that a machine can be virtualized by
 * "trap and emulate" if every SENSITIVE instruction (one that reads or
 * changes privileged state) is also PRIVILEGED (traps when run outside
 * ring 0).  On x86 this is false: the instructions probed here are
 * sensitive but do not trap.  A VMM that runs this kernel at ring 1 never
 * sees them, so the kernel gets the real machine's answer (SGDT shows the
 * VMM's GDT, PUSHF shows the real IF, POPF silently ignores IF, ...).
 *
 * On real hardware (QEMU) every line below shows what the kernel set up.
 * Under ringside's trap-and-emulate mode several lines differ: that is the
 * lesson.  Each probe prints one line; if a probe raises an exception
 * instead, the line says which and the next probe runs.
 */
#include "lib.h"

/* ------------------------------------------------------------------ */
/* Running one probe, with a way out if it faults.                    */

static const char *probe_name;

/* Any exception during a probe: report it and abandon the probe. */
static void on_exception(struct frame *f)
{
    kprintf("%s: %s exception, err=%04x\n", probe_name, exc_name(f->vector), f->error);
    return_from_ring(1);            /* back to run_at_ring in probe() */
}

static void probe(const char *name, void (*fn)(void))
{
    probe_name = name;
    run_at_ring(0, fn);             /* ring 0: a plain call we can escape from */
}

static u32 flag_if(u32 eflags)   { return (eflags & EFLAGS_IF) ? 1 : 0; }
static u32 flag_iopl(u32 eflags) { return (eflags & EFLAGS_IOPL) >> 12; }

/* ------------------------------------------------------------------ */
/* Reading the descriptor tables back.                                */

static struct dt_ptr gdt_loaded, idt_loaded;    /* what we gave LGDT and LIDT */

static void p_sgdt(void)
{
    struct dt_ptr d;
    __asm__ volatile("sgdt %0" : "=m"(d));
    kprintf("sgdt: base=%08x limit=%04x (lgdt loaded base=%08x limit=%04x)\n",
            d.base, d.limit, gdt_loaded.base, gdt_loaded.limit);
}

static void p_sidt(void)
{
    struct dt_ptr d;
    __asm__ volatile("sidt %0" : "=m"(d));
    kprintf("sidt: base=%08x limit=%04x (lidt loaded base=%08x limit=%04x)\n",
            d.base, d.limit, idt_loaded.base, idt_loaded.limit);
}

static void p_sldt(void)
{
    u32 sel = 0xFFFF;
    __asm__ volatile("sldt %0" : "+r"(sel));
    kprintf("sldt: %04x (lldt loaded 0000)\n", sel & 0xFFFF);
}

static void p_smsw(void)
{
    u32 msw = 0;
    __asm__ volatile("smsw %0" : "+r"(msw));
    kprintf("smsw: %04x (mov from cr0 reads %08x)\n", msw & 0xFFFF, read_cr0());
}

static void p_str(void)
{
    u32 sel = 0;
    __asm__ volatile("str %0" : "+r"(sel));
    kprintf("str: %04x (ltr loaded %04x)\n", sel & 0xFFFF, TSS_SEL);
}

/* ------------------------------------------------------------------ */
/* The flags register: IF (interrupts on) and IOPL.                   */

static u32 read_eflags(void)
{
    u32 f;
    __asm__ volatile("pushf; pop %0" : "=r"(f));
    return f;
}

static void p_pushf(void)
{
    __asm__ volatile("cli");
    u32 f = read_eflags();
    kprintf("pushf: after cli, IF=%u IOPL=%u\n", flag_if(f), flag_iopl(f));
}

/* POPF with IF=1 really enables interrupts at ring 0.  The BIOS left the
 * PC's timer running and its interrupt controller sending IRQ 0 to vector 8
 * (IRQs 8-15 go to vectors 0x70-0x77).  A real kernel would reprogram the
 * controller; we are not allowed to touch devices, so for the few
 * instructions where IF=1 those vectors point at a bare IRET. */
extern char quiet_iret[];                  /* isr.S */
static const u8 irq_vectors[16] = {
    0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F,
    0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
};
static struct gate saved_gates[16];

static void quiet_irqs(int on)
{
    for (int i = 0; i < 16; i++) {
        struct gate *g = &cpu.idt[irq_vectors[i]];
        if (on) {
            saved_gates[i] = *g;
            g->offset_lo = (u32)quiet_iret & 0xFFFF;
            g->offset_hi = (u32)quiet_iret >> 16;
            g->selector  = KERNEL_CS;
            g->type_attr = 0x8E;           /* present, DPL 0, interrupt gate */
        } else {
            *g = saved_gates[i];
        }
    }
}

static void p_popf(void)
{
    u32 f;
    quiet_irqs(1);
    __asm__ volatile(
        "sti\n\t"
        "pushf\n\t"
        "andl $0xFFFFFDFF, (%%esp)\n\t"    /* IF = 0 in the saved copy */
        "popf\n\t"                         /* ... load it back (ring 0: IF becomes 0) */
        "pushf\n\t"
        "pop %0\n\t"
        "cli"
        : "=r"(f) : : "memory", "cc");
    quiet_irqs(0);
    kprintf("popf: after sti, popf with IF=0, then pushf reads IF=%u\n", flag_if(f));
}

static void p_popf_iopl(void)
{
    u32 f;
    __asm__ volatile(
        "pushf\n\t"
        "orl $0x3000, (%%esp)\n\t"         /* IOPL = 3 */
        "popf\n\t"
        "pushf\n\t"
        "pop %0\n\t"
        "pushf\n\t"
        "andl $0xFFFFCFFF, (%%esp)\n\t"    /* and back to IOPL = 0 */
        "popf"
        : "=r"(f) : : "memory", "cc");
    kprintf("popf-iopl: popf with IOPL=3, then pushf reads IOPL=%u\n", flag_iopl(f));
}

/* ------------------------------------------------------------------ */
/* Asking about a selector: LAR, LSL, VERR, VERW set ZF if allowed.   */

/* Kernel code, kernel data, user data, the TSS (a system segment). */
static const u32 sels[4] = { KERNEL_CS, KERNEL_DS, USER_DS, TSS_SEL };

enum { LAR, LSL, VERR, VERW };

static void selector_probe(int which)
{
    static const char *const names[4] = { "lar", "lsl", "verr", "verw" };
    kprintf("%s:", names[which]);
    for (int i = 0; i < 4; i++) {
        u32 v = 0;
        u8 ok = 0;
        switch (which) {
        case LAR:  __asm__ volatile("lar %2, %0; setz %1" : "+r"(v), "=q"(ok) : "r"(sels[i]) : "cc"); break;
        case LSL:  __asm__ volatile("lsl %2, %0; setz %1" : "+r"(v), "=q"(ok) : "r"(sels[i]) : "cc"); break;
        case VERR: __asm__ volatile("verr %w1; setz %0" : "=q"(ok) : "r"(sels[i]) : "cc"); break;
        case VERW: __asm__ volatile("verw %w1; setz %0" : "=q"(ok) : "r"(sels[i]) : "cc"); break;
        }
        if (which == LAR || which == LSL) {
            if (ok)
                kprintf(" %04x=%08x", sels[i], v);
            else
                kprintf(" %04x=fail", sels[i]);
        } else {
            kprintf(" %04x=%s", sels[i], ok ? "yes" : "no");
        }
        kprintf(i < 3 ? "," : "\n");
    }
}

static void p_lar(void)  { selector_probe(LAR); }
static void p_lsl(void)  { selector_probe(LSL); }
static void p_verr(void) { selector_probe(VERR); }
static void p_verw(void) { selector_probe(VERW); }

/* ------------------------------------------------------------------ */
/* Segment registers: the low two bits of CS are the current ring.    */

static void p_mov_cs(void)
{
    u32 v = 0;
    __asm__ volatile("mov %%cs, %0" : "+r"(v));
    kprintf("mov-cs: cs=%04x\n", v & 0xFFFF);
}

static void p_mov_ss(void)
{
    u32 v = 0;
    __asm__ volatile("mov %%ss, %0" : "+r"(v));
    kprintf("mov-ss: ss=%04x\n", v & 0xFFFF);
}

static void p_push_cs(void)
{
    u32 v;
    __asm__ volatile("push %%cs; pop %0" : "=r"(v));
    kprintf("push-cs: pushed %04x\n", v & 0xFFFF);
}

/* A far CALL pushes CS and EIP; the callee reads CS at 4(%esp). */
static void p_far_call(void)
{
    u32 seen = 0;
    __asm__ volatile(
        "lcall $0x08, $1f\n\t"
        "jmp 2f\n"
        "1:\tmov 4(%%esp), %0\n\t"         /* the callee: read the pushed CS */
        "lret\n"
        "2:"
        : "+r"(seen) : : "memory");
    kprintf("far-call: lcall 0008:callee, the callee found cs=%04x on the stack\n", seen & 0xFFFF);
}

/* A far RET pops EIP and CS: return to 0008:1f. */
static void p_far_ret(void)
{
    u32 landed = 0;
    __asm__ volatile(
        "pushl $0x08\n\t"
        "pushl $1f\n\t"
        "lret\n"
        "1:\tmov $1, %0"
        : "+r"(landed) : : "memory");
    kprintf("far-ret: lret to 0008:target %s\n", landed ? "landed" : "did not land");
}

/* INT n: the CPU pushes EFLAGS, CS, EIP and goes through the IDT. */
static u32 int_seen_cs, int_seen_eflags;

static void on_int30(struct frame *f)
{
    int_seen_cs = f->cs;
    int_seen_eflags = f->eflags;
}

static void p_int(void)
{
    __asm__ volatile("int $0x30" : : : "memory");
    kprintf("int: int $0x30, the handler found cs=%04x IF=%u in its frame\n",
            int_seen_cs & 0xFFFF, flag_if(int_seen_eflags));
}

/* IRET pops EIP, CS, EFLAGS.  At ring 0 it may change IOPL; elsewhere the
 * new IOPL is silently ignored. */
static void p_iret(void)
{
    u32 f;
    __asm__ volatile(
        "pushf\n\t"
        "orl $0x3000, (%%esp)\n\t"         /* EFLAGS with IOPL = 3 */
        "pushl $0x08\n\t"                  /* CS */
        "pushl $1f\n\t"                    /* EIP */
        "iret\n"
        "1:\tpushf\n\t"
        "pop %0\n\t"
        "pushf\n\t"
        "andl $0xFFFFCFFF, (%%esp)\n\t"    /* back to IOPL = 0 */
        "popf"
        : "=r"(f) : : "memory", "cc");
    kprintf("iret: iret to 0008:target with IOPL=3 in the frame, then pushf reads IOPL=%u\n",
            flag_iopl(f));
}

/* ------------------------------------------------------------------ */

int kmain(u32 magic, void *mbi);
int kmain(u32 magic, void *mbi)
{
    (void)magic, (void)mbi;
    cpu_setup();                           /* GDT at 0x101000, IDT at 0x101800, TR = 0x28 */
    __asm__ volatile("lldt %w0" : : "r"(0));   /* LDTR = 0: no local descriptor table */
    gdt_loaded = (struct dt_ptr){ GDT_BASIC_ENTRIES * 8 - 1, (u32)cpu.gdt };
    idt_loaded = (struct dt_ptr){ sizeof cpu.idt - 1, (u32)cpu.idt };

    for (int v = 0; v < 32; v++)
        set_handler((u8)v, on_exception);
    idt_gate(0x30, 0, 1);
    set_handler(0x30, on_int30);

    kprintf("holes: sensitive x86 instructions that do not trap, probed at ring 0\n");
    probe("sgdt", p_sgdt);
    probe("sidt", p_sidt);
    probe("sldt", p_sldt);
    probe("smsw", p_smsw);
    probe("str", p_str);
    probe("pushf", p_pushf);
    probe("popf", p_popf);
    probe("popf-iopl", p_popf_iopl);
    probe("lar", p_lar);
    probe("lsl", p_lsl);
    probe("verr", p_verr);
    probe("verw", p_verw);
    probe("mov-cs", p_mov_cs);
    probe("mov-ss", p_mov_ss);
    probe("push-cs", p_push_cs);
    probe("far-call", p_far_call);
    probe("far-ret", p_far_ret);
    probe("int", p_int);
    probe("iret", p_iret);
    kprintf("holes: done\n");
    return 0;
}
