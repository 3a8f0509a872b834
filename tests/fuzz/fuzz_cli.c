/*
 * fuzz_cli.c - libFuzzer target: the command line (visual/cli.c).  The
 * input is split at NUL bytes into arguments after "ringside"; cli_parse
 * must accept them or refuse them with a message, every time (it is
 * called again and again in one process, as test_cli does).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[MAX_ARGS + 2];
	struct options o;
	char err[512];
	int argc = 0;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = "ringside";
	for (char *p = buf; p < buf + size && argc <= MAX_ARGS; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	err[0] = '\0';
	if (cli_parse(argc, argv, &o, err, (int)sizeof err) != 0) {
		if (err[0] == '\0')
			abort();	/* refused without saying why */
	} else if (o.vcpus < 1 || o.mem_mb < 1 || o.max_insns == 0) {
		abort();		/* accepted a value the VM cannot have */
	}
	free(buf);
	return 0;
}
