/*
 * listing.h - the instructions around EIP, for the code pane.
 *
 * Forwards is easy: decode at EIP, add the length, decode again.
 * Backwards is not: x86 instructions are 1 to 15 bytes long, so the bytes
 * before EIP can be read as instructions in several ways, and a guess can
 * show an instruction that does not exist (an `adc` inside a `mov`).  So
 * the listing never guesses: above EIP it shows only instructions that
 * start on boundaries known for sure (the blocks the VMM decoded because
 * the CPU ran them, the instruction that just ran) and decode exactly up
 * to the line below.  Code above EIP that never ran is not listed.
 * Decoding reads guest RAM only: nothing in the world changes.
 */
#ifndef VISUAL_LISTING_H
#define VISUAL_LISTING_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/disasm.h"
#include "session.h"

#define LISTING_WINDOW 256	/* bytes above EIP searched for boundaries */
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
