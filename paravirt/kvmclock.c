/*
 * pvclock (Linux arch/x86/include/asm/pvclock-abi.h): the guest computes
 *   ns = system_time + (((tsc - tsc_timestamp) << shift) * mul >> 32)
 * (a negative shift shifts right). The guest TSC is the host TSC, constant
 * and synchronised across CPUs, so one record written at registration stays
 * valid: TSC_STABLE is set and never needs refreshing.
 */
#include "paravirt/kvmclock.h"
#include "kernel/vm.h"
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

void kvmclock_scale(u64 tsc_hz, u32 *mul, s8 *shift)
{
	const u64 ns_per_s_shifted = 1000000000ull << 32; /* fits in 64 bits */
	u64 hz = tsc_hz;
	s8 s = 0;

	/* mul = 2^32 * 1e9 / (hz * 2^shift) must fit in 32 bits. */
	while (hz <= 1000000000ull) {
		hz <<= 1;
		s++;
	}
	while (hz > 2000000000ull && !(hz & 1)) {
		hz >>= 1;
		s--;
	}
	*mul = (u32)(ns_per_s_shifted / hz);
	*shift = s;
}

static u64 tsc_to_ns(u64 delta, u32 mul, s8 shift)
{
	delta = shift >= 0 ? delta << shift : delta >> -shift;
	return (u64)(((unsigned __int128)delta * mul) >> 32);
}

static bool kvmclock_publish(struct vcpu *v, u64 gpa)
{
	struct pvclock_vcpu_time_info t = { 0 };
	u64 now = rdtsc();

	kvmclock_scale(tsc_hz, &t.tsc_to_system_mul, &t.tsc_shift);
	t.version = 2; /* even: the record is complete */
	t.tsc_timestamp = now;
	t.system_time = tsc_to_ns(now - v->vm->start_tsc, t.tsc_to_system_mul,
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
