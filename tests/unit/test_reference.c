/*
 * test_reference.c - Popek and Goldberg's equivalence, checked against a
 * real machine: every guest prints the same serial output under ringside
 * as on qemu-system-i386 (the reference hardware), in each execution mode:
 * trap-and-emulate (te), binary translation (bt), hardware assist (hw).
 * The one exception is the lesson itself: under te the x86 holes give the
 * wrong answers, and the exact lines that differ are asserted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "testlib.h"

#define OUT_MAX (1 << 16)

static char qemu_out[OUT_MAX], ringside_out[OUT_MAX];

#define ISO "scenarios/guests/build/cdrom.iso"

/* Extra command-line flags for both sides (e.g. a disc in the drive). */
static const char *qemu_flags = "", *ringside_flags = "";

/* QEMU's output for guest (with qemu_flags) into qemu_out (testlib). */
static void run_qemu(const char *guest)
{
	int st;
	const char *out = tl_qemu(guest, qemu_flags, &st);

	if (st != 0)
		fail_msg("QEMU did not finish %s (status %d)", guest, st);
	snprintf(qemu_out, sizeof qemu_out, "%s", out);
}

static void run_ringside(const char *guest, const char *mode)
{
	char cmd[512];
	int st;

	snprintf(cmd, sizeof cmd,
		 "./ringside --headless --quiet --mode=%s %s --guest %s", mode,
		 ringside_flags, guest);
	st = tl_sh(cmd, ringside_out, sizeof ringside_out);
	if (st != 0)
		fail_msg("ringside --mode=%s did not finish %s (status %d)", mode,
			 guest, st);
}

/* The same output as QEMU in every mode listed ("te bt hw"). */
static void same_output_in(const char *guest, const char *modes)
{
	char list[32], *m, *save;

	run_qemu(guest);
	snprintf(list, sizeof list, "%s", modes);
	for (m = strtok_r(list, " ", &save); m; m = strtok_r(NULL, " ", &save)) {
		run_ringside(guest, m);
		if (strcmp(ringside_out, qemu_out) != 0)
			fail_msg("%s under --mode=%s differs from QEMU:\n--- qemu\n%s--- ringside\n%s",
				 guest, m, qemu_out, ringside_out);
	}
}

static void same_output(const char *guest)
{
	same_output_in(guest, "te bt hw");
}

static void hello(void **state)
{
	(void)state;
	same_output("scenarios/guests/hello.elf");
	assert_non_null(strstr(qemu_out, "goodbye: exit code 0"));
}

static void faults(void **state) { (void)state; same_output("scenarios/guests/faults.elf"); }
static void classify(void **state) { (void)state; same_output("scenarios/guests/classify.elf"); }
static void tour(void **state) { (void)state; same_output("scenarios/guests/tour.elf"); }
static void bench(void **state) { (void)state; same_output("scenarios/guests/bench.elf"); }

/* Small test guests: same output, exit status 0 on both machines. */
static void traps(void **state) { (void)state; same_output("build/guests/traps.elf"); }
static void smc(void **state) { (void)state; same_output("build/guests/smc.elf"); }
static void user(void **state) { (void)state; same_output("build/guests/user.elf"); }
/* System calls by SYSENTER, returns by SYSEXIT: the kernel is entered. */
static void sysenter(void **state)
{
	(void)state;
	same_output("build/guests/sysenter.elf");
	assert_string_equal(qemu_out, "PS1S2S3\n");	/* P: RDPMC at ring 3, #GP */
}
/*
 * CPUID's leaves (the processor the guest sees) and RDPMC's #UD, the same
 * in te (CPUID runs on the CPU), bt (a callout: the VMM answers) and hw
 * (a VM exit: the VMM answers).
 */
static void cpuid(void **state)
{
	(void)state;
	same_output("build/guests/cpuid.elf");
	assert_non_null(strstr(qemu_out, "cpuid 00000000.00000000: 00000004 756e6547"));
	assert_non_null(strstr(qemu_out, "rdpmc: #UD"));
}
/*
 * RDPMC at ring 0 (#UD: QEMU has no counters), at ring 3 with CR4.PCE
 * clear (#GP) and set (#UD): trapped (te), a callout or run directly (bt),
 * a VM exit or the CPU's own #GP (hw), the same answers as QEMU's.
 */
