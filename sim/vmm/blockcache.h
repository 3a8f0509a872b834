/*
 * blockcache.h - guest code, decoded once and remembered.
 *
 * When the CPU is about to run a block of guest code for the first time,
 * the VMM decodes it with capstone and classifies every instruction; the
 * result is kept here, keyed by the block's address and length, so running
 * the block again costs one lookup.  A per-block summary (instructions per
 * class, whether it does I/O, whether it can change the ring) lets the VMM
 * account a whole block with a few additions.
 *
 * When the guest stores into bytes holding decoded code, the blocks there
 * are forgotten (self-modifying code, or a loader reusing memory).
 */
#ifndef SIM_BLOCKCACHE_H
#define SIM_BLOCKCACHE_H

#include <stdint.h>

#include "cpu/classify.h"
#include "cpu/disasm.h"

/* Block flags. */
#define BLOCK_HAS_IO     0x01	/* contains IN/OUT/INS/OUTS */
#define BLOCK_FAR_END    0x02	/* ends with a far transfer or IRET */
#define BLOCK_UNDECODED  0x04	/* capstone could not decode some bytes */
#define BLOCK_NEEDS_VMM  0x08	/* privileged, I/O, sensitive or CPUID inside */
#define BLOCK_ABSENT     0x10	/* ends with an instruction this CPU lacks (#UD) */
#define BLOCK_STALE_MIXED 0x20	/* an access Unicorn reports with a stale EIP
				   and another load: stepped (mixes_stale()
				   in blockcache.c) */
#define BLOCK_FIXED_ADDRS 0x40	/* every access at an address its bytes
				   fix (fixed_accesses() in blockcache.c) */

struct block_insn {
	struct x86_instruction x;	/* decoded form */
	uint8_t cls;		/* enum insn_class */
	uint8_t xlat;		/* in translated code: 1 IDENT, 2 rewritten */
};

struct block {
	uint32_t addr;		/* guest address of the first byte */
	uint32_t size;		/* bytes, as the CPU reported (0: one insn) */
	uint32_t span;		/* bytes the decoded instructions cover */
	uint32_t n;		/* instructions */
	uint32_t reach;		/* blockcache_reach's answer (0: not asked) */
	uint8_t flags;
	uint32_t class_count[CLASS_COUNT];
	struct block *next;	/* hash chain */
	struct block_insn insns[];
};

struct blockcache;

/* A cache over guest RAM ram[0..ram_size). */
int blockcache_create(const uint8_t *ram, uint32_t ram_size,
		      struct disasm *dis, struct blockcache **out);
void blockcache_destroy(struct blockcache *bc);

/*
 * The decoded block at [addr, addr+size), decoding it on first use.
 * size 0 asks for just the instruction at addr (what single-stepping
 * needs).  Returns NULL only when out of memory, or addr is outside RAM
 * or at an instruction that ends past it (the VMM runs those as code
 * from nothing: vmm_guard_run_nothing).
 */
const struct block *blockcache_get(struct blockcache *bc, uint32_t addr,
				   uint32_t size);

/*
 * The instruction of b whose accesses Unicorn reports with a stale EIP
 * (x86_stale_eip: the one the CPU may be reading a descriptor for, or
 * loading in a helper), or NULL: the one with a memory access of its own
 * if there is one, else any.  A block that mixes such an instruction with
 * a load of another's (BLOCK_STALE_MIXED: the CPU cannot tell the two
 * apart) is never run whole, so its answer is NULL.
 */
const struct block_insn *block_stale_insn(const struct block *b);

/* The address after b's last such instruction (or b's start if none). */
uint32_t block_stale_end(const struct block *b);

/* QEMU's longest translation block, in bytes before its last instruction. */
#define BLOCK_TB_BYTES (4096 - 32)

/*
 * The end of the guest bytes Unicorn translates together with the
 * instruction at addr when a run starts there: its translation block
 * goes on to the first instruction that ends one (a control transfer,
 * HLT, #UD: x86_op_ends_block) or, at most, to the instruction that
 * crosses BLOCK_TB_BYTES (QEMU's i386 translator, i386_tr_translate_insn
 * in target/i386/translate.c, stops a block once it holds
 * TARGET_PAGE_SIZE - 32 bytes), or to the end of RAM.  A store into
 * [addr + its length, reach) lands in the code being run; one past it
 * does not.  The answer errs long, never short (Unicorn may end a block
 * sooner, never later), is remembered with the one-instruction block at
 * addr and forgotten, with it, when a byte of the reach is written.
 * 0 if there is no instruction at addr (as blockcache_get).
 */
uint32_t blockcache_reach(struct blockcache *bc, uint32_t addr);

/* Index of the instruction starting at addr in b, or -1. */
int block_index_of(const struct block *b, uint32_t addr);

/*
 * The guest stored to [addr, addr+size).  If that touches decoded code
 * (at 64-byte granularity), the blocks there are retired (freed at the next blockcache_collect) and
 * the function returns 1 so the caller can flush the CPU's translations.
 */
int blockcache_note_write(struct blockcache *bc, uint32_t addr, int size);

/*
 * Watch [addr, addr+len) as code again after blockcache_note_write retired
 * its chunk: a translator that keeps its own copy of that code (a store
 * beside it changed none of its bytes) must still hear of the next store
 * there (vmm/bt_smc.c).
 */
void blockcache_watch(struct blockcache *bc, uint32_t addr, uint32_t len);

/* The bytes of one chunk, the unit stores are noticed in (a power of two). */
uint32_t blockcache_chunk_bytes(void);

/*
 * A counter that changes whenever blocks are retired: whoever keeps block
 * pointers of their own must drop them when it moves.
 */
const uint64_t *blockcache_generation(const struct blockcache *bc);

/*
 * Instruction starts the cache knows in [lo, hi): every decoded block
 * begins where the CPU really went, so each of its instructions starts on
 * a real boundary (a debugger's listing can trust them, where decoding
 * backwards from an address can only guess).  Writes at most max
 * addresses, in no particular order, and returns how many.
 */
int blockcache_boundaries(const struct blockcache *bc, uint32_t lo,
			  uint32_t hi, uint32_t *out, int max);

/* Free retired blocks.  Call when no block pointer is held. */
void blockcache_collect(struct blockcache *bc);

/* Statistics. */
struct blockcache_stats {
	uint64_t lookups, misses, invalidations;
	uint32_t blocks;	/* live entries */
};
void blockcache_get_stats(const struct blockcache *bc,
			  struct blockcache_stats *out);

#endif
