/*
 * testlib.c - shared test helpers (see testlib.h).
 */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cluster/cluster.h"
#include "testlib.h"
#include "trace.h"
#include "vmm/vmm.h"

static void capture(void *ctx, const struct event *ev)
{
	struct tl_run *r = ctx;

	if (r->nev == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 4096;
		struct event *e = realloc(r->ev, cap * sizeof *e);

		assert_non_null(e);
		r->ev = e;
		r->cap = cap;
	}
	r->ev[r->nev++] = *ev;
}

void tl_boot(const char *guest, bool insns, struct tl_run *r)
{
	tl_boot_mode(guest, MODE_TE, insns, r);
}

void tl_boot_mode(const char *guest, enum exec_mode mode, bool insns,
		  struct tl_run *r)
{
	tl_boot_cfg(&(struct vm_config){ .guest = guest, .mode = mode },
		    insns, r);
}

void tl_boot_cfg(const struct vm_config *cfg, bool insns, struct tl_run *r)
{
	char err[GUEST_ERR_MAX];
	unsigned mask = EVENT_MASK_ALL;
	int rc;

	memset(r, 0, sizeof *r);
	assert_int_equal(sim_create(NULL, &r->sim), SIM_OK);
	if (!insns)
		mask &= ~EVENT_MASK(EV_INSN);
	event_log_subscribe(sim_events(r->sim), mask, capture, r);
	rc = sim_add_vm(r->sim, cfg, &r->vm, err);
	if (rc != SIM_OK)
		fail_msg("cannot boot %s: %s", cfg->guest, err);
}

void tl_run_guest(const char *guest, bool insns, uint64_t max_insns,
		  struct tl_run *r)
{
	tl_boot(guest, insns, r);
	r->rc = sim_run(r->sim, max_insns, &r->stop);
}

void tl_free(struct tl_run *r)
{
	sim_destroy(r->sim);
	free(r->ev);
	memset(r, 0, sizeof *r);
}

size_t tl_count(const struct tl_run *r, enum event_kind kind)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nev; i++)
		n += r->ev[i].kind == kind;
	return n;
}

const char *tl_serial(const struct tl_run *r)
{
	static char buf[1 << 16];
	size_t len;
	const char *out = vm_serial(r->vm, &len);

	if (len >= sizeof buf)
		len = sizeof buf - 1;
	memcpy(buf, out, len);
	buf[len] = '\0';
	return buf;
}

static struct qemu_run {
	char key[512];
	char *out;
	size_t len;
	int status;
} qemu_runs[32];

const char *tl_qemu_bytes(const char *guest, const char *flags, size_t *len,
			  int *status)
{
	static char out[TL_QEMU_MAX + 1];
	char cmd[512];
	int i;

	snprintf(cmd, sizeof cmd, "sh tests/reference/qemu-run.sh %s %s",
		 flags, guest);
	for (i = 0; i < 32 && qemu_runs[i].out != NULL; i++)
		if (strcmp(qemu_runs[i].key, cmd) == 0) {
			*status = qemu_runs[i].status;
			*len = qemu_runs[i].len;
			return qemu_runs[i].out;
		}
	*status = tl_sh_len(cmd, out, sizeof out, len);
	if (i < 32 && (qemu_runs[i].out = malloc(*len + 1)) != NULL) {
		memcpy(qemu_runs[i].out, out, *len + 1);
		qemu_runs[i].len = *len;
		snprintf(qemu_runs[i].key, sizeof qemu_runs[i].key, "%s", cmd);
		qemu_runs[i].status = *status;
	}
	return out;
}

const char *tl_qemu(const char *guest, const char *flags, int *status)
{
	size_t len;

	return tl_qemu_bytes(guest, flags, &len, status);
}

void tl_qemu_forget(void)
{
	for (int i = 0; i < 32; i++) {
		free(qemu_runs[i].out);
		qemu_runs[i].out = NULL;
	}
}

int tl_qemu_teardown(void **state)
{
	(void)state;
	tl_qemu_forget();
	return 0;
}