static void rdpmc(void **state)
{
	(void)state;
	same_output("build/guests/rdpmc.elf");
	assert_string_equal(qemu_out, "rdpmc at ring 0: #UD\nrdpmc at ring 3: #GP\n"
				      "cr4 00000100\nrdpmc at ring 3: #UD\n");
}
/* CR0/CR4 writes and reads back, under the guest/host masks in hw. */
static void crmask(void **state) { (void)state; same_output("build/guests/crmask.elf"); }

/*
 * CPUID tells the truth: each feature it announces works (an instruction
 * that uses it), and the instructions of features qemu32 does not
 * announce (SYSCALL, RDTSCP, CLAC, SSSE3's PSHUFB, POPCNT, SSE4.2's
 * CRC32, MOVBE, RDRAND) are #UD, in every mode, as on QEMU.
 */
static void features(void **state)
{
	(void)state;
	same_output("build/guests/features.elf");
	assert_non_null(strstr(qemu_out, "apic-id: ok\n"));
	assert_non_null(strstr(qemu_out, "syscall: #UD\nrdtscp: #UD\nclac: #UD\npshufb: #UD\n"));
	assert_non_null(strstr(qemu_out, "crc32: #UD\n"));
	assert_null(strstr(qemu_out, "wrong"));
}

/* same_output on n processors: QEMU's -smp n, ringside's --vcpus n. */
static void same_output_on(const char *guest, const char *n)
{
	char q[32], r[32];

	snprintf(q, sizeof q, "--smp %s", n);
	snprintf(r, sizeof r, "--vcpus %s", n);
	qemu_flags = q;
	ringside_flags = r;
	same_output(guest);
	qemu_flags = ringside_flags = "";
}

/*
 * The SMP guest on 1, 2 and 4 processors: the CPU count from fw_cfg, each
 * CPU's APIC ID, the APs started by INIT-SIPI-SIPI, a count under a spin
 * lock, a fixed IPI taken out of HLT - as on qemu-system-i386 -smp N.
 */
static void smp_on(const char *n, const char *count)
{
	same_output_on("scenarios/guests/smp.elf", n);
	assert_non_null(strstr(qemu_out, count));
	assert_non_null(strstr(qemu_out, "smp: done"));
}

/*
 * The local APIC timer, periodic at three divides, one-shot and masked,
 * counted against the PIT: the rates a guest sees are QEMU's.
 */
static void apictimer(void **state)
{
	(void)state;
	/*
	 * QEMU's timers follow the host's clock: on 2 cores busy with other
	 * suites its counts can drift "off the clock" (seen in one of three
	 * full runs of the suites at a load average of 6).  The reference is
	 * QEMU unhurried, so it gets three tries; ringside's clock is
	 * simulated and needs none.
	 */
	for (int i = 0; i < 3; i++) {
		run_qemu("build/guests/apictimer.elf");
		if (strstr(qemu_out, "off the clock") == NULL)
			break;
		tl_qemu_forget();
	}
	same_output("build/guests/apictimer.elf");
	assert_non_null(strstr(qemu_out, "divide by 16: 5 per PIT period\n"));
	/* qemu32 has no TSC-deadline mode, nor has ringside's default CPU */
	assert_non_null(strstr(qemu_out, "tsc-deadline: not announced\n"));
	assert_null(strstr(qemu_out, "off the clock"));
}

/*
 * The Multiboot information as QEMU's loader fills it, address for
 * address: plain, then with a command line (--append, QEMU -append) and
 * two modules (--module FILE[,STRING], QEMU -initrd "FILE STRING,FILE").
 */
