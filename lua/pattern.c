/*
 * pattern.c - the most work Lua's pattern matcher may do on a subject, so
 * that string.find, match, gmatch and gsub are charged before they run
 * (sandbox.c): lstrlib.c counts no steps, and a pattern of several
 * quantifiers over a long string backtracks for minutes.
 *
 * The matcher (lstrlib.c, match()) tries the pattern from each start
 * position of the subject (only the first if the pattern begins with ^).
 * A single-character class with *, + or - (max_expand, min_expand) tries
 * each length its run of matching characters allows, and the rest of the
 * pattern after each; ? tries two; a back-reference %1..%9 or a balance
 * %b compares up to the whole subject at each try.  Quantifiers apply to
 * one character class only, and there is no alternation, so the work is
 * at most
 *
 *   starts * (run_1 + 1) * ... * (run_k + 1) * 2^optional
 *          * (pattern length + subject length * (back-references + %b))
 *
 * where run_i is the longest run of subject characters that item i's class
 * matches: n for ".", the longest line for "[^\n]", n again for "a-" over
 * "aaaa...".  That bound is sound whatever the subject, and close for the
 * patterns scenarios use ("^([%w-]+): (.*)$" over a line, "([^\n]*)\n?"
 * over a text) while "a*a*a*b" over 4,000 a's costs its n^4.
 */
#include <ctype.h>
#include <string.h>

#include "engine.h"

#define SAT UINT64_MAX

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	return a != 0 && b > SAT / a ? SAT : a * b;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return b > SAT - a ? SAT : a + b;
}

/* lstrlib.c match_class(): %a, %d... (upper case: the complement). */
static bool class_letter(int c, int cl)
{
	bool res;

	switch (tolower(cl)) {
	case 'a': res = isalpha(c); break;
	case 'c': res = iscntrl(c); break;
	case 'd': res = isdigit(c); break;
	case 'g': res = isgraph(c); break;
	case 'l': res = islower(c); break;
	case 'p': res = ispunct(c); break;
	case 's': res = isspace(c); break;
	case 'u': res = isupper(c); break;
	case 'w': res = isalnum(c); break;
	case 'x': res = isxdigit(c); break;
	default: return cl == c;	/* %. %% %z...: the character itself */
	}
	return isupper(cl) ? !res : res;
}

/*
 * The end of the single-character class at p (lstrlib.c classEnd()):
 * NULL if the pattern is malformed there (Lua will raise the error).
 */
static const char *class_end(const char *p, const char *end)
{
	if (p >= end)
		return NULL;
	if (*p == '%')
		return p + 1 < end ? p + 2 : NULL;
	if (*p != '[')
		return p + 1;
	p++;
	if (p < end && *p == '^')
		p++;
	do {			/* the first character may be a ']' */
		if (p >= end)
			return NULL;
		if (*p++ == '%') {
			if (p >= end)
				return NULL;
			p++;
		}
	} while (p >= end || *p != ']');
	return p + 1;
}

/* lstrlib.c matchbracketclass(): c against [set] at p..ec-1. */
static bool in_set(int c, const char *p, const char *ec)
{
	bool sig = true;

	p++;			/* the '[' */
	if (*p == '^') {
		sig = false;
		p++;
	}
	for (; p < ec - 1; p++) {
		if (*p == '%' && p + 1 < ec - 1) {
			p++;
			if (class_letter(c, (unsigned char)*p))
				return sig;
		} else if (p + 2 < ec - 1 && p[1] == '-') {
			if ((unsigned char)p[0] <= c && c <= (unsigned char)p[2])
				return sig;
			p += 2;
		} else if ((unsigned char)*p == c) {
			return sig;
		}
	}
	return !sig;
}

/* lstrlib.c singlematch(): does the class at p..ep-1 match c? */
static bool class_matches(int c, const char *p, const char *ep)
{
	switch (*p) {
	case '.': return true;
	case '%': return class_letter(c, (unsigned char)p[1]);
	case '[': return in_set(c, p, ep);
	default: return (unsigned char)*p == c;
	}
}

/* The longest run of subject characters the class at p..ep-1 matches. */
static uint64_t longest_run(const char *s, size_t n, const char *p,
			    const char *ep)
{
	uint64_t best = 0, run = 0;

	if (*p == '.')
		return n;
	for (size_t i = 0; i < n; i++) {
		run = class_matches((unsigned char)s[i], p, ep) ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best;
}

uint64_t pattern_cost(const char *s, size_t n, const char *p, size_t plen,
		      bool anchor, uint64_t *scanned)
{
	const char *end = p + plen, *ep;
	uint64_t tries = 1, per_try = plen + 1;

	*scanned = 0;
	if (anchor && p < end && *p == '^')
		p++;
	else
		anchor = false;
	while (p < end) {
		if (*p == '(' || *p == ')' || (*p == '$' && p + 1 == end)) {
			p++;
			continue;
		}
		if (*p == '%' && p + 1 < end && (p[1] == 'b' ||
		    (p[1] >= '1' && p[1] <= '9'))) {
			/* a balance or a back-reference: up to n compares */
			per_try = sat_add(per_try, n);
			p += p[1] == 'b' ? 4 : 2;
			continue;
		}
		if (*p == '%' && p + 1 < end && p[1] == 'f') {
			p += 2;		/* a frontier: one set, no length */
			if ((ep = class_end(p, end)) == NULL)
				break;
			p = ep;
			continue;
		}
		if ((ep = class_end(p, end)) == NULL)
			break;		/* malformed: Lua raises its error */
		if (ep < end && (*ep == '*' || *ep == '+' || *ep == '-')) {
			tries = sat_mul(tries, longest_run(s, n, p, ep) + 1);
			*scanned += *p == '.' ? 0 : n;
			ep++;
		} else if (ep < end && *ep == '?') {
			tries = sat_mul(tries, 2);
			ep++;
		}
		p = ep;
	}
	return sat_mul(sat_mul(anchor ? 1 : (uint64_t)n + 1, tries), per_try);
}
