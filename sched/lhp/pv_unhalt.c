/*
 * PV_UNHALT and KICK_CPU: Linux's PV qspinlock waiter halts with interrupts
 * off (kvm_wait) and the unlocker wakes it by KICK_CPU. Without PV_UNHALT
 * such a HLT means "this vCPU is done"; with it, it is a wait, and the VM
 * is dead only when every vCPU waits and no kick or NMI is on its way.
 *
 * Ordering that makes the "all parked" check exact: a kicker sets
 * kick_pending before it can park itself; a parked vCPU leaving the state
 * gives back its count before it consumes the kick. So a last vCPU to park
 * that sees every count taken and no pending wake-up sees the truth.
 */
#include "sched/lhp/pv_unhalt.h"
#include "paravirt/holdfast_abi.h"
#include "vm/vm.h"
#include "sched/hv/vsched.h"

static bool vm_has_pending_wakeup(struct vm *vm)
{
	for (u32 i = 0; i < vm->nvcpus; i++) {
		struct vcpu *o = vm->vcpus[i];

		if (__atomic_load_n(&o->kick_pending, __ATOMIC_ACQUIRE) ||
		    __atomic_load_n(&o->nmi_pending, __ATOMIC_ACQUIRE) ||
		    (__atomic_load_n(&o->requests, __ATOMIC_ACQUIRE) & VCPU_REQ_INIT))
			return true;
	}
	return false;
}

void pv_park(struct vcpu *v)
{
	struct vm *vm = v->vm;

	v->lhp.parks++;
	if (__atomic_exchange_n(&v->kick_pending, 0, __ATOMIC_ACQ_REL))
		return; /* the kick came first: the HLT completes at once */
	v->state = VCPU_PARKED;
	if (__atomic_add_fetch(&vm->vcpus_parked, 1, __ATOMIC_SEQ_CST) != vm->nvcpus)
		return;
	if (!vm_has_pending_wakeup(vm) &&
	    __atomic_load_n(&vm->vcpus_parked, __ATOMIC_SEQ_CST) == vm->nvcpus)
		vm_stop(vm, "every vCPU halted with interrupts off");
}

void pv_unpark(struct vcpu *v)
{
	if (v->state != VCPU_PARKED)
		return;
	__atomic_sub_fetch(&v->vm->vcpus_parked, 1, __ATOMIC_SEQ_CST);
	v->state = VCPU_RUNNABLE;
}

bool pv_unpark_if_woken(struct vcpu *v)
{
	bool kicked;

	if (v->state != VCPU_PARKED)
		return false;
	kicked = __atomic_load_n(&v->kick_pending, __ATOMIC_ACQUIRE);
	if (!kicked && !__atomic_load_n(&v->nmi_pending, __ATOMIC_ACQUIRE))
		return false;
	pv_unpark(v); /* the count first, then the kick (see above) */
	if (kicked) {
		__atomic_store_n(&v->kick_pending, 0, __ATOMIC_RELEASE);
		v->lhp.kicked++;
	}
	return true;
}

/* APIC IDs are vCPU indexes (guest ACPI MADT). */
static struct vcpu *vcpu_by_apic_id(struct vm *vm, u64 apic_id)
{
	return apic_id < vm->nvcpus ? vm->vcpus[apic_id] : NULL;
}

s64 pv_kick_cpu(struct vcpu *from, u64 apic_id)
{
	struct vcpu *t = vcpu_by_apic_id(from->vm, apic_id);

	if (!(from->vm->cfg->lhp & LHP_KVMPV))
		return -HF_ENOSYS;
	if (!t)
		return -HF_EINVAL;
	from->lhp.kicks++;
	__atomic_store_n(&t->kick_pending, 1, __ATOMIC_RELEASE);
	vcpu_request(t, VCPU_REQ_EVENT);
	vcpu_kick(t);
	return 0;
}

s64 pv_sched_yield(struct vcpu *from, u64 apic_id)
{
	struct vcpu *t = vcpu_by_apic_id(from->vm, apic_id);

	if (!(from->vm->cfg->lhp & LHP_KVMPV))
		return -HF_ENOSYS;
	if (!t)
		return -HF_EINVAL;
	from->lhp.pv_yields++;
	/* With a CPU per vCPU nobody is preempted: nothing to yield to. */
	if (vsched_enabled() && vsched_yield_to(from, t))
		from->lhp.directed_yields++;
	return 0;
}
