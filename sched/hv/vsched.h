/*
 * The hypervisor side of the scheduler (sched/ is the pure core): vCPUs
 * share physical CPUs under the credit policy (`sched=credit`); with
 * `sched=none` every vCPU owns a CPU (one-to-one).
 *
 * Locking: no global lock. Each pCPU's run queue has its own lock, taken
 * by its owner around every call into sched/ that names it and by other
 * pCPUs only by trylock (to steal or balance); wake-ups for another pCPU
 * go through its inbox lock and a kick IPI (sched/README.md). Both are
 * taken with interrupts off and never held across a guest entry.
 */
#ifndef HOLDFAST_VSCHED_H
#define HOLDFAST_VSCHED_H

#include "lib/types.h"

struct vm;
struct vcpu;

bool vsched_enabled(void);
/* Start the scheduler over the CPUs online with virtualization. */
bool vsched_init(void);
/* Register @vm's vCPUs (blocked); vsched_start_vm() makes them runnable. */
void vsched_add_vm(struct vm *vm);
void vsched_start_vm(struct vm *vm);
/* Something happened to @v (interrupt, request): run it soon. */
void vsched_kick(struct vcpu *v);
/* Directed yield from the running @v (on its CPU) towards @target: true
 * when @target now waits first in line here. */
bool vsched_yield_to(struct vcpu *v, struct vcpu *target);
/* The running @v gives up its CPU (its pCPU decides again next). */
void vsched_yield(struct vcpu *v);
/* Why this CPU's scheduler is to decide again (percpu resched_why): lhp=
 * rules tell them apart (a yield is not a preemption; a slice end with
 * nobody waiting is no reason to defer anything). */
#define RESCHED_SLICE_END (1u << 0) /* the slice (or a deferral) timer */
#define RESCHED_POLICY (1u << 1)    /* the policy wants the CPU: a woken
				     * vCPU, the tick (credit, caps) */
#define RESCHED_YIELD (1u << 2)     /* the running vCPU gives it away */

/* Before each entry of a scheduled vCPU, on its CPU: true when it must
 * leave now (a preemption or yield is due and sched/lhp/ defers nothing). */
bool vsched_must_leave(struct vcpu *v);
/* The vCPU starts a slice on this CPU (vcpu_run's start). */
void vsched_slice_start(struct vcpu *v);
/* The time slice (tslice=) in TSC ticks. */
u64 vsched_slice_tsc(void);
/* On this CPU: another vCPU could take it at the next decision (one is
 * queued on any CPU, since the policy steals, or woken for this one). */
bool vsched_others_waiting(void);
/* Keep the running vCPU until @end_tsc (a delayed preemption). */
void vsched_extend_slice(u64 end_tsc);
/* On this CPU (the kick IPI): queue the vCPUs other CPUs woke for it. */
void vsched_drain_inbox(void);
/* Register the timer and kick interrupt handlers (vsched_timer.c), on the
 * boot CPU before its timer starts (the IDT is shared). */
void vsched_irq_init(void);
/* This CPU's scheduling loop. */
__noreturn void vsched_cpu_loop(void);
/* What every CPU runs once bring-up is over: the scheduling loop, or with
 * sched=none the vCPU placed on it; otherwise halt. Never returns. */
__noreturn void cpu_idle_loop(void);
/* Per-vCPU figures for the console and the stop report. */
void vsched_print_vm(struct vm *vm);
/* One line per CPU: what it runs and how many vCPUs wait for it. */
void vsched_print_queues(void);

#endif
