/*
 * view_code.c - the code around EIP, and the guest's serial console.
 *
 * The code pane marks the instruction about to run (reverse video and a
 * pointer), the one that just ran (a bullet), breakpoints (an asterisk),
 * and gives every line its class and the mode it runs under, in words.
 */
#include <stdio.h>
#include <string.h>

#include "draw.h"
#include "listing.h"
#include "view.h"
#include "vm.h"

static const char *class_tag(int cls, bool wide)
{
	static const char *const narrow[CLASS_COUNT] = {
		"", "PRIV", "IO", "SENS"
	};

	if ((unsigned)cls >= CLASS_COUNT)
		return "?";
	return wide ? class_name((enum insn_class)cls) : narrow[cls];
}

static void code_line(struct app *a, const struct rect *in, int y,
		      const struct listing_line *l, bool eip)
{
	struct session *s = a->sess;
	bool wide = in->w >= 56, bytes = in->w >= 72;
	bool last = s->last.valid && s->last.insn.u.insn.eip == l->addr && !eip;
	int tagw = wide ? 23 : 11;	/* "privileged bt non-IDENT" / "PRIV rewr." */
	char text[X86_TEXT_MAX], hex[3 * X86_INSN_MAX + 1], tag[40];
	int x = in->x;
	struct rect row = { in->x, y, in->w, 1 };

	if (eip)
		draw_fill(in, &row, ROLE_EIP);
	if (session_break_at(s, l->addr))
		draw_text(in, y, x, ROLE_BREAK, "*");
	if (eip)
		draw_glyph(in, y, x + 1, GL_POINT_R, ROLE_EIP);
	else if (last)
		draw_glyph(in, y, x + 1, GL_BULLET, ROLE_LAST);
	x = draw_textf(in, y, x + 2, eip ? ROLE_EIP : ROLE_DIM, "%08x", l->addr) + 1;
	if (!l->ok) {
		draw_text(in, y, x, eip ? ROLE_EIP : ROLE_DIM, "(bytes that do not decode)");
		return;
	}
	if (bytes) {
		int n = 0;

		for (int i = 0; i < l->x.len && i < 6; i++)
			n += snprintf(hex + n, sizeof hex - (size_t)n, "%02x ", l->x.bytes[i]);
		if (l->x.len > 6)
			hex[n - 1] = '+';
		draw_text(in, y, x, eip ? ROLE_EIP : ROLE_DIM, hex);
		x += 19;
	}
	session_insn_text(s, &l->x, text, sizeof text);
	/* the text, clipped before the class tag */
	{
		struct rect clip = { x, y, in->x + in->w - tagw - x - 1, 1 };

		draw_text(&clip, y, x, eip ? ROLE_EIP : ROLE_NORMAL, text);
	}
	snprintf(tag, sizeof tag, "%-*s %s", wide ? 10 : 4, class_tag(l->cls, wide),
		 session_mode_label(s, l->addr, l->cls, wide));
	draw_text(in, y, in->x + in->w - tagw, eip ? ROLE_EIP : theme_class_role(l->cls),
		  tag);
}

void pane_code(struct app *a, const struct rect *r)
{
	struct listing_line lines[LISTING_MAX];
	struct rect in = draw_pane(r, "Code (> runs next, * breakpoint)");
	uint32_t eip = a->sess->now.geip;
	int cur, n, before = (in.h - 1) / 3;

	if (in.h <= 0)
		return;
	n = listing_build(a->sess, eip, before, in.h - before, lines, &cur);
	/* fewer lines above than asked: EIP stays on its row, and says why */
	if (cur < before)
		draw_text(&in, in.y + before - cur - 1, in.x + 2, ROLE_DIM,
			  cur ? "(above: not run yet, not listed)"
			      : "(the code above has not run yet: not listed)");
	for (int i = 0; i < n && i < in.h; i++)
		code_line(a, &in, in.y + (before - cur) + i, &lines[i], i == cur);
}

/* ---- the serial console ------------------------------------------------- */

/*
 * The newest lines of out, each wrapped at w, filled bottom-up from row
 * `bottom` up to row `top`; returns the rows used (draws only if in).
 */
static int console_rows(const struct rect *in, const char *out, size_t len,
			int w, int top, int bottom, bool draw)
{
	size_t end = len;
	int y = bottom;

	if (end > 0 && out[end - 1] == '\n')
		end--;		/* a finished line: no empty row below it */
	while (y >= top) {
		size_t start = end;
		char buf[512];
		int rows, n;

		while (start > 0 && out[start - 1] != '\n')
			start--;
		n = (int)(end - start);
		rows = n == 0 ? 1 : (n + w - 1) / w;
		for (int k = rows - 1; k >= 0 && y >= top; k--, y--) {
			int off = k * w, m = n - off < w ? n - off : w;

			if (!draw)
				continue;
			draw_ascii(buf, out + start + off, m, (int)sizeof buf);
			draw_text(in, y, in->x + 1, ROLE_NORMAL, buf);
		}
		if (start == 0)
			break;
		end = start - 1;
	}
	return bottom - y;
}

/*
 * The console reads like a terminal: from the top while the output fits,
 * then scrolling, the newest line at the bottom.
 */
void pane_console(struct app *a, const struct rect *r)
{
	struct rect in = draw_pane(r, "Serial console (COM1, via the VMX)");
	size_t len;
	const char *out = vm_serial(session_vm(a->sess), &len);
	int w = in.w - 2, used;

	if (w <= 0 || in.h <= 0)
		return;
	if (len == 0) {
		draw_text(&in, in.y, in.x + 1, ROLE_DIM, "(no output yet)");
		return;
	}
	used = console_rows(&in, out, len, w, in.y, in.y + in.h - 1, false);
	console_rows(&in, out, len, w, in.y, in.y + used - 1, true);
}
