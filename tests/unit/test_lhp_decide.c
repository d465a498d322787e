/* Unit tests for sched/lhp/lhp_decide.c and spin_decide.c: each
 * lock-holder-preemption rule, from its inputs alone. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sched/lhp/lhp_decide.h"
#include "sched/lhp/spin_decide.h"

#define NOW 1000000ull
#define BOUND 8000ull
#define POLL 1000ull
#define SLICE 30000ull
#define ALL_MODES (LHP_MODE_DELAY | LHP_MODE_SAFEPOINT)

/* A patched guest holding a lock in kernel mode, due for preemption, with
 * a neighbour waiting: the case every deferral exists for. */
static struct lhp_input holder(u32 modes)
{
	struct lhp_input in = {
		.modes = modes,
		.request = LHP_REQ_PREEMPT,
		.others_waiting = true,
		.has_block = true,
		.lock_depth = 1,
		.cpl = 0,
		.now = NOW,
		.bound = BOUND,
		.poll = POLL,
		.slice = SLICE,
	};

	return in;
}

static const struct lhp_state fresh;

static void test_no_mode_preempts(void **state)
{
	struct lhp_input in = holder(0);
	struct lhp_decision d = lhp_decide(&in, &fresh);

	(void)state;
	assert_int_equal(d.verdict, LHP_LEAVE);
	assert_int_equal(d.reason, LHP_WHY_NO_DEFERRAL);
	assert_int_equal(d.recheck_at, 0);
}

static void test_delay_grants_one_bounded_extension(void **state)
{
	struct lhp_input in = holder(LHP_MODE_DELAY);
	struct lhp_decision d = lhp_decide(&in, &fresh);

	(void)state;
	assert_int_equal(d.verdict, LHP_STAY);
	assert_int_equal(d.reason, LHP_WHY_EXTENSION_GRANTED);
	assert_int_equal(d.next.extension_end, NOW + BOUND);
	assert_true(d.next.extension_used);
	assert_int_equal(d.recheck_at, NOW + BOUND);

	/* Before its end it runs on, with nothing re-armed. */
	struct lhp_state s = d.next;

	in.now = NOW + BOUND - 1;
	d = lhp_decide(&in, &s);
	assert_int_equal(d.verdict, LHP_STAY);
	assert_int_equal(d.reason, LHP_WHY_EXTENSION_RUNS);
	assert_int_equal(d.recheck_at, 0);

	/* At its end the holder is preempted anyway: forced. */
	in.now = NOW + BOUND;
	d = lhp_decide(&in, &s);
	assert_int_equal(d.verdict, LHP_LEAVE);
	assert_int_equal(d.reason, LHP_WHY_EXTENSION_OVER);
	assert_true(d.forced);
	assert_int_equal(d.next.extension_end, 0);
	assert_true(d.next.extension_used);

	/* No second extension in the same slice. */
	s = d.next;
	in.now = NOW + 2 * BOUND;
	d = lhp_decide(&in, &s);
	assert_int_equal(d.verdict, LHP_LEAVE);
	assert_int_equal(d.reason, LHP_WHY_EXTENSION_SPENT);
}

static void test_extension_over_after_release_is_not_forced(void **state)
{
	struct lhp_input in = holder(LHP_MODE_DELAY);
	struct lhp_state s = { .extension_end = NOW, .extension_used = true };
	struct lhp_decision d;

	(void)state;
	in.lock_depth = 0;
	d = lhp_decide(&in, &s);
	assert_int_equal(d.verdict, LHP_LEAVE);
	assert_int_equal(d.reason, LHP_WHY_EXTENSION_OVER);
	assert_false(d.forced);
}

