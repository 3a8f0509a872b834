/*
 * test_tui.c - the real ringside binary in a real terminal: tmux, at a
 * fixed size, driven with send-keys and read back with capture-pane, the
 * way tmux's own regress tests drive tmux.
 *
 * Every test starts ringside in a fresh tmux session on a private server
 * (tmux -L ringside-test-PID, no configuration file) and waits for text by
 * polling capture-pane, never with a bare sleep, so a slow machine (two
 * cores, sanitizers) only makes the tests slower.  The binary tested is
 * the one next to this test (build/rel/ringside or build/san/ringside).
 */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "testlib.h"

#define TIMEOUT_MS 15000	/* generous: sanitizers on a busy 2-core box */
#define POLL_MS 30

static char sock[64];		/* tmux -L name: private to this process */
static int nsock;		/* a new server for every start */
static char bin[PATH_MAX + 16];	/* the ringside under test */
static char cwd[PATH_MAX];
static char screen[1 << 16];	/* the last capture */

static void msleep(int ms)
{
	struct timespec t = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&t, NULL);
}

/* Run a tmux command on our server; its output goes to out (if any). */
static int tmux(char *out, size_t size, const char *fmt, ...)
{
	char cmd[2048], sink[256];
	va_list ap;
	int n;

	n = snprintf(cmd, sizeof cmd, "tmux -L %s -f /dev/null ", sock);
	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof cmd - (size_t)n, fmt, ap);
	va_end(ap);
	strncat(cmd, " 2>/dev/null", sizeof cmd - strlen(cmd) - 1);
	return tl_sh(cmd, out ? out : sink, out ? size : sizeof sink);
}

/* Stop our tmux server and remove its socket (tmux leaves it behind). */
static void kill_server(void)
{
	const char *dir = getenv("TMUX_TMPDIR");
	char path[PATH_MAX];

	tmux(NULL, 0, "kill-server");
	snprintf(path, sizeof path, "%s/tmux-%d/%s", dir && dir[0] ? dir : "/tmp",
		 (int)getuid(), sock);
	unlink(path);
}

static void capture(bool escapes)
{
	tmux(screen, sizeof screen, "capture-pane -p %s -t rs", escapes ? "-e" : "");
}

/* Wait until the screen shows needle (or does not, if absent). */
static bool wait_screen(const char *needle, bool absent)
{
	for (int t = 0; t < TIMEOUT_MS; t += POLL_MS) {
		capture(false);
		if ((strstr(screen, needle) != NULL) != absent)
			return true;
		msleep(POLL_MS);
	}
	return false;
}

static void expect_screen(const char *needle)
{
	if (!wait_screen(needle, false)) {
		/* cmocka truncates long messages: the screen goes to stderr */
		fprintf(stderr, "the screen never showed \"%s\"; it shows:\n%s\n",
			needle, screen);
		fail_msg("the screen never showed \"%s\"", needle);
	}
}

/*
 * Start ringside with `env` (VAR=value ...) and args in a cols x rows
 * terminal.  The shell reports its exit status and keeps the pane open.
 */
static void start(const char *env, const char *args, int cols, int rows)
{
	/*
	 * The previous server dies in its own time: a fresh socket name
	 * keeps the new session from ever meeting it.
	 */
	kill_server();
	snprintf(sock, sizeof sock, "ringside-test-%d-%d", (int)getpid(), ++nsock);
	tmux(NULL, 0, "new-session -d -s rs -x %d -y %d "
	     "\"cd '%s' && env %s '%s' %s; echo RINGSIDE-EXIT=\\$?; sleep 600\"",
	     cols, rows, cwd, env, bin, args);
	expect_screen("ringside");
}

static void keys(const char *k)
{
	tmux(NULL, 0, "send-keys -t rs %s", k);
}

static int setup(void **state)
{
	(void)state;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	kill_server();
	return 0;
}

/* The value after "label " on the status line ("EIP 00102504"). */
static void status_field(const char *label, char *out, size_t size)
{
	const char *p = strstr(screen, label);
	size_t n = 0;

	out[0] = '\0';
	if (p == NULL)
		return;
	p += strlen(label);
	while (*p == ' ')
		p++;
	while (p[n] && p[n] != ' ' && p[n] != '\n' && n < size - 1) {
		out[n] = p[n];
		n++;
	}
	out[n] = '\0';
}

/* ---- the tests ---------------------------------------------------------- */

