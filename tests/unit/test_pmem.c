/* Host unit tests for the physical frame allocator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "kernel/pmem.h"

/* A pmem with its own bitmap storage, freed by pm_destroy(). */
static void pm_create(struct pmem *pm, u64 frames)
{
	void *storage = malloc(pmem_bitmap_bytes(frames) + 8);

	assert_non_null(storage);
	pmem_init(pm, storage, frames);
}

static void pm_destroy(struct pmem *pm)
{
	free(pm->avail);
}

#define F(n) ((u64)(n) * PAGE_SIZE)

static void test_bitmap_bytes(void **state)
{
	(void)state;
	assert_int_equal(pmem_bitmap_bytes(0), 0);
	assert_int_equal(pmem_bitmap_bytes(1), 3 * 8);
	assert_int_equal(pmem_bitmap_bytes(64), 3 * 8);
	assert_int_equal(pmem_bitmap_bytes(65), 3 * 16);
}

static void test_init_empty(void **state)
{
	struct pmem pm;

	(void)state;
	pm_create(&pm, 256);
	assert_int_equal(pm.frames, 256);
	assert_int_equal(pm.free_frames, 0);
	assert_int_equal(pmem_alloc(&pm, 1, 1), 0);
	pm_destroy(&pm);
}

static void test_frame0_never_returned(void **state)
{
	struct pmem pm;
	u64 i, a;

	(void)state;
	pm_create(&pm, 16);
	pmem_add_free(&pm, 0, F(16));
	/* Frame 0 is reserved at init, so it is not counted as free. */
	assert_int_equal(pm.free_frames, 15);
	for (i = 0; i < 15; i++) {
		a = pmem_alloc(&pm, 1, 1);
		assert_int_not_equal(a, 0);
		assert_int_equal(a % PAGE_SIZE, 0);
		assert_true(a < F(16));
	}
	assert_int_equal(pm.free_frames, 0);
	assert_int_equal(pmem_alloc(&pm, 1, 1), 0);
	/* Frame 0 cannot be freed into the pool either. */
	assert_false(pmem_free(&pm, 0, 1));
	pm_destroy(&pm);
}

static void test_add_then_reserve(void **state)
{
	struct pmem pm;

	(void)state;
	pm_create(&pm, 64);
	pmem_add_free(&pm, F(1), F(63));
	assert_int_equal(pm.free_frames, 63);
	pmem_reserve(&pm, F(10), F(10));
	assert_int_equal(pm.free_frames, 53);
	/* Adding again does not undo the reservation or double count. */
	pmem_add_free(&pm, 0, F(64));
	assert_int_equal(pm.free_frames, 53);
	while (pm.free_frames) {
		u64 a = pmem_alloc(&pm, 1, 1);

		assert_true(a < F(10) || a >= F(20));
	}
	pm_destroy(&pm);
}

static void test_reserve_then_add(void **state)
{
	struct pmem pm;

	(void)state;
	pm_create(&pm, 64);
	pmem_reserve(&pm, F(10), F(10));
	assert_int_equal(pm.free_frames, 0);
	pmem_add_free(&pm, F(1), F(63));
	assert_int_equal(pm.free_frames, 53);
	while (pm.free_frames) {
		u64 a = pmem_alloc(&pm, 1, 1);

		assert_true(a < F(10) || a >= F(20));
	}
	assert_int_equal(pmem_alloc(&pm, 1, 1), 0);
	pm_destroy(&pm);
}

static void test_add_rounds_inward(void **state)
{
	struct pmem pm;

	(void)state;
	pm_create(&pm, 64);
	/* [1.5, 4.5) frames: only frames 2 and 3 are whole. */
	pmem_add_free(&pm, F(1) + 0x800, F(3));
	assert_int_equal(pm.free_frames, 2);
	/* Less than a frame, and a range inside one frame: nothing. */
	pmem_add_free(&pm, F(10) + 1, F(1));
	pmem_add_free(&pm, F(20) + 1, 100);
	pmem_add_free(&pm, F(30), 0);
	assert_int_equal(pm.free_frames, 2);
	assert_int_equal(pmem_alloc(&pm, 1, 1), F(2));
	assert_int_equal(pmem_alloc(&pm, 1, 1), F(3));
	assert_int_equal(pmem_alloc(&pm, 1, 1), 0);
	pm_destroy(&pm);
}

