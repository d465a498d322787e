/*
 * Spin detection (lhp=spin). A guest spinning on a lock executes PAUSE in
 * its wait loop; SPIN_PAUSES PAUSE exits within SPIN_WINDOW_US mean it is
 * spinning, most likely on a lock whose holder is preempted (the software
 * pause filter: QEMU's AMD-V has no hardware one). Where the hardware
 * filters (VT-x pause-loop exiting, AMD-V's pause filter count) each exit
 * is a detected spin by itself. The vCPU then yields to the preempted
 * sibling spin_pick_holder() names (spin_decide.c, pure: a lock holder by
 * its block, else one preempted in kernel mode, else nobody).
 */
#include "sched/lhp/spin_detect.h"
#include "sched/lhp/spin_decide.h"
#include "paravirt/holdfast_abi.h"
#include "vm/vm.h"
#include "sched/hv/vsched.h"
#include "arch/x86/cpu.h"
#include "arch/x86/timer.h"

#define SPIN_PAUSES 32
#define SPIN_WINDOW_US 2000

void spin_detect_preempted(struct vcpu *v)
{
	v->preempted_in_kernel = vcpu_guest_cpl(v) == 0;
}

/* The siblings of @v in the order it considers them (the next vCPU
 * first, so spinners on different vCPUs do not all pick the same one). */
static struct vcpu *likely_holder(struct vcpu *v)
{
	struct spin_candidate c[VM_MAX_VCPUS];
	struct vcpu *who[VM_MAX_VCPUS];
	struct vm *vm = v->vm;
	u32 n = 0;
	int pick;

	for (u32 i = 1; i < vm->nvcpus; i++) {
		struct vcpu *o = vm->vcpus[(v->index + i) % vm->nvcpus];
		const volatile struct hf_preempt_block *b = o->preempt_block;

		c[n] = (struct spin_candidate){
			.preempted = __atomic_load_n(&o->sv.state, __ATOMIC_RELAXED) ==
					     SCHED_RUNNABLE &&
				     !__atomic_load_n(&o->running_on, __ATOMIC_RELAXED),
			.lock_held = b && b->lock_depth,
			.in_kernel = o->preempted_in_kernel,
		};
		who[n++] = o;
	}
	pick = spin_pick_holder(c, n);
	return pick < 0 ? NULL : who[pick];
}

void spin_detect_pause(struct vcpu *v, bool hardware_loop)
{
	struct vcpu *holder;

	if (!(v->vm->cfg->lhp & LHP_SPIN) || !vsched_enabled())
		return;
	if (!hardware_loop &&
	    !spin_filter_pause(&v->pause_filter, rdtsc(),
			       SPIN_WINDOW_US * (tsc_hz / 1000000), SPIN_PAUSES))
		return;
	v->lhp.spins++;
	holder = likely_holder(v);
	if (holder && vsched_yield_to(v, holder))
		v->lhp.spin_yields++;
}