static void startup_screen(void **state)
{
	(void)state;
	start("", "", 120, 40);		/* no arguments: the built-in tour */
	expect_screen("[1 CPU]");
	expect_screen("Rings: guest in ring 0, CPU at CPL 1");
	expect_screen("Handler path");
	expect_screen("Registers");
	expect_screen("Serial console");
	expect_screen("Counters");
	expect_screen("PAUSED");
	expect_screen("tour.elf");
	expect_screen("s step");	/* the hints line */
}

static void stepping_changes_eip(void **state)
{
	char eip0[16], eip1[16];

	(void)state;
	start("", "--mode=te", 120, 40);
	expect_screen("insn 0 ");
	status_field("EIP", eip0, sizeof eip0);
	assert_int_equal(strlen(eip0), 8);
	keys("s");
	expect_screen("insn 1 ");
	status_field("EIP", eip1, sizeof eip1);
	assert_string_not_equal(eip0, eip1);
	expect_screen("Handler path: mov esp");
	expect_screen("Guest > Hardware");
}

/* n runs to the first port access; its path is drawn hop by hop. */
static void trap_animates_through_vmm(void **state)
{
	(void)state;
	start("", "--mode=te", 120, 40);
	keys("n");
	expect_screen("[VMM]");			/* hop 2: the VMM, highlighted */
	expect_screen("Guest > VMM > VMX > VMM > Guest");	/* all hops */
	expect_screen("Handler path: in al, dx (io)");
	expect_screen("IN reads a value from an I/O port");
}

static void step_back_restores(void **state)
{
	char eip[16], again[16];

	(void)state;
	start("", "--mode=te", 120, 40);
	keys("s s s");
	expect_screen("insn 3 ");
	status_field("EIP", eip, sizeof eip);
	keys("s");
	expect_screen("insn 4 ");
	keys("b");
	expect_screen("insn 3 ");
	status_field("EIP", again, sizeof again);
	assert_string_equal(eip, again);
	expect_screen("Stepped back to instruction 3");
}

static void resize_and_back(void **state)
{
	(void)state;
	start("", "", 120, 40);
	expect_screen("[1 CPU]");
	tmux(NULL, 0, "resize-window -t rs -x 60 -y 20");
	expect_screen("needs a terminal of at least 80x24");
	expect_screen("60x20");
	tmux(NULL, 0, "resize-window -t rs -x 80 -y 24");
	expect_screen("[1 CPU]");
	expect_screen("? help");		/* 80x24: hints folded away */
	tmux(NULL, 0, "resize-window -t rs -x 120 -y 40");
	expect_screen("s step");
}

/* An SGR parameter that sets a colour (30-37 40-47 90-97 100-107 38 48). */
static bool has_color_escape(const char *s)
{
	for (const char *p = strstr(s, "\033["); p; p = strstr(p + 1, "\033[")) {
		const char *q = p + 2;

		while (*q) {
			char *end;
			long v = strtol(q, &end, 10);

			if (end == q)
				break;
			if ((v >= 30 && v <= 38) || (v >= 40 && v <= 48) ||
			    (v >= 90 && v <= 97) || (v >= 100 && v <= 107))
				return true;
			if (*end != ';')
				break;
			q = end + 1;
		}
	}
	return false;
}

static void no_color(void **state)
{
	(void)state;
	start("", "", 120, 40);		/* colour first, to trust the check */
	expect_screen("[1 CPU]");
	capture(true);
	assert_true(has_color_escape(screen));
	start("NO_COLOR=1", "", 120, 40);
	expect_screen("[1 CPU]");
	keys("n");
	expect_screen("Stopped after");
	capture(true);
	if (has_color_escape(screen))
		fail_msg("NO_COLOR=1 but colours on screen:\n%s", screen);
	assert_non_null(strstr(screen, "\033["));	/* bold, reverse remain */
	start("", "--no-color", 120, 40);
	expect_screen("[1 CPU]");
	capture(true);
	assert_false(has_color_escape(screen));
}

static bool all_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

static void ascii_locale(void **state)
{
	(void)state;
	start("LANG=C.UTF-8 LC_ALL=C.UTF-8", "--mode=te", 120, 40);
	keys("n");
	expect_screen("Guest > VMM > VMX");
	assert_false(all_ascii(screen));	/* glyphs when UTF-8 */
	start("LANG=C LC_ALL=C", "--mode=te", 120, 40);
	keys("n");
	expect_screen("Guest > VMM > VMX");
	if (!all_ascii(screen))
		fail_msg("LANG=C but non-ASCII on screen:\n%s", screen);
	keys("2");
	expect_screen("Bare metal");
	assert_true(all_ascii(screen));
}

