/*
 * test_layout.c - the screen layout is a pure function of the terminal's
 * size: every pane inside the screen, none overlapping, each big enough to
 * be useful, at every size from 80x24 up; below that, "too small".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "layout.h"

static const char *const pane_names[PANE_COUNT] = {
	"rings", "path", "explain", "counters", "code", "regs", "console"
};

static void minimum_size(void **state)
{
	struct layout l;

	(void)state;
	layout_compute(80, 24, &l);
	assert_false(l.too_small);
	layout_compute(79, 24, &l);
	assert_true(l.too_small);
	layout_compute(80, 23, &l);
	assert_true(l.too_small);
	layout_compute(60, 20, &l);
	assert_true(l.too_small);
	layout_compute(0, 0, &l);
	assert_true(l.too_small);
	layout_compute(-5, 3, &l);
	assert_true(l.too_small);
	assert_int_equal(l.cols, -5);	/* remembered for the message */
}

/* Every rectangle of l inside the screen, the CPU panes apart. */
static void check(const struct layout *l, int cols, int rows)
{
	const struct rect *chrome[] = { &l->tabs, &l->body, &l->status,
					&l->hints, &l->arch_diagram,
					&l->arch_text };

	for (size_t i = 0; i < sizeof chrome / sizeof chrome[0]; i++)
		if (!rect_inside(chrome[i], cols, rows))
			fail_msg("%dx%d: chrome rect %zu outside", cols, rows, i);
	if (rect_overlap(&l->tabs, &l->body) || rect_overlap(&l->body, &l->status) ||
	    rect_overlap(&l->status, &l->hints) || rect_overlap(&l->arch_diagram, &l->arch_text))
		fail_msg("%dx%d: chrome overlaps", cols, rows);
	for (int p = 0; p < PANE_COUNT; p++) {
		const struct rect *r = &l->pane[p];

		if (!rect_inside(r, cols, rows))
			fail_msg("%dx%d: pane %s outside", cols, rows, pane_names[p]);
		/* inside the body */
		if (r->y < l->body.y || r->y + r->h > l->body.y + l->body.h)
			fail_msg("%dx%d: pane %s leaves the body", cols, rows,
				 pane_names[p]);
		/* a title row and at least two rows of content, 38 columns */
		if (r->h < 3 || r->w < 38)
			fail_msg("%dx%d: pane %s only %dx%d", cols, rows,
				 pane_names[p], r->w, r->h);
		for (int q = p + 1; q < PANE_COUNT; q++)
			if (rect_overlap(r, &l->pane[q]))
				fail_msg("%dx%d: panes %s and %s overlap", cols,
					 rows, pane_names[p], pane_names[q]);
	}
}

static void every_size(void **state)
{
	struct layout l;

	(void)state;
	for (int cols = 80; cols <= 260; cols += 3)
		for (int rows = 24; rows <= 90; rows++) {
			layout_compute(cols, rows, &l);
			assert_false(l.too_small);
			check(&l, cols, rows);
		}
}

/* The panes fill the body: no row of it is wasted in either column. */
static void body_filled(void **state)
{
	struct layout l;
	int sizes[][2] = { { 80, 24 }, { 120, 40 }, { 100, 30 }, { 200, 60 } };

	(void)state;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		int area = 0, cols = sizes[i][0], rows = sizes[i][1];

		layout_compute(cols, rows, &l);
		for (int p = 0; p < PANE_COUNT; p++)
			area += l.pane[p].w * l.pane[p].h;
		/* everything but the one-column gap between the columns */
		assert_int_equal(area, (l.body.w - 1) * l.body.h);
	}
}

/* At 80x24 every pane keeps enough to read; chrome drops the hints line. */
static void classroom_minimum(void **state)
{
	struct layout l;

	(void)state;
	layout_compute(80, 24, &l);
	assert_int_equal(l.tabs.y, 0);
	assert_int_equal(l.hints.h, 0);		/* dropped first */
	assert_int_equal(l.status.y, 23);
	assert_int_equal(l.body.h, 22);
	assert_int_equal(l.pane[PANE_RINGS].h, 5);	/* title + 4 rings */
	assert_int_equal(l.pane[PANE_PATH].h, 7);	/* title + 5 lanes + words */
	assert_true(l.pane[PANE_EXPLAIN].h >= 9);
	assert_true(l.pane[PANE_CODE].h >= 6);
	assert_true(l.pane[PANE_REGS].h >= 8);
	assert_true(l.pane[PANE_CONSOLE].h >= 3);
	assert_true(l.pane[PANE_COUNTERS].h >= 3);
}

/* From 30 rows the hints line returns and the panes grow. */
static void tall_terminal(void **state)
{
	struct layout l;

	(void)state;
	layout_compute(120, 40, &l);
	assert_int_equal(l.hints.h, 1);
	assert_int_equal(l.hints.y, 39);
	assert_int_equal(l.status.y, 38);
	assert_int_equal(l.body.h, 37);
	assert_int_equal(l.pane[PANE_RINGS].h, 6);	/* with a header row */
	assert_true(l.pane[PANE_EXPLAIN].h >= 12);
	assert_true(l.pane[PANE_CODE].h >= 10);
	assert_true(l.pane[PANE_REGS].h >= 14);		/* 12 system registers */
	assert_true(l.pane[PANE_CONSOLE].h >= 8);
	/* the right column is the wider one for code */
	assert_true(l.pane[PANE_CODE].w > l.pane[PANE_RINGS].w);
	layout_compute(120, 29, &l);
	assert_int_equal(l.hints.h, 0);
}

/* A pure function: the same size always gives the same layout. */
static void pure(void **state)
{
	struct layout a, b;

	(void)state;
	layout_compute(97, 33, &a);
	layout_compute(200, 70, &b);
	layout_compute(97, 33, &b);
	assert_memory_equal(&a, &b, sizeof a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(minimum_size),
		cmocka_unit_test(every_size),
		cmocka_unit_test(body_filled),
		cmocka_unit_test(classroom_minimum),
		cmocka_unit_test(tall_terminal),
		cmocka_unit_test(pure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
