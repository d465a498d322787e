/* Physical frame allocator: three bitmaps over 4 KiB frames.
 *
 * Invariant, per frame: avail implies !reserved && !allocated, and
 * free_frames == popcount(avail). Choices the header leaves open:
 *
 * - Frame 0 is reserved by pmem_init(), so 0 can mean "no memory" and so
 *   free_frames never counts a frame that pmem_alloc() would refuse.
 * - Reserving an allocated frame leaves it allocated (its owner still holds
 *   it and may free it), but pmem_free() does not make it available again.
 * - Adding an allocated frame as free changes nothing: it is not free.
 * - pmem_free() of part of an allocation is allowed; the bitmaps cannot tell
 *   allocations apart, only allocated frames from others.
 *
 * Range operations work a 64-bit word at a time, so building the map for tens
 * of GiB and scanning past full regions stays cheap.
 */
#include "kernel/pmem.h"

#define PMEM_NONE (~(u64)0)

static u64 pmem_words(u64 frames)
{
	return (frames + 63) / 64;
}

/* Local popcount: __builtin_popcountll may become a libgcc call, and the
 * hypervisor does not link libgcc. */
static u64 pmem_popcount(u64 x)
{
	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (x * 0x0101010101010101ull) >> 56;
}

/* Bits [lo, hi) of one word, 0 <= lo < hi <= 64. */
static u64 pmem_word_mask(u64 lo, u64 hi)
{
	u64 high = hi == 64 ? ~0ull : (1ull << hi) - 1;

	return high & ~((1ull << lo) - 1);
}

/* Frame range op applied per word; returns the total it reports. */
typedef u64 (*pmem_word_fn)(struct pmem *pm, u64 word, u64 mask);

static u64 pmem_range_apply(struct pmem *pm, u64 first, u64 end,
			    pmem_word_fn fn)
{
	u64 total = 0;

	while (first < end) {
		u64 word = first / 64;
		u64 lo = first % 64;
		u64 hi = MIN(end - word * 64, 64);

		total += fn(pm, word, pmem_word_mask(lo, hi));
		first = word * 64 + hi;
	}
	return total;
}

static u64 pmem_word_add_free(struct pmem *pm, u64 w, u64 mask)
{
	u64 fresh = mask & ~pm->reserved[w] & ~pm->allocated[w] & ~pm->avail[w];

	pm->avail[w] |= fresh;
	return pmem_popcount(fresh);
}

static u64 pmem_word_reserve(struct pmem *pm, u64 w, u64 mask)
{
	u64 taken = pm->avail[w] & mask;

	pm->reserved[w] |= mask;
	pm->avail[w] &= ~mask;
	return pmem_popcount(taken);
}

static u64 pmem_word_take(struct pmem *pm, u64 w, u64 mask)
{
	pm->avail[w] &= ~mask;
	pm->allocated[w] |= mask;
	return 0;
}

static u64 pmem_word_count_unallocated(struct pmem *pm, u64 w, u64 mask)
{
	return pmem_popcount(mask & ~pm->allocated[w]);
}

static u64 pmem_word_give_back(struct pmem *pm, u64 w, u64 mask)
{
	u64 back = mask & ~pm->reserved[w];

	pm->allocated[w] &= ~mask;
	pm->avail[w] |= back;
	return pmem_popcount(back);
}

u64 pmem_bitmap_bytes(u64 frames)
{
	return 3 * pmem_words(frames) * sizeof(u64);
}

void pmem_init(struct pmem *pm, void *storage, u64 frames)
{
	u64 words = pmem_words(frames);
	u64 i;

	pm->avail = storage;
	pm->reserved = pm->avail + words;
	pm->allocated = pm->reserved + words;
	for (i = 0; i < 3 * words; i++)
		pm->avail[i] = 0;
	pm->frames = frames;
	pm->free_frames = 0;
	pm->next_hint = 1;
	if (frames)
		pm->reserved[0] = 1;
}

/* base + len, saturating: a range reaching past 2^64 is clipped anyway. */
static u64 pmem_range_end(u64 base, u64 len)
{
	return len > ~0ull - base ? ~0ull : base + len;
}

