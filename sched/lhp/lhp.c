/*
 * lhp_must_leave: the one place a due preemption may be put off. It reads
 * the vCPU (lhp= modes, CPL, the lock depth its patched guest published),
 * asks the pure lhp_decide() and carries the decision out: the new
 * deferral state, the counters, the guest's preempt_pending flag and the
 * slice end. Everything here runs on the vCPU's own CPU.
 */
#include "sched/lhp/lhp.h"
#include "kernel/options.h"
#include "vm/vm.h"
#include "sched/lhp/preempt_delay.h"
#include "paravirt/holdfast_abi.h"
#include "sched/hv/vsched.h"
#include "arch/x86/cpu.h"
#include "arch/x86/timer.h"

_Static_assert(LHP_MODE_DELAY == LHP_DELAY, "lhp= bits");
_Static_assert(LHP_MODE_SAFEPOINT == LHP_SAFEPOINT, "lhp= bits");

/* A safe-point wait looks at the guest's mode this often within its bound
 * (hardware cannot exit on a return to user mode). */
#define SAFEPOINT_POLLS 8

u64 lhp_bound_tsc(void)
{
	u64 us = hv_options.lhp_delay_us ? hv_options.lhp_delay_us :
					   LHP_DELAY_DEFAULT_US;

	return us * (tsc_hz / 1000000);
}

void lhp_slice_start(struct vcpu *v)
{
	v->lhp_state.safepoint_end = 0;
}

static void clear_pending(struct vcpu *v)
{
	volatile struct hf_preempt_block *b = v->preempt_block;

	if (b)
		b->preempt_pending = 0;
}

void lhp_left_cpu(struct vcpu *v)
{
	if (v->lhp_state.extension_end)
		clear_pending(v);
	v->lhp_state.extension_end = 0;
	v->lhp_state.extension_used = false;
}

static void lhp_apply(struct vcpu *v, const struct lhp_decision *d)
{
	volatile struct hf_preempt_block *b = v->preempt_block;

	switch (d->reason) {
	case LHP_WHY_EXTENSION_GRANTED:
		v->lhp.extensions++;
		b->extensions++;
		b->preempt_pending = 1;
		break;
	case LHP_WHY_EXTENSION_OVER:
		if (d->forced) {
			v->lhp.forced++;
			b->forced++;
		}
		clear_pending(v);
		break;
	case LHP_WHY_YIELD:
		if (v->lhp_state.extension_end)
			clear_pending(v);
		break;
	case LHP_WHY_SAFEPOINT_STARTED:
		v->lhp.safepoint_deferrals++;
		break;
	case LHP_WHY_SAFEPOINT_OVERRUN:
		v->lhp.safepoint_overruns++;
		break;
	default:
		break;
	}
	v->lhp_state = d->next;
	if (d->recheck_at)
		vsched_extend_slice(d->recheck_at);
}

bool lhp_must_leave(struct vcpu *v, enum lhp_request request,
		    bool others_waiting, u64 slice_tsc)
{
	const volatile struct hf_preempt_block *b = v->preempt_block;
	u64 bound = lhp_bound_tsc();
	struct lhp_input in = {
		.modes = v->vm->cfg->lhp,
		.request = request,
		.others_waiting = others_waiting,
		.has_block = b != NULL,
		.lock_depth = b ? b->lock_depth : 0,
		.cpl = vcpu_guest_cpl(v),
		.now = rdtsc(),
		.bound = bound,
		.poll = bound / SAFEPOINT_POLLS,
		.slice = slice_tsc,
	};
	struct lhp_decision d = lhp_decide(&in, &v->lhp_state);

	lhp_apply(v, &d);
	return d.verdict == LHP_LEAVE;
}
