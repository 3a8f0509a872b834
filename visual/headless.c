/*
 * headless.c - ringside without a screen: run a guest to the end, print
 * what it printed and what the VMM did.
 *
 * Output goes to stdout: the guest's serial output as it arrives, then a
 * summary (instructions per class, per ring, per handler path, and the
 * VMM's work).  With --trace, every event is written too, as JSON lines or
 * English; a JSON trace on stdout replaces the plain output and ends with a
 * "summary" object.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "esxtop.h"
#include "files.h"
#include "headless.h"
#include "scenario.h"
#include "sim.h"
#include "status.h"
#include "trace.h"
#include "vmkernel/storage.h"
#include "vmm/vcpu_stats.h"
#include "vmx/vmx.h"

struct headless {
	struct sim *sim;
	const struct options *opt;
	FILE *trace;		/* where the trace goes, or NULL */
	struct outfile trace_file;	/* --trace-file, until complete */
	bool visible;		/* stdout is a terminal: show control bytes */
	bool plain;		/* print serial output and summary on stdout */
	bool write_error;
	uint64_t sectors[2];	/* read, written by the VMKernel for the VMM */
};

/* ---- signals --------------------------------------------------------------- */

/*
 * SIGINT and SIGTERM end a headless run as if its budget were spent: the
 * handler only records the signal and asks the simulator to stop (which
 * sets flags: sim_request_stop); the run returns, its output so far and
 * its summary are printed, and the exit status is 128 + the signal, as a
 * shell reports a process the signal killed (130, 143).
 */
static struct sim *volatile signal_sim;
static struct scenario *volatile signal_scenario;
static volatile sig_atomic_t signal_caught;

static void on_signal(int sig)
{
	signal_caught = sig;
	if (signal_sim != NULL)
		sim_request_stop(signal_sim);
	/* a script busy in Lua never reaches a check of signal_caught */
	if (signal_scenario != NULL)
		scenario_interrupt(signal_scenario, sig);
}

/* sim_set_poll: a signal caught before sim_run began (which clears a
 * stop requested earlier) still stops it, at its next poll */
static bool signal_poll(void *ctx)
{
	(void)ctx;
	return signal_caught != 0;
}

static void catch_quit_signals(void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESETHAND;	/* a second ^C kills, whatever runs */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

void headless_catch_early(void)
{
	catch_quit_signals(on_signal);
}

void headless_catch_signals(struct sim *s, struct scenario *sc)
{
	signal_sim = s;
	signal_scenario = s ? sc : NULL;
	if (s != NULL)
		sim_set_poll(s, signal_poll, NULL);
	if (s != NULL && signal_caught) {
		/* caught while loading (headless_catch_early): stop now, and
		 * leave the next one to kill, as SA_RESETHAND would have */
		sim_request_stop(s);
		if (sc != NULL)
			scenario_interrupt(sc, signal_caught);
		catch_quit_signals(SIG_DFL);
	} else {
		catch_quit_signals(s ? on_signal : SIG_DFL);
	}
	/* a closed pipe is a write error with a message, not a silent
	 * death; left so until exit, when stdout is flushed last */
	signal(SIGPIPE, SIG_IGN);
}

int headless_signal(void)
{
	return signal_caught;
}

int headless_exit_status(int status)
{
	if (signal_caught)
		return 128 + signal_caught;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "ringside: cannot write the output (standard output: %s)\n",
			strerror(errno ? errno : EIO));
		return EXIT_USAGE;
	}
	return status;
}

/*
 * A guest's bytes for a terminal: what would be a command to the terminal
 * (ESC starts one, BEL rings it, other C0 controls and DEL) is shown in
 * caret notation (^[ ^G), as cat -v does; newline and tab pass.  A file or
 * a pipe gets the bytes unchanged.
 */
void headless_put_guest(FILE *out, const char *p, size_t len, bool visible)
{
	for (size_t i = 0; visible && i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f))
			putc(c, out);
		else
			fprintf(out, "^%c", c == 0x7f ? '?' : c + '@');
	}
	if (!visible)
		fwrite(p, 1, len, out);
}

