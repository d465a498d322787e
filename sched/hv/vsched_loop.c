/*
 * What every CPU runs once bring-up is over. With the scheduler
 * (sched=credit), vsched_cpu_loop(): pick a vCPU, run it until it leaves
 * (preempted, blocked, done), account, pick again. The decision to preempt
 * is the policy's (sched/credit.c); the lock-holder-preemption rules
 * (sched/lhp/) may only put it off, from inside vcpu_run(). Without it
 * (sched=none), each CPU runs the one vCPU placed on it.
 */
#include "sched/hv/vsched_internal.h"
#include "kernel/panic.h"
#include "kernel/time.h"
#include "sched/lhp/lhp.h"
#include "sched/lhp/preempt_delay.h"
#include "sched/lhp/spin_detect.h"
#include "paravirt/steal_time.h"
#include "vm/console_input.h"
#include "vm/vm.h"
#include "arch/x86/timer.h"

/* Leave the CPU as vcpu_run() said; DONE vCPUs stay blocked for good. */
static void vsched_leave(struct percpu *pc, struct vcpu *v, enum vcpu_leave why)
{
	u64 flags;

	timer_set_guest_deadline(0);
	if (why == VCPU_LEAVE_PREEMPTED)
		return; /* the next decision requeues it */
	if (why == VCPU_LEAVE_BLOCKED) {
		v->sleep_deadline_tsc = vlapic_timer_poll(&v->lapic, rdtsc());
		if (v->sleep_deadline_tsc &&
		    (!pc->sleepers_deadline_tsc ||
		     v->sleep_deadline_tsc < pc->sleepers_deadline_tsc))
			pc->sleepers_deadline_tsc = v->sleep_deadline_tsc;
	}
	flags = vsched_rq_lock_irq(pc->index);
	sched_vcpu_block(&vsched_core, &v->sv, time_since_boot_ns());
	vsched_rq_unlock_irq(pc->index, flags);
	/* Woken while it was leaving (an interrupt raced the block)? */
	if (why == VCPU_LEAVE_BLOCKED &&
	    (v->requests || v->nmi_pending ||
	     (v->state == VCPU_HALTED && vlapic_pending_vector(&v->lapic) >= 0)))
		vsched_wake(v);
	if (why == VCPU_LEAVE_DONE)
		vm_vcpu_exited(v->vm);
}

/* The guest's steal-time record: the scheduler's steal so far (only this
 * CPU changes a running vCPU's accounting). */
static void vsched_publish_steal(struct vcpu *v)
{
	struct sched_acct a;

	if (!v->steal_record)
		return;
	sched_vcpu_acct(&v->sv, time_since_boot_ns(), &a);
	steal_time_enter(v, a.steal_ns);
}

/* What the pending reasons to decide again ask of lhp=: a yield wins (it
 * leaves whatever else is due), then the policy's wish, then a bare slice
 * end. No reason recorded counts as the policy's, the safe side. */
static enum lhp_request resched_request(u32 why)
{
	if (why & RESCHED_YIELD)
		return LHP_REQ_YIELD;
	if ((why & RESCHED_POLICY) || !why)
		return LHP_REQ_PREEMPT;
	return LHP_REQ_SLICE_END;
}

/* The scheduler wants this CPU (or a deferral is being re-checked): lhp=
 * may keep the vCPU a bounded while (sched/lhp/ decides). The reasons are
 * taken (the timer and the kick IPI may add new ones meanwhile: they then
 * stand for the next check). */
bool vsched_must_leave(struct vcpu *v)
{
	struct percpu *pc = this_cpu();
	enum lhp_request req = LHP_REQ_NONE;

	if (pc->need_resched) {
		pc->need_resched = 0;
		req = resched_request(__atomic_exchange_n(&pc->resched_why, 0,
							  __ATOMIC_RELAXED));
	} else if (!lhp_waiting(&v->lhp_state)) {
		return false;
	}
	return lhp_must_leave(v, req, vsched_others_waiting(),
			      vsched_slice_tsc()); /* the scheduler decides next */
}

void vsched_slice_start(struct vcpu *v)
{
	lhp_slice_start(v);
}

/* The scheduler's central promise, checked: a vCPU runs on one CPU at a
 * time. Breaking it would corrupt the guest silently (two CPUs entering
 * one VMCB), so it stops the hypervisor with both CPUs named. */
static void vsched_claim(struct vcpu *v, struct percpu *pc)
{
	u32 none = 0;

	if (!__atomic_compare_exchange_n(&v->running_on, &none, pc->index + 1,
					 false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		panic("scheduler: vm %s vcpu %u picked on CPU %u while CPU %u runs it",
		      v->vm->name, v->index, pc->index, none - 1);
}

/* @v, preempted, really lost its CPU to another vCPU (not picked again).
 * Called with this CPU's queue lock held: @v waits in that queue, so no
 * other CPU can have taken it yet. */
static void vsched_descheduled(struct vcpu *v)
{
	if (v->steal_record)
		v->lhp.preempted_marks++;
	preempt_delay_descheduled(v);
	lhp_left_cpu(v);
	spin_detect_preempted(v);
}

void vsched_cpu_loop(void)
{
	struct percpu *pc = this_cpu();
	struct vcpu *preempted = NULL;

	for (;;) {
		struct sched_vcpu *sv;
		u64 slice = 0, flags;
		enum vcpu_leave why;

		console_input_process();
		flags = vsched_rq_lock_irq(pc->index);
		pc->need_resched = 0;
		pc->resched_why = 0;
		sv = sched_schedule(&vsched_core, pc->index, time_since_boot_ns(), &slice);
		if (preempted && sv != &preempted->sv)
			vsched_descheduled(preempted);
		else if (preempted) /* nobody else wanted the CPU */
			lhp_left_cpu(preempted);
		preempted = NULL;
		vsched_rq_unlock_irq(pc->index, flags);
		if (!sv) {
			pc->slice_end_tsc = 0;
			timer_reprogram();
			irq_disable();
			if (!pc->need_resched)
				cpu_idle_wait();
			irq_enable();
			continue;
		}
		struct vcpu *v = vsched_vcpu_of(sv);

		v->pcpu = pc->index;
		v->ran_on[pc->index / 64] |= 1ull << (pc->index % 64);
		pc->slice_end_tsc = rdtsc() + vsched_ns_to_tsc(slice);
		timer_reprogram();
		vsched_claim(v, pc);
		vsched_publish_steal(v);
		guest_state_load(&v->xs);
		why = vcpu_run(v);
		guest_state_save(&v->xs);
		if (why == VCPU_LEAVE_PREEMPTED) {
			/* Set before anyone can run it elsewhere; cleared on
			 * the next entry if it is picked again right away. */
			steal_time_preempted(v);
			preempted = v;
		} else {
			lhp_left_cpu(v);
		}
		__atomic_store_n(&v->running_on, 0, __ATOMIC_RELEASE);
		vsched_leave(pc, v, why);
	}
}

void cpu_idle_loop(void)
{
	struct percpu *pc = this_cpu();

	for (;;) {
		if (vsched_enabled())
			vsched_cpu_loop();
		console_input_process();
		/* Taken, not peeked: a VM reboot hands the vCPU back here
		 * from inside its own loop. */
		struct vcpu *v = __atomic_exchange_n(&pc->vcpu, NULL, __ATOMIC_ACQ_REL);

		if (v) {
			vcpu_run_loop(v);
			continue;
		}
		irq_disable();
		if (!pc->vcpu)
			cpu_idle_wait();
		irq_enable();
	}
}
