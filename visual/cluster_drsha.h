/*
 * cluster_drsha.h - DRS and HA on the Cluster view, as text: the imbalance
 * against its target, the last pass's recommendations with their reasons,
 * HA's master and the latest steps of its timeline.  view_cluster.c draws
 * these lines under the hosts.  No curses here.
 */
#ifndef VISUAL_CLUSTER_DRSHA_H
#define VISUAL_CLUSTER_DRSHA_H

#include <stdbool.h>

#include "cluster/cluster.h"
#include "cluster_board.h"

#define DRSHA_LINES_MAX 12

/*
 * Fill lines[0..max) with what there is to say (nothing when neither DRS
 * nor HA was ever used on c); returns how many.  roles[i] is 1 for a line
 * about something that went wrong (a failed host, a refusal), else 0.
 * keys: name the keys that apply a recommendation (the TUI's lines;
 * headless output has no keys).
 */
int drsha_board_lines(struct sim *s, struct cluster *c, bool keys,
		      char lines[][BOARD_LINE], int *roles, int max);

/*
 * The administrator applies recommendation n (1 = the first) of the last
 * DRS pass on the world's first cluster: its VMotion starts.  msg says
 * what happened or why not; returns 0 on success.
 */
int drsha_apply(struct sim *s, int n, char *msg, size_t size);

#endif
