/*
 * screen.h - drawing one whole frame of the TUI.
 */
#ifndef VISUAL_SCREEN_H
#define VISUAL_SCREEN_H

#include "app.h"

/* Draw the app at the terminal's current size (curses must be open). */
void screen_draw(struct app *a);

#endif
