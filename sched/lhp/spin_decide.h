/*
 * Spin detection's decisions, as pure functions (host unit-tested in
 * tests/unit/test_lhp_decide.c): when a run of PAUSE exits means a spin
 * (the software pause filter), and which preempted sibling most likely
 * holds the lock the spinner waits for.
 */
#ifndef HOLDFAST_SPIN_DECIDE_H
#define HOLDFAST_SPIN_DECIDE_H

#include "lib/types.h"

/* The software pause filter of one vCPU; owned by the CPU running it. */
struct spin_filter {
	u64 window_start; /* TSC */
	u32 pauses;       /* PAUSE exits seen in this window */
};

/* One PAUSE exit at @now: true when it completes @threshold PAUSEs within
 * @window TSC ticks (a spin; the count starts again). */
bool spin_filter_pause(struct spin_filter *f, u64 now, u64 window,
		       u32 threshold);

/* A sibling vCPU as spin detection sees it. */
struct spin_candidate {
	bool preempted;  /* runnable but not running: waits for a CPU */
	bool lock_held;  /* its preemption block shows lock_depth > 0 */
	bool in_kernel;  /* it was preempted at CPL 0 */
};

/* The index in @c[0..n) of the sibling to yield to: a preempted one whose
 * block shows a lock held, else one preempted in kernel mode (where guest
 * spinlocks live), the first such in order; -1 for nobody (a yield with
 * no likely holder to run would only cost the spinner its slice). */
int spin_pick_holder(const struct spin_candidate *c, u32 n);

#endif
