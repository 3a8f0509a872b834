/*
 * explain_priv.h - what the files of the explanations share: a bounded
 * string builder, and the words of each operation.
 *
 *   explain.c       an executed step as a paragraph; hops; power
 *   explain_ops.c   each operation's words: on a real CPU, what the VMM
 *                   did on the virtual CPU, the wrong answer of a hole
 *   explain_next.c  what will happen to the next instruction
 */
#ifndef RINGSIDE_EXPLAIN_PRIV_H
#define RINGSIDE_EXPLAIN_PRIV_H

#include <stddef.h>

/* A bounded string builder: appends never overflow, always terminate. */
struct explain_out {
	char *p;
	size_t size, len;
};

void explain_say(struct explain_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

struct explain_op_words {
	const char *what;	/* on a real CPU, in ring 0 */
	const char *virt;	/* what the VMM did on the virtual CPU */
	const char *hole;	/* the wrong answer when it runs directly */
	const char *esx_bt;	/* where ESX's translator does it otherwise
				   than ringside's (NULL: as ringside) */
};

/* The words of an operation (the ordinary-instruction ones if unknown). */
const struct explain_op_words *explain_op_words(unsigned op);

#endif
