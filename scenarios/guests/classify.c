/* classify.c - runs every privileged, I/O and sensitive instruction at ring 0, then at ring 3.
 *
 * The instructions are in classify_probes.S, one per global label probe_N,
 * described by probe_table.  For each one this prints a line:
 *
 *   ring0 mov-to-cr3: ok, cr3=00200000     it ran; its effect, when it has one
 *   ring3 mov-to-cr3: #GP err=0000         privileged: ring 3 may not do it
 *   ring3 sgdt: no fault                   sensitive but unprivileged: no trap!
 *
 * The third kind are the "holes" that break classic trap-and-emulate.  This
 * guest never prints a value read through a hole: it only says whether the
 * instruction ran, so its output must be the same on QEMU and under a VMM.
 */
#include "lib.h"

/* One entry of probe_table (layout documented in classify_probes.S). */
struct probe {
    u32 run;             /* routine to pass to run_probe */
    u32 at;              /* address of the probed instruction */
    u32 end;             /* address after it */
    u8  ring;            /* 0 or 3 */
    u8  class;           /* 1 privileged, 2 I/O, 3 sensitive */
    u8  pad[2];
    char name[16];
};
extern const struct probe probe_table[], probe_table_end[];

/* What the probes read their operands from (offsets: classify_probes.S). */
struct far_ptr { u32 offset; u16 sel; u16 pad; };   /* operand of a far CALL/JMP */
struct probe_ctx {
    u32 code_sel, data_sel;   /* CS and DS of the ring running the probes */
    u32 eflags;               /* for POPF and IRET */
    u32 cr0, cr3, cr4, dr7;   /* values to write */
    u32 msr;                  /* value for WRMSR to SYSENTER_CS */
    u16 msw;                  /* for LMSW */
    u16 ldt_sel, tss_sel;     /* for LLDT and LTR */
    u16 probe_sel;            /* for LAR, LSL, VERR, VERW */
    struct far_ptr far_call, far_jmp;
    struct dt_ptr gdtr;       /* for LGDT */
    u16 pad1;
    struct dt_ptr idtr;       /* for LIDT */
    u16 pad2;
    u8  dt_out[8];            /* where SGDT and SIDT store */
    u8  out_byte;             /* for OUT */
    u8  outs_byte;            /* for OUTS (read from memory) */
    u8  ins_byte;             /* for INS (written to memory) */
    u8  pad3;
};
_Static_assert(__builtin_offsetof(struct probe_ctx, msw) == 32, "see classify_probes.S");
_Static_assert(__builtin_offsetof(struct probe_ctx, probe_sel) == 38, "see classify_probes.S");
_Static_assert(__builtin_offsetof(struct probe_ctx, far_jmp) == 48, "see classify_probes.S");
_Static_assert(__builtin_offsetof(struct probe_ctx, idtr) == 64, "see classify_probes.S");
_Static_assert(__builtin_offsetof(struct probe_ctx, out_byte) == 80, "see classify_probes.S");
_Static_assert(__builtin_offsetof(struct probe_ctx, ins_byte) == 82, "see classify_probes.S");

u32 run_probe(u32 run, struct probe_ctx *ctx);      /* classify_probes.S */
extern char far_target[], far_landing[];

static struct probe_ctx ctx0, ctx3;                 /* for ring 0 and ring 3 */
static u8 faulted[128];                             /* by probe index */

#define SYS_PROBED SYS_FIRST_GUEST                  /* ring 3: "probe EBX is done" */

/* ------------------------------------------------------------------ */

static void setup_ctx(struct probe_ctx *c, u32 code_sel, u32 data_sel)
{
    c->code_sel  = code_sel;
    c->data_sel  = data_sel;
    c->eflags    = 0x00000002;                      /* IF = 0, IOPL = 0 */
    c->cr0       = 0x00000013;                      /* PE, MP, ET */
    c->cr3       = 0x00200000;                      /* paging is off: CR3 is unused */
    c->cr4       = 0x00000004;                      /* TSD: makes RDTSC ring 0 only */
    c->dr7       = 0x00000700;                      /* LE, GE: no breakpoint enabled */
    c->msr       = 0x00000008;
    c->msw       = 0x0009;                          /* PE, TS */
    c->ldt_sel   = 0;
    c->tss_sel   = TSS_SEL;
    c->probe_sel = (u16)data_sel;
    c->far_call  = (struct far_ptr){ (u32)far_target, (u16)code_sel, 0 };
    c->far_jmp   = (struct far_ptr){ (u32)far_landing, (u16)code_sel, 0 };
    c->gdtr      = (struct dt_ptr){ GDT_BASIC_ENTRIES * 8 - 1, (u32)cpu.gdt };
    c->idtr      = (struct dt_ptr){ sizeof cpu.idt - 1, (u32)cpu.idt };
    c->out_byte  = 0x5A;
    c->outs_byte = 0xA5;
}