static void test_reserve_rounds_outward(void **state)
{
	struct pmem pm;

	(void)state;
	pm_create(&pm, 64);
	pmem_add_free(&pm, F(1), F(63));
	/* One byte at the end of frame 4 and one at the start of frame 5. */
	pmem_reserve(&pm, F(5) - 1, 2);
	assert_int_equal(pm.free_frames, 61);
	/* A zero-length reservation takes nothing. */
	pmem_reserve(&pm, F(30), 0);
	assert_int_equal(pm.free_frames, 61);
	while (pm.free_frames) {
		u64 a = pmem_alloc(&pm, 1, 1);

		assert_true(a != F(4) && a != F(5));
	}
	pm_destroy(&pm);
}

static void test_clip_past_end(void **state)
{
	struct pmem pm;

	(void)state;
	pm_create(&pm, 100);
	pmem_add_free(&pm, F(50), GiB(64));
	assert_int_equal(pm.free_frames, 50);
	/* Wholly outside, and a length that would wrap 2^64. */
	pmem_add_free(&pm, F(200), F(10));
	pmem_add_free(&pm, F(1), ~0ull);
	assert_int_equal(pm.free_frames, 99);
	pmem_reserve(&pm, F(90), ~0ull);
	assert_int_equal(pm.free_frames, 89);
	pmem_reserve(&pm, ~0ull - 10, 100);
	assert_int_equal(pm.free_frames, 89);
	assert_int_equal(pmem_alloc(&pm, 10, 1) >= F(1), 1);
	assert_false(pmem_free(&pm, F(100), 1));
	assert_false(pmem_free(&pm, F(99), 2));
	assert_false(pmem_free(&pm, ~0ull & ~(PAGE_SIZE - 1), 1));
	pm_destroy(&pm);
}

static void test_exhaustion(void **state)
{
	struct pmem pm;
	u64 n = 0;

	(void)state;
	pm_create(&pm, 1000);
	pmem_add_free(&pm, 0, F(1000));
	while (pmem_alloc(&pm, 1, 1))
		n++;
	assert_int_equal(n, 999);
	assert_int_equal(pm.free_frames, 0);
	pm_destroy(&pm);
}

static void test_alignment(void **state)
{
	struct pmem pm;
	u64 a, b;

	(void)state;
	pm_create(&pm, 4096);
	pmem_add_free(&pm, 0, F(4096));
	/* Knock the hint off alignment first. */
	assert_int_equal(pmem_alloc(&pm, 3, 1), F(1));
	a = pmem_alloc(&pm, 1, 512);
	assert_int_equal(a, F(512));
	b = pmem_alloc(&pm, 512, 512);
	assert_int_equal(b, F(1024));
	a = pmem_alloc(&pm, 1, 16);
	assert_int_equal(a % F(16), 0);
	/* Non power of two alignment is refused. */
	assert_int_equal(pmem_alloc(&pm, 1, 3), 0);
	/* Alignment as large as the map: only frame 0 would fit. */
	assert_int_equal(pmem_alloc(&pm, 1, 4096), 0);
	/* Zero means no alignment. */
	assert_int_not_equal(pmem_alloc(&pm, 1, 0), 0);
	assert_int_equal(pm.free_frames, 4095 - 3 - 1 - 512 - 1 - 1);
	pm_destroy(&pm);
}

