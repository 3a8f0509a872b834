/* multitask.c - a tiny preemptive multitasking kernel: two ring-3 tasks, switched by the timer.
 *
 * The pieces every multitasking kernel has, at their smallest:
 *   - a GDT with ring-3 code and data segments, and a TSS whose ss0:esp0
 *     is the stack the CPU switches to when an interrupt leaves ring 3;
 *   - an IDT: IRQ 0 (the PIT, 100 Hz) and INT 0x80, the system call,
 *     the only gate ring 3 may use;
 *   - a task table: for each task, the registers it had when it was last
 *     interrupted (the trap frame the CPU and our stub pushed);
 *   - a scheduler: on a timer tick, save the interrupted task's frame,
 *     put the other task's frame in its place, and let IRET resume that
 *     one instead.  IRET also restores IF = 1, so the tasks run with
 *     interrupts on and the next tick can preempt them in turn.
 *
 * Output that does not depend on the machine's speed: each task prints a
 * line (a system call), then spins until the kernel has switched away
 * from it and back; the kernel switches away only from a task that has
 * printed its line in this time slice.  So the lines alternate A B A B
 * on QEMU and under any VMM, however many ticks a line takes.
 */
#include "lib.h"

#define HZ 100
#define LINES 4                        /* lines per task */
#define SYS_EXIT_TASK SYS_FIRST_GUEST  /* a task is finished */
#define NTASKS 2

struct task {
    struct frame regs;                 /* saved when not running */
    int done;
};

static struct task tasks[NTASKS];
static u8 task_stacks[NTASKS][4096] __attribute__((aligned(16)));
static int current;                    /* index of the running task */
static int printed;                    /* it wrote its line in this slice */
static u32 switches;

/* How many times each task has been given the CPU.  The kernel writes it;
 * the tasks read it (all memory is readable at ring 3 here: flat segments,
 * no paging), which is how a task learns it was preempted. */
static volatile u32 slices[NTASKS];

/* ------------------------------------------------------------------
 * Ring 3.
 */
static void task_body(int me)
{
    char line[64];

    for (u32 i = 0; i < LINES; i++) {
        u32 slice = slices[me];
        format(line, sizeof line, "task %c: line %u, in its time slice %u\n",
               'A' + me, i, slice);
        sys_write(line);
        while (slices[me] == slice)
            ;                          /* spin: only the timer gets us out */
    }
    syscall(SYS_EXIT_TASK, 0);
}

static void task_a(void) { task_body(0); }
static void task_b(void) { task_body(1); }

/* ------------------------------------------------------------------
 * Ring 0.
 */

/* Make `next` the running task: the frame on the kernel stack is what the
 * interrupt return will restore, so replacing it switches tasks. */
static void switch_to(struct frame *f, int next)
{
    if (!tasks[current].done)
        tasks[current].regs = *f;
    *f = tasks[next].regs;
    current = next;
    slices[next]++;
    printed = 0;
    switches++;
}

static void on_timer(struct frame *f)
{
    int other = 1 - current;

    pic_eoi(0);
    if ((f->cs & 3) != 3 || !printed || tasks[other].done)
        return;                        /* keep running the current task */
    switch_to(f, other);
}

static void on_syscall(struct frame *f)
{
    int other = 1 - current;

    switch (f->eax) {
    case SYS_WRITE:
        serial_puts((const char *)f->ebx);
        printed = 1;
        break;
    case SYS_EXIT_TASK:
        tasks[current].done = 1;
        kprintf("kernel: task %c finished\n", 'A' + current);
        if (tasks[other].done) {
            kprintf("kernel: all tasks finished after %u task switches\n", switches);
            guest_exit(0);
        }
        switch_to(f, other);
        break;
    default:
        f->eax = (u32)-1;
        break;
    }
}

/* A task starts as if it had been interrupted at its first instruction. */
static void task_init(int i, void (*entry)(void))
{
    struct frame *r = &tasks[i].regs;

    memset(r, 0, sizeof *r);
    r->eip = (u32)entry;
    r->cs = USER_CS;
    r->eflags = EFLAGS_IF | 0x2;       /* interrupts on; bit 1 is always 1 */
    r->user_esp = (u32)(task_stacks[i] + sizeof task_stacks[i]);
    r->user_ss = USER_DS;
}

/* Enter the first task: load its frame as the stack and return from the
 * "interrupt" (the same POPA; IRET the interrupt stubs end with). */
static void __attribute__((noreturn)) run_first(struct frame *f)
{
    __asm__ volatile(
        "mov %1, %%ds\n\t"             /* ring 3 may not keep ring 0 data segments */
        "mov %1, %%es\n\t"
        "mov %1, %%fs\n\t"
        "mov %1, %%gs\n\t"
        "mov %0, %%esp\n\t"
        "popa\n\t"
        "add $8, %%esp\n\t"            /* vector and error code */
        "iret"
        : : "r"(f), "r"(USER_DS) : "memory");
    __builtin_unreachable();
}

int kmain(void);
int kmain(void)
{
    static struct frame first;

    kprintf("ringside multitask: two ring-3 tasks, preempted by the timer\n");
    cpu_setup();                       /* GDT with ring-3 segments, TSS, IDT */
    pic_remap(IRQ_BASE, IRQ_BASE + 8);
    idt_gate(IRQ_BASE, 0, 1);
    set_handler(IRQ_BASE, on_timer);
    idt_gate(SYSCALL_VECTOR, 3, 1);    /* DPL 3: INT 0x80 allowed from ring 3 */
    set_handler(SYSCALL_VECTOR, on_syscall);
    pit_set_periodic(HZ);
    pic_set_masks(0xFE, 0xFF);         /* only IRQ 0 */

    task_init(0, task_a);
    task_init(1, task_b);
    kprintf("kernel: timer at %u Hz; starting task A at ring 3\n", HZ);
    current = 0;
    slices[0] = 1;
    first = tasks[0].regs;
    run_first(&first);
}
