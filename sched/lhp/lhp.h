/* Lock-holder-preemption avoidance, the hypervisor side: gathers the
 * inputs of the pure decision (sched/lhp/lhp_decide.c) for a vCPU and acts on
 * what it says. Policy-independent: the scheduler only sees a slice that
 * ends later. */
#ifndef HOLDFAST_LHP_H
#define HOLDFAST_LHP_H

#include "lib/types.h"
#include "sched/lhp/lhp_decide.h"

struct vcpu;

/* Before each guest entry of a scheduled vCPU on its own CPU, when
 * @request is not LHP_REQ_NONE or a safe-point wait runs: true when it
 * must leave its CPU now. @others_waiting: another vCPU could take this
 * CPU; @slice_tsc: a fresh time slice, for a slice end nobody waits on. */
bool lhp_must_leave(struct vcpu *v, enum lhp_request request,
		    bool others_waiting, u64 slice_tsc);
/* True while a deferral needs re-checking at every exit. */
static inline bool lhp_waiting(const struct lhp_state *s)
{
	return s->safepoint_end != 0;
}
/* The vCPU enters a new slice: a safe-point wait never outlives the slice
 * it began in. */
void lhp_slice_start(struct vcpu *v);
/* The vCPU left its CPU (preempted, yielded, halted, done): its extension
 * ends, and its next slice may be extended again. */
void lhp_left_cpu(struct vcpu *v);
/* The bound of one deferral (lhp_delay=, microseconds) in TSC ticks. */
u64 lhp_bound_tsc(void);

#endif
