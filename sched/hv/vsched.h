/*
 * The hypervisor side of the scheduler (sched/ is the pure core): vCPUs
 * share physical CPUs under the credit policy when the `sched=credit`
 * option is given; otherwise every vCPU owns a CPU (one-to-one).
 *
 * Locking: one scheduler lock serialises every call into sched/ (the core
 * keeps per-pCPU run queues, but idle stealing touches other queues); it is
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
/* Keep the running vCPU until @end_tsc (a delayed preemption). */
void vsched_extend_slice(u64 end_tsc);
/* On this CPU (the kick IPI): queue the vCPUs other CPUs woke for it. */
void vsched_drain_inbox(void);
/* From the timer interrupt: slices, credit accounting, sleepers' timers. */
void vsched_timer(bool tick);
/* This CPU's scheduling loop. */
__noreturn void vsched_cpu_loop(void);
/* Per-vCPU figures for the console and the stop report. */
void vsched_print_vm(struct vm *vm);
/* One line per CPU: what it runs and how many vCPUs wait for it. */
void vsched_print_queues(void);

#endif