char *tl_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1))) {
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
			if (len)
				*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint16_t rd16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* Walk the section headers for SHT_SYMTAB and its string table. */
uint32_t tl_symbol(const char *elf, const char *name)
{
	size_t len;
	unsigned char *b = (unsigned char *)tl_slurp(elf, &len);
	uint32_t found = 0;

	if (b == NULL || len < 52)
		goto out;
	uint32_t shoff = rd32(b + 32);
	uint16_t shentsize = rd16(b + 46), shnum = rd16(b + 48);

	for (unsigned i = 0; i < shnum; i++) {
		const unsigned char *sh = b + shoff + i * shentsize;

		if (rd32(sh + 4) != 2)	/* SHT_SYMTAB */
			continue;
		uint32_t off = rd32(sh + 16), size = rd32(sh + 20);
		const unsigned char *strsh = b + shoff + rd32(sh + 24) * shentsize;
		const char *strtab = (const char *)b + rd32(strsh + 16);

		for (uint32_t s = 0; s + 16 <= size; s += 16) {
			const unsigned char *sym = b + off + s;

			if (strcmp(strtab + rd32(sym), name) == 0) {
				found = rd32(sym + 4);
				goto out;
			}
		}
	}
out:
	free(b);
	return found;
}

int tl_sh(const char *cmd, char *out, size_t size)
{
	size_t len;

	return tl_sh_len(cmd, out, size, &len);
}

int tl_sh_len(const char *cmd, char *out, size_t size, size_t *len)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0, got;
	int st;

	*len = 0;
	if (p == NULL)
		return -1;
	while (size > 1 && (got = fread(out + n, 1, size - 1 - n, p)) > 0)
		n += got;
	if (size > 0)
		out[n] = '\0';
	*len = n;
	/* drain anything past the buffer so the child can finish */
	{
		char sink[4096];

		while (fread(sink, 1, sizeof sink, p) > 0)
			;
	}
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void tl_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

char tl_out[1 << 20];

int tl_ringside(const char *fmt, ...)
{
	char args[2048], cmd[2400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof args, fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof cmd, "timeout -s KILL 120 ./ringside %s%s", args,
		 strstr(args, "2>") ? "" : " 2>&1");
	return tl_sh(cmd, tl_out, sizeof tl_out);
}

void tl_want(int st, int status, const char *needle)
{
	if (st != status)
		fail_msg("status %d, expected %d; output:\n%s", st, status, tl_out);
	if (needle && strstr(tl_out, needle) == NULL)
		fail_msg("output lacks \"%s\":\n%s", needle, tl_out);
}

void tl_scenario(char *path, size_t size, const char *text)
{
	tl_temp_file(path, size, ".lua");
	tl_write_file(path, text);
}

void tl_child_small_quarantine(void)
{
	const char *asan = getenv("ASAN_OPTIONS");
	char opts[512];

	snprintf(opts, sizeof opts, "%s%squarantine_size_mb=8",
		 asan ? asan : "", asan && *asan ? ":" : "");
	setenv("ASAN_OPTIONS", opts, 1);
}

int tl_skip_suite(const char *why)
{
	printf("[==========] 0 test(s) run.\n[  SKIPPED ] %s\n", why);
	return TL_SKIPPED;
}

void tl_temp_file(char *path, size_t size, const char *suffix)
{
	const char *dir = getenv("TMPDIR");
	int n, fd;

	n = snprintf(path, size, "%s/ringside-test-XXXXXX%s",
		     dir && dir[0] ? dir : "/tmp", suffix);
	assert_true(n > 0 && (size_t)n < size);
	fd = mkstemps(path, (int)strlen(suffix));
	if (fd < 0)
		fail_msg("cannot make a temporary file like %s", path);
	close(fd);
}

void tl_assert_step_equals_run(const char *guest, enum exec_mode mode,
			       uint64_t n)
{
	tl_assert_steps_as_runs(guest, mode, n, true);
}

void tl_assert_steps_as_runs(const char *guest, enum exec_mode mode,
			     uint64_t n, bool calls)
{
	static const enum x86_register regs[] = {
		X86R_EAX, X86R_ECX, X86R_EDX, X86R_EBX, X86R_ESP, X86R_EBP,
		X86R_ESI, X86R_EDI, X86R_EFLAGS, X86R_SS, X86R_DS,
	};
	struct tl_run a, b;
	struct vcpu *va, *vb;
	enum sim_stop why;
	enum vmm_stop vs;

	tl_boot_mode(guest, mode, false, &a);
	tl_boot_mode(guest, mode, false, &b);
	va = a.vm->vcpu[0];
	vb = b.vm->vcpu[0];
	assert_int_equal(sim_run(a.sim, n, &why), SIM_OK);
	for (uint64_t i = 0; i < n; i++)
		assert_int_equal(vmm_step(vb, &vs), SIM_OK);
	vmm_sync_counters(va);
	vmm_sync_counters(vb);
	for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++)
		assert_int_equal(cpu_reg(va->cpu, regs[i]),
				 cpu_reg(vb->cpu, regs[i]));
	assert_int_equal(vmm_guest_eip(va), vmm_guest_eip(vb));
	assert_int_equal(vmm_guest_cs(va), vmm_guest_cs(vb));
	assert_int_equal(va->stats.insns, n);
	assert_int_equal(vb->stats.insns, n);
	assert_memory_equal(va->stats.by_class, vb->stats.by_class,
			    sizeof va->stats.by_class);
	assert_memory_equal(va->stats.by_vring, vb->stats.by_vring,
			    sizeof va->stats.by_vring);
	assert_int_equal(va->stats.traps + va->stats.callouts + va->stats.exits,
			 vb->stats.traps + vb->stats.callouts + vb->stats.exits);
	assert_int_equal(va->stats.soft_ints, vb->stats.soft_ints);
	if (calls)
		assert_true(va->stats.soft_ints > 0);	/* it made system calls */
	assert_string_equal(tl_serial(&a), tl_serial(&b));
	tl_free(&a);
	tl_free(&b);
}

