/*
 * fuzz_loader.c - libFuzzer target: the Multiboot/ELF loader
 * (sim/vmx/guest.c).  Any bytes as a guest file: validated, and when
 * accepted, loaded into 4 MiB of RAM as a VM's boot would.  A refusal must
 * name the file; nothing may read or write outside the file or the RAM.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"
#include "vmx/guest.h"

#define RAM (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	uint8_t *copy = malloc(size ? size : 1);
	struct guest_image img;
	struct guest_boot boot;
	char err[GUEST_ERR_MAX];

	if (ram == NULL)
		ram = malloc(RAM);
	if (copy == NULL || ram == NULL)
		return 0;
	memcpy(copy, data, size);
	if (guest_open_buffer("fuzz.elf", copy, size, &img, err) != SIM_OK) {
		if (strncmp(err, "fuzz.elf: ", 10) != 0)
			abort();	/* a refusal that names no file */
		return 0;
	}
	guest_load(&img, ram, RAM, "", &boot, err);
	guest_close(&img);
	return 0;
}
