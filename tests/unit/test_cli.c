/*
 * test_cli.c - the ringside program as a user runs it: options, errors
 * that name the problem (exit status 2), the headless output, the trace.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "testlib.h"

static char out[8 << 20];	/* a whole instruction trace of hello */

/* Run ./ringside with args (stderr merged into stdout); return status. */
static int ringside(const char *args)
{
	char cmd[1024];

	snprintf(cmd, sizeof cmd, "./ringside %s 2>&1", args);
	return tl_sh(cmd, out, sizeof out);
}

static void expect(const char *args, int status, const char *needle)
{
	int st = ringside(args);

	if (st != status)
		fail_msg("ringside %s: status %d, expected %d; output:\n%s",
			 args, st, status, out);
	if (needle && strstr(out, needle) == NULL)
		fail_msg("ringside %s: output lacks \"%s\":\n%s", args, needle,
			 out);
}

static void usage_errors(void **state)
{
	(void)state;
	expect("--bogus", 2, "unknown option '--bogus'");
	expect("--max-insns abc --guest x", 2, "--max-insns wants a positive count");
	expect("--max-insns 0 --guest x", 2, "--max-insns");
	expect("--mem 2 --guest x", 2, "--mem wants MiB from 4 to 1024");
	expect("--mode=zz --guest x", 2, "unknown mode 'zz'");
	expect("--trace=xml --guest x", 2, "unknown trace format 'xml'");
	expect("--trace-insns --guest x", 2, "--trace-insns needs --trace");
	expect("--guest", 2, "needs a value");
	expect("a.lua b.lua", 2, "unexpected argument 'b.lua'");
	expect("--guest x.elf s.lua", 2, "not both");
	expect("--module ,x --guest x", 2, "--module wants FILE or FILE,STRING");
	expect("--module a --module b --module c --module d --module e --module f "
	       "--module g --module h --module i --guest x", 2, "at most 8 --module");
	expect("--help", 0, "usage: ringside");
	expect("--version", 0, "Unicorn 2.");
}

/*
 * An empty name is refused by the option's name, never read as "no file"
 * (--trace-file "" ran with no trace file) nor printed as ": cannot open";
 * --list takes nothing after it (it ignored "extra").
 */
