/* KVM's paravirtual clock (MSR_KVM_SYSTEM_TIME_NEW, MSR_KVM_WALL_CLOCK_NEW):
 * the guest learns the TSC rate and a ns clock without PIT or RTC. */
#ifndef HOLDFAST_KVMCLOCK_H
#define HOLDFAST_KVMCLOCK_H

#include "lib/types.h"

#define MSR_KVM_WALL_CLOCK_NEW 0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01

struct vcpu;

/* Handle a write of either MSR; false for a #GP. */
bool kvmclock_msr_write(struct vcpu *v, u32 msr, u64 val);
bool kvmclock_msr_read(struct vcpu *v, u32 msr, u64 *val);

#endif
