/*
 * blockcache.c - decoded guest blocks in a hash table, with a bitmap of
 * the RAM chunks that hold decoded code so guest stores are cheap to check.
 */
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#include "vmm/blockcache.h"
#include "status.h"

#define NBUCKETS 16384		/* power of two */
/*
 * Code is tracked in 64-byte chunks, not 4 KiB pages: small kernels keep
 * data next to code, and a store to a variable must not throw away the
 * decoded code beside it.
 */
#define CHUNK_SHIFT 6

struct blockcache {
	const uint8_t *ram;
	uint32_t ram_size;
	struct disasm *dis;
	struct block *bucket[NBUCKETS];
	/*
	 * The buckets that may hold a block, so that a store into code scans
	 * those, not all 16,384 (which took 17% of a self-modifying loop's
	 * time under bt [measured: perf, tests/guests/smcbench.S]).
	 */
	uint16_t used[NBUCKETS];
	uint8_t in_used[NBUCKETS];
	int nused;
	uint8_t *code_chunks;	/* bit per 64-byte chunk: holds decoded code */
	struct block *retired;	/* invalidated, waiting to be freed */
	uint64_t generation;	/* bumped when blocks are retired */
	struct blockcache_stats stats;
};

int blockcache_create(const uint8_t *ram, uint32_t ram_size,
		      struct disasm *dis, struct blockcache **out)
{
	struct blockcache *bc = calloc(1, sizeof *bc);
	size_t chunks = ((size_t)ram_size >> CHUNK_SHIFT) + 1;

	if (bc == NULL)
		return SIM_ENOMEM;
	bc->code_chunks = calloc((chunks + 7) / 8, 1);
	if (bc->code_chunks == NULL) {
		free(bc);
		return SIM_ENOMEM;
	}
	bc->ram = ram;
	bc->ram_size = ram_size;
	bc->dis = dis;
	*out = bc;
	return SIM_OK;
}

static void free_chain(struct block *b)
{
	while (b) {
		struct block *next = b->next;
		free(b);
		b = next;
	}
}

void blockcache_destroy(struct blockcache *bc)
{
	if (bc == NULL)
		return;
	for (int i = 0; i < NBUCKETS; i++)
		free_chain(bc->bucket[i]);
	free_chain(bc->retired);
	free(bc->code_chunks);
	free(bc);
}

static unsigned hash(uint32_t addr, uint32_t size)
{
	uint32_t h = addr * 2654435761u ^ size * 40503u;

	return (h >> 8) & (NBUCKETS - 1);
}

static void mark_chunks(struct blockcache *bc, uint32_t addr, uint32_t len)
{
	uint32_t first = addr >> CHUNK_SHIFT;
	uint32_t last = (addr + (len ? len : 1) - 1) >> CHUNK_SHIFT;

	for (uint32_t c = first; c <= last; c++)
		bc->code_chunks[c >> 3] |= (uint8_t)(1u << (c & 7));
}

static int chunk_has_code(const struct blockcache *bc, uint32_t c)
{
	return (bc->code_chunks[c >> 3] >> (c & 7)) & 1;
}

/*
 * Does the instruction at addr, which the room bytes of RAM left cannot
 * hold, go on past the end of RAM (or does the CPU read bytes there to
 * find it invalid)?  Its bytes there are the VMM's to fetch (zeros, as on
 * QEMU: vmm_guard_run_nothing), so a block ends before it.
 */
static bool ends_past_ram(struct blockcache *bc, uint32_t addr, uint32_t room)
{
	uint8_t code[X86_INSN_MAX] = { 0 };
	struct x86_instruction x;

	if (room >= X86_INSN_MAX)
		return false;
	memcpy(code, bc->ram + addr, room);
	return disasm_decode(bc->dis, code, sizeof code, addr, &x) != SIM_OK ||
	       x.len > room;
}

