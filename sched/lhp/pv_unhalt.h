/* KVM's PV_UNHALT, KICK_CPU and SCHED_YIELD: what Linux's paravirtual
 * qspinlock and its IPI path use to wait for, wake and make way for a
 * preempted vCPU. Enabled per VM by lhp=kvmpv. */
#ifndef HOLDFAST_PV_UNHALT_H
#define HOLDFAST_PV_UNHALT_H

#include "lib/types.h"

struct vcpu;

/* HLT with interrupts off in a PV_UNHALT VM: wait for a kick instead of
 * finishing. Stops the VM when every vCPU waits with nothing to wake it. */
void pv_park(struct vcpu *v);
/* On the vCPU's own CPU: leave PARKED if a kick or NMI came. */
bool pv_unpark_if_woken(struct vcpu *v);
/* Leave PARKED for another reason (INIT, reset). */
void pv_unpark(struct vcpu *v);
/* KICK_CPU(flags, APIC ID); returns the hypercall result. */
s64 pv_kick_cpu(struct vcpu *from, u64 apic_id);
/* SCHED_YIELD(APIC ID of a preempted vCPU); returns the result. */
s64 pv_sched_yield(struct vcpu *from, u64 apic_id);

#endif
