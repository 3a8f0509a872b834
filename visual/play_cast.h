/*
 * play_cast.h - recording the TUI as an asciinema v2 cast (--record FILE),
 * so that a lesson can be replayed in a browser or with `asciinema play`.
 *
 * The cast is written from the screen the TUI drew, not from the bytes
 * curses sent to the terminal: after each frame, the rows that changed
 * are written as plain text with their attributes (ANSI escapes), with the
 * wall-clock time of the frame.  Each pause of a scenario becomes a
 * marker, so a player can jump from one step of the lesson to the next.
 */
#ifndef VISUAL_PLAY_CAST_H
#define VISUAL_PLAY_CAST_H

struct cast;

/*
 * Start a cast at path (the terminal must be open: its size goes into
 * the header).  On failure returns -1 with a message in err.
 */
int cast_open(const char *path, struct cast **out, char *err, int errlen);

/* After each refresh(): what changed on the screen since the last frame. */
void cast_frame(struct cast *c);

/*
 * Frames are written at most ten a second: a frame drawn sooner waits.
 * cast_tick writes it once due; cast_wait_ms shortens a wait for a key
 * (-1: forever) so that the loop calls cast_tick in time.
 */
void cast_tick(struct cast *c);
int cast_wait_ms(const struct cast *c, int wait);

/* A chapter mark ("m" event) labelled with label. */
void cast_marker(struct cast *c, const char *label);

/* Finish the file.  Accepts NULL.  Returns 0, or -1 if writing failed. */
int cast_close(struct cast *c);

/* Close without writing: the target is left as it was.  Accepts NULL. */
void cast_discard(struct cast *c);

#endif
