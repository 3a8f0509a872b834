/*
 * theme.h - colours as meanings, and glyphs with ASCII twins.
 *
 * Views never name a colour: they ask for a *role* ("the instruction at
 * EIP", "a value that changed") and the theme answers with curses
 * attributes.  In colour a role is a colour pair, usually with bold; in
 * monochrome it is bold, reverse, underline or dim (htop's scheme).  No
 * role relies on colour alone: everything coloured also carries a word, a
 * bracket, a glyph or an attribute that survives in black and white.
 *
 * Glyphs (box lines, arrows, markers) are Unicode when the locale is
 * UTF-8 and plain ASCII otherwise.
 */
#ifndef VISUAL_THEME_H
#define VISUAL_THEME_H

#include <stdbool.h>
#include <wchar.h>

#include <curses.h>

enum role {
	ROLE_NORMAL = 0,
	ROLE_TITLE,		/* a pane's title row */
	ROLE_TAB,		/* a view's tab */
	ROLE_TAB_ACTIVE,	/* the current view's tab */
	ROLE_STATUS,		/* the status line */
	ROLE_ERROR,		/* a message about something refused */
	ROLE_KEY,		/* a key in the hints line */
	ROLE_DIM,		/* secondary text */
	ROLE_HEADER,		/* table headers */
	ROLE_EIP,		/* the instruction about to run */
	ROLE_LAST,		/* the instruction that just ran */
	ROLE_BREAK,		/* a breakpoint */
	ROLE_CHANGED,		/* a register that changed */
	ROLE_INNOCUOUS,		/* instruction classes */
	ROLE_PRIVILEGED,
	ROLE_IO,
	ROLE_SENSITIVE,
	ROLE_GUEST,		/* the lanes of the handler path */
	ROLE_HARDWARE,
	ROLE_VMM,
	ROLE_VMKERNEL,
	ROLE_VMX,
	ROLE_HOP_ACTIVE,	/* the hop being animated */
	ROLE_HOP_DONE,		/* hops already passed */
	ROLE_MARK,		/* the ring markers */
	ROLE_GOOD,		/* quiz: right */
	ROLE_BAD,		/* quiz: wrong */
	ROLE_ALERT,		/* the VM is off */
	ROLE_COUNT
};

enum glyph {
	GL_HLINE = 0, GL_VLINE,
	GL_UL, GL_UR, GL_LL, GL_LR,	/* corners: upper/lower left/right */
	GL_LTEE, GL_RTEE, GL_TTEE, GL_BTEE,
	GL_ARROW_R, GL_ARROW_L, GL_ARROW_D, GL_ARROW_U,
	GL_NODE,			/* the hop now */
	GL_NODE_DONE,			/* a hop passed */
	GL_POINT_L,			/* a marker pointing left */
	GL_POINT_R,
	GL_BLOCK,			/* a full bar cell */
	GL_SHADE,			/* an empty bar cell */
	GL_BULLET,
	GL_MORE,			/* text cut here: an ellipsis */
	GL_COUNT
};

/* Choose colours or monochrome, Unicode or ASCII (after start_color). */
void theme_init(bool color, bool utf8);

/* The attributes of a role (colour pair included). */
attr_t theme_attr(enum role r);

/* The role of an instruction class and of a handler-path hop. */
enum role theme_class_role(int cls);
enum role theme_hop_role(int hop);

/* A glyph: wide character in UTF-8 mode, else its ASCII twin. */
bool theme_utf8(void);
wchar_t theme_wide(enum glyph g);
char theme_ascii(enum glyph g);

#endif