void tl_assert_deterministic(const char *guest, enum exec_mode mode)
{
	struct tl_run a, b;
	char la[TRACE_LINE_MAX], lb[TRACE_LINE_MAX];

	tl_boot_mode(guest, mode, false, &a);
	tl_boot_mode(guest, mode, false, &b);
	assert_int_equal(sim_run(a.sim, 1000000000ull, &a.stop), SIM_OK);
	assert_int_equal(sim_run(b.sim, 1000000000ull, &b.stop), SIM_OK);
	assert_true(a.nev > 100);
	assert_int_equal(a.nev, b.nev);
	for (size_t i = 0; i < a.nev; i++) {
		trace_json(a.sim, &a.ev[i], la, sizeof la);
		trace_json(b.sim, &b.ev[i], lb, sizeof lb);
		assert_string_equal(la, lb);
	}
	tl_free(&a);
	tl_free(&b);
}

uint32_t tl_rand(uint64_t *state, uint32_t n)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return (uint32_t)(*state % n);
}

void tl_example_c(struct cluster *c, int vm[4])
{
	static const char *const names[4] = { "db", "app", "web", "cache" };
	static const uint32_t mhz[4] = { 1500, 5000, 5000, 3500 };
	static const int host[4] = { 0, 0, 1, 2 };
	char err[GUEST_ERR_MAX];

	for (int i = 0; i < 3; i++) {
		char name[8];

		snprintf(name, sizeof name, "h%d", i + 1);
		assert_int_equal(cluster_add_host(c, &(struct cluster_host_config){
			.host = { .name = name, .pcpus = 4, .mhz = 2500,
				  .mem_mb = 65536 } }, NULL, err), SIM_OK);
	}
	for (int i = 0; i < 4; i++)
		assert_int_equal(cluster_add_vm(c, &(struct cluster_vm_config){
			.name = names[i], .host = host[i], .mem_mb = 4096,
			.demand_mhz = mhz[i], .dirty_mb_s = 16 },
			vm ? &vm[i] : NULL, err), SIM_OK);
}

/* ---- a program in tmux ---------------------------------------------------- */

char tl_tmux_screen[1 << 16];
static char tmux_server[64];	/* tmux -L NAME, one per start */
static int tmux_servers;

int tl_tmux(bool keep, const char *fmt, ...)
{
	char cmd[2048], sink[512];
	va_list ap;
	int n = snprintf(cmd, sizeof cmd, "tmux -L %s -f /dev/null ",
			 tmux_server);

	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof cmd - (size_t)n, fmt, ap);
	va_end(ap);
	strncat(cmd, " 2>/dev/null", sizeof cmd - strlen(cmd) - 1);
	return keep ? tl_sh(cmd, tl_tmux_screen, sizeof tl_tmux_screen)
		    : tl_sh(cmd, sink, sizeof sink);
}

void tl_tmux_stop(void)
{
	if (tmux_server[0])
		tl_tmux(false, "kill-server");
}

/* A new server's name: every start has its own. */
static void tmux_new_server(void)
{
	tl_tmux_stop();
	snprintf(tmux_server, sizeof tmux_server, "rs-scn-%d-%d", (int)getpid(),
		 ++tmux_servers);
}

void tl_tmux_start(const char *cmd, int cols, int rows)
{
	tmux_new_server();
	tl_tmux(false, "new-session -d -s s -x %d -y %d \"%s\"", cols, rows,
		cmd);
}

void tl_tmux_play(const char *args, int cols, int rows)
{
	char here[PATH_MAX];

	assert_non_null(getcwd(here, sizeof here));
	tmux_new_server();
	tl_tmux(false, "new-session -d -s s -x %d -y %d "
		"\"cd '%s' && ./ringside %s; echo RINGSIDE-EXIT=\\$?; sleep 600\"",
		cols, rows, here, args);
}