/*
 * Does the block hold an instruction whose accesses Unicorn reports with a
 * stale EIP (x86_stale_eip: a descriptor read, a segment load, a far
 * transfer, IRET, LAR...; CMPXCHG8B, BOUND, x87, FXSAVE, FXRSTOR), and
 * also a load of another instruction?  Unicorn's memory hook does not say
 * whether a read is the CPU's own descriptor read or the guest's load,
 * nor, inside those helpers, which instruction makes it: the EIP it
 * reports is a previous one's [measured: tests/guests/descread.S,
 * helpereip.S].  So such a block is run one instruction at a time up to
 * its last such instruction (block_stale_end; vmm_guard.c decides each
 * access by the instruction stepped), and the rest as a block of its
 * own.  Several
 * with no load of their own (MOV to FS then to GS) need no step: every
 * read of the tables is then one of theirs.  A far CALL, whose pushes
 * are made in its helper [measured: tests/guests/pusheip.S], is stepped
 * with another instruction's push as with another's load: in a block run
 * whole, every store but a memory operand's (a load, to this rule) is
 * then its own.
 */
static bool mixes_stale(const struct block *b)
{
	uint32_t stale = 0, loads = 0, loads_other = 0;
	uint32_t stale_pushes = 0, pushes_other = 0;

	for (uint32_t i = 0; i < b->n; i++) {
		const struct x86_instruction *x = &b->insns[i].x;
		bool s = x86_stale_eip(x);
		bool l = x86_reads_memory(x);
		bool p = x86_pushes(x);

		stale += s;
		loads += l;
		loads_other += l && !s;
		stale_pushes += s && p;
		pushes_other += p && !s;
	}
	return stale > 0 && (loads_other > 0 || (stale > 1 && loads > 0) ||
			     (stale_pushes > 0 && pushes_other > 0));
}

/* Skip the prefixes of x: the opcode's first byte. */
static uint8_t opcode_byte(const struct x86_instruction *x)
{
	static const uint8_t prefixes[] = {
		0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65
	};
	uint8_t i = 0;

	while (i < x->len && memchr(prefixes, x->bytes[i], sizeof prefixes))
		i++;
	return i < x->len ? x->bytes[i] : 0;
}

/*
 * Does every memory access of the block go to an address its bytes fix
 * (a memory operand with no base nor index register: a displacement in
 * a segment), with no descriptor read, no push, no other access of its
 * own (POP, RET, LEAVE, a string, XLAT)?  Where each access lands is
 * then known before the block runs: if all land in RAM, none reaches the
 * guard, which alone needs the EIP Unicorn reports (vmm_guard.c), and a
 * block BLOCK_STALE_MIXED may run whole (vmm_guard_block_in_ram).
 */
static bool fixed_accesses(const struct block *b)
{
	if (b->flags & BLOCK_UNDECODED)
		return false;
	for (uint32_t i = 0; i < b->n; i++) {
		const struct x86_instruction *x = &b->insns[i].x;
		int mem = 0;

		if (x86_op_reads_descriptors((enum x86_op)x->op) ||
		    x86_pushes(x) || opcode_byte(x) == 0x8f)	/* POP r/m */
			return false;
		for (int k = 0; k < x->nops; k++) {
			if (x->ops[k].kind != X86_OPND_MEM)
				continue;
			if (x->ops[k].base != X86R_NONE ||
			    x->ops[k].index != X86R_NONE)
				return false;
			mem++;
		}
		if (mem == 0 && x86_reads_memory(x))
			return false;	/* the stack's, a string's */
	}
	return true;
}

const struct block_insn *block_stale_insn(const struct block *b)
{
	const struct block_insn *any = NULL;

	if (b->flags & BLOCK_STALE_MIXED)
		return NULL;
	for (uint32_t i = 0; i < b->n; i++) {
		const struct block_insn *bi = &b->insns[i];

		if (bi->xlat == 2 || !x86_stale_eip(&bi->x))
			continue;	/* (rewritten: the VMM runs it) */
		if (x86_reads_memory(&bi->x))
			return bi;
		any = bi;
	}
	return any;
}

uint32_t block_stale_end(const struct block *b)
{
	uint32_t end = b->addr;

	for (uint32_t i = 0; i < b->n; i++)
		if (x86_stale_eip(&b->insns[i].x))
			end = b->insns[i].x.addr + b->insns[i].x.len;
	return end;
}