static void empty_names_and_list_arguments(void **state)
{
	static const char *const empty[][2] = {
		{ "--headless --guest ''", "--guest wants a file name, not an empty one" },
		{ "--headless --guest scenarios/guests/hello.elf --trace=jsonl --trace-file ''",
		  "--trace-file wants a file name, not an empty one" },
		{ "--record '' tour", "--record wants a file name, not an empty one" },
		{ "--headless --guest scenarios/guests/cdrom.elf --cdrom ''",
		  "--cdrom wants a file name, not an empty one" },
		{ "--headless --guest scenarios/guests/hello.elf --disk ''",
		  "--disk wants a file name, not an empty one" },
		{ "--headless ''", "the scenario's name is empty" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
		expect(empty[i][0], 2, empty[i][1]);
		if (strstr(out, "ringside: :") != NULL)
			fail_msg("ringside %s: an empty name printed:\n%s", empty[i][0], out);
	}
	expect("--list extra", 2, "--list takes no argument, not 'extra'");
	expect("--list --guest scenarios/guests/hello.elf", 2,
	       "--list does not go with --guest");
	expect("--list", 0, "Bundled scenarios");
}

static void bad_files(void **state)
{
	(void)state;
	expect("--headless --guest /nonexistent.elf", 2,
	       "/nonexistent.elf: cannot open");
	expect("--headless --guest Makefile", 2, "Makefile: not an ELF file");
	expect("--headless --guest README.md", 2, "README.md: not an ELF file");
	expect("--headless --guest ringside", 2, "64-bit ELF");
	expect("--headless --guest scenarios", 2, "scenarios: the guest is a directory");
	expect("--headless --guest tests/guests/mb.inc", 2, "not an ELF file");
	/* a disc image that is missing, or not an ISO 9660 image */
	expect("--headless --guest scenarios/guests/cdrom.elf --cdrom /nonexistent.iso",
	       2, "/nonexistent.iso");
	expect("--headless --guest scenarios/guests/cdrom.elf --cdrom Makefile",
	       2, "Makefile");
	expect("--headless --guest scenarios/guests/cdrom.elf --cdrom scenarios",
	       2, "scenarios");
	/* Multiboot modules: missing, not a file */
	expect("--headless --guest scenarios/guests/hello.elf --module /nonexistent.bin",
	       2, "/nonexistent.bin: cannot open the module");
	expect("--headless --guest scenarios/guests/hello.elf --module scenarios,x",
	       2, "scenarios: cannot read the module: not a regular file");
}

/*
 * esxtop's identities, on every sample of every world (VMware,
 * "Interpreting esxtop Statistics" 2.2): %RUN + %RDY + %CSTP + %WAIT =
 * 100, %USED = %RUN + %SYS (no overlap), %IDLE within %WAIT, %MLMTD
 * within %RDY; to the CSV's two decimals.  And a group's counters are the
 * sums of its worlds' (section 2.1: "Group Cpu" is the sum over the
 * group's worlds), on every sample of every group.  Returns the number of
 * world samples checked and sets *sys (*cstp) when some world had %SYS
 * (%CSTP) > 0, so a caller can insist that the term was exercised.
 */
static int identities_hold(const char *text, bool *sys, bool *cstp)
{
	enum { MAXC = 4096, NK = 8 };
	static int kind[MAXC];		/* 0 other, 1..7 a counter */
	static int group[MAXC];		/* the group column's index, or -1 */
	static bool is_group[MAXC];
	static char key[MAXC][48];	/* host and GID: "\\esx1\100" */
	static char *cell[MAXC];
	static const char *const names[NK] = {
		"% Used", "% Run", "% System", "% Wait", "% Idle", "% Ready",
		"% CoStop", "% Max Limited",
	};
	char *csv = strdup(text);
	char *line, *save, *header;
	int ncol = 0, checked = 0, groups = 0;

	assert_non_null(csv);
	*sys = false;
	*cstp = false;
	header = strtok_r(csv, "\n", &save);

	for (char *p = header, *q; p && *p; p = q) {
		const char *obj;

		q = strstr(p + 1, "\",\"");
		if (q)
			*q++ = '\0';
		assert_true(ncol < MAXC);
		kind[ncol] = 0;
		group[ncol] = -1;
		is_group[ncol] = strstr(p, "\\Group Cpu(") != NULL;
		obj = strstr(p, is_group[ncol] ? "\\Group Cpu(" : "\\Vcpu(");
		if (obj != NULL) {
			const char *end = p + strlen(p);
			int host = (int)(obj - p);

			for (int k = 0; k < NK; k++) {
				size_t n = strlen(names[k]);
				const char *e = end[-1] == '"' ? end - 1 : end;

				if ((size_t)(e - p) > n &&
				    strncmp(e - n, names[k], n) == 0 &&
				    e[-n - 1] == '\\')
					kind[ncol] = k + 1;
			}
			/* the host's name, then the GID after the '(' */
			snprintf(key[ncol], sizeof key[ncol], "%.*s%.*s", host,
				 p, (int)strcspn(strchr(obj, '(') + 1, ":)") + 1,
				 strchr(obj, '('));
			for (int g = 0; !is_group[ncol] && g < ncol; g++)
				if (is_group[g] && kind[g] == kind[ncol] &&
				    strcmp(key[g], key[ncol]) == 0)
					group[ncol] = g;
			if (!is_group[ncol] && kind[ncol])
				assert_true(group[ncol] >= 0);	/* listed first */
		}
		ncol++;
	}
	while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		int c = 0;
		double v[NK + 1] = { 0 };
		static double sum[MAXC];
		static int members[MAXC];

		for (char *p = line, *q; p; p = q, c++) {
			q = strchr(p, ',');
			if (q)
				*q++ = '\0';
			cell[c] = p;
			sum[c] = 0;
			members[c] = 0;
		}
		assert_int_equal(c, ncol);
		/* a world's eight columns are consecutive, % Used first */
		for (int i = 0; i < ncol; i++) {
			double x;

			if (kind[i] == 0 || strcmp(cell[i], "\"\"") == 0 ||
			    is_group[i])
				continue;
			x = strtod(cell[i] + 1, NULL);
			sum[group[i]] += x;
			members[group[i]]++;
			v[kind[i]] = x;
			if (kind[i] != NK)
				continue;
			checked++;
			*sys = *sys || v[3] > 0;
			*cstp = *cstp || v[7] > 0;
			assert_true(fabs(v[2] + v[6] + v[7] + v[4] - 100.0) <= 0.05);
			assert_true(fabs(v[1] - v[2] - v[3]) <= 0.02);
			assert_true(v[5] <= v[4] + 0.01);
			assert_true(v[8] <= v[6] + 0.01);
		}
		for (int g = 0; g < ncol; g++) {
			if (!is_group[g] || kind[g] == 0 ||
			    strcmp(cell[g], "\"\"") == 0)
				continue;
			groups++;
			/* each member rounded to 0.01 on its own */
			if (fabs(strtod(cell[g] + 1, NULL) - sum[g]) >
			    0.005 * (members[g] + 1) + 1e-9)
				fail_msg("%s) %s at %s: %s, the sum of its %d worlds is %.2f",
					 key[g] + 2, names[kind[g] - 1], cell[0],
					 cell[g], members[g], sum[g]);
		}
	}
	assert_true(checked > 10);
	assert_true(groups > 0);
	free(csv);
	return checked;
}

