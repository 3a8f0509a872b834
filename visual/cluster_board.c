/*
 * cluster_board.c - a cluster as text (see cluster_board.h).
 */
#include <string.h>

#include "cluster/vmotion.h"
#include "cluster_board.h"
#include "cluster_drsha.h"
#include "sim.h"

#define MIB(pages) ((double)(pages) / 256)

const char *board_bar(char *buf, int width, uint64_t part, uint64_t whole)
{
	int full = whole ? (int)((part * (uint64_t)width + whole / 2) / whole) : 0;

	if (full > width)
		full = width;
	buf[0] = '[';
	for (int i = 0; i < width; i++)
		buf[1 + i] = i < full ? '#' : '.';
	buf[1 + width] = ']';
	buf[2 + width] = '\0';
	return buf;
}

void board_host_title(struct cluster *c, int h, char *buf, size_t n)
{
	struct cluster_host *ch = cluster_host(c, h);

	snprintf(buf, n, "%s  %s  %s  %d VM%s", ch->host->name, ch->cpu->name,
		 chost_state_name(ch->state), ch->nvms,
		 ch->nvms == 1 ? "" : "s");
}

void board_host_bars(struct cluster *c, int h, char *buf, size_t n)
{
	struct cluster_host *ch = cluster_host(c, h);
	char cpu[24], mem[24];

	snprintf(buf, n, "CPU %s %3d%%  MEM %s %3d%%",
		 board_bar(cpu, 10, ch->demand_mhz, ch->cpu_mhz),
		 ch->cpu_mhz ? (int)(100 * ch->demand_mhz / ch->cpu_mhz) : 0,
		 board_bar(mem, 10, ch->mem_used_mb, ch->mem_mb),
		 ch->mem_mb ? (int)(100 * ch->mem_used_mb / ch->mem_mb) : 0);
}

void board_host_vms(struct cluster *c, int h, int width, char *buf, size_t n)
{
	size_t len = 0;
	int shown = 0, total = cluster_host(c, h)->nvms;

	buf[0] = '\0';
	for (int i = 0; i < cluster_vm_count(c) && len + 1 < n; i++) {
		const struct cluster_vm *v = cluster_vm(c, i);
		char item[VM_NAME_MAX + 4];
		int k;

		if (v->host != h)
			continue;
		k = snprintf(item, sizeof item, "%s%s%s", shown ? " " : "",
			     v->name, v->state == CVM_MIGRATING ? ">" :
			     v->state == CVM_STUNNED ? "!" :
			     v->sim_vm >= 0 ? "*" : "");
		if ((int)len + k + 8 > width) {
			snprintf(buf + len, n - len, " +%d", total - shown);
			return;
		}
		memcpy(buf + len, item, (size_t)k + 1);
		len += (size_t)k;
		shown++;
	}
}

void board_migration(struct cluster *c, int id, uint64_t now, char *buf,
		     size_t n)
{
	const struct migration *m = vmotion_get(c, id);
	const char *vm = cluster_vm(c, m->vm)->name;
	const char *src = cluster_host(c, m->src)->host->name;
	const char *dst = cluster_host(c, m->dst)->host->name;
	char bar[24];
	int k = snprintf(buf, n, "VMotion %s %s -> %s  ", vm, src, dst);

	if (k < 0 || (size_t)k >= n)
		return;
	buf += k;
	n -= (size_t)k;
	switch (m->phase) {
	case MIG_REFUSED:
		snprintf(buf, n, "refused: %s", vmotion_refusal_name(m->refusal));
		break;
	case MIG_PRECOPY: {
		uint64_t span = m->t_next - m->t_round;
		uint64_t done = now > m->t_round ? now - m->t_round : 0;
		uint64_t sent = span ? m->pc.sending * (done < span ? done : span) / span : 0;

		snprintf(buf, n, "pre-copy round %d %s %.1f MiB left of %.1f%s",
			 m->pc.rounds, board_bar(bar, 10, sent, m->pc.sending),
			 MIB(m->pc.sending - sent), MIB(m->pc.sending),
			 m->pc.throttle_pct ? "  (throttled)" : "");
		break;
	}
	case MIG_STUNNED:
		snprintf(buf, n, "STUNNED: the last %.1f MiB and the CPU state go across",
			 MIB(m->pc.final_pages));
		break;
	case MIG_DONE:
		snprintf(buf, n, "resumed on %s: %d rounds, %.1f MiB, %.3f ms stunned, RARP sent (%s)",
			 dst, m->pc.rounds, MIB(m->pc.sent + m->pc.final_pages),
			 (double)(m->t_resume - m->t_stun) / 1e6,
			 precopy_stop_name(m->pc.stop));
		break;
	}
}

int board_migrations(struct cluster *c, int *ids, int max)
{
	int n = 0, recent = 0;

	for (int i = vmotion_count(c) - 1; i >= 0 && n < max; i--) {
		const struct migration *m = vmotion_get(c, i);

		if (m->phase == MIG_PRECOPY || m->phase == MIG_STUNNED)
			ids[n++] = i;
		else if (recent < BOARD_RECENT) {
			ids[n++] = i;
			recent++;
		}
		if (recent == BOARD_RECENT && vmotion_active(c) == 0)
			break;
	}
	return n;
}

uint64_t board_next_frame_ns(struct sim *s, uint64_t now)
{
	uint64_t next = 0;
	struct cluster *c;

	for (int k = 0; (c = cluster_of_world(s, k)) != NULL; k++) {
		int ids[8], n = vmotion_active(c) ? board_migrations(c, ids, 8) : 0;

		for (int i = 0; i < n; i++) {
			const struct migration *m = vmotion_get(c, ids[i]);
			uint64_t step, t;

			if (m->phase != MIG_PRECOPY || m->t_next <= now)
				continue;
			step = (m->t_next - m->t_round) / BOARD_FRAMES;
			t = now + (step ? step : 1);
			if (t > m->t_next)
				t = m->t_next;
			if (next == 0 || t < next)
				next = t;
		}
	}
	return next;
}

void board_print(struct cluster *c, uint64_t now, FILE *out)
{
	char line[BOARD_LINE], drsha[DRSHA_LINES_MAX][BOARD_LINE];
	int ids[8], roles[DRSHA_LINES_MAX], n;

	fprintf(out, "  Cluster %s: %d hosts, %d VMs (* live, > migrating, ! stunned)\n",
		cluster_name(c), cluster_host_count(c), cluster_vm_count(c));
	for (int h = 0; h < cluster_host_count(c) && h < 16; h++) {
		board_host_title(c, h, line, sizeof line);
		fprintf(out, "  +- %s\n", line);
		board_host_bars(c, h, line, sizeof line);
		fprintf(out, "  |  %s\n", line);
		board_host_vms(c, h, 72, line, sizeof line);
		fprintf(out, "  |  %s\n", line[0] ? line : "(no VMs)");
	}
	if (cluster_host_count(c) > 16)
		fprintf(out, "  ... and %d more hosts\n", cluster_host_count(c) - 16);
	n = board_migrations(c, ids, 8);
	for (int i = 0; i < n; i++) {
		board_migration(c, ids[i], now, line, sizeof line);
		fprintf(out, "  %s\n", line);
	}
	/* DRS's and HA's lines: the very ones the Cluster view draws */
	n = drsha_board_lines(cluster_sim(c), c, false, drsha, roles, DRSHA_LINES_MAX);
	for (int i = 0; i < n; i++)
		fprintf(out, "  %s%s\n", roles[i] ? "! " : "", drsha[i]);
}