/*
 * Decode the instructions starting in [addr, addr+size), or one if size is
 * 0.  The last one may run past addr+size: Unicorn reports a block that
 * ends in a faulting instruction (LGDT at CPL 1, say) as ending where the
 * CPU stopped decoding it, not where the instruction ends.  Bytes capstone
 * cannot decode become one OTHER instruction covering the rest of the
 * block; the CPU raises #UD there if they really are invalid.  One that
 * begins in RAM and ends past it is not part of any block (NULL if it is
 * the first).
 */
static struct block *decode(struct blockcache *bc, uint32_t addr,
			    uint32_t size)
{
	uint32_t want = size ? size : 1;	/* bytes that must be covered */
	uint32_t cap = want;			/* worst case: 1-byte insns */
	uint32_t avail;
	struct block *b;
	uint32_t off = 0;

	if (addr >= bc->ram_size)
		return NULL;
	avail = bc->ram_size - addr;
	b = calloc(1, sizeof *b + cap * sizeof b->insns[0]);
	if (b == NULL)
		return NULL;
	b->addr = addr;
	b->size = size;
	while (off < want && off < avail && b->n < cap) {
		struct block_insn *bi = &b->insns[b->n];
		uint32_t room = avail - off;
		enum x86_op op;

		if (room > X86_INSN_MAX)
			room = X86_INSN_MAX;
		if (disasm_decode(bc->dis, bc->ram + addr + off, room,
				  addr + off, &bi->x) != SIM_OK) {
			if (ends_past_ram(bc, addr + off, room))
				break;
			memset(&bi->x, 0, sizeof bi->x);
			bi->x.addr = addr + off;
			bi->x.len = (uint8_t)(want - off > room ? room : want - off);
			memcpy(bi->x.bytes, bc->ram + addr + off, bi->x.len);
			b->flags |= BLOCK_UNDECODED;
		}
		op = (enum x86_op)bi->x.op;
		bi->cls = (uint8_t)classify_op(op);
		b->class_count[bi->cls]++;
		if (bi->cls == CLASS_IO)
			b->flags |= BLOCK_HAS_IO;
		if (op == X86_OP_ABSENT)
			b->flags |= BLOCK_ABSENT;
		if (bi->cls != CLASS_INNOCUOUS)
			b->flags |= BLOCK_NEEDS_VMM;
		if (op == X86_OP_CALL_FAR || op == X86_OP_JMP_FAR ||
		    op == X86_OP_RET_FAR || op == X86_OP_IRET)
			b->flags |= BLOCK_FAR_END;
		off += bi->x.len;
		b->n++;
	}
	if (b->n == 0) {	/* it begins with one ending past RAM */
		free(b);
		return NULL;
	}
	if (mixes_stale(b))
		b->flags |= BLOCK_STALE_MIXED;
	if (fixed_accesses(b))
		b->flags |= BLOCK_FIXED_ADDRS;
	b->span = off;
	mark_chunks(bc, addr, off);
	return b;
}

const struct block *blockcache_get(struct blockcache *bc, uint32_t addr,
				   uint32_t size)
{
	unsigned h = hash(addr, size);
	struct block *b;

	bc->stats.lookups++;
	for (b = bc->bucket[h]; b; b = b->next)
		if (b->addr == addr && b->size == size)
			return b;
	bc->stats.misses++;
	b = decode(bc, addr, size);
	if (b == NULL)
		return NULL;
	b->next = bc->bucket[h];
	bc->bucket[h] = b;
	if (!bc->in_used[h]) {
		bc->in_used[h] = 1;
		bc->used[bc->nused++] = (uint16_t)h;
	}
	bc->stats.blocks++;
	return b;
}

/*
 * Walk the instructions from addr as Unicorn's translator would, to the
 * first that ends a translation block.
 */
