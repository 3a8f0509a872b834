/*
 * inputs.c - the files a scenario made ringside read, so that no output
 * replaces one of them.
 *
 * The command line's inputs are checked before anything is opened
 * (visual/files.c); a scenario's are known only as it runs: the guest,
 * ISO image, disk image and Multiboot modules of each VM it adds
 * (api_vm_resolve), the scenario itself and every Lua file it requires
 * (sandbox_loadfile).  Each is remembered by device and inode (stat
 * follows symbolic links; a hard link is the same inode), which is what
 * "the same file" means whatever path names it.  An output written under
 * a temporary name asks scenario_reads before renaming it over its
 * target.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine.h"

struct engine_input {
	dev_t dev;
	ino_t ino;
	const char *what;	/* "guest", "Lua file"... (a literal) */
};

void inputs_note(struct scenario *sc, const char *path, const char *what)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return;		/* nothing there: nothing to destroy */
	for (size_t i = 0; i < sc->ninputs; i++)
		if (sc->inputs[i].dev == st.st_dev && sc->inputs[i].ino == st.st_ino)
			return;
	if (sc->ninputs == sc->inputs_cap) {
		size_t ncap = sc->inputs_cap ? sc->inputs_cap * 2 : 8;
		struct engine_input *p = realloc(sc->inputs, ncap * sizeof *p);

		if (p == NULL) {
			sc->inputs_lost = true;	/* then every output is refused */
			return;
		}
		sc->inputs = p;
		sc->inputs_cap = ncap;
	}
	sc->inputs[sc->ninputs++] = (struct engine_input){ st.st_dev, st.st_ino, what };
}

const char *scenario_reads(const struct scenario *sc, const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return NULL;	/* a new file is no input */
	if (sc->inputs_lost)
		return "file (out of memory: its inputs are not all known)";
	for (size_t i = 0; i < sc->ninputs; i++)
		if (sc->inputs[i].dev == st.st_dev && sc->inputs[i].ino == st.st_ino)
			return sc->inputs[i].what;
	return NULL;
}

void inputs_free(struct scenario *sc)
{
	free(sc->inputs);
	sc->inputs = NULL;
	sc->ninputs = sc->inputs_cap = 0;
}
