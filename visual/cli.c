/*
 * cli.c - parsing ringside's command line (getopt_long), with errors that
 * say what was wrong and exit status 2.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "datadir.h"	/* RINGSIDE_DATADIR, made by the Makefile */
#include "vm.h"

enum {
	OPT_HEADLESS = 256, OPT_MODE, OPT_MAX_INSNS, OPT_MEM, OPT_TRACE,
	OPT_TRACE_FILE, OPT_TRACE_INSNS, OPT_QUIET, OPT_VERSION, OPT_COMPARE,
	OPT_NO_COLOR, OPT_ESXTOP, OPT_INTERVAL, OPT_ITERATIONS, OPT_CDROM,
	OPT_VCPUS, OPT_LIST, OPT_RECORD, OPT_DISK, OPT_DISK_MB, OPT_PRESENTER,
	OPT_APPEND, OPT_MODULE
};

static const struct option long_options[] = {
	{ "guest", required_argument, NULL, 'g' },
	{ "headless", no_argument, NULL, OPT_HEADLESS },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "max-insns", required_argument, NULL, OPT_MAX_INSNS },
	{ "mem", required_argument, NULL, OPT_MEM },
	{ "trace", required_argument, NULL, OPT_TRACE },
	{ "trace-file", required_argument, NULL, OPT_TRACE_FILE },
	{ "trace-insns", no_argument, NULL, OPT_TRACE_INSNS },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "no-color", no_argument, NULL, OPT_NO_COLOR },
	{ "compare", no_argument, NULL, OPT_COMPARE },
	{ "esxtop", no_argument, NULL, OPT_ESXTOP },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "iterations", required_argument, NULL, OPT_ITERATIONS },
	{ "cdrom", required_argument, NULL, OPT_CDROM },
	{ "disk", required_argument, NULL, OPT_DISK },
	{ "disk-mb", required_argument, NULL, OPT_DISK_MB },
	{ "vcpus", required_argument, NULL, OPT_VCPUS },
	{ "append", required_argument, NULL, OPT_APPEND },
	{ "module", required_argument, NULL, OPT_MODULE },
	{ "list", no_argument, NULL, OPT_LIST },
	{ "record", required_argument, NULL, OPT_RECORD },
	{ "presenter", no_argument, NULL, OPT_PRESENTER },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

void cli_usage(FILE *out)
{
	fputs(
"usage: ringside [OPTIONS] [SCENARIO.lua]\n"
"\n"
"Watch x86 guest code run under a virtual machine monitor, instruction by\n"
"instruction: what runs directly on the hardware, what the VMM emulates (after\n"
"a trap, a callout or a VM exit), when the VMKernel takes part (a halted vCPU's\n"
"world, the disk), what goes to the VMX.  Without options: the TUI on the tour.\n"
"\n"
"  -g, --guest FILE     run FILE, a Multiboot ELF32 kernel (it boots on QEMU too)\n"
"      --headless       no TUI: print the guest's serial output and a summary\n"
"      --no-color       TUI without colours (also when NO_COLOR is set)\n"
"      --presenter      TUI: the projector layout, the handler path and code\n"
"                       above a large narration (P switches it in the TUI)\n"
"      --mode=MODE      bt (binary translation; default, as ESX), te\n"
"                       (trap-and-emulate) or hw (hardware assist, VT-x)\n"
"      --compare        headless: run the guest under te, bt and hw (and QEMU\n"
"                       when installed) and print one table side by side\n"
"      --max-insns N    stop after N guest instructions (default 1G; 10k, 5M ok)\n"
"      --mem MB         guest RAM in MiB (default 128, as QEMU)\n"
"      --vcpus N        virtual CPUs of the guest's VM (default 1)\n"
"      --append STRING  the kernel's command line after its path (QEMU -append)\n"
"      --module FILE[,STRING]  a Multiboot module with its string (QEMU\n"
"                       -initrd \"FILE STRING\"); repeatable, up to 8\n"
"      --cdrom ISO      put the ISO image in the VM's CD-ROM drive\n"
"      --disk IMG       give the VM an IDE hard disk holding a copy of the raw\n"
"                       image IMG (the file itself is never written)\n"
"      --disk-mb N      or a blank IDE hard disk of N MiB\n"
"      --esxtop         headless: print the worlds' CPU counters (%USED %RUN\n"
"                       %RDY %WAIT %IDLE...) as CSV, like esxtop -b\n"
"      --interval S     esxtop: seconds of simulated time per sample\n"
"                       (default 0.1; 0.005 and 2 are fine)\n"
"      --iterations N   esxtop: samples to print (default: until the end)\n"
"      --trace=FORMAT   write every event: jsonl (one JSON object per line)\n"
"                       or text; to stdout unless --trace-file is given\n"
"      --trace-file F   write the trace to F\n"
"      --trace-insns    also one event per executed instruction (slow)\n"
"      --quiet          headless: the guest's output only, no summary\n"
"      --list           list the bundled scenarios, one line each\n"
"      --record FILE    TUI: record the session as an asciinema v2 cast\n"
"                       (play it back with asciinema play FILE, or in a browser)\n"
"  -h, --help           this text\n"
"      --version        version and library versions\n"
"\n"
"A scenario (SCENARIO.lua, or the name of a bundled one such as tour) is a\n"
"Lua lesson: the TUI shows its narration and waits at each pause for Space\n"
"or Enter; --headless plays it through and exits 0 if every expect() held,\n"
"1 if one failed, 2 for a script error.\n"
"\n"
"Exit status: 0 the guest powered off (writing 0 to the debug-exit port) or\n"
"halted; 1 it wrote another value there, crashed (triple fault, missing\n"
"memory), reset its bootstrap processor (INIT) or hit --max-insns; 2 bad\n"
"arguments or a bad file; 130 and 143 a run or the TUI stopped by SIGINT\n"
"(^C) or SIGTERM.  q leaves the TUI with the verdict so far.\n"
"\n"
"Examples:\n"
"  ringside --headless --guest scenarios/guests/hello.elf\n"
"  ringside --headless --guest scenarios/guests/holes.elf --mode=te\n"
"  ringside --compare --guest scenarios/guests/holes.elf\n"
"  ringside --list\n"
"  ringside scenarios/tour.lua\n"
"  ringside --headless --trace=jsonl holes\n"
"  ringside --headless --guest scenarios/guests/hello.elf --trace=jsonl --trace-insns\n",
	      out);
}

