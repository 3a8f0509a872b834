/*
 * status.h - the status codes every fallible sim/ function returns.
 *
 * sim/ never exits and never prints: it reports.  SIM_OK is zero so callers
 * can write `if ((rc = f()) != SIM_OK) return rc;`.
 */
#ifndef SIM_STATUS_H
#define SIM_STATUS_H

enum sim_status {
	SIM_OK = 0,
	SIM_ENOMEM,		/* out of memory */
	SIM_EINVAL,		/* bad argument from the caller */
	SIM_EIO,		/* a file could not be read */
	SIM_EFORMAT,		/* a file is not what it should be */
	SIM_EDECODE,		/* bytes that are not an x86 instruction */
	SIM_ENOTFOUND,		/* no such VM, host, file... */
	SIM_ESTATE,		/* not allowed in the current state */
	SIM_ENOSPC,		/* a datastore is full: a disk write must wait */
	SIM_EINTERNAL		/* the CPU library failed: a ringside bug */
};

/* A short English description of a status code. */
const char *sim_strerror(int status);

#endif
