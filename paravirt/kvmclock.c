/*
 * kvmclock: a pvclock record (Linux arch/x86/include/asm/pvclock-abi.h) per
 * vCPU, in guest memory. The guest TSC is the host TSC, constant
 * and synchronised across CPUs, so one record written at registration stays
 * valid: TSC_STABLE is set and never needs refreshing.
 */
#include "paravirt/kvmclock.h"
#include "paravirt/pvclock.h"
#include "vm/vm.h"
#include "arch/x86/cpu.h"
#include "arch/x86/timer.h"

#define PVCLOCK_TSC_STABLE_BIT 0x01
#define ENABLE_BIT 1ull

struct pvclock_vcpu_time_info {
	u32 version;
	u32 pad0;
	u64 tsc_timestamp;
	u64 system_time;
	u32 tsc_to_system_mul;
	s8 tsc_shift;
	u8 flags;
	u8 pad[2];
};
_Static_assert(sizeof(struct pvclock_vcpu_time_info) == 32, "pvclock ABI");

struct pvclock_wall_clock {
	u32 version;
	u32 sec;
	u32 nsec;
};

static bool kvmclock_publish(struct vcpu *v, u64 gpa)
{
	struct pvclock_vcpu_time_info t = { 0 };
	u64 now = rdtsc();

	pvclock_scale(tsc_hz, &t.tsc_to_system_mul, &t.tsc_shift);
	t.version = 2; /* even: the record is complete */
	t.tsc_timestamp = now;
	t.system_time = pvclock_ticks_to_ns(now - v->vm->start_tsc, t.tsc_to_system_mul,
				  t.tsc_shift);
	t.flags = PVCLOCK_TSC_STABLE_BIT;
	return vm_write_gpa(v->vm, gpa, &t, sizeof(t));
}

bool kvmclock_msr_write(struct vcpu *v, u32 msr, u64 val)
{
	if (msr == MSR_KVM_WALL_CLOCK_NEW) {
		/* No RTC: the guest's wall clock starts at the epoch. */
		struct pvclock_wall_clock w = { 0, 0, 0 };

		return vm_write_gpa(v->vm, val, &w, sizeof(w));
	}
	if (!(val & ENABLE_BIT)) {
		v->kvmclock_gpa = 0;
		return true;
	}
	if (!kvmclock_publish(v, val & ~ENABLE_BIT))
		return false;
	v->kvmclock_gpa = val;
	return true;
}

bool kvmclock_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	*val = msr == MSR_KVM_SYSTEM_TIME_NEW ? v->kvmclock_gpa : 0;
	return true;
}
