/* Shared by the files of sched/hv/ only: the scheduler instance and its
 * per-pCPU locks (vsched.c), used by the timer (vsched_timer.c) and the
 * CPU loop (vsched_loop.c). */
#ifndef HOLDFAST_VSCHED_INTERNAL_H
#define HOLDFAST_VSCHED_INTERNAL_H

#include "sched/hv/vsched.h"
#include "sched/sched.h"
#include "kernel/percpu.h"

extern struct sched vsched_core;
extern struct sched_pcpu vsched_pcpus[MAX_CPUS];
extern volatile bool vsched_on;

struct vcpu *vsched_vcpu_of(struct sched_vcpu *sv);
/* @cpu's run-queue lock, with interrupts off (the timer and the kick IPI
 * take it on the CPU they interrupt). */
u64 vsched_rq_lock_irq(u32 cpu);
void vsched_rq_unlock_irq(u32 cpu, u64 flags);
u64 vsched_ns_to_tsc(u64 ns);
/* Make a blocked @v runnable on the CPU the policy picks (kick IPI). */
void vsched_wake(struct vcpu *v);

/* On this CPU (thread or interrupt): decide again before the next entry,
 * for @why (RESCHED_*). */
static inline void vsched_want_resched(struct percpu *pc, u32 why)
{
	__atomic_or_fetch(&pc->resched_why, why, __ATOMIC_RELAXED);
	pc->need_resched = 1;
}

#endif
