/*
 * status.c - words for the status codes of status.h.
 */
#include "status.h"

static const char *const messages[] = {
	[SIM_OK] = "ok",
	[SIM_ENOMEM] = "out of memory",
	[SIM_EINVAL] = "invalid argument",
	[SIM_EIO] = "input/output error",
	[SIM_EFORMAT] = "bad file format",
	[SIM_EDECODE] = "not an x86 instruction",
	[SIM_ENOTFOUND] = "not found",
	[SIM_ESTATE] = "not allowed now",
	[SIM_ENOSPC] = "no space left on the datastore",
	[SIM_EINTERNAL] = "internal error",
};

const char *sim_strerror(int status)
{
	if (status < 0 || status > SIM_EINTERNAL)
		return "unknown error";
	return messages[status];
}