void pmem_add_free(struct pmem *pm, u64 base, u64 len)
{
	u64 end_addr = pmem_range_end(base, len);
	/* Inward: only whole frames inside the range are usable. */
	u64 first = (base >> PAGE_SHIFT) + ((base & (PAGE_SIZE - 1)) != 0);
	u64 end = MIN(end_addr >> PAGE_SHIFT, pm->frames);

	if (first >= end)
		return;
	pm->free_frames += pmem_range_apply(pm, first, end, pmem_word_add_free);
}

void pmem_reserve(struct pmem *pm, u64 base, u64 len)
{
	u64 end_addr = pmem_range_end(base, len);
	/* Outward: a frame touched by the range at all is off limits. */
	u64 first = base >> PAGE_SHIFT;
	u64 end = (end_addr >> PAGE_SHIFT) + ((end_addr & (PAGE_SIZE - 1)) != 0);

	if (len == 0)
		return;
	end = MIN(end, pm->frames);
	if (first >= end)
		return;
	pm->free_frames -= pmem_range_apply(pm, first, end, pmem_word_reserve);
}

/* First frame in [pos, end) whose bit in @bits equals @want, or PMEM_NONE. */
static u64 pmem_find_bit(const u64 *bits, u64 pos, u64 end, bool want)
{
	while (pos < end) {
		u64 w = pos / 64;
		u64 word = want ? bits[w] : ~bits[w];

		word &= ~0ull << (pos % 64);
		if (word) {
			u64 hit = w * 64 + (u64)__builtin_ctzll(word);

			return hit < end ? hit : PMEM_NONE;
		}
		pos = (w + 1) * 64;
	}
	return PMEM_NONE;
}

/*
 * First run of @count available frames starting at an @align multiple in
 * [from, start_limit). The run itself may extend up to pm->frames.
 */
static u64 pmem_find_run(struct pmem *pm, u64 from, u64 start_limit,
			 u64 count, u64 align)
{
	u64 pos = from;

	for (;;) {
		u64 gap;

		pos = pmem_find_bit(pm->avail, pos, pm->frames, true);
		if (pos == PMEM_NONE)
			return PMEM_NONE;
		pos = ALIGN_UP(pos, align);
		if (pos >= start_limit || pos > pm->frames - count)
			return PMEM_NONE;
		gap = pmem_find_bit(pm->avail, pos, pos + count, false);
		if (gap == PMEM_NONE)
			return pos;
		pos = gap + 1;
	}
}

u64 pmem_alloc(struct pmem *pm, u64 count, u64 align_frames)
{
	u64 hint = pm->next_hint < pm->frames ? pm->next_hint : 1;
	u64 pos;

	if (align_frames == 0)
		align_frames = 1;
	if (align_frames & (align_frames - 1))
		return 0;
	/* Frame 0 is never handed out, so the first aligned candidate is
	 * align_frames itself; this also keeps ALIGN_UP from wrapping. */
	if (count == 0 || count > pm->free_frames || align_frames >= pm->frames)
		return 0;

	pos = pmem_find_run(pm, hint, pm->frames, count, align_frames);
	if (pos == PMEM_NONE)
		pos = pmem_find_run(pm, 1, hint, count, align_frames);
	if (pos == PMEM_NONE)
		return 0;

	pmem_range_apply(pm, pos, pos + count, pmem_word_take);
	pm->free_frames -= count;
	pm->next_hint = pos + count;
	return pos << PAGE_SHIFT;
}

bool pmem_free(struct pmem *pm, u64 phys, u64 count)
{
	u64 first = phys >> PAGE_SHIFT;

	/* A zero count or unaligned address is a caller bug worth reporting. */
	if (count == 0 || (phys & (PAGE_SIZE - 1)))
		return false;
	if (first >= pm->frames || count > pm->frames - first)
		return false;
	if (pmem_range_apply(pm, first, first + count,
			     pmem_word_count_unallocated))
		return false;
	pm->free_frames += pmem_range_apply(pm, first, first + count,
					    pmem_word_give_back);
	return true;
}