static void on_event(void *ctx, const struct event *ev)
{
	struct headless *h = ctx;
	char line[TRACE_LINE_MAX];

	if (h->trace != NULL) {
		if (h->opt->trace == TRACE_JSONL)
			trace_json(h->sim, ev, line, sizeof line);
		else
			trace_text(h->sim, ev, line, sizeof line);
		if (fprintf(h->trace, "%s\n", line) < 0)
			h->write_error = true;
	}
	if (ev->kind == EV_DISK && ev->u.disk.op <= DISK_WRITE)
		h->sectors[ev->u.disk.op]++;
	if (h->plain && ev->kind == EV_SERIAL) {
		size_t len;
		const char *out = vm_output_line(sim_vm(h->sim, ev->vm), ev, &len);
		bool lpt = ev->u.serial.device == DEV_PARALLEL;

		/* stdout is the serial console; printer lines are marked,
		 * and left out with --quiet (which compares with QEMU) */
		if (out == NULL || (lpt && h->opt->quiet))
			return;
		if (lpt)
			fputs("[printer] ", stdout);
		headless_put_guest(stdout, out, len, h->visible);
		if (fflush(stdout) != 0)
			sim_request_stop(h->sim);	/* nobody reads it: stop */
	}
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static const char *power_story(const struct vm *vm, char *buf, size_t n)
{
	switch (vm->state) {
	case VM_ON:
		snprintf(buf, n, "still running (instruction budget spent)");
		break;
	case VM_HALTED:
		snprintf(buf, n, "halted: HLT with interrupts off at 0x%08x",
			 vm->exit_status);
		break;
	case VM_PAUSED:
		snprintf(buf, n, "paused: the datastore is full; the write to sector %u is held",
			 vm->exit_status);
		break;
	default:
		switch (vm->power_reason) {
		case POWER_DEBUG_EXIT:
			snprintf(buf, n, "powered off: wrote 0x%02x to the debug-exit port (QEMU would exit with status %u)",
				 vm->exit_status, (vm->exit_status << 1 | 1) & 0xff);
			break;
		case POWER_IDLE:
			snprintf(buf, n, "powered off: HLT with interrupts on, and no device will ever interrupt");
			break;
		case POWER_TRIPLE_FAULT:
			snprintf(buf, n, "powered off: triple fault at 0x%08x (a real PC would reset)",
				 vm->exit_status);
			break;
		case POWER_BAD_MEMORY:
			snprintf(buf, n, "powered off: the guest touched 0x%08x, where there is no memory",
				 vm->exit_status);
			break;
		case POWER_INIT_RESET:
			snprintf(buf, n, "powered off: INIT to the bootstrap processor at 0x%08x (a PC reruns its firmware, which reboots; ringside has none, and QEMU -no-reboot stops too)",
				 vm->exit_status);
			break;
		default:
			snprintf(buf, n, "powered off: %s at 0x%08x",
				 power_reason_name(vm->power_reason),
				 vm->exit_status);
			break;
		}
	}
	return buf;
}

/*
 * "VMM: 22 privileged instructions that trapped and the VMM emulated, 0 callouts ...": every
 * counter of what the VMM did (vcpu_stats.h), wrapped at 78 columns.
 */
static void print_vmm_work(const struct vcpu_stats *st, FILE *out)
{
	int col = fprintf(out, "VMM:");
	bool first = true;

	for (int i = 0; i < vcpu_stats_count(); i++) {
		const struct vcpu_stat *c = &vcpu_stats_list[i];
		char item[96];
		int n;

		if (c->kind != STAT_VMM)
			continue;
		n = snprintf(item, sizeof item, "%s %llu %s", first ? "" : ",",
			     (unsigned long long)vcpu_stats_value(st, c),
			     c->what);
		if (col + n > 78 && !first) {
			fprintf(out, ",\n    ");
			col = 4;
			memmove(item, item + 1, strlen(item));	/* the comma */
		}
		col += fprintf(out, "%s", item);
		first = false;
	}
	fprintf(out, "\n");
}

/* The VM's disk: what the VMKernel moved for it, and its file. */
static void print_storage(const struct headless *h, const struct vm *vm,
			  FILE *out)
{
	char file[128];

	if (vm->disk == NULL)
		return;
	storage_file_path(vm->disk, vmfs_layers(vm->disk) - 1, file,
			  sizeof file);
	fprintf(out, "VMKernel storage: %llu sectors read, %llu written, for the VMM's disk\n"
		"    controller; the disk file is %s\n",
		(unsigned long long)h->sectors[DISK_READ],
		(unsigned long long)h->sectors[DISK_WRITE], file);
}

static void print_summary(struct vm *vm, uint64_t now_ns, FILE *out)
{
	struct vcpu_stats sum;
	const struct vcpu_stats *st = &sum;
	char story[200];

	static const char *const mode_words[MODE_COUNT] = {
		[MODE_TE] = "trap-and-emulate", [MODE_BT] = "binary translation",
		[MODE_HW] = "hardware assist", [MODE_DIRECT] = "direct",
	};

	vcpu_stats_sum(vm, &sum);	/* every vCPU's work */
	fprintf(out, "\n--- ringside: %s (%s, %s) ---\n", vm->name, vm->guest_path,
		mode_words[vm->cfg.mode]);
	fprintf(out, "%s\n", power_story(vm, story, sizeof story));
	fprintf(out, "instructions: %llu (%.3f ms of CPU at %u MHz; %.3f ms elapsed on %s)\n",
		(unsigned long long)st->insns,
		(double)st->cycles / vm->cfg.mhz / 1000.0, vm->cfg.mhz,
		(double)now_ns / 1e6, vm_host(vm)->name);
	for (int i = 0; vm->nvcpus > 1 && i < vm->nvcpus; i++)
		fprintf(out, "  vCPU %d: %llu instructions, %.3f ms of CPU\n", i,
			(unsigned long long)vm->vcpu[i]->stats.insns,
			(double)vm->vcpu[i]->stats.cycles / vm->cfg.mhz / 1000.0);
	fprintf(out, "  by class:");
	for (int c = 0; c < CLASS_COUNT; c++)
		fprintf(out, "  %s %llu (%.1f%%)", class_name((enum insn_class)c),
			(unsigned long long)st->by_class[c],
			pct(st->by_class[c], st->insns));
	fprintf(out, "\n  by ring the guest believes it is in:");
	for (int r = 0; r < 4; r++)
		fprintf(out, "  ring %d %llu", r,
			(unsigned long long)st->by_vring[r]);
	fprintf(out, "\n  by real CPL:");
	for (int r = 0; r < 4; r++)
		fprintf(out, "  cpl %d %llu", r, (unsigned long long)st->by_cpl[r]);
	fprintf(out, "\n  by handler path:\n");
	for (int p = 0; p < PATH_COUNT; p++)
		fprintf(out, "    %-30s %llu\n", path_text((enum insn_path)p),
			(unsigned long long)st->by_path[p]);
	fprintf(out, "  by execution mode:");
	for (int m = 0; m < MODE_COUNT; m++)
		if (st->by_mode[m])
			fprintf(out, "  %s %llu", exec_mode_name((enum exec_mode)m),
				(unsigned long long)st->by_mode[m]);
	fprintf(out, "\n");
	print_vmm_work(st, out);
}

static void json_summary(struct vm *vm, FILE *out)
{
	struct vcpu_stats sum;
	const struct vcpu_stats *st = &sum;

	vcpu_stats_sum(vm, &sum);
	fprintf(out, "{\"kind\":\"summary\",\"vm\":\"%s\",\"state\":\"%s\",\"reason\":\"%s\",\"status\":%u,\"insns\":%llu,\"t_ns\":%llu",
		vm->name, vm_state_name(vm->state),
		power_reason_name(vm->power_reason), vm->exit_status,
		(unsigned long long)st->insns,
		(unsigned long long)(st->cycles * 1000u / vm->cfg.mhz));
	for (int c = 0; c < CLASS_COUNT; c++)
		fprintf(out, ",\"%s\":%llu", class_name((enum insn_class)c),
			(unsigned long long)st->by_class[c]);
	/* (the class "io" above counts instructions; vmx_io counts accesses) */
	for (int i = 0; i < vcpu_stats_count(); i++)
		if (strcmp(vcpu_stats_list[i].key, "insns") != 0)
			fprintf(out, ",\"%s\":%llu", vcpu_stats_list[i].key,
				(unsigned long long)vcpu_stats_value(st,
							&vcpu_stats_list[i]));
	/* bytes past the devices' cap (OUTBUF_MAX), not kept nor printed */
	fprintf(out, ",\"serial_dropped\":%llu,\"printer_dropped\":%llu",
		(unsigned long long)vm_output_dropped(vm, DEV_SERIAL),
		(unsigned long long)vm_output_dropped(vm, DEV_PARALLEL));
	fprintf(out, ",\"mode\":\"%s\"}\n", exec_mode_name(vm->cfg.mode));
}

/* Did the guest fail: crash, run out of budget, or report failure itself? */
static bool failed(const struct vm *vm)
{
	if (vm->state == VM_ON)
		return true;	/* ran out of budget */
	if (vm->state == VM_HALTED)
		return false;
	if (vm->state == VM_PAUSED)
		return true;	/* waiting for an answer nobody will give */
	switch (vm->power_reason) {
	case POWER_DEBUG_EXIT: return vm->exit_status != 0;
	case POWER_IDLE: case POWER_USER: return false;
	default: return true;
	}
}

/* Run under esxtop's eye: a CSV row of the worlds' counters per interval. */
static int run_esxtop(struct headless *h, enum sim_stop *why)
{
	struct esxtop *e;
	int rc = esxtop_create(h->sim, stdout, h->opt->interval_ns,
			       h->opt->iterations, &e);

	if (rc != SIM_OK)
		return rc;
	rc = esxtop_run_until(e, UINT64_MAX, h->opt->max_insns, why);
	if (rc == SIM_OK)
		rc = esxtop_finish(e);
	if (esxtop_write_error(e))
		h->write_error = true;
	esxtop_destroy(e);
	return rc;
}

void headless_no_space(const struct vm *vm)
{
	char q[300];

	storage_no_space_text(vm, q, sizeof q);
	fprintf(stderr, "ringside: %s is paused: %s\n"
		"ringside: nobody answers a headless run: stopped (the held write is not lost, nor done)\n",
		vm->name, q);
}

const char *headless_partial_line(const struct vm *vm, size_t *len)
{
	size_t n, start;
	const char *out = vm_serial(vm, &n);

	if (out == NULL || (vm->state != VM_ON && vm->state != VM_PAUSED))
		return NULL;
	/* output full: its last line was printed when it filled (vmx.c) */
	if (vm_output_dropped(vm, DEV_SERIAL) > 0)
		return NULL;
	for (start = n; start > 0 && out[start - 1] != '\n'; start--)
		;
	*len = n - start;
	return start < n ? out + start : NULL;
}

/*
 * A run that stops with the VM still on (budget, signal) or paused (a
 * full datastore) has output the guest did not end with a newline yet: it
 * is printed, as QEMU would have.
 */
static void print_partial_line(const struct headless *h, const struct vm *vm)
{
	size_t len;
	const char *tail = headless_partial_line(vm, &len);

	if (!h->plain || tail == NULL)
		return;
	headless_put_guest(stdout, tail, len, h->visible);
	putc('\n', stdout);
}

void headless_print_dropped(const struct vm *vm)
{
	static const struct { int dev; const char *name; } devs[] = {
		{ DEV_SERIAL, "serial" }, { DEV_PARALLEL, "printer" },
	};

	for (size_t i = 0; i < sizeof devs / sizeof devs[0]; i++) {
		uint64_t n = vm_output_dropped(vm, devs[i].dev);
		size_t kept;

		vm_device_output(vm, devs[i].dev, &kept);
		if (n > 0)
			fprintf(stderr, "ringside: %s's %s output past %zu bytes was dropped: %llu bytes\n",
				vm->name, devs[i].name, kept, (unsigned long long)n);
	}
}

int headless_run_guest(const struct options *opt, const char *guest)
{
	struct headless h = { .opt = opt, .plain = true,
			      .visible = isatty(STDOUT_FILENO) };
	struct vm_config cfg;
	char err[GUEST_ERR_MAX];
	enum sim_stop why;
	struct vm *vm;
	unsigned mask = EVENT_MASK_ALL & ~EVENT_MASK(EV_INSN);
	int rc, status;

	cli_vm_config(opt, guest, &cfg);
	if (sim_create(NULL, &h.sim) != SIM_OK) {
		fprintf(stderr, "ringside: out of memory\n");
		return EXIT_USAGE;
	}
	if (opt->trace != TRACE_NONE) {
		if (opt->trace_file) {
			if (files_create(&h.trace_file, opt->trace_file, err,
					 sizeof err) != 0) {
				fprintf(stderr, "ringside: %s\n", err);
				sim_destroy(h.sim);
				return EXIT_USAGE;
			}
			h.trace = h.trace_file.f;
		} else {
			h.trace = stdout;
			h.plain = opt->trace == TRACE_TEXT;
		}
		if (opt->trace_insns)
			mask |= EVENT_MASK(EV_INSN);
	}
	event_log_subscribe(sim_events(h.sim), mask, on_event, &h);
	rc = sim_add_vm(h.sim, &cfg, &vm, err);
	if (rc != SIM_OK) {
		fprintf(stderr, "ringside: %s\n", err);
		files_abandon(&h.trace_file);
		sim_destroy(h.sim);
		return EXIT_USAGE;
	}
	headless_catch_signals(h.sim, NULL);
	if (opt->esxtop) {
		h.plain = false;	/* stdout is the CSV's */
		rc = run_esxtop(&h, &why);
	} else {
		rc = sim_run(h.sim, opt->max_insns, &why);
	}
	if (rc != SIM_OK)
		fprintf(stderr, "ringside: internal error (%s) while running %s\n",
			sim_strerror(rc), guest);
	print_partial_line(&h, vm);
	if (h.plain && !opt->quiet) {
		print_summary(vm, sim_now_ns(h.sim), stdout);
		print_storage(&h, vm, stdout);
	}
	if (h.trace == stdout && opt->trace == TRACE_JSONL)
		json_summary(vm, stdout);
	headless_print_dropped(vm);
	if (headless_signal())
		fprintf(stderr, "ringside: stopped by signal %d after %llu instructions\n",
			headless_signal(), (unsigned long long)sim_insns(h.sim));
	else if (vm->state == VM_PAUSED)
		headless_no_space(vm);
	else if (vm->state == VM_ON && !opt->quiet && !opt->esxtop &&
		 !ferror(stdout))
		fprintf(stderr, "ringside: stopped after %llu instructions (--max-insns); the guest was still running\n",
			(unsigned long long)opt->max_insns);
	status = rc != SIM_OK || (failed(vm) && !(opt->esxtop && vm->state == VM_ON))
		 ? EXIT_GUEST_FAILED : 0;
	if (files_commit(&h.trace_file) != 0)
		h.write_error = true;
	if (h.write_error) {
		if (!ferror(stdout))	/* (stdout's own is said at exit) */
			fprintf(stderr, "ringside: could not write %s\n",
				opt->esxtop ? "the esxtop output" : "the trace");
		status = EXIT_USAGE;
	}
	headless_catch_signals(NULL, NULL);
	sim_destroy(h.sim);
	return headless_exit_status(status);
}
