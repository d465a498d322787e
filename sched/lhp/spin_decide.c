/* Spin detection's decisions (spin_decide.h). Pure: no globals, no clock. */
#include "sched/lhp/spin_decide.h"

bool spin_filter_pause(struct spin_filter *f, u64 now, u64 window,
		       u32 threshold)
{
	if (now - f->window_start > window) {
		f->window_start = now;
		f->pauses = 0;
	}
	if (++f->pauses < threshold)
		return false;
	f->pauses = 0;
	return true;
}

static int holder_score(const struct spin_candidate *c)
{
	if (!c->preempted)
		return 0; /* running, or blocked: not a preempted holder */
	if (c->lock_held)
		return 2;
	return c->in_kernel ? 1 : 0;
}

int spin_pick_holder(const struct spin_candidate *c, u32 n)
{
	int best = -1, best_score = 0;

	for (u32 i = 0; i < n; i++) {
		int score = holder_score(&c[i]);

		if (score > best_score) {
			best = (int)i;
			best_score = score;
		}
	}
	return best;
}
