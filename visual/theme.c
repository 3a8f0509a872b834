/*
 * theme.c - roles to attributes, glyphs to characters (see theme.h).
 *
 * The colours were picked to be read from the back of a classroom on a
 * projector: saturated foregrounds on the terminal's own background,
 * dark text on bright bars, bold wherever a colour carries meaning.
 */
#include "cpu/classify.h"
#include "theme.h"

struct style {
	short fg, bg;		/* colour pair; -1 = the terminal's default */
	attr_t color_attr;	/* added in colour */
	attr_t mono;		/* used alone in monochrome */
};

static const struct style styles[ROLE_COUNT] = {
	[ROLE_NORMAL] = { -1, -1, A_NORMAL, A_NORMAL },
	[ROLE_TITLE] = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
	[ROLE_TAB] = { -1, -1, A_NORMAL, A_NORMAL },
	[ROLE_TAB_ACTIVE] = { COLOR_BLACK, COLOR_YELLOW, A_BOLD, A_REVERSE | A_BOLD },
	[ROLE_STATUS] = { COLOR_BLACK, COLOR_WHITE, A_NORMAL, A_REVERSE },
	[ROLE_ERROR] = { COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD },
	[ROLE_KEY] = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[ROLE_DIM] = { -1, -1, A_DIM, A_DIM },
	[ROLE_HEADER] = { -1, -1, A_BOLD | A_UNDERLINE, A_BOLD | A_UNDERLINE },
	[ROLE_EIP] = { COLOR_BLACK, COLOR_YELLOW, A_BOLD, A_REVERSE | A_BOLD },
	[ROLE_LAST] = { COLOR_CYAN, -1, A_BOLD, A_BOLD },
	[ROLE_BREAK] = { COLOR_RED, -1, A_BOLD, A_BOLD },
	[ROLE_CHANGED] = { COLOR_YELLOW, -1, A_BOLD, A_BOLD | A_UNDERLINE },
	[ROLE_INNOCUOUS] = { COLOR_GREEN, -1, A_NORMAL, A_NORMAL },
	[ROLE_PRIVILEGED] = { COLOR_RED, -1, A_BOLD, A_BOLD },
	[ROLE_IO] = { COLOR_MAGENTA, -1, A_BOLD, A_BOLD },
	[ROLE_SENSITIVE] = { COLOR_YELLOW, -1, A_BOLD, A_UNDERLINE },
	[ROLE_GUEST] = { COLOR_GREEN, -1, A_BOLD, A_NORMAL },
	[ROLE_HARDWARE] = { COLOR_CYAN, -1, A_BOLD, A_NORMAL },
	[ROLE_VMM] = { COLOR_YELLOW, -1, A_BOLD, A_NORMAL },
	[ROLE_VMKERNEL] = { COLOR_RED, -1, A_BOLD, A_NORMAL },
	[ROLE_VMX] = { COLOR_MAGENTA, -1, A_BOLD, A_NORMAL },
	[ROLE_HOP_ACTIVE] = { -1, -1, A_REVERSE | A_BOLD, A_REVERSE | A_BOLD },
	[ROLE_HOP_DONE] = { -1, -1, A_BOLD, A_BOLD },
	[ROLE_MARK] = { COLOR_BLACK, COLOR_YELLOW, A_BOLD, A_REVERSE | A_BOLD },
	[ROLE_GOOD] = { COLOR_GREEN, -1, A_BOLD, A_BOLD },
	[ROLE_BAD] = { COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE },
	[ROLE_ALERT] = { COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD },
};

/* Unicode and ASCII for each glyph. */
static const struct { wchar_t wide; char ascii; } glyphs[GL_COUNT] = {
	[GL_HLINE] = { 0x2500, '-' },	/* ─ */
	[GL_VLINE] = { 0x2502, '|' },	/* │ */
	[GL_UL] = { 0x250c, '+' },	/* ┌ */
	[GL_UR] = { 0x2510, '+' },	/* ┐ */
	[GL_LL] = { 0x2514, '+' },	/* └ */
	[GL_LR] = { 0x2518, '+' },	/* ┘ */
	[GL_LTEE] = { 0x251c, '+' },	/* ├ */
	[GL_RTEE] = { 0x2524, '+' },	/* ┤ */
	[GL_TTEE] = { 0x252c, '+' },	/* ┬ */
	[GL_BTEE] = { 0x2534, '+' },	/* ┴ */
	[GL_ARROW_R] = { 0x2192, '>' },	/* → */
	[GL_ARROW_L] = { 0x2190, '<' },	/* ← */
	[GL_ARROW_D] = { 0x2193, 'v' },	/* ↓ */
	[GL_ARROW_U] = { 0x2191, '^' },	/* ↑ */
	[GL_NODE] = { 0x25cf, '@' },	/* ● */
	[GL_NODE_DONE] = { 0x25cb, 'o' },	/* ○ */
	[GL_POINT_L] = { 0x25c0, '<' },	/* ◀ */
	[GL_POINT_R] = { 0x25b6, '>' },	/* ▶ */
	[GL_BLOCK] = { 0x2588, '#' },	/* █ */
	[GL_SHADE] = { 0x2591, '.' },	/* ░ */
	[GL_BULLET] = { 0x2022, '.' },	/* • */
	[GL_MORE] = { 0x2026, '~' },	/* … */
};

static bool use_color, use_utf8;

void theme_init(bool color, bool utf8)
{
	use_color = color;
	use_utf8 = utf8;
	if (!color)
		return;
	for (int r = 1; r < ROLE_COUNT; r++)
		init_pair((short)r, styles[r].fg, styles[r].bg);
}

attr_t theme_attr(enum role r)
{
	if ((unsigned)r >= ROLE_COUNT)
		r = ROLE_NORMAL;
	if (!use_color)
		return styles[r].mono;
	if (r == ROLE_NORMAL || (styles[r].fg < 0 && styles[r].bg < 0))
		return styles[r].color_attr;
	return (attr_t)COLOR_PAIR(r) | styles[r].color_attr;
}

enum role theme_class_role(int cls)
{
	switch (cls) {
	case CLASS_PRIVILEGED: return ROLE_PRIVILEGED;
	case CLASS_IO: return ROLE_IO;
	case CLASS_SENSITIVE: return ROLE_SENSITIVE;
	default: return ROLE_INNOCUOUS;
	}
}

enum role theme_hop_role(int hop)
{
	switch (hop) {
	case HOP_GUEST: return ROLE_GUEST;
	case HOP_HARDWARE: return ROLE_HARDWARE;
	case HOP_VMM: return ROLE_VMM;
	case HOP_VMKERNEL: return ROLE_VMKERNEL;
	case HOP_VMX: return ROLE_VMX;
	default: return ROLE_NORMAL;
	}
}

bool theme_utf8(void)
{
	return use_utf8;
}

wchar_t theme_wide(enum glyph g)
{
	return (unsigned)g < GL_COUNT ? glyphs[g].wide : L'?';
}

char theme_ascii(enum glyph g)
{
	return (unsigned)g < GL_COUNT ? glyphs[g].ascii : '?';
}
