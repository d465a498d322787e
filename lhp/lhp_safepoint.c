/*
 * Safe-point preemption (Uhlig et al., VM'04, the non-intrusive scheme):
 * an unmodified guest holds its spinlocks only in kernel mode, so a
 * preemption that falls due while the vCPU runs at CPL 0 waits until it is
 * seen in user mode (or it halts and leaves by itself), at most lhp_delay=.
 *
 * Hardware cannot exit on a return to user mode, so the mode is sampled:
 * at every exit while the wait lasts, and at a poll timer (the slice end,
 * moved to every SAFEPOINT_POLLS-th of the bound) that forces an exit.
 * Everything here runs on the vCPU's own CPU.
 */
#include "lhp/lhp.h"
#include "vm/vcpu.h"
#include "vm/vm.h"
#include "sched/hv/vsched.h"
#include "arch/x86/cpu.h"
#include "arch/x86/virt.h"

#define SAFEPOINT_POLLS 8

void safepoint_reset(struct vcpu *v)
{
	v->safepoint_end_tsc = 0;
}

static void arm_poll(struct vcpu *v, u64 now)
{
	u64 next = now + lhp_bound_tsc() / SAFEPOINT_POLLS;

	vsched_extend_slice(MIN(next, v->safepoint_end_tsc));
}

/* True to keep the vCPU running: a wait for a safe point starts or goes on. */
bool safepoint_defer(struct vcpu *v, bool resched_due)
{
	u64 now;

	if (!(v->vm->cfg->lhp & LHP_SAFEPOINT))
		return false;
	if (!v->safepoint_end_tsc && !resched_due)
		return false; /* nothing due, nothing waiting */
	if (vcpu_guest_cpl(v) != 0) {
		/* The safe point: user mode holds no kernel lock. */
		safepoint_reset(v);
		return false;
	}
	now = rdtsc();
	if (!v->safepoint_end_tsc) {
		v->safepoint_end_tsc = now + lhp_bound_tsc();
		v->lhp.safepoint_deferrals++;
		arm_poll(v, now);
		return true;
	}
	if (now >= v->safepoint_end_tsc) {
		/* Still in the kernel at the bound: preempted there anyway. */
		v->lhp.safepoint_overruns++;
		safepoint_reset(v);
		return false;
	}
	if (resched_due) /* the poll timer: look again later */
		arm_poll(v, now);
	return true;
}