static void test_delay_needs_a_lock_held_and_a_block(void **state)
{
	struct lhp_input in = holder(LHP_MODE_DELAY);
	struct lhp_decision d;

	(void)state;
	in.lock_depth = 0;
	d = lhp_decide(&in, &fresh);
	assert_int_equal(d.verdict, LHP_LEAVE);
	assert_int_equal(d.reason, LHP_WHY_NO_DEFERRAL);

	in = holder(LHP_MODE_DELAY);
	in.has_block = false;
	in.lock_depth = 0;
	d = lhp_decide(&in, &fresh);
	assert_int_equal(d.verdict, LHP_LEAVE);
}

/* Rule 1: a yield is not a preemption, whatever the modes and the lock. */
static void test_yield_leaves_at_once(void **state)
{
	struct lhp_input in = holder(ALL_MODES);
	struct lhp_state running = { .extension_end = NOW + BOUND,
				     .extension_used = true };
	struct lhp_state waiting = { .safepoint_end = NOW + BOUND };
	struct lhp_decision d;

	(void)state;
	in.request = LHP_REQ_YIELD;
	d = lhp_decide(&in, &fresh);
	assert_int_equal(d.verdict, LHP_LEAVE);
	assert_int_equal(d.reason, LHP_WHY_YIELD);
	assert_int_equal(d.recheck_at, 0);

	d = lhp_decide(&in, &running);
	assert_int_equal(d.verdict, LHP_LEAVE);
	assert_int_equal(d.reason, LHP_WHY_YIELD);
	assert_int_equal(d.next.extension_end, 0);
	assert_false(d.next.extension_used);

	d = lhp_decide(&in, &waiting);
	assert_int_equal(d.verdict, LHP_LEAVE);
	assert_int_equal(d.next.safepoint_end, 0);
}

/* Rule 4: a slice end nobody waits on: run on for a fresh slice, with no
 * extension and no safe-point wait. */
static void test_alone_gets_no_deferral(void **state)
{
	struct lhp_input in = holder(ALL_MODES);
	struct lhp_decision d;

	(void)state;
	in.request = LHP_REQ_SLICE_END;
	in.others_waiting = false;
	d = lhp_decide(&in, &fresh);
	assert_int_equal(d.verdict, LHP_STAY);
	assert_int_equal(d.reason, LHP_WHY_ALONE);
	assert_int_equal(d.recheck_at, NOW + SLICE);
	assert_false(d.next.extension_used);
	assert_int_equal(d.next.extension_end, 0);
	assert_int_equal(d.next.safepoint_end, 0);

	/* Someone waits: the same slice end defers as usual. */
	in.others_waiting = true;
	d = lhp_decide(&in, &fresh);
	assert_int_equal(d.reason, LHP_WHY_EXTENSION_GRANTED);
}

/* The policy wanting the CPU (a woken vCPU, a cap) is no bare slice end:
 * the holder is protected even when no queue shows a waiter yet. */
static void test_policy_preemption_is_deferred_even_if_nobody_queued(void **state)
{
	struct lhp_input in = holder(LHP_MODE_DELAY);
	struct lhp_decision d;

	(void)state;
	in.others_waiting = false;
	d = lhp_decide(&in, &fresh);
	assert_int_equal(d.verdict, LHP_STAY);
	assert_int_equal(d.reason, LHP_WHY_EXTENSION_GRANTED);
}

/* A deferral that began while someone waited runs to its end even if the
 * waiter went away meanwhile (it is bounded either way). */
static void test_running_extension_outlives_the_waiter(void **state)
{
	struct lhp_input in = holder(LHP_MODE_DELAY);
	struct lhp_state s = { .extension_end = NOW + 1, .extension_used = true };
	struct lhp_decision d;

	(void)state;
	in.request = LHP_REQ_SLICE_END;
	in.others_waiting = false;
	d = lhp_decide(&in, &s);
	assert_int_equal(d.reason, LHP_WHY_EXTENSION_RUNS);
}

