/*
 * view.h - the views, and the panes the CPU view is made of.
 *
 * A view is a function that draws the app's state into the layout's body;
 * it reads the app and the world and changes neither (htop's Panel, in a
 * single function).  screen.c picks the view by app->view.
 */
#ifndef VISUAL_VIEW_H
#define VISUAL_VIEW_H

#include "app.h"
#include "layout.h"

struct view {
	const char *name;
	void (*draw)(struct app *a, const struct layout *l);
};

extern const struct view views[VIEW_COUNT];

void view_cpu_draw(struct app *a, const struct layout *l);
void view_arch_draw(struct app *a, const struct layout *l);
void view_worlds_draw(struct app *a, const struct layout *l);
void view_xlat_draw(struct app *a, const struct layout *l);
void view_log_draw(struct app *a, const struct layout *l);
void view_help_draw(struct app *a, const struct layout *l);
void view_cluster_draw(struct app *a, const struct layout *l);
void view_vmcs_draw(struct app *a, const struct layout *l);

/* Panes of the CPU view, each in its own rectangle. */
void pane_code(struct app *a, const struct rect *r);
void pane_console(struct app *a, const struct rect *r);
void pane_regs(struct app *a, const struct rect *r);
void pane_path(struct app *a, const struct rect *r);

/* Thousands separated by commas: "59,727" (into buf). */
const char *view_count(uint64_t n, char *buf, int size);

#endif
