/* The lock-holder-preemption rules (lhp_decide.h lists them). Pure: no
 * globals, no clock, no hardware; host unit-tested. */
#include "sched/lhp/lhp_decide.h"

static struct lhp_decision verdict(enum lhp_verdict v, enum lhp_reason why,
				   const struct lhp_state *state)
{
	struct lhp_decision d = { .verdict = v, .reason = why, .next = *state };

	return d;
}

static struct lhp_decision decide_safepoint(const struct lhp_input *in,
					    const struct lhp_state *state)
{
	struct lhp_decision d;
	u64 end = state->safepoint_end;

	if (in->cpl != 0) {
		/* User mode holds no kernel lock: the safe point. */
		d = verdict(LHP_LEAVE, end ? LHP_WHY_SAFEPOINT_REACHED :
					     LHP_WHY_NO_DEFERRAL, state);
		d.next.safepoint_end = 0;
		return d;
	}
	if (!end) {
		d = verdict(LHP_STAY, LHP_WHY_SAFEPOINT_STARTED, state);
		d.next.safepoint_end = in->now + in->bound;
		d.recheck_at = MIN(in->now + in->poll, d.next.safepoint_end);
		return d;
	}
	if (in->now >= end) {
		d = verdict(LHP_LEAVE, LHP_WHY_SAFEPOINT_OVERRUN, state);
		d.next.safepoint_end = 0;
		return d;
	}
	d = verdict(LHP_STAY, LHP_WHY_SAFEPOINT_WAITING, state);
	if (in->request != LHP_REQ_NONE) /* the poll timer: look again later */
		d.recheck_at = MIN(in->now + in->poll, end);
	return d;
}

struct lhp_decision lhp_decide(const struct lhp_input *in,
			       const struct lhp_state *state)
{
	struct lhp_decision d;

	if (in->request == LHP_REQ_YIELD) {
		d = verdict(LHP_LEAVE, LHP_WHY_YIELD, state);
		d.next.extension_end = 0;
		d.next.extension_used = false;
		d.next.safepoint_end = 0;
		return d;
	}
	if (in->request == LHP_REQ_NONE && !state->safepoint_end)
		return verdict(LHP_STAY, LHP_WHY_NOTHING_DUE, state);
	if (state->extension_end) {
		if (in->now < state->extension_end)
			return verdict(LHP_STAY, LHP_WHY_EXTENSION_RUNS, state);
		d = verdict(LHP_LEAVE, LHP_WHY_EXTENSION_OVER, state);
		d.forced = in->has_block && in->lock_depth;
		d.next.extension_end = 0;
		return d;
	}
	if (in->request == LHP_REQ_SLICE_END && !state->safepoint_end &&
	    !in->others_waiting) {
		d = verdict(LHP_STAY, LHP_WHY_ALONE, state);
		d.recheck_at = in->now + in->slice;
		return d;
	}
	if ((in->modes & LHP_MODE_DELAY) && in->has_block && in->lock_depth &&
	    !state->extension_used && !state->safepoint_end) {
		d = verdict(LHP_STAY, LHP_WHY_EXTENSION_GRANTED, state);
		d.next.extension_used = true;
		d.next.extension_end = in->now + in->bound;
		d.recheck_at = d.next.extension_end;
		return d;
	}
	if (state->extension_used)
		return verdict(LHP_LEAVE, LHP_WHY_EXTENSION_SPENT, state);
	if (!(in->modes & LHP_MODE_SAFEPOINT))
		return verdict(LHP_LEAVE, LHP_WHY_NO_DEFERRAL, state);
	return decide_safepoint(in, state);
}