static void test_nothing_due_runs_on(void **state)
{
	struct lhp_input in = holder(ALL_MODES);
	struct lhp_decision d;

	(void)state;
	in.request = LHP_REQ_NONE;
	d = lhp_decide(&in, &fresh);
	assert_int_equal(d.verdict, LHP_STAY);
	assert_int_equal(d.reason, LHP_WHY_NOTHING_DUE);
	assert_int_equal(d.next.extension_end, 0);
	assert_false(d.next.extension_used);
	assert_int_equal(d.next.safepoint_end, 0);
}

static void test_safepoint_in_user_mode_leaves(void **state)
{
	struct lhp_input in = holder(LHP_MODE_SAFEPOINT);
	struct lhp_decision d;

	(void)state;
	in.cpl = 3;
	d = lhp_decide(&in, &fresh);
	assert_int_equal(d.verdict, LHP_LEAVE);
	assert_int_equal(d.reason, LHP_WHY_NO_DEFERRAL);
}

static void test_safepoint_waits_polls_and_is_bounded(void **state)
{
	struct lhp_input in = holder(LHP_MODE_SAFEPOINT);
	struct lhp_decision d = lhp_decide(&in, &fresh);
	struct lhp_state s;

	(void)state;
	assert_int_equal(d.verdict, LHP_STAY);
	assert_int_equal(d.reason, LHP_WHY_SAFEPOINT_STARTED);
	assert_int_equal(d.next.safepoint_end, NOW + BOUND);
	assert_int_equal(d.recheck_at, NOW + POLL);
	s = d.next;

	/* An exit in the kernel while waiting: no new timer. */
	in.request = LHP_REQ_NONE;
	in.now = NOW + 10;
	d = lhp_decide(&in, &s);
	assert_int_equal(d.verdict, LHP_STAY);
	assert_int_equal(d.reason, LHP_WHY_SAFEPOINT_WAITING);
	assert_int_equal(d.recheck_at, 0);

	/* The poll timer: look again one poll later, never past the bound. */
	in.request = LHP_REQ_SLICE_END;
	in.now = NOW + BOUND - POLL / 2;
	d = lhp_decide(&in, &s);
	assert_int_equal(d.reason, LHP_WHY_SAFEPOINT_WAITING);
	assert_int_equal(d.recheck_at, NOW + BOUND);

	/* User mode seen: the safe point. */
	in.cpl = 3;
	d = lhp_decide(&in, &s);
	assert_int_equal(d.verdict, LHP_LEAVE);
	assert_int_equal(d.reason, LHP_WHY_SAFEPOINT_REACHED);
	assert_int_equal(d.next.safepoint_end, 0);

	/* Still in the kernel at the bound: preempted there. */
	in.cpl = 0;
	in.now = NOW + BOUND;
	d = lhp_decide(&in, &s);
	assert_int_equal(d.verdict, LHP_LEAVE);
	assert_int_equal(d.reason, LHP_WHY_SAFEPOINT_OVERRUN);
	assert_int_equal(d.next.safepoint_end, 0);
}

/* The waiter leaving does not cut a safe-point wait short either. */
static void test_safepoint_wait_outlives_the_waiter(void **state)
{
	struct lhp_input in = holder(LHP_MODE_SAFEPOINT);
	struct lhp_state s = { .safepoint_end = NOW + BOUND };
	struct lhp_decision d;

	(void)state;
	in.request = LHP_REQ_SLICE_END; /* its poll timer */
	in.others_waiting = false;
	d = lhp_decide(&in, &s);
	assert_int_equal(d.reason, LHP_WHY_SAFEPOINT_WAITING);
}

