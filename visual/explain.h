/*
 * explain.h - what an instruction did, in words a first-year student reads.
 *
 * The words tell what ESX really does (sim/handler.h's model): the VMM
 * emulates privileged and sensitive instructions on the virtual CPU, the
 * VMKernel takes part only where it acts (a HLT blocks the vCPU's world),
 * the VMX emulates the non-critical devices (serial and parallel ports,
 * the CD-ROM).  Where the seed text ringside teaches simplifies ("direct
 * execution for rings 1-3", "VMM sends instruction to VMKernel"), its
 * sentence follows, marked as the course's (explain_course).  Every
 * x86_op has a sentence, and every class/path/ring combination the VMM
 * produces has a paragraph.  Pure text: no curses.
 */
#ifndef VISUAL_EXPLAIN_H
#define VISUAL_EXPLAIN_H

#include <stddef.h>

#include "cpu/classify.h"
#include "session.h"
#include "vm.h"

/*
 * The paragraph about an instruction that ran: what it is, who handled it
 * and why, and what changed.  Returns the length written.
 */
size_t explain_step(const struct step_record *r, char *buf, size_t size);

/*
 * Where the course text simplifies about an instruction that ran: its
 * sentence, marked "[The course text says: ...]", then "What ESX really
 * does:" and the path it took (the end of explain_step's paragraph, for
 * the quiz too).  Returns the length written: 0, and buf "", where the
 * course says nothing wrong about it.
 */
size_t explain_course(const struct step_record *r, char *buf, size_t size);

/*
 * One sentence about an instruction that has not run yet: what will
 * happen to it (for the "Next:" line).  vring: the guest's ring now;
 * exec: how the vCPU runs now (te, bt, direct under bt, or hw).
 */
size_t explain_next(const struct x86_instruction *x, int vring,
		    enum exec_mode exec, char *buf, size_t size);

/* What an operation does on a real CPU ("CLI clears the interrupt flag"). */
const char *explain_op(enum x86_op op);

/* Who a component on the handler path is, in the seed's words. */
const char *explain_hop(enum path_hop hop);

/* The path as the TUI names it: "Guest > VMM > VMKernel > VMM > Guest". */
const char *explain_hop_title(enum path_hop hop);

/* Why a VM is not running ("powered off: wrote 0x00 to ..."). */
size_t explain_power(const struct vm *vm, char *buf, size_t size);

#endif
