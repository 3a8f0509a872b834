/*
 * compare.c - `ringside --compare --guest G`: one guest under the three
 * ways to virtualize x86, side by side, and against a real machine.
 *
 * The table answers the chapter's question: why was x86 "not
 * virtualizable"?  Under trap-and-emulate the holes give wrong answers
 * (the output differs from QEMU's); binary translation and hardware assist
 * give the right ones, at different prices: callouts and translation for
 * one, VM exits for the other.  Prices are modelled cycles (sim/vmm/cost.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmm/bt.h"
#include "compare.h"
#include "vmm/cost.h"
#include "vmm/vcpu_stats.h"
#include "vmm/vmm.h"
#include "sim.h"
#include "status.h"

#define OUT_MAX (1 << 20)

static const enum exec_mode modes[3] = { MODE_TE, MODE_BT, MODE_HW };

struct column {
	struct vcpu_stats st;
	struct bt_stats bt;
	bool has_bt;
	enum vm_state state;
	enum power_reason reason;
	char *out;		/* serial output, NUL-terminated */
	size_t len;
};

static int run_mode(const struct options *opt, enum exec_mode m,
		    struct column *c)
{
	struct vm_config cfg = { .guest = opt->guest, .mem_mb = opt->mem_mb,
				 .mode = m, .disk = opt->disk,
				 .disk_mb = opt->disk_mb };
	char err[GUEST_ERR_MAX];
	enum sim_stop why;
	struct sim *s;
	struct vm *vm;
	const char *out;

	if (sim_create(NULL, &s) != SIM_OK)
		return EXIT_USAGE;
	if (sim_add_vm(s, &cfg, &vm, err) != SIM_OK) {
		fprintf(stderr, "ringside: %s\n", err);
		sim_destroy(s);
		return EXIT_USAGE;
	}
	sim_run(s, opt->max_insns, &why);
	vcpu_stats_sum(vm, &c->st);	/* every vCPU's */
	c->has_bt = vm->vcpu[0]->bt != NULL;
	if (c->has_bt)
		bt_get_stats(vm->vcpu[0]->bt, &c->bt);
	c->state = vm->state;
	c->reason = vm->power_reason;
	out = vm_serial(vm, &c->len);
	c->out = malloc(c->len + 1);
	if (c->out) {
		memcpy(c->out, out, c->len);
		c->out[c->len] = '\0';
	}
	sim_destroy(s);
	return c->out ? 0 : EXIT_USAGE;
}

/*
 * The reference machine: QEMU with the same command line as the tests
 * (tests/reference/qemu-run.sh), its serial output captured.  Returns NULL
 * when QEMU is not installed or does not finish.  drive: a raw image file
 * for its IDE disk (QEMU writes to it), or NULL.
 */
