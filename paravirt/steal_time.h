/* KVM steal time (MSR_KVM_STEAL_TIME): a 64-byte record per vCPU in guest
 * memory telling the guest how long it was runnable but not running, and
 * whether it is preempted right now (Linux's vcpu_is_preempted(), used by
 * its PV spinlocks, mutex spinning and scheduler). */
#ifndef HOLDFAST_STEAL_TIME_H
#define HOLDFAST_STEAL_TIME_H

#include "lib/types.h"

#define MSR_KVM_STEAL_TIME 0x4b564d03

struct vcpu;

/* False for a #GP: reserved bits, or a record outside the VM's memory. */
bool steal_time_msr_write(struct vcpu *v, u64 val);
u64 steal_time_msr_value(const struct vcpu *v);
/* On every entry after the vCPU was off a CPU: publish @steal_ns (the
 * scheduler's runnable-but-not-running total) and clear the preempted
 * flag. */
void steal_time_enter(struct vcpu *v, u64 steal_ns);
/* The vCPU was descheduled while runnable. */
void steal_time_preempted(struct vcpu *v);

#endif