static void views(void **state)
{
	(void)state;
	start("", "--mode=te", 120, 40);
	keys("n 2");
	expect_screen("Bare metal: VMware ESX Server");
	expect_screen("Service console");
	keys("a");
	expect_screen("Hosted: VMware Workstation / Server");
	keys("3");
	expect_screen("vmx:vm0");
	expect_screen("vmm0:vm0");
	/* esxtop's %RUN beside %USED and %SYS (%USED = %RUN + %SYS) */
	expect_screen("%USED  %RUN  %SYS");
	keys("Tab");
	expect_screen("Translation: guest code beside the translation cache");
	expect_screen("does not use binary translation");	/* --mode=te */
	keys("Tab");
	expect_screen("VMX bootstrap: load-image");
	keys("Tab");
	expect_screen("Help: every key and command");
	keys("Tab");
	expect_screen("Cluster");
	keys("Tab");
	expect_screen("it has no VMCS");		/* --mode=te */
	keys("1");
	expect_screen("Handler path");
}

/*
 * Hardware assist: the Rings pane shows the guest's rings in non-root mode
 * and ESX in root mode; the VMCS view shows root and non-root mode, the
 * 2006 controls and the last exit with its qualification as the SDM lays
 * it out (table 27-5: port 0x3f8 in bits 31:16, an OUT of one byte, port
 * in DX: 0x03f80000), the CR0/CR4 guest/host masks, and what the exit
 * cost: Prescott's round trip, 3963 cycles [Agesen et al. 2012, table 1].
 */
static void vmcs_view(void **state)
{
	(void)state;
	start("", "--mode=hw --guest build/guests/sysenter.elf", 140, 45);
	keys("n n n n n n n");
	/* the Rings pane draws VT-x, not ring deprivileging */
	expect_screen("Rings: guest in ring 0 of non-root mode (VT-x)");
	expect_screen("non-root: guest    root: ESX");
	assert_null(strstr(screen, "real CPU runs"));
	expect_screen("Registers: ringside's CPU underneath | the guest's (VT-x)");
	keys("8");
	expect_screen("ring 0 of non-root mode");
	expect_screen("primary controls only");
	expect_screen("use TSC offsetting 1");
	expect_screen("exit reason 30 (I/O instruction)");
	expect_screen("exit qualification 03f80000: port 0x03f8");
	/* SDM 24.6.6: PE NE WP NW CD PG, and PSE PAE PGE VMXE are the VMM's */
	expect_screen("CR0 guest/host mask e0010021");
	expect_screen("CR4 guest/host mask 000020b0");
	/* the exit's cost, with the source of its figure */
	expect_screen("modelled cost 3963 cycles: VM exit + VM entry 3963");
	expect_screen("round trip: Agesen et al., USENIX ATC 2012, table 1");
	expect_screen("handling: no published figure, none charged");
	/* the Architecture view too: the guest kernel at ring 0 of
	 * non-root mode, the VMM in root mode (not deprivileging's CPL 1) */
	keys("2");
	expect_screen("Guest OS: sysenter.elf, ring 0 of non-root mode");
	expect_screen("VMM (root mode)");
	assert_null(strstr(screen, "at CPL 1"));
}

/*
 * The Worlds view's percentages are of each world's life ("since the
 * world began"), so a world born late still adds up: %RUN + %RDY + %CSTP
 * + %WAIT = 100, as esxtop documents.  A host added after 0.1 s of
 * simulated time: its service console has waited all its life, 100.0.
 */
static void worlds_of_a_late_host_add_up(void **state)
{
	static const char *const lua =
		"local a = host{name=\"early\", kind=\"esx\", cpus=1}\n"
		"a:add_vm{name=\"v1\", guest=\"timer\", mem_mb=16}\n"
		"run{seconds=0.1}\n"
		"local b = host{name=\"late\", kind=\"esx\", cpus=1}\n"
		"b:add_vm{name=\"v2\", guest=\"timer\", mem_mb=16}\n"
		"run{seconds=0.05}\n"
		"say(\"late host added\")\n"
		"pause()\n";
	char path[] = "/tmp/ringside-late-XXXXXX.lua", args[128];
	int fd = mkstemps(path, 4);
	const char *late, *console;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, lua, strlen(lua)), (ssize_t)strlen(lua));
	close(fd);
	snprintf(args, sizeof args, "%s", path);
	start("", args, 140, 50);
	expect_screen("late host added");
	keys("3");
	expect_screen("late (esx)");
	late = strstr(screen, "late (esx)");
	console = strstr(late, "console");
	assert_non_null(console);
	/* STATE, %USED %RUN %SYS %RDY %CSTP, then %WAIT */
	if (strstr(console, "waiting   0.0   0.0   0.0   0.0   0.0 100.0") != console + 15)
		fail_msg("the late host's console does not add up to 100:\n%.100s", console);
	unlink(path);
}

