/* The lock-holder-preemption decision (DESIGN.md: lhp_may_preempt): when
 * the scheduler wants a vCPU's CPU, the VM's lhp= modes may keep it running
 * a bounded while longer. Policy-independent: the scheduler only sees a
 * slice that ends later. */
#ifndef HOLDFAST_LHP_H
#define HOLDFAST_LHP_H

#include "lib/types.h"

struct vcpu;

/* Before each guest entry of a scheduled vCPU: true when it must leave its
 * CPU now (a preemption is due and no lhp= mode defers it). */
bool lhp_must_leave(struct vcpu *v, bool resched_due);
/* The bound of one deferral (lhp_delay=, microseconds) in TSC ticks. */
u64 lhp_bound_tsc(void);

/* Safe-point preemption (lhp=safepoint), kernel/lhp_safepoint.c. */
bool safepoint_defer(struct vcpu *v, bool resched_due);
void safepoint_reset(struct vcpu *v);

#endif
