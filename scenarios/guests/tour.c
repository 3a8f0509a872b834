/* tour.c - a guided walk through every class of x86 instruction and all four rings, one step at a time.
 *
 * Each step is announced on the serial port before it runs, so you can
 * follow it in ringside's instruction view.  The classes:
 *   innocuous    ordinary arithmetic: runs directly, at any ring
 *   privileged   only allowed at ring 0: elsewhere they raise #GP (a trap)
 *   I/O          IN/OUT: allowed at ring 0 (or where IOPL permits)
 *   sensitive    touch privileged state, e.g. segment registers, INT, IRET
 * The kernel sets up its own GDT, TSS and IDT, then drops to ring 3 with
 * IRET, comes back with INT 0x80, and finally visits rings 1 and 2.
 * Nothing printed here is read through a "hole" (see holes.c).
 */
#include "lib.h"

static int step_number;

static void step(const char *what)
{
    kprintf("step %d: %s\n", ++step_number, what);
}

/* The one instruction ring 3 will try and fail: CLI at a known address. */
__asm__(".text\n"
        ".globl tour_cli\n"
        "tour_cli:\n\t"
        "cli\n\t"                  /* 1 byte: 0xFA */
        "ret\n");
extern char tour_cli[];

/* #GP: a kernel (or a VMM!) finds out what the faulting instruction was by
 * reading its bytes at the saved EIP, then decides what to do. */
static void on_gp(struct frame *f)
{
    const u8 *insn = (const u8 *)f->eip;
    if (f->eip == (u32)tour_cli && insn[0] == 0xFA) {
        kprintf("  #GP from ring %u at tour_cli, err=%04x: cli is privileged, skipping it\n",
                f->cs & 3, f->error);
        f->eip += 1;                       /* resume after the 1-byte CLI */
        return;
    }
    kprintf("  unexpected #GP at %04x:%08x err=%04x\n", f->cs, f->eip, f->error);
    guest_exit(1);
}

/* INT 0x80: SYS_WRITE prints the string, tagged with the caller's ring,
 * which is the low two bits of the CS the CPU saved in the frame. */
static void on_syscall(struct frame *f)
{
    if (f->eax == SYS_WRITE)
        kprintf("  [ring %u] %s\n", f->cs & 3, (const char *)f->ebx);
    else
        sys_default(f);
}

/* "volatile" so that the compiler really computes at run time. */
static volatile u32 six = 6, seven = 7;

/* ---- Code that runs in the outer rings: no I/O, only system calls. ---- */

static void ring3_main(void)
{
    char line[64];
    sys_write("arrived in user mode");
    format(line, sizeof line, "computed here: 6 * 7 = %u", six * seven);
    sys_write(line);
    sys_write("now trying cli, which only ring 0 may do");
    ((void (*)(void))tour_cli)();
    sys_write("still running after the #GP; returning to ring 0");
}   /* returning makes the SYS_RETURN system call (see isr.S) */

static void ring1_main(void)
{
    sys_write("hello from ring 1 (course's system services)");
}

static void ring2_main(void)
{
    sys_write("hello from ring 2 (course's device drivers)");
}

/* ---- The tour. ---- */

int kmain(u32 magic, void *mbi);
int kmain(u32 magic, void *mbi)
{
    (void)magic, (void)mbi;
    kprintf("ringside tour: every class of instruction, every ring\n");

    step("innocuous: arithmetic at ring 0");
    kprintf("  6 * 7 = %u\n", six * seven);

    step("privileged: lgdt loads our GDT (null, kernel code+data, user code+data, TSS)");
    gdt_init();
    gdt_load(GDT_BASIC_ENTRIES);
    kprintf("  loaded base=%08x limit=%04x\n", (u32)cpu.gdt, GDT_BASIC_ENTRIES * 8 - 1);

    step("sensitive: far jmp reloads CS, mov reloads DS ES FS GS SS");
    reload_segments();
    kprintf("  code selector %04x, data selector %04x\n", KERNEL_CS, KERNEL_DS);

    step("privileged: ltr loads the task register");
    tss_init();
    tss_load();
    kprintf("  TSS %04x: ring 0 stack for traps is %04x:%08x, descriptor type now %x (busy)\n",
            TSS_SEL, cpu.tss.ss0, cpu.tss.esp0, cpu.gdt[5].access & 0xF);

    step("privileged: lidt loads our IDT");
    idt_init();
    syscall_install();
    set_handler(13, on_gp);
    set_handler(SYSCALL_VECTOR, on_syscall);
    idt_load();
    kprintf("  gates for the 32 exceptions and int 0x80\n");

    step("privileged: cli, sti, cli");
    __asm__ volatile("cli; sti; cli");     /* STI takes effect after the next instruction */
    kprintf("  interrupts stay off: the cli runs before sti takes effect\n");

    step("privileged: control registers");
    kprintf("  cr0=%08x cr3=%08x cr4=%08x\n", read_cr0(), read_cr3(), read_cr4());
    write_cr0(read_cr0() | 0x8);           /* set TS ("task switched") */
    __asm__ volatile("clts");              /* ... and clear it again */
    kprintf("  mov to cr0 set TS, clts cleared it: cr0=%08x\n", read_cr0());
    u32 old_cr3 = read_cr3();
    write_cr3(0x00200000);
    kprintf("  mov to cr3: cr3=%08x (unused: paging is off)\n", read_cr3());
    write_cr3(old_cr3);

    step("privileged: wbinvd, invlpg");
    __asm__ volatile("wbinvd; invlpg (%0)" : : "r"(0x00200000) : "memory");
    kprintf("  caches written back, TLB entry dropped\n");

    step("privileged: wrmsr, rdmsr on IA32_SYSENTER_CS (msr 174)");
    wrmsr_lo(MSR_SYSENTER_CS, 0x08);
    kprintf("  wrote 00000008, read back %08x\n", rdmsr_lo(MSR_SYSENTER_CS));

    step("I/O: out, in on the UART scratch register (port 3ff)");
    outb(COM1_SCRATCH, 0x5A);
    kprintf("  wrote 5a, read back %02x\n", inb(COM1_SCRATCH));

    step("sensitive: int 0x80, a system call from ring 0");
    sys_write("hello through the system call gate");

    step("sensitive: iret down to ring 3");
    run_at_ring(3, ring3_main);

    step("back at ring 0: int 0x80 (SYS_RETURN) brought us here");

    step("privileged: lgdt again, adding segments for rings 1 and 2");
    gdt_add_middle_rings();
    kprintf("  limit now %04x\n", GDT_ALL_ENTRIES * 8 - 1);

    step("sensitive: iret to ring 1");
    run_at_ring(1, ring1_main);

    step("sensitive: iret to ring 2");
    run_at_ring(2, ring2_main);

    kprintf("tour complete\n");
    return 0;
}