void cli_vm_config(const struct options *o, const char *guest,
		   struct vm_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->guest = guest;
	cfg->mem_mb = o->mem_mb;
	cfg->mode = o->mode;
	cfg->vcpus = o->vcpus;
	cfg->cdrom = o->cdrom;
	cfg->disk = o->disk;
	cfg->disk_mb = o->disk_mb;
	cfg->append = o->append;
	cfg->nmodules = o->nmodules;
	for (int i = 0; i < o->nmodules; i++)
		cfg->modules[i] = o->modules[i];
}

/*
 * A count: decimal digits only, with an optional k/M/G suffix (powers of
 * 1000) where suffix is true.  strtoull alone would take " 10", "+10" and
 * "-1" (as 2^64-1); a number on the command line is digits or nothing.
 */
static int parse_number(const char *s, bool suffix, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	switch (suffix ? *end : '\0') {
	case '\0': break;
	case 'k': case 'K': mul = 1000; end++; break;
	case 'm': case 'M': mul = 1000000; end++; break;
	case 'g': case 'G': mul = 1000000000; end++; break;
	default: return -1;
	}
	if (*end != '\0' || (mul > 1 && v > UINT64_MAX / mul))
		return -1;
	*out = v * mul;
	return 0;
}

static int parse_count(const char *s, uint64_t *out)
{
	return parse_number(s, true, out);
}

/* MiB and vCPUs: plain numbers ("1k" MiB would be a surprise). */
static int parse_plain(const char *s, uint64_t *out)
{
	return parse_number(s, false, out);
}

/*
 * Seconds as a decimal ("0.5", "2", "0.005") into nanoseconds, from 1 ms to
 * one hour.  Parsed by hand: no floating point, no locale.
 */
static int parse_seconds(const char *s, uint64_t *ns)
{
	uint64_t whole = 0, frac = 0, scale = 1000000000ull;
	const char *p = s;

	if (*p == '\0')
		return -1;
	while (*p >= '0' && *p <= '9') {
		whole = whole * 10 + (uint64_t)(*p++ - '0');
		if (whole > 3600)
			return -1;
	}
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			scale /= 10;
			frac += (uint64_t)(*p++ - '0') * scale;
			if (scale == 0)
				return -1;
		}
	}
	if (*p != '\0' || p == s)
		return -1;
	*ns = whole * 1000000000ull + frac;
	return *ns >= 1000000ull && *ns <= 3600000000000ull ? 0 : -1;
}

/*
 * Every option that names a file, and the scenario: an empty name is
 * refused by the option's name.  Read as "no file" it was ignored
 * (--trace-file "" ran with no trace file); opened, it was reported as
 * "ringside: : cannot open".
 */
