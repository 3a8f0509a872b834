/*
 * fuzz_iso.c - libFuzzer target: the CD-ROM drive's disc check
 * (sim/vmx/dev_atapi_disc.c).  Any bytes as an ISO image file; accepted or
 * refused with a message naming the file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "status.h"
#include "vmx/dev_atapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct atapi a;
	char err[512];
	FILE *f;

	if (path[0] == '\0')
		snprintf(path, sizeof path, "/tmp/ringside-fuzz-%d.iso", (int)getpid());
	f = fopen(path, "wb");
	if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	if (atapi_open(&a, path, err, sizeof err) != SIM_OK) {
		if (strncmp(err, path, strlen(path)) != 0)
			abort();
		return 0;
	}
	atapi_close(&a);
	return 0;
}