#define MOD1 "scenarios/guests/disc/readme.txt"
#define MOD2 "scenarios/guests/disc/notes.txt"
static void mbinfo(void **state)
{
	(void)state;
	same_output("build/guests/mbinfo.elf");
	assert_non_null(strstr(qemu_out, "mods_count 00000000\n"));
	qemu_flags = "--append 'console=ttyS0 quiet' --initrd '" MOD1 " root=/dev/ram0 ro," MOD2 "'";
	ringside_flags = "--append 'console=ttyS0 quiet' --module '" MOD1 ",root=/dev/ram0 ro' --module " MOD2;
	same_output("build/guests/mbinfo.elf");
	qemu_flags = ringside_flags = "";
	assert_non_null(strstr(qemu_out, "  \"build/guests/mbinfo.elf console=ttyS0 quiet\"\n"));
	assert_non_null(strstr(qemu_out, "mods_count 00000002\n"));
	assert_non_null(strstr(qemu_out, "  \"" MOD1 " root=/dev/ram0 ro\"\n"));
	/* fw_cfg: the RAM and the CPUs of the machine */
	assert_non_null(strstr(qemu_out, "fw_cfg signature QEMU\n"));
	assert_non_null(strstr(qemu_out, "fw_cfg ram_size 08000000\n"));
	qemu_flags = "--smp 3";
	ringside_flags = "--vcpus 3";
	same_output("build/guests/mbinfo.elf");
	qemu_flags = ringside_flags = "";
	assert_non_null(strstr(qemu_out, "fw_cfg nb_cpus 00000003\n"));
}

/* A kernel linked below 1 MiB (128 KiB) boots as on QEMU. */
static void lowload(void **state)
{
	(void)state;
	same_output("build/guests/lowload.elf");
	assert_non_null(strstr(qemu_out, "running at 0002000c"));
}

/*
 * CPUID reports the initial APIC ID after the guest rewrote the ID
 * register: on the CPU (te), in a callout (bt), after a VM exit (hw), as
 * on QEMU (apicid.S).  Before, bt and hw reported the register's 5.
 */
static void apicid(void **state)
{
	(void)state;
	same_output("build/guests/apicid.elf");
	assert_non_null(strstr(qemu_out, "05000000\n00000000\n"));
}

/*
 * A lowest-priority IPI and MSI on two and three processors go to the
 * first destination, the BSP, although its TPR is the highest, as on
 * QEMU (apiclow.S).  Before, ringside gave them to the lowest TPR.
 */
static void apiclow(void **state)
{
	(void)state;
	same_output_on("build/guests/apiclow.elf", "2");
	assert_non_null(strstr(qemu_out, "00010000\n00030000\n"));
	same_output_on("build/guests/apiclow.elf", "3");
	assert_non_null(strstr(qemu_out, "00010000\n00030000\n"));
}

static void smp1(void **state) { (void)state; smp_on("1", "count: 1000\n"); }
static void smp2(void **state)
{
	(void)state;
	smp_on("2", "count: 2000\n");
	assert_non_null(strstr(qemu_out, "cpu 1: ipi 0x40\n"));
}
/* The smp guest's poll mode (scenarios/smp.lua's co-stop): the BSP polls
 * the UART while the AP spins; the same lines as on QEMU -append poll. */
static void smp2_poll(void **state)
{
	(void)state;
	qemu_flags = "--smp 2 --append poll";
	ringside_flags = "--vcpus 2 --append poll";
	same_output("scenarios/guests/smp.elf");
	qemu_flags = ringside_flags = "";
	assert_non_null(strstr(qemu_out, "count: 2000\npoll: 1000 reads of the uart's line status\ncpu 1: ipi 0x40\n"));
}
static void smp4(void **state)
{
	(void)state;
	smp_on("4", "count: 4000\n");
	assert_non_null(strstr(qemu_out, "cpu 3: apic id 3\n"));
}

/* A waiting interrupt comes in one instruction after STI, at once after IRET. */
static void irqwin(void **state) { (void)state; same_output("build/guests/irqwin.elf"); }

/* The PIT and the PIC: timer interrupts delivered while the vCPU halts. */
static void timer(void **state) { (void)state; same_output("scenarios/guests/timer.elf"); }