static void test_contiguous(void **state)
{
	struct pmem pm;
	u64 a;

	(void)state;
	pm_create(&pm, 256);
	pmem_add_free(&pm, F(1), F(255));
	/* Holes at 20 and 100 split the free space into runs. */
	pmem_reserve(&pm, F(20), F(1));
	pmem_reserve(&pm, F(100), F(1));
	/* 1..19 is too short; the run must not straddle the hole. */
	a = pmem_alloc(&pm, 30, 1);
	assert_int_equal(a, F(21));
	/* 51..99 is too short; 101..170 crosses a 64-frame word boundary. */
	assert_int_equal(pmem_alloc(&pm, 70, 1), F(101));
	/* A run ending exactly at the last frame. */
	assert_int_equal(pmem_alloc(&pm, 85, 1), F(171));
	assert_int_equal(pm.free_frames, 19 + 49);
	assert_int_equal(pmem_alloc(&pm, 50, 1), 0);
	assert_int_equal(pmem_alloc(&pm, 200, 1), 0);
	assert_int_equal(pmem_alloc(&pm, 0, 1), 0);
	assert_int_equal(pm.free_frames, 19 + 49);
	assert_int_equal(pmem_alloc(&pm, 49, 1), F(51));
	assert_true(pmem_free(&pm, a, 30));
	assert_int_equal(pmem_alloc(&pm, 30, 1), F(21));
	assert_int_equal(pm.free_frames, 19);
	pm_destroy(&pm);
}

static void test_next_fit_wraps(void **state)
{
	struct pmem pm;
	u64 a, b, c;

	(void)state;
	pm_create(&pm, 128);
	pmem_add_free(&pm, 0, F(128));
	a = pmem_alloc(&pm, 60, 1);
	assert_int_equal(a, F(1));
	b = pmem_alloc(&pm, 60, 1);
	assert_int_equal(b, F(61));
	/* Freeing a then asking for more than the tail holds wraps around. */
	assert_true(pmem_free(&pm, a, 60));
	c = pmem_alloc(&pm, 10, 1);
	assert_int_equal(c, F(1));
	/* Next fit: continues after c, not from the start. */
	assert_int_equal(pmem_alloc(&pm, 1, 1), F(11));
	/* Only 7 frames remain at the tail; 40 must wrap to the front. */
	assert_int_equal(pmem_alloc(&pm, 40, 1), F(12));
	pm_destroy(&pm);
}

static void test_free_realloc(void **state)
{
	struct pmem pm;
	u64 a, b;

	(void)state;
	pm_create(&pm, 8);
	pmem_add_free(&pm, 0, F(8));
	a = pmem_alloc(&pm, 7, 1);
	assert_int_equal(a, F(1));
	assert_int_equal(pmem_alloc(&pm, 1, 1), 0);
	assert_true(pmem_free(&pm, F(3), 2));
	assert_int_equal(pm.free_frames, 2);
	b = pmem_alloc(&pm, 2, 1);
	assert_int_equal(b, F(3));
	assert_int_equal(pm.free_frames, 0);
	pm_destroy(&pm);
}

static void test_double_free(void **state)
{
	struct pmem pm;
	u64 a;

	(void)state;
	pm_create(&pm, 64);
	pmem_add_free(&pm, 0, F(64));
	a = pmem_alloc(&pm, 4, 1);
	assert_true(pmem_free(&pm, a, 4));
	assert_int_equal(pm.free_frames, 63);
	assert_false(pmem_free(&pm, a, 4));
	assert_false(pmem_free(&pm, a, 1));
	assert_int_equal(pm.free_frames, 63);

	/* Partly allocated range: rejected whole, nothing changes. */
	a = pmem_alloc(&pm, 2, 1);
	assert_false(pmem_free(&pm, a, 3));
	assert_int_equal(pm.free_frames, 61);
	assert_true(pmem_free(&pm, a, 2));
	assert_int_equal(pm.free_frames, 63);
	pm_destroy(&pm);
}