static uint32_t walk_reach(struct blockcache *bc, uint32_t addr)
{
	uint32_t at = addr;

	while (at < bc->ram_size && at - addr < BLOCK_TB_BYTES) {
		uint32_t room = bc->ram_size - at;
		struct x86_instruction x;

		if (room > X86_INSN_MAX)
			room = X86_INSN_MAX;
		if (disasm_decode(bc->dis, bc->ram + at, room, at, &x) != SIM_OK)
			return at + room;	/* #UD there: the block ends */
		at += x.len;
		if (x86_op_ends_block((enum x86_op)x.op))
			break;
	}
	return at < bc->ram_size ? at : bc->ram_size;
}

uint32_t blockcache_reach(struct blockcache *bc, uint32_t addr)
{
	struct block *b;

	if (blockcache_get(bc, addr, 0) == NULL)
		return 0;
	for (b = bc->bucket[hash(addr, 0)]; b->addr != addr || b->size != 0;
	     b = b->next)
		;	/* blockcache_get just found or made it */
	if (b->reach == 0) {
		b->reach = walk_reach(bc, addr);
		mark_chunks(bc, addr, b->reach - addr);
	}
	return b->reach;
}

int blockcache_boundaries(const struct blockcache *bc, uint32_t lo,
			  uint32_t hi, uint32_t *out, int max)
{
	int n = 0;

	for (unsigned h = 0; h < NBUCKETS; h++)
		for (const struct block *b = bc->bucket[h]; b; b = b->next) {
			if (b->addr >= hi || b->addr + b->span <= lo)
				continue;
			for (uint32_t i = 0; i < b->n && n < max; i++) {
				uint32_t a = b->insns[i].x.addr;

				if (a >= lo && a < hi)
					out[n++] = a;
			}
		}
	return n;
}

int block_index_of(const struct block *b, uint32_t addr)
{
	for (int i = 0; i < (int)b->n; i++)
		if (b->insns[i].x.addr == addr)
			return i;
	return -1;
}

/* Retire every block overlapping chunk c. */
static void retire_chunk(struct blockcache *bc, uint32_t c)
{
	uint32_t lo = c << CHUNK_SHIFT, hi = lo + (1u << CHUNK_SHIFT);

	for (int k = 0; k < bc->nused; k++) {
		int i = bc->used[k];
		struct block **pp = &bc->bucket[i];

		while (*pp) {
			struct block *b = *pp;
			uint32_t end = b->addr + b->span;

			if (b->reach > end)
				end = b->reach;	/* the code it was run with */
			if (b->addr < hi && end > lo) {
				*pp = b->next;
				b->next = bc->retired;
				bc->retired = b;
				bc->stats.blocks--;
				bc->stats.invalidations++;
			} else {
				pp = &b->next;
			}
		}
		if (bc->bucket[i] == NULL) {	/* emptied: out of the list */
			bc->in_used[i] = 0;
			bc->used[k--] = bc->used[--bc->nused];
		}
	}
	bc->code_chunks[c >> 3] &= (uint8_t)~(1u << (c & 7));
}

int blockcache_note_write(struct blockcache *bc, uint32_t addr, int size)
{
	uint32_t first = addr >> CHUNK_SHIFT;
	uint32_t last = (addr + (uint32_t)(size > 0 ? size : 1) - 1) >> CHUNK_SHIFT;
	int hit = 0;

	for (uint32_t c = first; c <= last; c++) {
		if ((c << CHUNK_SHIFT) >= bc->ram_size || !chunk_has_code(bc, c))
			continue;
		retire_chunk(bc, c);
		bc->generation++;
		hit = 1;
	}
	return hit;
}

void blockcache_watch(struct blockcache *bc, uint32_t addr, uint32_t len)
{
	if (addr >= bc->ram_size)
		return;
	if (len > bc->ram_size - addr)
		len = bc->ram_size - addr;
	mark_chunks(bc, addr, len);
}

uint32_t blockcache_chunk_bytes(void)
{
	return 1u << CHUNK_SHIFT;
}

const uint64_t *blockcache_generation(const struct blockcache *bc)
{
	return &bc->generation;
}

void blockcache_collect(struct blockcache *bc)
{
	free_chain(bc->retired);
	bc->retired = NULL;
}

void blockcache_get_stats(const struct blockcache *bc,
			  struct blockcache_stats *out)
{
	*out = bc->stats;
}
