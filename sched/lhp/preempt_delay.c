/*
 * Delayed preemption (Uhlig et al., "Towards Scalable Multiprocessor
 * Virtual Machines", VM'04): a guest that marks its spinlock sections in a
 * shared block is not preempted inside one; it gets one bounded extension
 * and gives the CPU back by hypercall as soon as it leaves the section.
 *
 * This file keeps the block: its registration, the yield hypercall and
 * the count of lock holders that lose their CPU. Whether an extension is
 * granted is decided in sched/lhp/lhp_decide.c. Everything here runs on the
 * vCPU's own CPU (its exits and its scheduler decisions), so the vCPU's
 * fields need no lock; the block is guest memory, read and written with
 * single accesses.
 */
#include "sched/lhp/preempt_delay.h"
#include "sched/lhp/lhp.h"
#include "paravirt/holdfast_abi.h"
#include "vm/vm.h"
#include "sched/hv/vsched.h"

s64 preempt_delay_register(struct vcpu *v, u64 gpa)
{
	void *hva;

	/* Registration works in every lhp= mode: lock-holder preemptions
	 * are counted in all of them; only lhp=delay grants extensions. */
	if (!gpa) {
		v->preempt_block = NULL;
		return 0;
	}
	if (gpa % sizeof(struct hf_preempt_block))
		return -HF_EINVAL;
	hva = vm_gpa_to_hva(v->vm, gpa, sizeof(struct hf_preempt_block));
	if (!hva)
		return -HF_EINVAL;
	v->preempt_block = hva;
	return 0;
}

s64 preempt_delay_yield(struct vcpu *v)
{
	volatile struct hf_preempt_block *b = v->preempt_block;

	if (!b)
		return -HF_ENOSYS;
	v->lhp.voluntary_yields++;
	b->yields++;
	/* The yield itself leaves at once (lhp_decide's first rule). */
	if (vsched_enabled())
		vsched_yield(v);
	return 0;
}

void preempt_delay_descheduled(struct vcpu *v)
{
	const volatile struct hf_preempt_block *b = v->preempt_block;

	if (b && b->lock_depth)
		v->lhp.lhp_preemptions++;
}