static int is(const struct probe *p, const char *name)
{
    return strcmp(p->name, name) == 0;
}

static int starts_with(const struct probe *p, const char *prefix)
{
    for (int i = 0; prefix[i]; i++)
        if (p->name[i] != prefix[i])
            return 0;
    return 1;
}

/* Any exception during a probe: report it, skip the instruction. */
static void on_fault(struct frame *f)
{
    for (const struct probe *p = probe_table; p < probe_table_end; p++) {
        if (p->at == f->eip) {
            faulted[p - probe_table] = 1;
            kprintf("ring%u %s: %s err=%04x\n", p->ring, p->name, exc_name(f->vector), f->error);
            f->eip = p->end;
            return;
        }
    }
    kprintf("unexpected %s err=%04x at %04x:%08x\n", exc_name(f->vector), f->error, f->cs, f->eip);
    guest_exit(1);
}

static void on_syscall(struct frame *f)
{
    if (f->eax == SYS_PROBED) {
        const struct probe *p = &probe_table[f->ebx];
        if (!faulted[f->ebx])
            kprintf("ring%u %s: no fault\n", p->ring, p->name);
    } else {
        sys_default(f);
    }
}

/* After a ring 0 probe: print its observable effect, read back with a
 * privileged instruction (never through a hole). */
static void report_ring0(const struct probe *p, u32 result)
{
    kprintf("ring0 %s: ok", p->name);
    if (is(p, "lmsw") || is(p, "clts") || is(p, "mov-to-cr0"))
        kprintf(", cr0=%08x", read_cr0());
    else if (is(p, "mov-to-cr3"))
        kprintf(", cr3=%08x", read_cr3());
    else if (is(p, "mov-to-cr4"))
        kprintf(", cr4=%08x", read_cr4());
    else if (is(p, "mov-to-dr7"))
        kprintf(", dr7=%08x", read_dr7());
    else if (starts_with(p, "mov-from-cr") || is(p, "mov-from-dr7") || is(p, "rdmsr"))
        kprintf(", read %08x", result);
    else if (is(p, "wrmsr"))
        kprintf(", rdmsr reads back %08x", rdmsr_lo(MSR_SYSENTER_CS));
    else if (is(p, "ltr"))
        kprintf(", TSS descriptor type %x (busy)", cpu.gdt[5].access & 0xF);
    else if (is(p, "out"))
        kprintf(", wrote %02x to port 3ff", ctx0.out_byte);
    else if (is(p, "in"))
        kprintf(", read %02x from port 3ff", result & 0xFF);
    else if (is(p, "outs"))
        kprintf(", wrote %02x from memory to port 3ff", ctx0.outs_byte);
    else if (is(p, "ins"))
        kprintf(", read %02x from port 3ff into memory", ctx0.ins_byte);
    kprintf("\n");
}

static void ring0_probes(void)
{
    for (const struct probe *p = probe_table; p < probe_table_end; p++) {
        if (p->ring != 0)
            continue;
        if (is(p, "ltr"))
            cpu.gdt[5].access = 0x89;      /* LTR needs an available (not busy) TSS */
        u32 result = run_probe(p->run, &ctx0);
        if (!faulted[p - probe_table])
            report_ring0(p, result);
    }
}

/* Runs at ring 3. */
static void ring3_probes(void)
{
    for (const struct probe *p = probe_table; p < probe_table_end; p++) {
        if (p->ring != 3)
            continue;
        run_probe(p->run, &ctx3);
        syscall(SYS_PROBED, (u32)(p - probe_table));
    }
}

int kmain(u32 magic, void *mbi);
int kmain(u32 magic, void *mbi)
{
    (void)magic, (void)mbi;
    cpu_setup();
    for (int v = 0; v < 32; v++)
        set_handler((u8)v, on_fault);
    syscall_install();
    set_handler(SYSCALL_VECTOR, on_syscall);
    setup_ctx(&ctx0, KERNEL_CS, KERNEL_DS);
    setup_ctx(&ctx3, USER_CS, USER_DS);

    u32 cr0 = read_cr0(), cr3 = read_cr3(), cr4 = read_cr4(), dr7 = read_dr7();
    kprintf("classify: %u probes; first at ring 0\n", (u32)(probe_table_end - probe_table));
    ring0_probes();
    write_cr0(cr0);                        /* undo what the probes changed */
    write_cr3(cr3);
    write_cr4(cr4);
    write_dr7(dr7);

    kprintf("classify: now at ring 3\n");
    run_at_ring(3, ring3_probes);
    kprintf("classify: done\n");
    return 0;
}
