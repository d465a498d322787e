/* Physical page allocator: a bitmap over every 4 KiB frame below the highest
 * usable address. Pure core (no locking, no hardware), host unit-tested;
 * kernel/page_alloc.c wraps it with a lock for the hypervisor.
 *
 * A frame is allocatable only when it lies in a range added as free and was
 * never reserved: reservations win over free ranges whatever the call order.
 */
#ifndef HOLDFAST_PMEM_H
#define HOLDFAST_PMEM_H

#include "lib/types.h"

struct pmem {
	u64 *avail;      /* bit set: frame may be handed out now */
	u64 *reserved;   /* bit set: never hand out, even if later added as free */
	u64 *allocated;  /* bit set: handed out by pmem_alloc (catches bad frees) */
	u64 frames;      /* frames covered by the bitmaps */
	u64 free_frames; /* frames currently allocatable */
	u64 next_hint;   /* where the next search starts */
};

/* Bytes of bitmap storage needed for @frames frames (all three bitmaps). */
u64 pmem_bitmap_bytes(u64 frames);

/* Start with every frame unavailable; @storage holds pmem_bitmap_bytes().
 * Frame 0 starts reserved, so free_frames never counts it. */
void pmem_init(struct pmem *pm, void *storage, u64 frames);

/* Make [base, base+len) available; partial frames at the ends are dropped. */
void pmem_add_free(struct pmem *pm, u64 base, u64 len);

/* Take [base, base+len) away for good; partial frames at the ends included. */
void pmem_reserve(struct pmem *pm, u64 base, u64 len);

/* Allocate @count contiguous frames aligned to @align_frames (a power of
 * two, 1 for none). Returns the physical address, or 0 when none fit.
 * Frame 0 is never handed out, so 0 is unambiguous. */
u64 pmem_alloc(struct pmem *pm, u64 count, u64 align_frames);

/* Give back @count frames at @phys. Returns false (and changes nothing) when
 * any of them was not allocated: a double free or a bad address (also for
 * @count 0 or an unaligned @phys). Frames reserved while allocated are not
 * handed out again. */
bool pmem_free(struct pmem *pm, u64 phys, u64 count);

#endif