static void test_free_bad_frames(void **state)
{
	struct pmem pm;
	u64 a;

	(void)state;
	pm_create(&pm, 64);
	pmem_add_free(&pm, 0, F(32));
	pmem_reserve(&pm, F(40), F(4));
	a = pmem_alloc(&pm, 1, 1);
	/* Free but never allocated, reserved, never added, misaligned. */
	assert_false(pmem_free(&pm, F(10), 1));
	assert_false(pmem_free(&pm, F(40), 1));
	assert_false(pmem_free(&pm, F(50), 1));
	assert_false(pmem_free(&pm, a + 1, 1));
	assert_false(pmem_free(&pm, a, 0));
	assert_int_equal(pm.free_frames, 30);
	assert_true(pmem_free(&pm, a, 1));
	assert_int_equal(pm.free_frames, 31);
	pm_destroy(&pm);
}

/* Reserving an allocated frame: it stays with its owner until freed, and
 * then it is gone for good. */
static void test_reserve_allocated(void **state)
{
	struct pmem pm;
	u64 a;

	(void)state;
	pm_create(&pm, 16);
	pmem_add_free(&pm, 0, F(16));
	a = pmem_alloc(&pm, 2, 1);
	pmem_reserve(&pm, a, PAGE_SIZE);
	assert_int_equal(pm.free_frames, 13);
	assert_true(pmem_free(&pm, a, 2));
	assert_int_equal(pm.free_frames, 14);
	while (pm.free_frames)
		assert_int_not_equal(pmem_alloc(&pm, 1, 1), a);
	/* Adding an allocated frame as free does not make it free. */
	a = F(5);
	pmem_add_free(&pm, 0, F(16));
	assert_int_equal(pm.free_frames, 0);
	assert_true(pmem_free(&pm, a, 1));
	assert_int_equal(pm.free_frames, 1);
	pm_destroy(&pm);
}

/*
 * 4 GiB worth of frames (1 Mi frames): fill it all one frame at a time, then
 * make allocations that must scan past long full stretches, or fail only
 * after scanning everything. Mostly a guard against per-bit full scans.
 */
static void test_large_map(void **state)
{
	const u64 frames = GiB(4) / PAGE_SIZE;
	const u64 low = GiB(1) / PAGE_SIZE;
	const u64 hole = 0xa0000 / PAGE_SIZE, hole_end = 0x100000 / PAGE_SIZE;
	struct pmem pm;
	u64 i, a, prev = 0, n = 0;
	clock_t t0;
	double secs;

	(void)state;
	pm_create(&pm, frames);
	t0 = clock();
	pmem_add_free(&pm, 0, GiB(4));
	pmem_reserve(&pm, 0xa0000, 0x60000);
	assert_int_equal(pm.free_frames, frames - 1 - (hole_end - hole));

	while ((a = pmem_alloc(&pm, 1, 1))) {
		assert_true(a > prev);
		assert_true(a < F(hole) || a >= F(hole_end));
		prev = a;
		n++;
	}
	assert_int_equal(n, frames - 1 - (hole_end - hole));
	assert_int_equal(pm.free_frames, 0);

	/* A 1-frame hole near the start and a 4-frame run near the end: the
	 * wrapped search must skip ~16 Ki full words to reach the run. */
	assert_true(pmem_free(&pm, F(5), 1));
	assert_true(pmem_free(&pm, F(frames - 8), 4));
	assert_int_equal(pmem_alloc(&pm, 4, 1), F(frames - 8));
	assert_int_equal(pmem_alloc(&pm, 1, 1), F(5));

	/* Free every other frame of the low GiB: plenty of free frames, no
	 * two adjacent, so each of these scans the whole map and fails. */
	for (i = 2; i < low; i += 2)
		if (i < hole || i >= hole_end)
			assert_true(pmem_free(&pm, F(i), 1));
	for (i = 0; i < 50; i++)
		assert_int_equal(pmem_alloc(&pm, 2, 1), 0);
	assert_int_not_equal(pmem_alloc(&pm, 1, 1), 0);

	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	print_message("large map: %.3f s CPU\n", secs);
	assert_true(secs < 5.0);
	pm_destroy(&pm);
}

/* Frame states of the reference model in test_random_against_model(). */
enum { M_NONE, M_FREE, M_ALLOC, M_RESERVED, M_RESERVED_ALLOC };

