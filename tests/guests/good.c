/*
 * good: a well-behaved SMP guest (any number of vCPUs). Each vCPU fills a
 * buffer of its own with a deterministic pattern, mixes it in place over
 * several passes, and checks the result against the same arithmetic done
 * in registers only, element by element: memory that changes under the
 * guest (a hypervisor bug) or lost work shows up as a mismatch.
 *
 * Prints "good: vcpu I checksum 0x..." per vCPU, then vCPU 0 prints
 * "good: done, N vcpus, all checksums ok" or "good: FAIL ...".
 */
#include "tests/guests/lib/rt.h"

const char guest_name[] = "good";

/* Buffers live in the first MiB, free RAM by ENTRY_STATE.md; below the
 * legacy VGA/ROM hole at 640 KiB, so they are RAM on any PC-like platform
 * this guest might be started on. */
#define BUF_BASE 0x10000ull
#define BUF_AREA (0xa0000ull - BUF_BASE)
#define BUF_MAX KiB(256)
/* Mixing passes over the buffer; `passes=N` on the guest command line
 * (after `--`) lengthens the run, e.g. to overlap another VM's work. */
#define DEFAULT_PASSES 16

static unsigned passes;

static bool checksum_ok[RT_MAX_VCPUS];
static struct barrier done_barrier;

static u64 mix(u64 x)
{
	/* splitmix64 finaliser */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static u64 initial(unsigned index, u64 i)
{
	return mix(((u64)index << 40) ^ i ^ 0x686f6c6466617374ull);
}

static u64 step(u64 x, unsigned pass, u64 i)
{
	return x * 0x5851f42d4c957f2dull + ((u64)pass ^ i);
}

static u64 fold(u64 h, u64 x)
{
	return (h ^ x) * 0x100000001b3ull;
}

/* Pass-major, through memory. */
static u64 checksum_memory(volatile u64 *buf, u64 n, unsigned index)
{
	u64 h = 0xcbf29ce484222325ull;

	for (u64 i = 0; i < n; i++)
		buf[i] = initial(index, i);
	for (unsigned p = 0; p < passes; p++)
		for (u64 i = 0; i < n; i++)
			buf[i] = step(buf[i], p, i);
	for (u64 i = 0; i < n; i++)
		h = fold(h, buf[i]);
	return h;
}

/* Element-major, in registers. */
static u64 checksum_registers(u64 n, unsigned index)
{
	u64 h = 0xcbf29ce484222325ull;

	for (u64 i = 0; i < n; i++) {
		u64 x = initial(index, i);

		for (unsigned p = 0; p < passes; p++)
			x = step(x, p, i);
		h = fold(h, x);
	}
	return h;
}

void guest_main(unsigned index, unsigned count)
{
	u64 size = MIN(BUF_MAX, ALIGN_DOWN(BUF_AREA / count, PAGE_SIZE));
	volatile u64 *buf = (volatile u64 *)(uintptr_t)(BUF_BASE +
							 index * size);
	u64 n = size / sizeof(u64);

	passes = (unsigned)MAX(1, MIN(rt_option_u64("passes", DEFAULT_PASSES), 1u << 20));
	u64 got = checksum_memory(buf, n, index);
	u64 want = checksum_registers(n, index);

	checksum_ok[index] = got == want;
	if (got == want)
		gprintf("good: vcpu %u checksum 0x%016lx\n", index, got);
	else
		gprintf("good: FAIL vcpu %u checksum 0x%016lx expected 0x%016lx\n",
			index, got, want);
	barrier_wait(&done_barrier, count);
	if (index != 0)
		return;
	unsigned bad = 0;

	for (unsigned i = 0; i < count; i++)
		bad += !checksum_ok[i];
	if (bad)
		gprintf("good: FAIL %u of %u vcpus with wrong checksums\n", bad,
			count);
	else
		gprintf("good: done, %u vcpus, all checksums ok\n", count);
}