/* The ATAPI CD-ROM, with the disc the build made, and with none. */
static void cdrom(void **state)
{
	(void)state;
	qemu_flags = "--cdrom " ISO;
	ringside_flags = "--cdrom " ISO;
	same_output("scenarios/guests/cdrom.elf");
	qemu_flags = ringside_flags = "";
	same_output("scenarios/guests/cdrom.elf");	/* empty drive */
}

/* The parallel port: the console and the paper, both as on QEMU. */
/*
 * The IDE hard disk: a raw image (a copy of it on QEMU, ringside's own
 * copy in its disk file), written and read back; and no disk at all.
 * The image itself must come out unchanged.
 */
#define DISK_IMG "scenarios/guests/build/disk.img"

static void disk(void **state)
{
	size_t before_len, after_len;
	char *before = tl_slurp(DISK_IMG, &before_len), *after;

	(void)state;
	assert_non_null(before);
	qemu_flags = "--disk " DISK_IMG;
	ringside_flags = "--disk " DISK_IMG;
	same_output("scenarios/guests/disk.elf");
	assert_non_null(strstr(qemu_out, "all 1536 bytes as written: yes"));
	assert_non_null(strstr(qemu_out, "status 41, error 04"));
	assert_non_null(strstr(qemu_out, "disk: done"));
	after = tl_slurp(DISK_IMG, &after_len);
	assert_non_null(after);
	assert_int_equal(after_len, before_len);
	assert_memory_equal(after, before, before_len);
	qemu_flags = ringside_flags = "";
	same_output("scenarios/guests/disk.elf");	/* no disk */
	assert_non_null(strstr(qemu_out, "no hard disk"));
	free(before);
	free(after);
}

/*
 * A guest writing its disk at every timer tick: a blank 1 MiB disk on both
 * (QEMU: an empty file of that size; ringside: --disk-mb 1).
 */
static void disklog(void **state)
{
	char blank[4096], flags[4096 + 16];

	(void)state;
	tl_temp_file(blank, sizeof blank, ".img");
	assert_int_equal(truncate(blank, 1 << 20), 0);
	snprintf(flags, sizeof flags, "--disk %s", blank);
	qemu_flags = flags;
	ringside_flags = "--disk-mb 1";
	same_output("scenarios/guests/disklog.elf");
	assert_non_null(strstr(qemu_out, "disklog: done"));
	qemu_flags = ringside_flags = "";
	unlink(blank);
}

static void parallel(void **state)
{
	static char paper_q[OUT_MAX], paper_r[OUT_MAX];
	char *p, *save, *out = paper_r, file[64], flags[96];
	size_t len;

	(void)state;
	snprintf(file, sizeof file, "/tmp/ringside-lpt1.%d.txt", (int)getpid());
	snprintf(flags, sizeof flags, "--parallel %s", file);
	qemu_flags = flags;
	same_output("scenarios/guests/parallel.elf");
	qemu_flags = "";
	p = tl_slurp(file, &len);
	unlink(file);
	assert_non_null(p);
	snprintf(paper_q, sizeof paper_q, "%s", p);
	free(p);
	/* ringside marks the printer's lines on its console */
	assert_int_equal(tl_sh("./ringside --headless --guest scenarios/guests/parallel.elf",
			       ringside_out, sizeof ringside_out), 0);
	for (p = strtok_r(ringside_out, "\n", &save); p;
	     p = strtok_r(NULL, "\n", &save))
		if (strncmp(p, "[printer] ", 10) == 0)
			out += snprintf(out, sizeof paper_r - (size_t)(out - paper_r),
					"%s\n", p + 10);
	assert_true(strlen(paper_q) > 10);
	assert_string_equal(paper_r, paper_q);
}

/*
 * Two ring-3 tasks preempted by the timer: identical under bt and hw.
 * Under te the guest kernel's IRET to ring 3 runs natively at CPL 1,
 * where the CPU silently keeps IF (IOPL 0 < CPL): the VMM never sees the
 * guest enable interrupts, no timer interrupt is ever delivered, and task
 * A spins forever - Robin and Irvine's IRET hole, which is why no
 * shipping x86 VMM was pure trap-and-emulate.
 */