/*
 * The value of column `name` (without its quotes) in sample `row` (0: the
 * first) of the CSV in text; NAN when the header has no such column, the
 * CSV no such sample, or the sample leaves it empty.
 */
static double sample_at(const char *text, const char *name, int row)
{
	const char *nl = strchr(text, '\n'), *at, *p;
	int col = 0;

	at = strstr(text, name);
	if (nl == NULL || at == NULL || at > nl)
		return NAN;
	for (p = text; p < at; p++)
		col += *p == ',';
	for (int r = 0; r < row && nl != NULL; r++)
		nl = strchr(nl + 1, '\n');
	if (nl == NULL || nl[1] == '\0')
		return NAN;
	for (p = nl + 1; col > 0 && *p && *p != '\n'; p++)
		col -= *p == ',';
	return p[0] == '"' && p[1] != '"' ? strtod(p + 1, NULL) : NAN;
}

static double first_sample(const char *text, const char *name)
{
	return sample_at(text, name, 0);
}

/*
 * A VM that powers off during a sample: its worlds ran in that sample, so
 * the sample has them (the VMM world's %RUN is the VM's CPU time), though
 * they are gone when it is taken.  Here the whole run is one 2-second
 * sample, so the VMM world is in no other.
 */
static void esxtop_keeps_a_world_that_died_in_the_sample(void **state)
{
	bool sys, cstp;
	double run, wait;

	(void)state;
	expect("--headless --esxtop --interval 2 --guest scenarios/guests/timer.elf",
	       0, "\"(PDH-CSV 4.0) (UTC)(0)\"");
	run = first_sample(out, "\\\\esx0\\Vcpu(100:vm0:5:vmm0)\\% Run\"");
	wait = first_sample(out, "\\\\esx0\\Vcpu(100:vm0:5:vmm0)\\% Wait\"");
	if (isnan(run))
		fail_msg("the VMM world that ran the guest is not in the sample:\n%s", out);
	assert_true(run > 0);
	/* its percentages are of its own life in the sample */
	assert_true(fabs(run + wait + first_sample(out, "\\\\esx0\\Vcpu(100:vm0:5:vmm0)\\% Ready\"")
			 + first_sample(out, "\\\\esx0\\Vcpu(100:vm0:5:vmm0)\\% CoStop\"") - 100.0) <= 0.05);
	assert_true(first_sample(out, "\\\\esx0\\Group Cpu(100:vm0)\\% Run\"") >= run);
	/* and the identities still hold when it is gone in later samples */
	expect("--headless --esxtop --interval 0.2 --guest scenarios/guests/timer.elf",
	       0, "Vcpu(100:vm0:5:vmm0)");
	identities_hold(out, &sys, &cstp);
}

/*
 * A VM paused by a full datastore (storage.h) keeps its worlds, which
 * run nothing while the question waits: in every sample after the pause
 * its VMM world is there with %RUN 0 and %WAIT 100, its group too, and
 * the identities hold on every sample, the pause included.  Another VM
 * keeps the host's clock going meanwhile; Cancel (power off) ends it.
 */
