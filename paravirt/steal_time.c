/*
 * KVM steal time, as Linux 6.1 reads it (arch/x86/kernel/kvm.c): the record
 * is updated under a version counter (odd while it changes), and the
 * preempted byte is set when the vCPU leaves a CPU still runnable and
 * cleared when it runs again. Only the scheduler produces steal; with one
 * vCPU per CPU the record stays at zero, which is the truth.
 */
#include "paravirt/steal_time.h"
#include "vm/vm.h"

#define STEAL_ENABLE 1ull
#define STEAL_RESERVED 0x3eull /* bits 5:1 */
#define STEAL_ALIGN 64
#define PREEMPTED 1

struct kvm_steal_time {
	u64 steal;
	u32 version;
	u32 flags;
	u8 preempted;
	u8 pad8[3];
	u32 pad[11];
};
_Static_assert(sizeof(struct kvm_steal_time) == 64, "KVM steal-time ABI");
_Static_assert(__builtin_offsetof(struct kvm_steal_time, preempted) == 16,
	       "KVM steal-time ABI");

bool steal_time_msr_write(struct vcpu *v, u64 val)
{
	struct kvm_steal_time *st;

	if (val & STEAL_RESERVED)
		return false;
	if (!(val & STEAL_ENABLE)) {
		v->steal_msr = val;
		v->steal_record = NULL;
		return true;
	}
	st = vm_gpa_to_hva(v->vm, val & ~(u64)(STEAL_ALIGN - 1), sizeof(*st));
	if (!st)
		return false;
	v->steal_msr = val;
	v->steal_record = st;
	return true;
}

u64 steal_time_msr_value(const struct vcpu *v)
{
	return v->steal_msr;
}

void steal_time_enter(struct vcpu *v, u64 steal_ns)
{
	volatile struct kvm_steal_time *st = v->steal_record;

	if (!st)
		return;
	__atomic_store_n(&st->preempted, 0, __ATOMIC_RELAXED);
	st->version = st->version + 1 + (st->version & 1); /* odd */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	st->steal = steal_ns;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	st->version = st->version + 1; /* even: consistent again */
}

void steal_time_preempted(struct vcpu *v)
{
	volatile struct kvm_steal_time *st = v->steal_record;

	if (st)
		__atomic_store_n(&st->preempted, PREEMPTED, __ATOMIC_RELEASE);
}
