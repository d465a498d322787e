/*
 * Spin detection (lhp=spin). A guest spinning on a lock executes PAUSE in
 * its wait loop; SPIN_PAUSES PAUSE exits within SPIN_WINDOW_US mean it is
 * spinning, most likely on a lock whose holder is preempted (the software
 * pause filter: QEMU's AMD-V has no hardware one). Where the hardware
 * filters (VT-x pause-loop exiting, AMD-V's pause filter count) each exit
 * is a detected spin by itself. The vCPU then yields to a preempted vCPU of its own VM,
 * choosing, in order: one whose hf_preempt_block shows a lock held, one
 * preempted in kernel mode (where guest spinlocks live), and otherwise
 * nobody: a yield with no likely holder to run would only cost the
 * spinner its slice.
 */
#include "sched/lhp/spin_detect.h"
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

static int holder_score(struct vcpu *o)
{
	const volatile struct hf_preempt_block *b = o->preempt_block;

	if (__atomic_load_n(&o->sv.state, __ATOMIC_RELAXED) != SCHED_RUNNABLE ||
	    __atomic_load_n(&o->running_on, __ATOMIC_RELAXED))
		return 0; /* running, or blocked: not a preempted holder */
	if (b && b->lock_depth)
		return 2;
	return o->preempted_in_kernel ? 1 : 0;
}

static struct vcpu *likely_holder(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct vcpu *best = NULL;
	int best_score = 0;

	for (u32 i = 1; i < vm->nvcpus; i++) {
		struct vcpu *o = vm->vcpus[(v->index + i) % vm->nvcpus];
		int score = holder_score(o);

		if (score > best_score) {
			best = o;
			best_score = score;
		}
	}
	return best;
}

/* The software pause filter: true when this PAUSE completes a spin. */
static bool software_filter_fires(struct vcpu *v)
{
	u64 now = rdtsc();

	if (now - v->pause_window_tsc > SPIN_WINDOW_US * (tsc_hz / 1000000)) {
		v->pause_window_tsc = now;
		v->pause_count = 0;
	}
	if (++v->pause_count < SPIN_PAUSES)
		return false;
	v->pause_count = 0;
	return true;
}

void spin_detect_pause(struct vcpu *v, bool hardware_loop)
{
	struct vcpu *holder;

	if (!(v->vm->cfg->lhp & LHP_SPIN) || !vsched_enabled())
		return;
	if (!hardware_loop && !software_filter_fires(v))
		return;
	v->lhp.spins++;
	holder = likely_holder(v);
	if (holder && vsched_yield_to(v, holder))
		v->lhp.spin_yields++;
}