static void multitask(void **state)
{
	char *first_line_end;

	(void)state;
	same_output_in("scenarios/guests/multitask.elf", "bt hw");
	assert_int_equal(tl_sh("./ringside --headless --quiet --mode=te --max-insns 20M "
			       "--guest scenarios/guests/multitask.elf",
			       ringside_out, sizeof ringside_out), 1);
	/* what it printed is QEMU's output up to task A's first line */
	first_line_end = strstr(qemu_out, "task A: line 0");
	assert_non_null(first_line_end);
	first_line_end = strchr(first_line_end, '\n') + 1;
	assert_int_equal(strlen(ringside_out), (size_t)(first_line_end - qemu_out));
	assert_memory_equal(ringside_out, qemu_out, strlen(ringside_out));
}

/*
 * The holes guest under binary translation and hardware assist: every
 * probe gives the real machine's answer.  This is the chapter's point.
 */
static void holes_fixed(void **state)
{
	(void)state;
	same_output_in("scenarios/guests/holes.elf", "bt hw");
}

/*
 * Ring-3 code reading its own segments (tests/guests/ring3desc.S: LSL and
 * LAR of the user data and code selectors).  Under te, and under bt where
 * ring 3 runs directly, the CPU answers from the VMM's shadow descriptors,
 * whose limits stop below the VMM's area at the top of the address space
 * (segment truncation): LSL gives ffbfffff, not QEMU's ffffffff, even at
 * ring 3.  LAR is right there (a DPL-3 segment keeps DPL 3).  VT-x shows
 * the guest its own descriptors: all of it as on QEMU.
 */
static void ring3_sees_truncated_limits(void **state)
{
	static const char *const guest = "build/guests/ring3desc.elf";
	static const char *const modes[] = { "te", "bt" };

	(void)state;
	same_output_in(guest, "hw");
	run_qemu(guest);
	assert_string_equal(qemu_out, "ffffffff\n00c0f300\nffffffff\n00c0fa00\n");
	for (int k = 0; k < 2; k++) {
		run_ringside(guest, modes[k]);
		if (strcmp(ringside_out, "ffbfffff\n00c0f300\nffbfffff\n00c0fa00\n") != 0)
			fail_msg("--mode=%s: LSL at ring 3 should show the truncated limit, LAR the guest's rights:\n%s",
				 modes[k], ringside_out);
	}
}

/*
 * The "Red Pill" at ring 3 (tests/guests/redpill.S: SGDT, SIDT, SMSW, STR,
 * SLDT by user code with interrupts on, which bt runs directly).  They do
 * not trap, so under te and bt they read the real registers, the VMM's:
 * the GDTR's base and limit, the IDTR's base, the MSW and TR differ from
 * QEMU's at ring 3 too [Robin & Irvine 2000].  The IDTR's limit and the
 * null LDTR agree by luck.  VT-x leaves the guest's own registers live in
 * non-root mode: all of it as on QEMU.
 */
static void ring3_red_pill(void **state)
{
	static const char *const guest = "build/guests/redpill.elf";
	static const char *const modes[] = { "te", "bt" };
	static const bool differs[7] = { true, true, true, false, true, true,
					 false };

	(void)state;
	same_output_in(guest, "hw");
	run_qemu(guest);
	assert_string_equal(qemu_out, "00100158\n0000002f\n00100200\n000007ff\n"
				      "00000011\n00000028\n00000000\n");
	for (int k = 0; k < 2; k++) {
		run_ringside(guest, modes[k]);
		assert_int_equal(strlen(ringside_out), strlen(qemu_out));
		for (int line = 0; line < 7; line++) {
			bool same = memcmp(ringside_out + 9 * line,
					   qemu_out + 9 * line, 8) == 0;

			if (same == differs[line])
				fail_msg("--mode=%s: line %d of the Red Pill %s QEMU's:\n--- qemu\n%s--- ringside\n%s",
					 modes[k], line + 1,
					 same ? "should differ from" : "should be",
					 qemu_out, ringside_out);
		}
	}
}

