/*
 * quiz.h - self-study: guess who handles an instruction before it runs.
 *
 * With the quiz on, the TUI stops before every instruction that will not
 * simply run on the hardware as an ordinary one (a privileged, I/O or
 * sensitive instruction: the decoder knows its class before it runs) and
 * asks who will handle it: the hardware, the VMM, the VMKernel, the VMX or
 * the guest itself.  Then it runs the instruction and grades the answer
 * against the path the VMM really took.  Each address is asked once, so
 * a loop printing a thousand characters asks about its OUT only once.
 * No curses here.
 */
#ifndef VISUAL_QUIZ_H
#define VISUAL_QUIZ_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/classify.h"
#include "session.h"

enum quiz_answer {
	ANSWER_HARDWARE = 0,	/* direct execution */
	ANSWER_VMM,		/* the VMM emulated it on the virtual CPU */
	ANSWER_VMKERNEL,	/* the VMKernel took part: a HLT blocked
				   the vCPU's world */
	ANSWER_VMX,		/* the VMX's device model (its ports) */
	ANSWER_GUEST,		/* the guest's own handler, via its IDT */
	ANSWER_COUNT
};

#define QUIZ_SEEN_MAX 512

struct quiz {
	bool on;
	/* the open question */
	bool pending;
	uint32_t eip;		/* the instruction asked about */
	char text[96];		/* its assembly */
	int cls;		/* its class */
	/* the last graded answer */
	bool graded;
	enum quiz_answer given, correct;
	char why[160];		/* the real path, in words */
	char course[640];	/* where the course text simplifies: its
				   sentence, marked as the course's, then
				   the truth (explain_course); or "" */
	uint64_t gen;		/* the session's last_gen it was graded at */
	/* the score */
	int asked, right;
	uint32_t seen[QUIZ_SEEN_MAX];	/* addresses already asked */
	int nseen;
};

/* Would the quiz ask about an instruction of this class at eip? */
bool quiz_wants(const struct quiz *q, uint32_t eip, enum insn_class cls);

/* Open a question about the instruction at eip. */
void quiz_ask(struct quiz *q, uint32_t eip, const char *text, int cls);

/* Close the question without grading it (it will not be asked again). */
void quiz_skip(struct quiz *q);

/*
 * The right answer for an instruction that ran: from its path, and for
 * guest > vmm > guest from what the VMM did (its own fix-up: VMM; a fault
 * or INT n delivered to the guest's IDT: guest).
 */
enum quiz_answer quiz_expected(const struct step_record *r);

/* Grade `given` against the record of the instruction that just ran. */
void quiz_grade(struct quiz *q, enum quiz_answer given,
		const struct step_record *r);

const char *quiz_answer_name(enum quiz_answer a);

/* "hardware", "vmm", ... (or the first letter) -> answer; -1 if none. */
int quiz_answer_parse(const char *s);

#endif