static void esxtop_paused_vm_waits(void **state)
{
	char sc[256], args[512];
	bool sys, cstp;
	int rows = 0;

	(void)state;
	tl_scenario(sc, sizeof sc,
		"local esx = host{name=\"esx0\"}\n"
		"local vm = esx:add_vm{name=\"fill\", guest=\"build/guests/diskfill.elf\", disk_mb=1}\n"
		"esx:add_vm{name=\"tick\", guest=\"scenarios/guests/timer.elf\"}\n"
		"vm:set_datastore_room(8)\n"
		"run{until_event=\"power\", match={reason=\"no-space\"}}\n"
		"run{seconds=0.3}\n"
		"expect(vm.state == \"paused\", \"still paused\")\n"
		"vm:power_off()\n");
	snprintf(args, sizeof args, "--headless --esxtop --interval 0.1 %s", sc);
	expect(args, 0, "Vcpu(100:fill:5:vmm0)");
	unlink(sc);
	for (const char *p = out; (p = strchr(p, '\n')) != NULL; p++)
		rows++;
	assert_true(rows - 1 >= 4);		/* the header, then samples */
	/* the first sample has the run up to the pause: it ran */
	assert_true(first_sample(out, "\\\\esx0\\Vcpu(100:fill:5:vmm0)\\% Run\"") > 0);
	for (int r = 1; r < rows - 1; r++) {
		assert_true(sample_at(out, "\\\\esx0\\Vcpu(100:fill:5:vmm0)\\% Run\"", r) == 0);
		assert_true(sample_at(out, "\\\\esx0\\Vcpu(100:fill:5:vmm0)\\% Wait\"", r) == 100);
		assert_true(sample_at(out, "\\\\esx0\\Group Cpu(100:fill)\\% Run\"", r) == 0);
	}
	assert_true(identities_hold(out, &sys, &cstp) >= 4 * 4);
}

/* The host options: esxtop's CSV, vCPUs, the CD-ROM. */
static void host_options(void **state)
{
	char *line, *save;
	int rows = 0, cols = 0;
	bool sys, cstp;

	(void)state;
	expect("--headless --esxtop --interval 0.05 --guest scenarios/guests/timer.elf",
	       0, "\"(PDH-CSV 4.0) (UTC)(0)\"");
	assert_non_null(strstr(out, "\\\\esx0\\Vcpu(100:vm0:5:vmm0)\\% Ready"));
	assert_non_null(strstr(out, "\\\\esx0\\Group Cpu(100:vm0)\\% Used"));
	assert_non_null(strstr(out, "\\\\esx0\\Physical Cpu(_Total)\\% Util Time"));
	assert_non_null(strstr(out, "\n\"01/01/2007 00:00:00\","));
	identities_hold(out, &sys, &cstp);
	assert_null(strstr(out, "tick 50"));	/* no guest output in the CSV */
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		int c = 1;

		for (char *p = line; *p; p++)
			c += *p == ',';
		if (rows++ == 0)
			cols = c;
		else
			assert_int_equal(c, cols);	/* every row complete */
	}
	/* 50 ticks at 100 Hz: about half a second in 50 ms samples */
	assert_in_range(rows - 1, 10, 12);
	expect("--headless --esxtop --iterations 3 --interval 0.01 --guest scenarios/guests/timer.elf",
	       0, "\"(PDH-CSV 4.0) (UTC)(0)\"");
	rows = 0;
	for (char *p = out; (p = strchr(p, '\n')) != NULL; p++)
		rows++;
	assert_int_equal(rows, 1 + 3);		/* the header, 3 samples */
	/* a scenario under esxtop: one header for the whole file although
	 * hosts and VMs appear, and the exit status is still the expects' */
	expect("--headless --esxtop --interval 0.05 worlds", 0,
	       "\\\\esx2\\Vcpu(");
	assert_null(strstr(out, "== worlds"));		/* no narration */
	assert_null(strstr(strchr(out, '\n'), "PDH-CSV"));
	/* several hosts, several VMs, every world on every sample */
	assert_true(identities_hold(out, &sys, &cstp) >= 15 * 10);
	assert_true(sys);	/* the VMKernel's %SYS term is not always 0 */
	/* and an SMP VM co-stopped: the %CSTP term (scenarios/smp.lua) */
	expect("--headless --esxtop --interval 0.005 smp", 0, "% CoStop");
	assert_true(identities_hold(out, &sys, &cstp) >= 10);
	assert_true(cstp);
	/* a cluster at work with no guest code running (drs.lua's VMotions:
	 * run{until_event="cluster"} in a loop) goes on under the sampler,
	 * as without it (it stopped at once, idle: 10^6 empty runs, then
	 * "more than 1000000 say, pause and run calls", status 2) */
	expect("--headless --esxtop --interval 1 drs", 0, "\\\\esx");
	expect("--headless --interval 1 --guest x", 2, "go with --esxtop");
	expect("--headless --esxtop --interval 0 --guest x", 2, "--interval wants seconds");
	expect("--headless --esxtop --interval 1e3 --guest x", 2, "--interval wants seconds");
	expect("--headless --vcpus 9 --guest x", 2, "--vcpus wants 1 to 8");
	expect("--headless --vcpus 2 --guest scenarios/guests/hello.elf", 0,
	       "goodbye");
	expect("--headless --cdrom scenarios/guests/build/cdrom.iso --guest scenarios/guests/cdrom.elf",
	       0, "RINGSIDE_DEMO");
}