/* The label of an output line: what comes before the first ':'. */
static void label_of(const char *line, char *buf, size_t n)
{
	size_t i = 0;

	while (line[i] && line[i] != ':' && line[i] != '\n' && i + 1 < n) {
		buf[i] = line[i];
		i++;
	}
	buf[i] = '\0';
}

/*
 * The holes guest under trap-and-emulate: these probes read the VMM's
 * state instead of the guest's virtual state, or are silently ignored.
 * Everything else it prints matches QEMU.
 */
static void holes(void **state)
{
	static const char *const differ[] = {
		"sgdt",		/* the VMM's GDT at 0xffc00000 */
		"sidt",		/* the VMM's IDT */
		"smsw",		/* the real CR0 (MP, NE set by the VMM) */
		"str",		/* the VMM's TSS selector */
		"pushf",	/* the real IF (always 1), not the virtual 0 */
		"popf",		/* POPF at CPL 1 cannot clear IF */
		"popf-iopl",	/* ... nor change IOPL */
		"lar",		/* shadow descriptors: DPL 1, truncated */
		"lsl",
		"mov-cs",	/* RPL 1 shows through */
		"mov-ss",
		"push-cs",
		"far-call",	/* the pushed CS has RPL 1 */
		"iret",		/* IRET at CPL 1 cannot change IOPL */
		NULL
	};
	char *q, *r, *qsave, *rsave, lq[32], lr[32];
	int differences = 0;

	(void)state;
	run_qemu("scenarios/guests/holes.elf");
	run_ringside("scenarios/guests/holes.elf", "te");
	q = strtok_r(qemu_out, "\n", &qsave);
	r = strtok_r(ringside_out, "\n", &rsave);
	while (q && r) {
		bool expected = false;

		label_of(q, lq, sizeof lq);
		label_of(r, lr, sizeof lr);
		assert_string_equal(lq, lr);	/* same probes, same order */
		for (int i = 0; differ[i]; i++)
			if (strcmp(lq, differ[i]) == 0)
				expected = true;
		if (expected) {
			if (strcmp(q, r) == 0)
				fail_msg("probe %s gave QEMU's answer under te: %s", lq, r);
			differences++;
		} else if (strcmp(q, r) != 0) {
			fail_msg("probe %s differs:\n  qemu:     %s\n  ringside: %s",
				 lq, q, r);
		}
		q = strtok_r(NULL, "\n", &qsave);
		r = strtok_r(NULL, "\n", &rsave);
	}
	assert_null(q);
	assert_null(r);
	assert_int_equal(differences, 14);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hello),
		cmocka_unit_test(faults),
		cmocka_unit_test(classify),
		cmocka_unit_test(tour),
		cmocka_unit_test(timer),
		cmocka_unit_test(cdrom),
		cmocka_unit_test(disk),
		cmocka_unit_test(disklog),
		cmocka_unit_test(parallel),
		cmocka_unit_test(multitask),
		cmocka_unit_test(bench),
		cmocka_unit_test(traps),
		cmocka_unit_test(smc),
		cmocka_unit_test(user),
		cmocka_unit_test(irqwin),
		cmocka_unit_test(crmask),
		cmocka_unit_test(sysenter),
		cmocka_unit_test(cpuid),
		cmocka_unit_test(rdpmc),
		cmocka_unit_test(features),
		cmocka_unit_test(apictimer),
		cmocka_unit_test(mbinfo),
		cmocka_unit_test(lowload),
		cmocka_unit_test(apicid),
		cmocka_unit_test(apiclow),
		cmocka_unit_test(smp1),
		cmocka_unit_test(smp2),
		cmocka_unit_test(smp2_poll),
		cmocka_unit_test(smp4),
		cmocka_unit_test(holes),
		cmocka_unit_test(holes_fixed),
		cmocka_unit_test(ring3_sees_truncated_limits),
		cmocka_unit_test(ring3_red_pill),
	};

	return cmocka_run_group_tests_name("reference (QEMU)", tests, NULL,
					   tl_qemu_teardown);
}