static char *run_qemu(const char *guest, const char *drive)
{
	char drive_arg[PATH_MAX + 32];

	int fd[2], st;
	pid_t pid;
	char *buf = malloc(OUT_MAX);
	size_t n = 0;
	ssize_t got;

	if (buf == NULL || pipe(fd) != 0) {
		free(buf);
		return NULL;
	}
	pid = fork();
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		freopen("/dev/null", "r", stdin);
		freopen("/dev/null", "w", stderr);
		snprintf(drive_arg, sizeof drive_arg,
			 "file=%s,format=raw,if=ide", drive ? drive : "");
		execlp("timeout", "timeout", "30", "qemu-system-i386", "-kernel",
		       guest, "-serial", "stdio", "-display", "none", "-device",
		       "isa-debug-exit,iobase=0xf4,iosize=0x04", "-no-reboot",
		       drive ? "-drive" : (char *)NULL, drive_arg, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	while (pid > 0 && n + 1 < OUT_MAX &&
	       (got = read(fd[0], buf + n, OUT_MAX - 1 - n)) > 0)
		n += (size_t)got;
	close(fd[0]);
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
	    (WEXITSTATUS(st) & 1) == 0) {	/* odd: the debug-exit device */
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

/*
 * QEMU's disk: a temporary copy of the image (--disk), or a blank file of
 * the size asked for (--disk-mb), so the user's image is never written.
 * path gets its name (to unlink); false if there is no disk or no file.
 */
static bool qemu_disk(const struct options *opt, char *path, size_t size)
{
	char buf[65536];
	ssize_t got = 0;
	bool ok;
	int in = -1, out;

	if (opt->disk == NULL && opt->disk_mb == 0)
		return false;
	snprintf(path, size, "%s/ringside-compare-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if ((out = mkstemp(path)) < 0)
		return false;
	if (opt->disk && (in = open(opt->disk, O_RDONLY)) >= 0)
		while ((got = read(in, buf, sizeof buf)) > 0 &&
		       write(out, buf, (size_t)got) == got)
			;
	ok = opt->disk ? in >= 0 && got == 0 :
	     ftruncate(out, (off_t)opt->disk_mb << 20) == 0;
	if (in >= 0)
		close(in);
	close(out);
	if (!ok)
		unlink(path);
	return ok;
}

/* Lines of a that differ from the same line of b (and extra lines). */
static int differing_lines(const char *a, const char *b)
{
	int n = 0;

	while (*a || *b) {
		const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
		size_t la = ea ? (size_t)(ea - a) : strlen(a);
		size_t lb = eb ? (size_t)(eb - b) : strlen(b);

		if (la != lb || memcmp(a, b, la) != 0)
			n++;
		a += la + (ea != NULL);
		b += lb + (eb != NULL);
	}
	return n;
}

static void row(const char *name, const uint64_t v[3])
{
	printf("  %-30s", name);
	for (int i = 0; i < 3; i++)
		printf(" %14llu", (unsigned long long)v[i]);
	printf("\n");
}

static void row_bt(const char *name, uint64_t value)
{
	printf("  %-30s %14s %14llu %14s\n", name, "-",
	       (unsigned long long)value, "-");
}

int compare_run(const struct options *opt)
{
	struct column c[3];
	uint64_t v[3];
	char *qemu, drive_path[PATH_MAX];
	bool drive;
	int rc = 0;

	memset(c, 0, sizeof c);
	for (int i = 0; i < 3 && rc == 0; i++)
		rc = run_mode(opt, modes[i], &c[i]);
	if (rc != 0) {
		for (int i = 0; i < 3; i++)
			free(c[i].out);
		return rc;
	}
	drive = qemu_disk(opt, drive_path, sizeof drive_path);
	qemu = run_qemu(opt->guest, drive ? drive_path : NULL);
	if (drive)
		unlink(drive_path);

	printf("ringside --compare: %s\n\n", opt->guest);
	printf("  %-30s %14s %14s %14s\n", "", "te", "bt", "hw");
	printf("  %-30s %14s %14s %14s\n", "", "trap-and-emul.",
	       "binary transl.", "hardware asst.");
	for (int i = 0; i < 3; i++) v[i] = c[i].st.insns;
	row("instructions", v);
	for (int k = 0; k < CLASS_COUNT; k++) {
		char name[40];

		snprintf(name, sizeof name, "  %s", class_name((enum insn_class)k));
		for (int i = 0; i < 3; i++) v[i] = c[i].st.by_class[k];
		row(name, v);
	}
	for (int k = 0; k < vcpu_stats_count(); k++) {	/* what the VMM did */
		const struct vcpu_stat *f = &vcpu_stats_list[k];

		if (f->kind != STAT_VMM)
			continue;
		for (int i = 0; i < 3; i++) v[i] = vcpu_stats_value(&c[i].st, f);
		row(f->label, v);
	}
	row_bt("translation units", c[1].bt.units);
	row_bt("  instructions IDENT", c[1].bt.ident);
	row_bt("  instructions non-IDENT", c[1].bt.non_ident);
	row_bt("  TC lookups", c[1].bt.lookups);
	row_bt("  TC hits", c[1].bt.hits);
	row_bt("  chained jumps", c[1].bt.chains);
	row_bt("  invalidations", c[1].bt.invalidations);
	for (int i = 0; i < 3; i++) v[i] = c[i].st.cycles;
	row("modelled cycles", v);
	printf("  %-30s", "output vs QEMU");
	for (int i = 0; i < 3; i++) {
		char cell[32];
		int d = qemu ? differing_lines(c[i].out, qemu) : -1;

		if (d < 0)
			snprintf(cell, sizeof cell, "no QEMU");
		else if (d == 0)
			snprintf(cell, sizeof cell, "same");
		else
			snprintf(cell, sizeof cell, "%d lines differ", d);
		printf(" %14s", cell);
	}
	printf("\n  %-30s", "VM ended");
	for (int i = 0; i < 3; i++)
		printf(" %14s", c[i].state == VM_ON ? "still running" :
		       power_reason_name(c[i].reason));
	printf("\n\nModelled cost per event, in cycles (sim/vmm/cost.h; docs/performance.md):\n"
	       "  directly executed instruction  %5u  one cycle per instruction [assumption]\n"
	       "  trap to the VMM and back       %5u  [assumption]\n"
	       "  fault delivered to the guest   %5u  [assumption]\n"
	       "  callout from translated code   %5u  [assumption]\n"
	       "  translating one instruction    %5u  [assumption]\n"
	       "  ring change by the VMM's stub  %5u  [assumption]\n"
	       "  host interrupt (VMKernel)      %5u  [assumption]\n"
	       "  port I/O in the VMM's devices  %5u  [assumption]\n"
	       "  port I/O through the VMX       %5u  [assumption: a world switch]\n"
	       "  a disk sector (VMKernel)      %6u  [assumption: served from the array's cache]\n"
	       "  VM exit + VM entry (hardware)  %5u  [%s]\n",
	       COST_INSN, COST_TRAP, COST_REFLECT, COST_CALLOUT, COST_TRANSLATE,
	       COST_RING_SWITCH, COST_VMKERNEL_IRQ, COST_VMM_DEVICE, COST_VMX_IO, COST_STORAGE_IO,
	       COST_VMX_ROUND_TRIP, COST_VMX_ROUND_TRIP_SOURCE);
	printf("  VM exits by reason: the round trip plus the VMM's handling\n");
	for (size_t i = 0; i < COST_EXIT_REASONS; i++)
		printf("    %2u %-24s %5u  handling: %s\n", cost_exit_table[i].reason,
		       vmm_exit_reason_name(cost_exit_table[i].reason),
		       vmm_exit_cost(cost_exit_table[i].reason),
		       vmm_exit_cost_note(cost_exit_table[i].reason));
	if (qemu && differing_lines(c[0].out, qemu) > 0)
		printf("\nUnder trap-and-emulate the sensitive instructions that do not trap gave\n"
		       "the VMM's answers instead of the guest's: see `--mode=te` and docs/x86-holes.md.\n");
	free(qemu);
	for (int i = 0; i < 3; i++)
		free(c[i].out);
	return 0;
}