static int check_names(const struct options *o, char *err, int errlen)
{
	const struct { const char *opt, *name; } names[] = {
		{ "--guest", o->guest }, { "--trace-file", o->trace_file },
		{ "--record", o->record }, { "--cdrom", o->cdrom },
		{ "--disk", o->disk },
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].name && names[i].name[0] == '\0') {
			snprintf(err, (size_t)errlen,
				 "%s wants a file name, not an empty one",
				 names[i].opt);
			return -1;
		}
	if (o->scenario && o->scenario[0] == '\0') {
		snprintf(err, (size_t)errlen,
			 "the scenario's name is empty: give NAME or FILE.lua (ringside --list shows the bundled ones)");
		return -1;
	}
	return 0;
}

int cli_parse(int argc, char **argv, struct options *o, char *err, int errlen)
{
	int c;
	uint64_t n;

	memset(o, 0, sizeof *o);
	o->mode = MODE_BT;
	o->max_insns = 1000000000ull;
	o->mem_mb = 128;
	o->vcpus = 1;
	o->interval_ns = 100000000ull;
	opterr = 0;
	/*
	 * 0, not 1: getopt starts over, forgetting its place inside a
	 * cluster of short options that an earlier call left (glibc and
	 * musl; a call refused at "-\xffg..." went on in the next call's
	 * parse, from freed memory: test_cli_parse.c).
	 */
	optind = 0;
	while ((c = getopt_long(argc, argv, ":g:h", long_options, NULL)) != -1) {
		switch (c) {
		case 'g': o->guest = optarg; break;
		case 'h': o->help = true; break;
		case OPT_VERSION: o->version = true; break;
		case OPT_HEADLESS: o->headless = true; break;
		case OPT_QUIET: o->quiet = true; break;
		case OPT_NO_COLOR: o->no_color = true; break;
		case OPT_TRACE_INSNS: o->trace_insns = true; break;
		case OPT_TRACE_FILE: o->trace_file = optarg; break;
		case OPT_MODE:
			if (strcmp(optarg, "te") == 0) {
				o->mode = MODE_TE;
			} else if (strcmp(optarg, "bt") == 0) {
				o->mode = MODE_BT;
			} else if (strcmp(optarg, "hw") == 0) {
				o->mode = MODE_HW;
			} else {
				snprintf(err, (size_t)errlen,
					 "unknown mode '%s' (te, bt or hw)", optarg);
				return -1;
			}
			break;
		case OPT_COMPARE: o->compare = true; break;
		case OPT_ESXTOP: o->esxtop = true; break;
		case OPT_LIST: o->list = true; break;
		case OPT_RECORD: o->record = optarg; break;
		case OPT_PRESENTER: o->presenter = true; break;
		case OPT_CDROM: o->cdrom = optarg; o->vm_option = "--cdrom"; break;
		case OPT_APPEND: o->append = optarg; o->vm_option = "--append"; break;
		case OPT_MODULE:
			o->vm_option = "--module";
			if (o->nmodules == GUEST_MAX_MODULES ||
			    optarg[0] == '\0' || optarg[0] == ',') {
				snprintf(err, (size_t)errlen,
					 o->nmodules == GUEST_MAX_MODULES ?
					 "at most %d --module options" :
					 "--module wants FILE or FILE,STRING (%d at most)",
					 GUEST_MAX_MODULES);
				return -1;
			}
			o->modules[o->nmodules++] = optarg;
			break;
		case OPT_DISK: o->disk = optarg; o->vm_option = "--disk"; break;
		case OPT_DISK_MB:
			o->vm_option = "--disk-mb";
			if (parse_plain(optarg, &n) != 0 || n < 1 || n > 131072) {
				snprintf(err, (size_t)errlen,
					 "--disk-mb wants MiB from 1 to 131072, not '%s'",
					 optarg);
				return -1;
			}
			o->disk_mb = (uint32_t)n;
			break;
		case OPT_INTERVAL:
			if (parse_seconds(optarg, &o->interval_ns) != 0) {
				snprintf(err, (size_t)errlen,
					 "--interval wants seconds from 0.001 to 3600, like 0.5, not '%s'",
					 optarg);
				return -1;
			}
			break;
		case OPT_ITERATIONS:
			if (parse_count(optarg, &o->iterations) != 0 ||
			    o->iterations == 0) {
				snprintf(err, (size_t)errlen,
					 "--iterations wants a positive count, not '%s'",
					 optarg);
				return -1;
			}
			break;
		case OPT_VCPUS:
			o->vm_option = "--vcpus";
			if (parse_plain(optarg, &n) != 0 || n < 1 || n > 8) {
				snprintf(err, (size_t)errlen,
					 "--vcpus wants 1 to 8, not '%s'", optarg);
				return -1;
			}
			o->vcpus = (int)n;
			break;
		case OPT_MAX_INSNS:
			o->vm_option = "--max-insns";
			if (parse_count(optarg, &o->max_insns) != 0 ||
			    o->max_insns == 0) {
				snprintf(err, (size_t)errlen,
					 "--max-insns wants a positive count like 5000 or 10M, not '%s'",
					 optarg);
				return -1;
			}
			break;
		case OPT_MEM:
			o->vm_option = "--mem";
			if (parse_plain(optarg, &n) != 0 || n < 4 || n > 1024) {
				snprintf(err, (size_t)errlen,
					 "--mem wants MiB from 4 to 1024, not '%s'",
					 optarg);
				return -1;
			}
			o->mem_mb = (uint32_t)n;
			break;
		case OPT_TRACE:
			if (strcmp(optarg, "jsonl") == 0) {
				o->trace = TRACE_JSONL;
			} else if (strcmp(optarg, "text") == 0) {
				o->trace = TRACE_TEXT;
			} else {
				snprintf(err, (size_t)errlen,
					 "unknown trace format '%s' (jsonl or text)",
					 optarg);
				return -1;
			}
			break;
		case ':':
			snprintf(err, (size_t)errlen, "option %s needs a value",
				 argv[optind - 1]);
			return -1;
		default:
			snprintf(err, (size_t)errlen, "unknown option '%s'",
				 argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc)
		o->scenario = argv[optind++];
	if (optind < argc) {
		snprintf(err, (size_t)errlen, "unexpected argument '%s'",
			 argv[optind]);
		return -1;
	}
	if (check_names(o, err, errlen) != 0)
		return -1;
	if (o->list && (o->scenario || o->guest)) {
		if (o->scenario)
			snprintf(err, (size_t)errlen,
				 "--list takes no argument, not '%s'", o->scenario);
		else
			snprintf(err, (size_t)errlen, "--list does not go with --guest");
		return -1;
	}
	if ((o->trace_file || o->trace_insns) && o->trace == TRACE_NONE) {
		snprintf(err, (size_t)errlen,
			 "%s needs --trace=jsonl or --trace=text",
			 o->trace_file ? "--trace-file" : "--trace-insns");
		return -1;
	}
	if ((o->interval_ns != 100000000ull || o->iterations) && !o->esxtop) {
		snprintf(err, (size_t)errlen,
			 "--interval and --iterations go with --esxtop");
		return -1;
	}
	if (o->esxtop && o->trace != TRACE_NONE && o->trace_file == NULL) {
		snprintf(err, (size_t)errlen,
			 "--esxtop prints on stdout: send the trace to --trace-file");
		return -1;
	}
	if (o->compare && o->guest == NULL) {
		snprintf(err, (size_t)errlen, "--compare needs --guest FILE");
		return -1;
	}
	if (o->record && o->headless) {
		snprintf(err, (size_t)errlen,
			 "--record records the TUI: it does not go with --headless");
		return -1;
	}
	if (o->presenter && o->headless) {
		snprintf(err, (size_t)errlen,
			 "--presenter is a layout of the TUI: it does not go with --headless");
		return -1;
	}
	/* a scenario makes its own VMs: an option it would ignore is refused */
	if (o->scenario && o->vm_option) {
		snprintf(err, (size_t)errlen,
			 "%s is for --guest: a scenario makes its VMs itself (vm{...} in the script)",
			 o->vm_option);
		return -1;
	}
	if (o->guest && o->scenario) {
		snprintf(err, (size_t)errlen,
			 "give either --guest FILE or a scenario, not both");
		return -1;
	}
	return 0;
}

/*
 * Where ringside's data (scenarios/, scenarios/guests/, lua/) is, in
 * order: $RINGSIDE_DATA; beside the executable (a build in the source
 * tree); the data directory compiled in by `make install`
 * (RINGSIDE_DATADIR); the current directory.
 */
const char *cli_data_path(const char *rel, char *buf, int size)
{
	char exe[PATH_MAX];
	const char *env = getenv("RINGSIDE_DATA");
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);

	if (env && env[0]) {
		snprintf(buf, (size_t)size, "%s/%s", env, rel);
		if (access(buf, R_OK) == 0)
			return buf;
	}
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(buf, (size_t)size, "%s/%s", exe, rel);
			if (access(buf, R_OK) == 0)
				return buf;
		}
	}
	snprintf(buf, (size_t)size, "%s/%s", RINGSIDE_DATADIR, rel);
	if (access(buf, R_OK) == 0)
		return buf;
	snprintf(buf, (size_t)size, "%s", rel);
	return buf;
}
