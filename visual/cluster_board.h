/*
 * cluster_board.h - a cluster as text: each host with its CPU and memory
 * bars and its VMs, and each migration with its round, the pages left and
 * its phase.  The Cluster view (view_cluster.c) draws these lines in boxes;
 * headless mode prints them (play_headless.c).  No curses here.
 */
#ifndef VISUAL_CLUSTER_BOARD_H
#define VISUAL_CLUSTER_BOARD_H

#include <stdint.h>
#include <stdio.h>

#include "cluster/cluster.h"

#define BOARD_LINE 160
#define BOARD_RECENT 3		/* finished migrations still shown */

/* A bar of width cells for part/whole: "[####......]" (into buf). */
const char *board_bar(char *buf, int width, uint64_t part, uint64_t whole);

/*
 * Host h's lines: its title ("esx1  xeon-5500  connected"), its bars
 * ("CPU [###...] 30%  MEM [#.....] 12%") and its VMs ("app* db ..."; a
 * live VM is marked *, one migrating > or stunned !), wrapped at width.
 */
void board_host_title(struct cluster *c, int h, char *buf, size_t n);
void board_host_bars(struct cluster *c, int h, char *buf, size_t n);
void board_host_vms(struct cluster *c, int h, int width, char *buf, size_t n);

/*
 * Migration id at time now: "VMotion app esx1 -> esx2  round 2 [####..]
 * 3.7 MiB left" while it pre-copies, "... STUNNED: 0.1 MiB + CPU state"
 * during the switch-over, "... done: 2 rounds, 1.2 ms stunned, RARP sent"
 * after.
 */
void board_migration(struct cluster *c, int id, uint64_t now, char *buf,
		     size_t n);

/* The migrations worth showing now: in flight, then the last finished. */
int board_migrations(struct cluster *c, int *ids, int max);

/*
 * Animation of a migration no guest's instructions pace (a modelled VM,
 * or while no live VM runs): the simulated time to stop at for the next
 * frame, a BOARD_FRAMES-th of the round under way in any cluster of the
 * world, so each round's bar fills in steps; 0 when none is in flight.
 */
#define BOARD_FRAMES 24
uint64_t board_next_frame_ns(struct sim *s, uint64_t now);

/* The whole board as ASCII text, for headless output. */
void board_print(struct cluster *c, uint64_t now, FILE *out);

#endif