/* Rule 6: delay and safe point do not stack. */
static void test_no_safepoint_wait_after_an_extension(void **state)
{
	struct lhp_input in = holder(ALL_MODES);
	struct lhp_state s = { .extension_used = true };
	struct lhp_decision d;

	(void)state;
	d = lhp_decide(&in, &s);
	assert_int_equal(d.verdict, LHP_LEAVE);
	assert_int_equal(d.reason, LHP_WHY_EXTENSION_SPENT);

	/* Both modes, a lock held: the extension comes first. */
	d = lhp_decide(&in, &fresh);
	assert_int_equal(d.reason, LHP_WHY_EXTENSION_GRANTED);

	/* Both modes, no lock held in kernel mode: a safe-point wait. */
	in.lock_depth = 0;
	d = lhp_decide(&in, &fresh);
	assert_int_equal(d.reason, LHP_WHY_SAFEPOINT_STARTED);
}

/* The decision reads only its arguments: the same inputs, the same answer,
 * and the state passed in is never written. */
static void test_pure(void **state)
{
	struct lhp_input in = holder(ALL_MODES);
	const struct lhp_state s = { .safepoint_end = NOW + BOUND };
	struct lhp_decision a = lhp_decide(&in, &s), b = lhp_decide(&in, &s);

	(void)state;
	assert_int_equal(a.verdict, b.verdict);
	assert_int_equal(a.reason, b.reason);
	assert_int_equal(a.recheck_at, b.recheck_at);
}

/* The software pause filter: threshold PAUSEs within the window is a spin;
 * slower PAUSEs never are. */
static void test_spin_filter(void **state)
{
	struct spin_filter f = { 0 };
	u64 t = 1000;

	(void)state;
	for (int i = 1; i < 32; i++)
		assert_false(spin_filter_pause(&f, t + i, 100, 32));
	assert_true(spin_filter_pause(&f, t + 32, 100, 32));
	/* It starts counting again after a detection. */
	assert_false(spin_filter_pause(&f, t + 33, 100, 32));

	/* One PAUSE per window: never a spin. */
	f = (struct spin_filter){ 0 };
	for (int i = 0; i < 1000; i++)
		assert_false(spin_filter_pause(&f, t + (u64)i * 101, 100, 32));
}

static void test_spin_pick_holder(void **state)
{
	const struct spin_candidate running = { false, true, true };
	const struct spin_candidate user = { true, false, false };
	const struct spin_candidate kernel = { true, false, true };
	const struct spin_candidate holder = { true, true, false };

	(void)state;
	/* Nobody preempted, or only in user mode: nobody to yield to. */
	assert_int_equal(spin_pick_holder((struct spin_candidate[]){ running, user }, 2), -1);
	assert_int_equal(spin_pick_holder(NULL, 0), -1);
	/* Kernel mode is a likely holder; a published lock beats it. */
	assert_int_equal(spin_pick_holder((struct spin_candidate[]){ user, kernel }, 2), 1);
	assert_int_equal(spin_pick_holder((struct spin_candidate[]){ kernel, holder, kernel }, 3), 1);
	/* Among equals, the first in the caller's order. */
	assert_int_equal(spin_pick_holder((struct spin_candidate[]){ running, kernel, kernel }, 3), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_mode_preempts),
		cmocka_unit_test(test_delay_grants_one_bounded_extension),
		cmocka_unit_test(test_extension_over_after_release_is_not_forced),
		cmocka_unit_test(test_delay_needs_a_lock_held_and_a_block),
		cmocka_unit_test(test_yield_leaves_at_once),
		cmocka_unit_test(test_alone_gets_no_deferral),
		cmocka_unit_test(test_policy_preemption_is_deferred_even_if_nobody_queued),
		cmocka_unit_test(test_running_extension_outlives_the_waiter),
		cmocka_unit_test(test_nothing_due_runs_on),
		cmocka_unit_test(test_safepoint_in_user_mode_leaves),
		cmocka_unit_test(test_safepoint_waits_polls_and_is_bounded),
		cmocka_unit_test(test_safepoint_wait_outlives_the_waiter),
		cmocka_unit_test(test_no_safepoint_wait_after_an_extension),
		cmocka_unit_test(test_pure),
		cmocka_unit_test(test_spin_filter),
		cmocka_unit_test(test_spin_pick_holder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
