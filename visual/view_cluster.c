/*
 * view_cluster.c - the Cluster view: VirtualCenter's picture of a cluster.
 *
 * Each host is a box: its name, CPU model and state; bars for the CPU its
 * VMs demand and the memory they are configured with, against what it
 * has; and its VMs (* a live VM running real code, > one being migrated,
 * ! one stunned for the switch-over).  Below, each VMotion in flight, its
 * pre-copy round filling up as simulated time passes and the pages left
 * to send; then the stun, and the resume on the destination with its
 * RARP.  The same lines are what `--headless` prints (cluster_board.c).
 */
#include <stdio.h>

#include "cluster/vmotion.h"
#include "cluster_board.h"
#include "cluster_drsha.h"
#include "draw.h"
#include "sim.h"
#include "view.h"

#define BOX_W 48		/* a host's box at its narrowest, borders
				   included: the bars' line (44) fits */
#define BOX_H 4		/* title on the top border, bars, VMs */

static void draw_host_box(struct cluster *c, int h, const struct rect *clip,
			  int y, int x, int w)
{
	struct rect box = { x, y, w, BOX_H }, in = { x + 1, y, w - 2, BOX_H };
	char line[BOARD_LINE];
	struct cluster_host *ch = cluster_host(c, h);

	/* the text stays inside the box's borders (cut with an ellipsis) */
	if (in.x + in.w > clip->x + clip->w)
		in.w = clip->x + clip->w - in.x;
	if (in.y + in.h > clip->y + clip->h)
		in.h = clip->y + clip->h - in.y;

	draw_box(clip, &box, ch->state == CHOST_CONNECTED ? ROLE_NORMAL
							  : ROLE_ERROR);
	board_host_title(c, h, line, sizeof line);
	draw_text(&in, y, x + 2, ROLE_HEADER, line);
	board_host_bars(c, h, line, sizeof line);
	draw_text(&in, y + 1, x + 2, ROLE_NORMAL, line);
	board_host_vms(c, h, w - 4, line, sizeof line);
	draw_text(&in, y + 2, x + 2, ROLE_VMM, line);
}

void view_cluster_draw(struct app *a, const struct layout *l)
{
	const struct rect *b = &l->body;
	struct sim *s = a->sess->sim;
	struct cluster *c = cluster_of_world(s, 0);
	uint64_t now = sim_clock_ns(s);
	char line[BOARD_LINE], extra[DRSHA_LINES_MAX][BOARD_LINE];
	int ids[8], n, y = b->y, per_row, w, nx, roles[DRSHA_LINES_MAX];

	if (c == NULL) {
		draw_wrap(b, y, ROLE_DIM,
			  "No cluster in this world. A scenario makes one with cluster{...}: try `ringside vmotion`, which builds a cluster of ESX hosts on a shared datastore and moves a running guest between them with VMotion.");
		return;
	}
	draw_textf(b, y++, b->x + 1, ROLE_HEADER,
		   "Cluster %s: %d hosts, %d VMs, %.3f s simulated  (* live, > migrating, ! stunned)",
		   cluster_name(c), cluster_host_count(c), cluster_vm_count(c),
		   (double)now / 1e9);
	per_row = b->w / BOX_W > 0 ? b->w / BOX_W : 1;
	w = b->w / per_row;
	n = board_migrations(c, ids, 8);
	for (int h = 0, y0 = y; h < cluster_host_count(c); h++) {
		int row = h / per_row, col = h % per_row;
		int top = y0 + row * BOX_H;

		if (top + BOX_H > b->y + b->h - (n > 0 ? n + 1 : 0)) {
			draw_textf(b, top, b->x + 1, ROLE_DIM,
				   "... and %d more hosts",
				   cluster_host_count(c) - h);
			y = top + 1;
			break;
		}
		draw_host_box(c, h, b, top, b->x + col * w, w);
		y = top + BOX_H;
	}
	for (int i = 0; i < n && y < b->y + b->h; i++) {
		const struct migration *m = vmotion_get(c, ids[i]);

		board_migration(c, ids[i], now, line, sizeof line);
		draw_text(b, y++, b->x + 1,
			  m->phase == MIG_STUNNED || m->phase == MIG_REFUSED
				  ? ROLE_ERROR
			  : m->phase == MIG_DONE ? ROLE_DIM : ROLE_VMM,
			  line);
	}
	/* DRS's imbalance and recommendations, HA's timeline */
	nx = drsha_board_lines(s, c, true, extra, roles, DRSHA_LINES_MAX);
	for (int i = 0; i < nx && y < b->y + b->h; i++)
		draw_text(b, y++, b->x + 1, roles[i] ? ROLE_ERROR : ROLE_NORMAL,
			  extra[i]);
}
