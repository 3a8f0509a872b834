/* faults.c - raises exceptions on purpose, at ring 0 and at ring 3, and prints each trap frame.
 *
 * Every exception goes through the guest's own IDT, exactly as on real
 * hardware: the CPU pushes EFLAGS, CS, EIP (and SS:ESP when it leaves
 * ring 3 for ring 0, switching to the stack named in the TSS), plus an
 * error code for some exceptions.  The handler prints one line per test:
 *
 *   ring3 cli: #GP vector=0d err=0000 cs=001b IF=0 IOPL=0 eip=site+0, stack switched, ...
 *
 * then resumes after the faulting instruction.  The tests themselves are
 * in faults_tests.S.  A trap-and-emulate VMM must reproduce every line.
 */
#include "lib.h"

/* Each test's function, its faulting instruction and where to resume. */
#define DECLARE(t) extern void t(void); extern char t##_site[], t##_resume[]
DECLARE(t_div);
DECLARE(t_int3);
DECLARE(t_ud2);
DECLARE(t_bad_ds);
DECLARE(t_kernel_ds);
DECLARE(t_cli);
DECLARE(t_int31);
DECLARE(t_int41);

struct test {
    const char *name;
    void (*fn)(void);
    char *site;          /* the instruction under test */
    char *resume;        /* the instruction after it */
};
#define TEST(name, t) { name, t, t##_site, t##_resume }

static const struct test tests[] = {
    TEST("div-by-zero", t_div),            /* #DE */
    TEST("int3", t_int3),                  /* #BP */
    TEST("ud2", t_ud2),                    /* #UD */
    TEST("bad-selector-ds", t_bad_ds),     /* #GP(0x50) */
    TEST("kernel-ds", t_kernel_ds),        /* ring 3: #GP(0x10) */
    TEST("cli", t_cli),                    /* ring 3: #GP(0) */
    TEST("int-dpl0-gate", t_int31),        /* ring 3: #GP(0x31*8+2) */
    TEST("int-absent-gate", t_int41),      /* #NP(0x41*8+2) */
};
#define NTESTS (int)(sizeof tests / sizeof tests[0])

/* System calls the test runner uses to tell the kernel where it is. */
#define SYS_BEGIN (SYS_FIRST_GUEST + 0)    /* EBX = test number */
#define SYS_END   (SYS_FIRST_GUEST + 1)

static int current;      /* test being run */
static u32 ring;         /* ring it runs at (from the CS of the SYS_BEGIN call) */
static int fired;        /* did it trap? */

/* The handler for every exception, and for INT 0x31. */
static void on_trap(struct frame *f)
{
    const struct test *t = &tests[current];
    u32 ring_of_cs = f->cs & 3;           /* the ring the CPU was in */

    fired = 1;
    kprintf("ring%u %s: %s vector=%02x err=%04x cs=%04x IF=%u IOPL=%u eip=site+%u",
            ring, t->name, exc_name(f->vector), f->vector, f->error, f->cs,
            (f->eflags & EFLAGS_IF) ? 1 : 0, (f->eflags & EFLAGS_IOPL) >> 12,
            f->eip - (u32)t->site);
    if (ring_of_cs != 0)
        /* Coming from ring 3 the CPU switched to the TSS's ring 0 stack
         * and saved the old stack pointer for the way back. */
        kprintf(", stack switched, user ss:esp=%04x:%08x\n", f->user_ss, f->user_esp);
    else
        kprintf(", same stack\n");

    f->eip = (u32)t->resume;              /* IRET will continue there */
}

static void on_syscall(struct frame *f)
{
    switch (f->eax) {
    case SYS_BEGIN:
        current = (int)f->ebx;
        ring = f->cs & 3;
        fired = 0;
        break;
    case SYS_END:
        if (!fired)
            kprintf("ring%u %s: no exception\n", ring, tests[current].name);
        break;
    default:
        sys_default(f);
    }
}

/* Runs at ring 0, then at ring 3: the same code in both cases. */
static void run_tests(void)
{
    for (int i = 0; i < NTESTS; i++) {
        syscall(SYS_BEGIN, (u32)i);
        tests[i].fn();
        syscall(SYS_END, (u32)i);
    }
}

int kmain(u32 magic, void *mbi);
int kmain(u32 magic, void *mbi)
{
    (void)magic, (void)mbi;
    cpu_setup();
    for (int v = 0; v < 32; v++)
        set_handler((u8)v, on_trap);
    idt_gate(0x31, 0, 1);                  /* INT 0x31: ring 0 only */
    set_handler(0x31, on_trap);
    idt_gate(0x41, 3, 0);                  /* INT 0x41: allowed to all, but not present */
    syscall_install();
    set_handler(SYSCALL_VECTOR, on_syscall);

    kprintf("faults: exceptions delivered through the guest's own IDT\n");
    kprintf("faults: at ring 0\n");
    run_tests();
    kprintf("faults: at ring 3\n");
    run_at_ring(3, run_tests);
    kprintf("faults: done\n");
    return 0;
}