static void headless_summary(void **state)
{
	(void)state;
	expect("--headless --guest scenarios/guests/hello.elf", 0,
	       "goodbye: exit code 0");
	assert_non_null(strstr(out, "wrote 0x00 to the debug-exit port"));
	assert_non_null(strstr(out, "by class:"));
	assert_non_null(strstr(out, "guest>vmm>vmx>vmm>guest"));
	expect("--headless --quiet --guest scenarios/guests/hello.elf", 0, NULL);
	assert_null(strstr(out, "by class:"));
}

static void guest_failures(void **state)
{
	(void)state;
	expect("--headless --max-insns 1000 --guest scenarios/guests/tour.elf", 1,
	       "stopped after 1000 instructions");
	assert_non_null(strstr(out, "instructions: 1000 "));
	expect("--headless --guest build/guests/triple.elf", 1, "triple fault");
	expect("--headless --guest build/guests/halt.elf", 0,
	       "halted: HLT with interrupts off");
}

/* Every line of a JSON trace is one object; the last is the summary. */
static void json_trace(void **state)
{
	char *line, *save, *last = NULL;
	int lines = 0, insns = 0;

	(void)state;
	expect("--headless --guest scenarios/guests/hello.elf --trace=jsonl --trace-insns",
	       0, "\"kind\":\"insn\"");
	assert_non_null(strstr(out, "\"kind\":\"serial\",\"vm\":\"vm0\",\"text\":\"goodbye: exit code 0\\n\""));
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t n = strlen(line);

		assert_true(n > 2 && line[0] == '{' && line[n - 1] == '}');
		insns += strstr(line, "\"kind\":\"insn\"") != NULL;
		last = line;
		lines++;
	}
	assert_true(lines > 1000);
	assert_non_null(strstr(last, "\"kind\":\"summary\""));
	/* output past the devices' cap: none here (test_serial drops some) */
	assert_non_null(strstr(last, "\"serial_dropped\":0,\"printer_dropped\":0,"));
	assert_true(insns > 1000);
}

static void trace_file(void **state)
{
	char path[] = "/tmp/ringside-trace-XXXXXX";
	int fd = mkstemp(path);
	char args[256];
	size_t len;
	char *text;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	snprintf(args, sizeof args,
		 "--headless --guest scenarios/guests/hello.elf --trace=text --trace-file %s",
		 path);
	expect(args, 0, "goodbye: exit code 0");
	text = tl_slurp(path, &len);
	assert_non_null(text);
	assert_non_null(strstr(text, "VMX bootstrap: load-image"));
	assert_non_null(strstr(text, "power off: debug-exit"));
	free(text);
	unlink(path);
	expect("--headless --guest scenarios/guests/hello.elf --trace=jsonl --trace-file /nonexistent/dir/t.jsonl",
	       2, "/nonexistent/dir/t.jsonl: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(usage_errors),
		cmocka_unit_test(empty_names_and_list_arguments),
		cmocka_unit_test(bad_files),
		cmocka_unit_test(headless_summary),
		cmocka_unit_test(guest_failures),
		cmocka_unit_test(json_trace),
		cmocka_unit_test(trace_file),
		cmocka_unit_test(host_options),
		cmocka_unit_test(esxtop_keeps_a_world_that_died_in_the_sample),
		cmocka_unit_test(esxtop_paused_vm_waits),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
