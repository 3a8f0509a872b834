/*
 * files.c - the files a run reads and writes, checked before any is opened,
 * so that no mistake on the command line destroys a student's work.
 *
 *   - every input (the guest, the scenario, the ISO, the disk image) must
 *     be a regular file: a FIFO would block the open forever, a directory
 *     or a device gives a confusing error or reads without end;
 *   - no output (--trace-file, --record) may be one of the inputs: the
 *     same file is the same device and inode (st_dev/st_ino), whatever the
 *     path says (links, "./", "a/../a");
 *   - an output is written under a temporary name in its own directory and
 *     renamed over the target only when complete (rename(2) is atomic on
 *     POSIX), so a run that fails or is killed leaves the old file (a
 *     headless run stopped by SIGINT/SIGTERM ends normally: its partial
 *     trace replaces the old file, as its partial output is printed).
 *     An output that exists and is not a regular file (/dev/null, a pipe,
 *     /dev/stdout) is written in place: it cannot be renamed over.
 */
#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"

struct input {
	const char *what;	/* "guest", "scenario", "ISO image"... */
	const char *path;
	struct stat st;
	bool exists;
};

static const char *kind_of(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO (named pipe)";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

int files_check(const struct options *o, const char *scenario_path,
		char *err, int errlen)
{
	struct input in[] = {
		{ "guest", o->guest, { 0 }, false },
		{ "scenario", scenario_path, { 0 }, false },
		{ "ISO image (--cdrom)", o->cdrom, { 0 }, false },
		{ "disk image (--disk)", o->disk, { 0 }, false },
	};
	const struct { const char *opt, *path; } outs[] = {
		{ "--trace-file", o->trace_file },
		{ "--record", o->record },
	};
	size_t nin = sizeof in / sizeof in[0];

	for (size_t i = 0; i < nin; i++) {
		if (in[i].path == NULL)
			continue;
		/* stat does not open: a FIFO is seen without blocking */
		in[i].exists = stat(in[i].path, &in[i].st) == 0;
		if (in[i].exists && !S_ISREG(in[i].st.st_mode)) {
			snprintf(err, (size_t)errlen,
				 "%s: the %s is %s; give a regular file",
				 in[i].path, in[i].what, kind_of(in[i].st.st_mode));
			return -1;
		}
	}
	for (size_t j = 0; j < sizeof outs / sizeof outs[0]; j++) {
		struct stat st;

		if (outs[j].path == NULL || stat(outs[j].path, &st) != 0)
			continue;	/* a new file is no input */
		for (size_t i = 0; i < nin; i++)
			if (in[i].exists && st.st_dev == in[i].st.st_dev &&
			    st.st_ino == in[i].st.st_ino) {
				snprintf(err, (size_t)errlen,
					 "%s %s is the %s: writing it would destroy it; give another file",
					 outs[j].opt, outs[j].path, in[i].what);
				return -1;
			}
	}
	return 0;
}

int files_create(struct outfile *of, const char *path, char *err, int errlen)
{
	struct stat st;
	bool exists = stat(path, &st) == 0;
	mode_t mask = umask(0);
	int fd;

	umask(mask);
	memset(of, 0, sizeof *of);
	snprintf(of->path, sizeof of->path, "%s", path);
	if (exists && !S_ISREG(st.st_mode)) {
		of->f = fopen(path, "w");	/* /dev/null, a pipe... */
	} else {
		snprintf(of->tmp, sizeof of->tmp, "%s.tmp-XXXXXX", path);
		fd = mkstemp(of->tmp);
		/* mkstemp makes it 0600: give it the mode fopen would have */
		if (fd >= 0)
			fchmod(fd, exists ? st.st_mode & 07777 : 0666 & ~mask);
		if (fd >= 0 && (of->f = fdopen(fd, "w")) == NULL) {
			close(fd);
			unlink(of->tmp);
		}
		if (fd < 0)
			of->tmp[0] = '\0';
	}
	if (of->f == NULL) {
		snprintf(err, (size_t)errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int files_commit(struct outfile *of)
{
	int rc = 0;

	if (of->f == NULL)
		return 0;
	if (ferror(of->f))
		rc = -1;
	if (fclose(of->f) != 0)
		rc = -1;
	of->f = NULL;
	if (of->tmp[0] == '\0')
		return rc;
	if (rc == 0 && rename(of->tmp, of->path) != 0)
		rc = -1;
	if (rc != 0)
		unlink(of->tmp);	/* the old file, if any, is left */
	return rc;
}

void files_abandon(struct outfile *of)
{
	if (of->f == NULL)
		return;
	fclose(of->f);
	of->f = NULL;
	if (of->tmp[0])
		unlink(of->tmp);
}
