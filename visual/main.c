/*
 * main.c - ringside's entry point: parse the command line and hand over to
 * the headless runner or the TUI.  Nothing else happens here.
 */
#include <stdio.h>

#include "cli.h"
#include "compare.h"
#include "cpu/cpu.h"
#include "files.h"
#include "headless.h"
#include "play.h"
#include "tui.h"

#define RINGSIDE_VERSION "0.1"

int main(int argc, char **argv)
{
	struct options opt;
	char err[4400], path[4096], scpath[4200];
	const char *guest, *scenario = NULL;

	if (cli_parse(argc, argv, &opt, err, sizeof err) != 0) {
		fprintf(stderr, "ringside: %s\nTry 'ringside --help'.\n", err);
		return EXIT_USAGE;
	}
	/* what goes to stdout must get there: a full or closed stdout is
	 * status 2 with a message (headless_exit_status), not a silent 0 */
	if (opt.help) {
		cli_usage(stdout);
		return headless_exit_status(0);
	}
	if (opt.version) {
		printf("ringside %s (Unicorn %s)\n", RINGSIDE_VERSION,
		       cpu_library_version());
		return headless_exit_status(0);
	}
	if (opt.list)
		return headless_exit_status(play_list(stdout));
	/* a headless run: ^C while it loads ends it too (headless.h) */
	if (opt.headless && (opt.scenario || !opt.compare))
		headless_catch_early();
	/* every file checked before any is opened (files.c) */
	if (opt.scenario && play_check(opt.scenario, err, sizeof err) != 0) {
		fprintf(stderr, "ringside: %s\n", err);
		return EXIT_USAGE;
	}
	if (opt.scenario)
		scenario = play_path(opt.scenario, scpath, sizeof scpath);
	if (files_check(&opt, scenario, err, sizeof err) != 0) {
		fprintf(stderr, "ringside: %s\n", err);
		return EXIT_USAGE;
	}
	if (opt.scenario && opt.headless)
		return play_headless(&opt, opt.scenario);
	if (opt.scenario && opt.trace == TRACE_NONE)
		return play_tui(&opt, opt.scenario);
	if (opt.compare)
		return compare_run(&opt);
	/* no guest given: the built-in tour */
	guest = opt.guest ? opt.guest
			  : cli_data_path("scenarios/guests/tour.elf", path,
					  sizeof path);
	if (opt.headless)
		return headless_run_guest(&opt, guest);
	if (opt.trace != TRACE_NONE) {
		fprintf(stderr, "ringside: --trace works with --headless (the TUI shows events in its Log view)\n");
		return EXIT_USAGE;
	}
	return tui_main(&opt, guest);
}
