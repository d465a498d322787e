/* Unit tests for arch/x86/xcall_slot.h, the cross-CPU call slot's
 * protocol: a call is run by its target or withdrawn by its caller, never
 * both, and never run after the caller was told it was withdrawn (its
 * argument may live in the caller's dead stack frame by then). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <pthread.h>
#include <cmocka.h>

#include "arch/x86/xcall_slot.h"

static void count_call(void *arg)
{
	(*(int *)arg)++;
}

static void test_claimed_call_runs_and_cannot_be_withdrawn(void **state)
{
	struct xcall_slot s = { 0 };
	int hits = 0;
	void *arg = NULL;
	xcall_fn fn;

	(void)state;
	xcall_post(&s, count_call, &hits);
	assert_false(xcall_is_done(&s));
	fn = xcall_claim(&s, &arg);
	assert_ptr_equal(fn, count_call);
	assert_ptr_equal(arg, &hits);
	/* The caller times out now: too late, it must wait. */
	assert_false(xcall_withdraw(&s));
	fn(arg);
	xcall_complete(&s);
	assert_true(xcall_is_done(&s));
	assert_int_equal(hits, 1);
	/* A second IPI for the same call finds nothing. */
	assert_null(xcall_claim(&s, &arg));
}

static void test_withdrawn_call_is_never_claimed(void **state)
{
	struct xcall_slot s = { 0 };
	int hits = 0;
	void *arg = NULL;

	(void)state;
	xcall_post(&s, count_call, &hits);
	assert_true(xcall_withdraw(&s));
	/* The IPI arrives late: nothing to run. */
	assert_null(xcall_claim(&s, &arg));
	assert_int_equal(hits, 0);
	assert_false(xcall_is_done(&s));
}

/* A late IPI from a withdrawn call may run the next caller's call: with
 * that call's own argument. */
static void test_late_ipi_runs_the_next_call(void **state)
{
	struct xcall_slot s = { 0 };
	int first = 0, second = 0;
	void *arg = NULL;
	xcall_fn fn;

	(void)state;
	xcall_post(&s, count_call, &first);
	assert_true(xcall_withdraw(&s));
	xcall_post(&s, count_call, &second);
	fn = xcall_claim(&s, &arg);
	assert_ptr_equal(fn, count_call);
	assert_ptr_equal(arg, &second);
	fn(arg);
	xcall_complete(&s);
	assert_int_equal(first, 0);
	assert_int_equal(second, 1);
}

/*
 * Both sides at once: a target that claims at random moments and runs
 * the call late, a caller with random, often too short, timeouts. A call
 * the caller withdrew must never run; one it did not must run once, and
 * must be over before the caller moves on.
 */
#define RACE_ROUNDS 20000

struct frame {
	int dead;   /* the caller withdrew it and returned */
	int ran;
	int ran_dead;
};

static struct xcall_slot race_slot;
static int race_stop;

static void spin(unsigned n)
{
	for (volatile unsigned i = 0; i < n; i++)
		;
}

static void frame_call(void *arg)
{
	struct frame *f = arg;

	if (__atomic_load_n(&f->dead, __ATOMIC_ACQUIRE))
		__atomic_store_n(&f->ran_dead, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&f->ran, 1, __ATOMIC_RELAXED);
}

static void *race_target(void *unused)
{
	unsigned seed = 1;

	(void)unused;
	while (!__atomic_load_n(&race_stop, __ATOMIC_ACQUIRE)) {
		void *arg;
		xcall_fn fn;

		spin(rand_r(&seed) % 512);
		fn = xcall_claim(&race_slot, &arg);
		if (!fn)
			continue;
		spin(rand_r(&seed) % 512); /* claimed, not yet running */
		fn(arg);
		xcall_complete(&race_slot);
	}
	return NULL;
}

static void test_race_withdraw_against_claim(void **state)
{
	struct frame *frames = calloc(RACE_ROUNDS, sizeof(*frames));
	unsigned seed = 2;
	pthread_t t;

	(void)state;
	assert_non_null(frames);
	assert_int_equal(pthread_create(&t, NULL, race_target, NULL), 0);
	for (unsigned i = 0; i < RACE_ROUNDS; i++) {
		struct frame *f = &frames[i];
		unsigned budget = rand_r(&seed) % 4096 * (rand_r(&seed) % 8);

		xcall_post(&race_slot, frame_call, f);
		while (!xcall_is_done(&race_slot) && budget--)
			spin(1);
		if (!xcall_is_done(&race_slot) && xcall_withdraw(&race_slot)) {
			__atomic_store_n(&f->dead, 1, __ATOMIC_RELEASE);
			continue;
		}
		while (!xcall_is_done(&race_slot))
			;
		assert_int_equal(__atomic_load_n(&f->ran, __ATOMIC_RELAXED), 1);
	}
	__atomic_store_n(&race_stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	for (unsigned i = 0; i < RACE_ROUNDS; i++) {
		assert_int_equal(frames[i].ran_dead, 0);
		assert_int_equal(frames[i].ran, frames[i].dead ? 0 : 1);
	}
	free(frames);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_claimed_call_runs_and_cannot_be_withdrawn),
		cmocka_unit_test(test_withdrawn_call_is_never_claimed),
		cmocka_unit_test(test_late_ipi_runs_the_next_call),
		cmocka_unit_test(test_race_withdraw_against_claim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
