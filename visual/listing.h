/*
 * listing.h - the instructions around EIP, for the code pane.
 *
 * Forwards is easy: decode at EIP, add the length, decode again.
 * Backwards is not: x86 instructions are 1 to 15 bytes long, so the bytes
 * before EIP can be read as instructions in several ways.  The listing
 * tries every start point up to LISTING_WINDOW bytes back and keeps the
 * nearest one whose chain of instructions lands exactly on EIP with enough
 * lines; chains that start in the wrong place usually fall into step with
 * the real boundaries within a few instructions (x86 decoding
 * self-synchronises), so the lines just above EIP are almost always right.
 * Decoding reads guest RAM only: nothing in the world changes.
 */
#ifndef VISUAL_LISTING_H
#define VISUAL_LISTING_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/disasm.h"
#include "session.h"

#define LISTING_WINDOW 96	/* bytes searched backwards */
#define LISTING_MAX 64		/* lines at most */

struct listing_line {
	uint32_t addr;
	bool ok;			/* false: the bytes do not decode */
	struct x86_instruction x;
	int cls;			/* enum insn_class */
};

/*
 * Fill out[] with up to `before` lines above eip, the line at eip, and up
 * to `after - 1` lines below it.  Returns the number of lines; *cur is
 * the index of eip's line.
 */
int listing_build(struct session *s, uint32_t eip, int before, int after,
		  struct listing_line *out, int *cur);

#endif