/* Random operations checked against a byte-per-frame model: every result,
 * and free_frames after every step, must match. */
static void test_random_against_model(void **state)
{
	enum { N = 700 };
	static u8 model[N];
	u64 recent[64][2] = { { 0 } }; /* frame, count of recent allocations */
	struct pmem pm;
	u64 seed = 0x9e3779b97f4a7c15ull;
	u32 step;
	u64 i, model_free;

	(void)state;
	pm_create(&pm, N);
	memset(model, M_NONE, sizeof(model));
	model[0] = M_RESERVED;
	for (step = 0; step < 200000; step++) {
		u64 r, first, count, align, a;
		bool ok, expect;

		/* xorshift64: cheap, and enough bits for every field below. */
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		r = seed;
		first = r % N;
		count = 1 + (r >> 10) % 9;
		switch ((r >> 20) % 16) {
		case 0: /* add free, byte-granular */
			pmem_add_free(&pm, first * PAGE_SIZE + (r & 1) * 7,
				      count * PAGE_SIZE);
			for (i = first + (r & 1);
			     i < MIN(first + count, (u64)N); i++)
				if (model[i] == M_NONE)
					model[i] = M_FREE;
			break;
		case 1: /* reserve, rarely */
			if ((r >> 24) % 64)
				break;
			pmem_reserve(&pm, first * PAGE_SIZE, PAGE_SIZE);
			if (model[first] == M_ALLOC)
				model[first] = M_RESERVED_ALLOC;
			else if (model[first] != M_RESERVED_ALLOC)
				model[first] = M_RESERVED;
			break;
		case 2 ... 8:
			align = 1ull << ((r >> 8) % 4);
			a = pmem_alloc(&pm, count, align);
			if (!a)
				break;
			assert_int_equal(a % (align * PAGE_SIZE), 0);
			recent[step % 64][0] = a / PAGE_SIZE;
			recent[step % 64][1] = count;
			for (i = a / PAGE_SIZE; i < a / PAGE_SIZE + count; i++) {
				assert_true(i > 0 && i < N);
				assert_int_equal(model[i], M_FREE);
				model[i] = M_ALLOC;
			}
			break;
		default:
			/* Mostly free what was handed out, else a random range. */
			if ((r >> 24) % 4 && recent[(r >> 4) % 64][1]) {
				first = recent[(r >> 4) % 64][0];
				count = recent[(r >> 4) % 64][1];
			}
			count = MIN(count, N - first);
			expect = true;
			for (i = first; i < first + count; i++)
				if (model[i] != M_ALLOC &&
				    model[i] != M_RESERVED_ALLOC)
					expect = false;
			ok = pmem_free(&pm, first * PAGE_SIZE, count);
			assert_int_equal(ok, expect);
			for (i = first; ok && i < first + count; i++)
				model[i] = model[i] == M_ALLOC ? M_FREE :
								 M_RESERVED;
			break;
		}
		model_free = 0;
		for (i = 0; i < N; i++)
			model_free += model[i] == M_FREE;
		assert_int_equal(pm.free_frames, model_free);
	}
	pm_destroy(&pm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bitmap_bytes),
		cmocka_unit_test(test_init_empty),
		cmocka_unit_test(test_frame0_never_returned),
		cmocka_unit_test(test_add_then_reserve),
		cmocka_unit_test(test_reserve_then_add),
		cmocka_unit_test(test_add_rounds_inward),
		cmocka_unit_test(test_reserve_rounds_outward),
		cmocka_unit_test(test_clip_past_end),
		cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_contiguous),
		cmocka_unit_test(test_next_fit_wraps),
		cmocka_unit_test(test_free_realloc),
		cmocka_unit_test(test_double_free),
		cmocka_unit_test(test_free_bad_frames),
		cmocka_unit_test(test_reserve_allocated),
		cmocka_unit_test(test_random_against_model),
		cmocka_unit_test(test_large_map),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
