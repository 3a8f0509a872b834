/*
 * keys.c - the key bindings (see keys.h).
 *
 * A presenter's remote clicker sends Right, Left and PgDn: they step,
 * step back and run to the next trap, so a teacher can walk a class
 * through a guest without touching the keyboard.
 */
#include <stdio.h>
#include <string.h>

#include <curses.h>

#include "command.h"
#include "keys.h"

#define CTRL(c) ((c) & 0x1f)
#define KEY_ESC 27
#define KEY_DEL 127

const struct key_binding key_bindings[] = {
	/* time */
	{ 's', KT_ROOT, "step", "run one instruction" },
	{ ' ', KT_ROOT, "step", NULL },
	{ KEY_RIGHT, KT_ROOT, "step", NULL },
	{ 'n', KT_ROOT, "next", "run to the next trap or I/O" },
	{ KEY_NPAGE, KT_ROOT, "next", NULL },
	{ 'r', KT_ROOT, "run", "run / pause at the current speed" },
	{ 'b', KT_ROOT, "back", "step back one instruction" },
	{ KEY_LEFT, KT_ROOT, "back", NULL },
	{ KEY_BACKSPACE, KT_ROOT, "back", NULL },
	{ KEY_DEL, KT_ROOT, "back", NULL },
	{ 'B', KT_ROOT, "back 100", "step back 100 instructions" },
	{ '+', KT_ROOT, "faster", "faster (instructions per second)" },
	{ '=', KT_ROOT, "faster", NULL },
	{ '-', KT_ROOT, "slower", "slower" },
	{ 'f', KT_ROOT, "free", "free run: as fast as possible / pause" },
	/* breakpoints, modes, quiz */
	{ 'x', KT_ROOT, "break", "toggle a breakpoint at EIP" },
	{ 'c', KT_ROOT, "break-class", "cycle class breakpoint: privileged, io, sensitive, none" },
	{ 'X', KT_ROOT, "clear-breaks", "remove every breakpoint" },
	{ 'm', KT_ROOT, "mode", "restart in the next mode: te, bt, hw" },
	{ 'R', KT_ROOT, "restart", "restart the guest from power-on" },
	{ 'Y', KT_ROOT, "retry", "a VM paused by a full datastore: Retry" },
	{ 'C', KT_ROOT, "cancel", "a VM paused by a full datastore: Cancel (power off)" },
	{ 't', KT_ROOT, "quiz", "quiz on / off: guess who handles each trap" },
	/* views */
	{ '1', KT_ROOT, "view cpu", "CPU view" },
	{ '2', KT_ROOT, "view arch", "Architecture view" },
	{ '3', KT_ROOT, "view worlds", "Worlds view" },
	{ '4', KT_ROOT, "view xlat", "Translation view (binary translation)" },
	{ '5', KT_ROOT, "view log", "Log view" },
	{ '6', KT_ROOT, "view help", "Help view (this)" },
	{ '7', KT_ROOT, "view cluster", "Cluster view (hosts, VMs, VMotion)" },
	{ 'D', KT_ROOT, "drs-apply", "apply DRS's first recommendation (manual DRS)" },
	{ '8', KT_ROOT, "view vmcs", "VMCS view (hw: the VT-x control structure, last exit)" },
	{ '?', KT_ROOT, "view help", NULL },
	{ KEY_F(1), KT_ROOT, "view help", NULL },
	{ '\t', KT_ROOT, "view next", "next view" },
	{ KEY_BTAB, KT_ROOT, "view prev", "previous view" },
	{ 'v', KT_ROOT, "focus next", "show the next VM (a world with several)" },
	{ 'V', KT_ROOT, "vcpu next", "CPU view: show the VM's next vCPU (a VM with several)" },
	{ 'a', KT_ROOT, "hosted", "restart on a hosted product, or on ESX" },
	{ 'P', KT_ROOT, "presenter", "presenter layout: path, code, large narration" },
	{ ':', KT_ROOT, "prompt", "type a command by name (see below)" },
	{ CTRL('l'), KT_ROOT, "redraw", "redraw the screen" },
	{ 'q', KT_ROOT, "quit", "quit" },
	{ 'Q', KT_ROOT, "quit", NULL },
	/* while a quiz question is open */
	{ 'h', KT_QUIZ, "answer hardware", "answer: the hardware (direct execution)" },
	{ 'v', KT_QUIZ, "answer vmm", "answer: the VMM itself" },
	{ 'k', KT_QUIZ, "answer vmkernel", "answer: the VMKernel" },
	{ 'x', KT_QUIZ, "answer vmx", "answer: the VMX (a device)" },
	{ 'g', KT_QUIZ, "answer guest", "answer: the guest's own handler" },
	{ KEY_ESC, KT_QUIZ, "skip", "skip the question" },
	/* the Log view */
	{ 'l', KT_LOG, "log-filter next", "show the next kind of event only" },
	{ 'L', KT_LOG, "log-filter all", "show every kind" },
	{ KEY_UP, KT_LOG, "scroll up", "scroll up" },
	{ KEY_DOWN, KT_LOG, "scroll down", "scroll down" },
	{ KEY_PPAGE, KT_LOG, "scroll pgup", "page up" },
	{ KEY_NPAGE, KT_LOG, "scroll pgdn", "page down" },
	{ KEY_HOME, KT_LOG, "scroll home", "oldest" },
	{ KEY_END, KT_LOG, "scroll end", "newest (follow)" },
	/* the Help view */
	{ KEY_UP, KT_HELP, "scroll up", "scroll up" },
	{ KEY_DOWN, KT_HELP, "scroll down", "scroll down" },
	{ KEY_PPAGE, KT_HELP, "scroll pgup", "page up" },
	{ KEY_NPAGE, KT_HELP, "scroll pgdn", "page down" },
	{ KEY_HOME, KT_HELP, "scroll home", "top" },
	{ KEY_END, KT_HELP, "scroll end", "bottom" },
	/* the CPU view: "What happened, and why" scrolls */
	{ KEY_UP, KT_CPU, "scroll up", "scroll \"What happened\" up" },
	{ KEY_DOWN, KT_CPU, "scroll down", "scroll \"What happened\" down" },
	/* the Worlds view */
	{ KEY_UP, KT_WORLDS, "scroll up", "scroll up" },
	{ KEY_DOWN, KT_WORLDS, "scroll down", "scroll down" },
	{ KEY_PPAGE, KT_WORLDS, "scroll pgup", "page up" },
	{ KEY_NPAGE, KT_WORLDS, "scroll pgdn", "page down" },
	{ KEY_HOME, KT_WORLDS, "scroll home", "top" },
	{ KEY_END, KT_WORLDS, "scroll end", "bottom" },
	{ 0, 0, NULL, NULL }
};