void tl_tmux_see(const char *text)
{
	struct timespec tick = { 0, 40 * 1000000L };

	for (int t = 0; t < TL_TMUX_WAIT_MS; t += 40) {
		tl_tmux(true, "capture-pane -p -t s");
		if (strstr(tl_tmux_screen, text))
			return;
		nanosleep(&tick, NULL);
	}
	fprintf(stderr, "never saw \"%s\"; the screen:\n%s\n", text,
		tl_tmux_screen);
	fail_msg("never saw \"%s\"", text);
}

void tl_tmux_press(const char *keys)
{
	tl_tmux(false, "send-keys -t s %s", keys);
}

int tl_tmux_suite(void)
{
	if (getenv("TEST_FILTER"))	/* one test: TEST_FILTER=name */
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	if (tl_sh("tmux -V >/dev/null 2>&1", tl_tmux_screen,
		  sizeof tl_tmux_screen) != 0)
		return tl_skip_suite("tmux is not installed");
	return 0;
}

int tl_tmux_teardown(void **state)
{
	(void)state;
	tl_tmux_stop();
	return 0;
}

/* ---- HA worlds (test_ha, test_ha_admission) ------------------------------ */

void tl_ha_setup(struct tl_ha *w, const struct ha_config *cfg)
{
	memset(w, 0, sizeof *w);
	assert_int_equal(event_log_create(1 << 16, &w->log), SIM_OK);
	assert_int_equal(ha_create(cfg, w->log, &w->ha), SIM_OK);
}

void tl_ha_teardown(struct tl_ha *w)
{
	ha_destroy(w->ha);
	event_log_destroy(w->log);
}

/* Hosts "h0".."hn-1" (moid "host-<10+i>"), equal datastores and size. */
void tl_ha_add_hosts(struct tl_ha *w, uint32_t n, uint32_t mhz,
		     uint32_t mb)
{
	static char moids[32][16];

	for (uint32_t i = 0; i < n; i++) {
		struct ha_host_cfg h = { NULL, NULL, 2, mhz, mb };
		uint32_t id;

		snprintf(moids[i], sizeof moids[i], "host-%u", 10 + i);
		h.moid = moids[i];
		h.name = moids[i];
		assert_int_equal(ha_add_host(w->ha, &h, &id), SIM_OK);
		assert_int_equal(id, i);
	}
}

uint32_t tl_ha_add_vm(struct tl_ha *w, uint32_t host, enum ha_priority p,
		      enum ha_isolation iso)
{
	struct ha_vm_cfg v = { NULL, host, p, iso, 100, 256, 0, 0 };
	uint32_t id;
	char msg[256];

	snprintf(w->names[ha_nvms(w->ha)], sizeof w->names[0], "vm%u",
		 ha_nvms(w->ha));
	v.name = w->names[ha_nvms(w->ha)];
	assert_int_equal(ha_add_vm(w->ha, &v, &id), SIM_OK);
	assert_int_equal(ha_power_on(w->ha, id, host, 0, msg, sizeof msg), SIM_OK);
	return id;
}

/*
 * The time (in whole seconds) of the n-th EV_HA event with this action,
 * host (HA_NONE: any) and VM (HA_NONE: any); -1 if there is none.
 */
long tl_ha_when(const struct tl_ha *w, enum ha_action a, uint32_t host,
		uint32_t vm, int n)
{
	for (size_t i = 0; i < event_log_count(w->log); i++) {
		const struct event *e = event_log_at(w->log, i);

		if (e->kind != EV_HA || e->u.ha.action != a)
			continue;
		if (host != HA_NONE && e->u.ha.host != host)
			continue;
		if (vm != HA_NONE && e->u.ha.vm != vm)
			continue;
		if (n-- == 0)
			return (long)(e->t_ns / HA_SECOND);
	}
	return -1;
}

int tl_ha_count(const struct tl_ha *w, enum ha_action a)
{
	int n = 0;

	for (size_t i = 0; i < event_log_count(w->log); i++) {
		const struct event *e = event_log_at(w->log, i);

		n += e->kind == EV_HA && e->u.ha.action == a;
	}
	return n;
}

/* Three hosts; h2 ("host-12", the highest moid) is elected at T15. */
void tl_ha_three_hosts(struct tl_ha *w, const struct ha_config *cfg)
{
	tl_ha_setup(w, cfg);
	tl_ha_add_hosts(w, 3, 20000, 65536);
	assert_int_equal(ha_enable(w->ha, 0), SIM_OK);
	ha_run_until(w->ha, 20 * HA_SECOND);
	assert_int_equal(tl_ha_when(w, HA_MASTER, 2, HA_NONE, 0), 15);
	assert_int_equal(ha_master(w->ha, 0), 2);
}
