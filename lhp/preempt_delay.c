/*
 * Delayed preemption (Uhlig et al., "Towards Scalable Multiprocessor
 * Virtual Machines", VM'04): a guest that marks its spinlock sections in a
 * shared block is not preempted inside one; it gets one bounded extension
 * and gives the CPU back by hypercall as soon as it leaves the section.
 *
 * Everything here runs on the vCPU's own CPU (its exits and its scheduler
 * decisions), so the vCPU's fields need no lock; the block is guest
 * memory, read and written with single accesses.
 */
#include "lhp/preempt_delay.h"
#include "paravirt/holdfast_abi.h"
#include "lhp/lhp.h"
#include "kernel/percpu.h"
#include "vm/vm.h"
#include "sched/hv/vsched.h"
#include "arch/x86/cpu.h"
#include "arch/x86/timer.h"

static volatile struct hf_preempt_block *block_of(struct vcpu *v)
{
	return v->preempt_block;
}

void preempt_delay_reset(struct vcpu *v)
{
	v->preempt_block = NULL;
	v->extension_end_tsc = 0;
	v->extension_used = false;
}

s64 preempt_delay_register(struct vcpu *v, u64 gpa)
{
	void *hva;

	/* Registration works in every lhp= mode: lock-holder preemptions
	 * are counted in all of them; only lhp=delay grants extensions. */
	if (!gpa) {
		preempt_delay_reset(v);
		return 0;
	}
	if (gpa % sizeof(struct hf_preempt_block))
		return -HF_EINVAL;
	hva = vm_gpa_to_hva(v->vm, gpa, sizeof(struct hf_preempt_block));
	if (!hva)
		return -HF_EINVAL;
	preempt_delay_reset(v);
	v->preempt_block = hva;
	return 0;
}

static void end_extension(struct vcpu *v)
{
	volatile struct hf_preempt_block *b = block_of(v);

	v->extension_end_tsc = 0;
	if (b)
		b->preempt_pending = 0;
}

s64 preempt_delay_yield(struct vcpu *v)
{
	volatile struct hf_preempt_block *b = block_of(v);

	if (!b)
		return -HF_ENOSYS;
	v->lhp.voluntary_yields++;
	b->yields++;
	end_extension(v);
	v->extension_used = false; /* the next slice may be extended again */
	if (vsched_enabled())
		vsched_yield(v);
	return 0;
}

bool preempt_delay_defer(struct vcpu *v)
{
	volatile struct hf_preempt_block *b = block_of(v);
	u64 now = rdtsc();

	if (!b || !(v->vm->cfg->lhp & LHP_DELAY))
		return false;
	if (v->extension_end_tsc) {
		if (now < v->extension_end_tsc)
			return true; /* the extension runs on */
		/* Over: preempted whatever the guest holds. */
		if (b->lock_depth) {
			v->lhp.forced++;
			b->forced++;
		}
		end_extension(v);
		return false;
	}
	if (!b->lock_depth || v->extension_used)
		return false;
	v->extension_used = true;
	v->extension_end_tsc = now + lhp_bound_tsc();
	v->lhp.extensions++;
	b->extensions++;
	b->preempt_pending = 1;
	vsched_extend_slice(v->extension_end_tsc);
	return true;
}

void preempt_delay_descheduled(struct vcpu *v)
{
	volatile struct hf_preempt_block *b = block_of(v);

	if (b && b->lock_depth)
		v->lhp.lhp_preemptions++;
	/* Losing the CPU counts as the yield between two extensions (after
	 * a forced preemption the guest sees no pending flag to yield on). */
	end_extension(v);
	v->extension_used = false;
}

void preempt_delay_left(struct vcpu *v)
{
	end_extension(v);
	v->extension_used = false;
}