static const char *const table_names[KT_COUNT] = {
	"root", "quiz", "log", "help", "cpu", "worlds", "scenario"
};

const char *keys_table_name(enum key_table t)
{
	return (unsigned)t < KT_COUNT ? table_names[t] : "?";
}

const struct key_binding *keys_lookup(enum key_table t, int key)
{
	for (const struct key_binding *b = key_bindings; b->line; b++)
		if (b->table == (int)t && b->key == key)
			return b;
	return NULL;
}

const struct key_binding *keys_find(const struct app *a, int key)
{
	const struct key_binding *b = NULL;

	if (a->quiz.pending)
		b = keys_lookup(KT_QUIZ, key);
	if (b == NULL && a->view == VIEW_LOG)
		b = keys_lookup(KT_LOG, key);
	if (b == NULL && a->view == VIEW_HELP)
		b = keys_lookup(KT_HELP, key);
	if (b == NULL && a->view == VIEW_CPU)
		b = keys_lookup(KT_CPU, key);
	if (b == NULL && a->view == VIEW_WORLDS)
		b = keys_lookup(KT_WORLDS, key);
	if (b == NULL)
		b = keys_lookup(KT_ROOT, key);
	return b;
}

/* The ':' prompt: a one-line editor; Enter runs, Esc cancels. */
static int prompt_key(struct app *a, int key)
{
	char line[sizeof a->prompt_buf];

	a->dirty = true;
	switch (key) {
	case '\n': case '\r': case KEY_ENTER:
		snprintf(line, sizeof line, "%s", a->prompt_buf);
		a->prompt = false;
		if (line[0])
			command_run(a, line);
		return 1;
	case KEY_ESC: case CTRL('c'): case CTRL('g'):
		a->prompt = false;
		return 1;
	case KEY_BACKSPACE: case KEY_DEL: case CTRL('h'):
		if (a->prompt_len > 0)
			a->prompt_buf[--a->prompt_len] = '\0';
		else
			a->prompt = false;
		return 1;
	case CTRL('u'):
		a->prompt_len = 0;
		a->prompt_buf[0] = '\0';
		return 1;
	default:
		if (key >= ' ' && key < 0x7f &&
		    a->prompt_len < (int)sizeof a->prompt_buf - 1) {
			a->prompt_buf[a->prompt_len++] = (char)key;
			a->prompt_buf[a->prompt_len] = '\0';
		}
		return 1;
	}
}

int keys_dispatch(struct app *a, int key)
{
	const struct key_binding *b;
	char name[32];

	if (a->prompt)
		return prompt_key(a, key);
	b = keys_find(a, key);
	if (b == NULL) {
		/* every key answers, even one that does nothing */
		app_message(a, false, "The key %s does nothing %s: ? lists the keys.",
			    keys_name(key, name, sizeof name),
			    a->view == VIEW_CPU ? "here" : "in this view");
		return 0;
	}
	command_run(a, b->line);
	return 1;
}

const char *keys_name(int key, char *buf, size_t size)
{
	static const struct { int key; const char *name; } names[] = {
		{ ' ', "Space" }, { '\t', "Tab" }, { KEY_BTAB, "S-Tab" },
		{ KEY_LEFT, "Left" }, { KEY_RIGHT, "Right" },
		{ KEY_UP, "Up" }, { KEY_DOWN, "Down" },
		{ KEY_PPAGE, "PgUp" }, { KEY_NPAGE, "PgDn" },
		{ KEY_HOME, "Home" }, { KEY_END, "End" },
		{ KEY_BACKSPACE, "BSpace" }, { KEY_DEL, "BSpace" },
		{ KEY_ESC, "Esc" }, { KEY_F(1), "F1" }, { '\n', "Enter" },
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].key == key) {
			snprintf(buf, size, "%s", names[i].name);
			return buf;
		}
	if (key > 0 && key < ' ')
		snprintf(buf, size, "^%c", key + '@');
	else if (key >= ' ' && key < 0x7f)
		snprintf(buf, size, "%c", key);
	else
		snprintf(buf, size, "#%d", key);
	return buf;
}
