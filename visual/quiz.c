/*
 * quiz.c - the self-study quiz (see quiz.h).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "explain.h"
#include "handler.h"
#include "quiz.h"

static const char *const names[ANSWER_COUNT] = {
	[ANSWER_HARDWARE] = "hardware", [ANSWER_VMM] = "VMM",
	[ANSWER_VMKERNEL] = "VMKernel", [ANSWER_VMX] = "VMX",
	[ANSWER_GUEST] = "guest",
};

const char *quiz_answer_name(enum quiz_answer a)
{
	return (unsigned)a < ANSWER_COUNT ? names[a] : "?";
}

int quiz_answer_parse(const char *s)
{
	static const char letters[ANSWER_COUNT] = { 'h', 'v', 'k', 'x', 'g' };

	if (s == NULL || *s == '\0')
		return -1;
	for (int a = 0; a < ANSWER_COUNT; a++)
		if (strcasecmp(s, names[a]) == 0 ||
		    (s[1] == '\0' && (s[0] | 0x20) == letters[a]))
			return a;
	return -1;
}

static bool seen(const struct quiz *q, uint32_t eip)
{
	for (int i = 0; i < q->nseen; i++)
		if (q->seen[i] == eip)
			return true;
	return false;
}

static void remember(struct quiz *q, uint32_t eip)
{
	if (!seen(q, eip) && q->nseen < QUIZ_SEEN_MAX)
		q->seen[q->nseen++] = eip;
}

bool quiz_wants(const struct quiz *q, uint32_t eip, enum insn_class cls)
{
	return q->on && cls != CLASS_INNOCUOUS && !seen(q, eip);
}

void quiz_ask(struct quiz *q, uint32_t eip, const char *text, int cls)
{
	q->pending = true;
	q->graded = false;
	q->eip = eip;
	q->cls = cls;
	snprintf(q->text, sizeof q->text, "%s", text);
}

void quiz_skip(struct quiz *q)
{
	if (q->pending)
		remember(q, q->eip);
	q->pending = false;
}

/*
 * The real answer, from the model (handler.h): who acted on it.  A fault
 * the guest takes itself and an INT n are the guest's to handle (the VMM
 * only delivers them); the VMM emulates what traps, calls out or exits;
 * the VMKernel comes in for HLT; the VMX for its devices' ports.
 */
enum quiz_answer quiz_expected(const struct step_record *r)
{
	switch (r->insn.u.insn.path) {
	case PATH_VMKERNEL:
		return ANSWER_VMKERNEL;
	case PATH_VMX:
		return ANSWER_VMX;
	case PATH_VMM:
		if (r->insn.u.insn.why == WHY_REFLECT ||
		    r->insn.u.insn.why == WHY_DELIVER)
			return ANSWER_GUEST;
		return ANSWER_VMM;
	default:
		return ANSWER_HARDWARE;
	}
}

void quiz_grade(struct quiz *q, enum quiz_answer given,
		const struct step_record *r)
{
	enum quiz_answer course_answer;
	size_t n;

	q->pending = false;
	remember(q, q->eip);
	if (!r->valid)
		return;		/* nothing ran (the VM is off): no grade */
	q->graded = true;
	q->given = given;
	q->correct = quiz_expected(r);
	q->asked++;
	if (given == q->correct)
		q->right++;
	snprintf(q->why, sizeof q->why, "%s took the path %s (%s)",
		 r->text[0] ? r->text : "it",
		 path_text((enum insn_path)r->insn.u.insn.path),
		 handler_why_name((enum handler_why)r->insn.u.insn.why));
	/*
	 * Where the course text simplifies, its sentence as the course's and
	 * then the truth, whatever the answer; and to a student who gave the
	 * course's answer (ring-0 work to the VMKernel, rings 1-3 directly
	 * on the hardware), that it was the course's.
	 */
	course_answer = r->insn.u.insn.vring == 0 ? ANSWER_VMKERNEL
						  : ANSWER_HARDWARE;
	n = snprintf(q->course, sizeof q->course, "%s",
		     given != q->correct && given == course_answer ?
		     "That was the course text's answer. " : "");
	if (explain_course(r, q->course + n, sizeof q->course - n) == 0)
		q->course[0] = '\0';
}
