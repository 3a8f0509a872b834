/*
 * play.c - what every scenario player shares: finding scenarios, reading
 * their one-line descriptions (--list), and opening one.
 *
 * Bundled scenarios live in scenarios/ beside the ringside binary (or in
 * the current directory, when running from the source tree).  A scenario
 * file starts with a comment naming it and saying what it shows:
 *
 *     -- tour: everything in 10 minutes
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "play.h"
#include "status.h"

/*
 * The directory holding scenarios/ and lua/: "." when run from the source
 * tree (so guest paths stay relative and traces do not depend on where
 * ringside is installed), otherwise the binary's directory.
 */
static const char *data_root(char *buf, int size)
{
	char *slash;
	const char *env = getenv("RINGSIDE_DATA");

	if (env && env[0]) {		/* the user's choice comes first */
		snprintf(buf, (size_t)size, "%s", env);
		return buf;
	}
	if (access("scenarios/guests", R_OK) == 0 && access("lua/ringside.lua", R_OK) == 0)
		return ".";
	cli_data_path("lua/ringside.lua", buf, size);
	slash = strstr(buf, "/lua/ringside.lua");
	if (slash == NULL)
		return ".";
	*slash = '\0';
	return buf;
}

int play_describe(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	char line[256], *colon, *end;

	buf[0] = '\0';
	if (f == NULL)
		return -1;
	if (fgets(line, sizeof line, f) == NULL) {
		fclose(f);
		return -1;
	}
	fclose(f);
	colon = strchr(line, ':');
	if (strncmp(line, "--", 2) != 0 || colon == NULL)
		return -1;
	for (colon++; *colon == ' '; colon++)
		;
	end = colon + strcspn(colon, "\r\n");
	snprintf(buf, size, "%.*s", (int)(end - colon), colon);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int play_list(FILE *out)
{
	char rootbuf[PATH_MAX], dir[PATH_MAX + 16], path[PATH_MAX + 300];
	char desc[200], *names[256];
	const char *root = data_root(rootbuf, sizeof rootbuf);
	struct dirent *d;
	int n = 0;
	DIR *dp;

	snprintf(dir, sizeof dir, "%s/scenarios", root);
	dp = opendir(dir);
	if (dp == NULL) {
		fprintf(stderr, "ringside: cannot find the bundled scenarios (no %s)\n", dir);
		return EXIT_USAGE;
	}
	while ((d = readdir(dp)) != NULL && n < 256) {
		size_t len = strlen(d->d_name);

		if (len > 4 && strcmp(d->d_name + len - 4, ".lua") == 0)
			names[n++] = strdup(d->d_name);
	}
	closedir(dp);
	qsort(names, (size_t)n, sizeof names[0], by_name);
	fprintf(out, "Bundled scenarios (ringside NAME, or ringside --headless NAME):\n");
	for (int i = 0; i < n; i++) {
		if (names[i] == NULL)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if (play_describe(path, desc, sizeof desc) != 0)
			snprintf(desc, sizeof desc, "(no description line)");
		fprintf(out, "  %-16.*s %s\n", (int)strlen(names[i]) - 4, names[i], desc);
		free(names[i]);
	}
	return 0;
}

const char *play_path(const char *name, char *buf, int size)
{
	char rootbuf[PATH_MAX];
	const char *root = data_root(rootbuf, sizeof rootbuf);
	struct stat st;

	/* "tour" is scenarios/tour.lua, unless a file of that name exists */
	if (strchr(name, '/') != NULL || stat(name, &st) == 0)
		return name;
	snprintf(buf, (size_t)size, "%s%sscenarios/%s%s",
		 strcmp(root, ".") ? root : "", strcmp(root, ".") ? "/" : "",
		 name, strstr(name, ".lua") ? "" : ".lua");
	return buf;
}

int play_check(const char *name, char *err, int errlen)
{
	char buf[PATH_MAX + 32];
	const char *path = play_path(name, buf, sizeof buf);
	struct stat st;

	if (stat(path, &st) == 0)
		return 0;
	if (path == name)
		snprintf(err, (size_t)errlen, "%s: cannot open the scenario (%s)",
			 name, strerror(errno));
	else
		snprintf(err, (size_t)errlen,
			 "no scenario '%s': there is no file %s here, nor %s among the bundled scenarios (ringside --list shows them)",
			 name, name, path);
	return -1;
}

struct scenario *play_open(const struct options *opt, const char *path)
{
	char rootbuf[PATH_MAX], named[PATH_MAX + 32], err[SCENARIO_ERR_MAX];
	struct scenario_config cfg = { .path = path, .mode = opt->mode };
	struct scenario *sc;

	cfg.root = data_root(rootbuf, sizeof rootbuf);
	cfg.path = play_path(path, named, sizeof named);
	if (scenario_open(&cfg, &sc, err) != SIM_OK) {
		fprintf(stderr, "ringside: %s\n", err);
		return NULL;
	}
	return sc;
}
