/*
 * lhp_must_leave: the one place a due preemption may be put off. Delayed
 * preemption (lhp=delay, patched guests) looks at the lock depth the guest
 * published; safe-point preemption (lhp=safepoint, any guest) at the mode
 * the guest runs in. Each is bounded by lhp_delay=; they do not stack: a
 * vCPU given a delay extension this slice gets no safe-point wait after it.
 */
#include "lhp/lhp.h"
#include "kernel/options.h"
#include "vm/vcpu.h"
#include "lhp/preempt_delay.h"
#include "arch/x86/timer.h"

u64 lhp_bound_tsc(void)
{
	u64 us = hv_options.lhp_delay_us ? hv_options.lhp_delay_us :
					   LHP_DELAY_DEFAULT_US;

	return us * (tsc_hz / 1000000);
}

bool lhp_must_leave(struct vcpu *v, bool resched_due)
{
	if (resched_due && preempt_delay_defer(v))
		return false;
	if (v->extension_used)
		return resched_due; /* delay had its say */
	return !safepoint_defer(v, resched_due);
}