/*
 * The Worlds view fits an 80-column terminal: every column of a world's
 * row shows, esxtop's and TRAPS and PCPU (the names are cut to 12 and
 * INSNS, also in the title, is dropped there), and the title's scroll
 * hint too; nothing is clipped (the clip glyph, "…" or "~", never shows).
 */
static void worlds_fit_80_columns(void **state)
{
	char *line, *save;
	int rows = 0;

	(void)state;
	/* four vCPUs: four VMM worlds, so the view scrolls at 24 rows */
	start("", "--mode=te --vcpus 4", 80, 24);
	keys("n n n 3");
	expect_screen("vmm0:vm0");
	expect_screen("[Down: more below]");
	for (line = strtok_r(screen, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		bool row = strstr(line, "waiting") || strstr(line, "running") ||
			   strstr(line, " WID ") || strstr(line, "Worlds:");

		if (!row)
			continue;
		rows++;
		if (strstr(line, "\xe2\x80\xa6") || strchr(line, '~'))
			fail_msg("clipped at 80 columns: \"%s\"", line);
		if (strstr(line, " WID ") &&
		    !strstr(line, "%IDLE  TRAPS PCPU"))
			fail_msg("the header lost a column: \"%s\"", line);
	}
	assert_true(rows >= 11);	/* the title, the header, nine worlds */
}

static void quit_restores_terminal(void **state)
{
	char out[64];

	(void)state;
	start("", "", 120, 40);
	expect_screen("[1 CPU]");
	tmux(out, sizeof out, "display -p -t rs '#{alternate_on}'");
	assert_string_equal(out, "1\n");	/* curses took the screen */
	keys("q");
	expect_screen("RINGSIDE-EXIT=0");
	assert_null(strstr(screen, "[1 CPU]"));
	tmux(out, sizeof out, "display -p -t rs '#{alternate_on} #{cursor_flag}'");
	assert_string_equal(out, "0 1\n");	/* given back, cursor shown */
	/* a signal quits cleanly too, with its status (128 + SIGINT) */
	start("", "", 120, 40);
	expect_screen("[1 CPU]");
	keys("C-c");
	expect_screen("RINGSIDE-EXIT=130");
	tmux(out, sizeof out, "display -p -t rs '#{alternate_on} #{cursor_flag}'");
	assert_string_equal(out, "0 1\n");
}

/* Not a terminal: a message pointing at --headless, exit status 2. */
static void not_a_terminal(void **state)
{
	char cmd[sizeof bin + 64];

	(void)state;
	snprintf(cmd, sizeof cmd, "'%s' </dev/null 2>&1", bin);
	assert_int_equal(tl_sh(cmd, screen, sizeof screen), 2);
	assert_non_null(strstr(screen, "needs a terminal"));
	assert_non_null(strstr(screen, "--headless"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(startup_screen, setup, teardown),
		cmocka_unit_test_setup_teardown(stepping_changes_eip, setup, teardown),
		cmocka_unit_test_setup_teardown(trap_animates_through_vmm, setup, teardown),
		cmocka_unit_test_setup_teardown(step_back_restores, setup, teardown),
		cmocka_unit_test_setup_teardown(resize_and_back, setup, teardown),
		cmocka_unit_test_setup_teardown(no_color, setup, teardown),
		cmocka_unit_test_setup_teardown(ascii_locale, setup, teardown),
		cmocka_unit_test_setup_teardown(views, setup, teardown),
		cmocka_unit_test_setup_teardown(vmcs_view, setup, teardown),
		cmocka_unit_test_setup_teardown(worlds_of_a_late_host_add_up, setup, teardown),
		cmocka_unit_test_setup_teardown(worlds_fit_80_columns, setup, teardown),
		cmocka_unit_test_setup_teardown(quit_restores_terminal, setup, teardown),
		cmocka_unit_test(not_a_terminal),
	};
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	char *slash;
	int rc;

	/* build/X/tests/test_tui -> build/X/ringside */
	if (n <= 0 || getcwd(cwd, sizeof cwd) == NULL)
		return 1;
	self[n] = '\0';
	slash = strrchr(self, '/');
	*slash = '\0';
	slash = strrchr(self, '/');
	*slash = '\0';
	snprintf(bin, sizeof bin, "%s/ringside", self);
	snprintf(sock, sizeof sock, "ringside-test-%d-0", (int)getpid());
	if (system("tmux -V >/dev/null 2>&1") != 0) {
		return tl_skip_suite("tmux is not installed");
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	kill_server();
	return rc;
}
