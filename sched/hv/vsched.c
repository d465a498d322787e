#include "sched/hv/vsched.h"
#include "kernel/console.h"
#include "vm/console_input.h"
#include "kernel/options.h"
#include "kernel/panic.h"
#include "paravirt/steal_time.h"
#include "lhp/preempt_delay.h"
#include "lhp/spin_detect.h"
#include "kernel/percpu.h"
#include "lib/spinlock.h"
#include "kernel/time.h"
#include "vm/vm.h"
#include "arch/x86/lapic.h"
#include "arch/x86/timer.h"

#define NS_PER_S 1000000000ull

static struct sched sched;
static struct sched_pcpu sched_pcpus[MAX_CPUS];
static volatile bool enabled;

/* Per pCPU: the run-queue lock (its owner around every scheduler call that
 * names it; another pCPU only by trylock, to steal) and the inbox lock
 * (anyone waking a vCPU for it). Both are taken with interrupts off: the
 * timer and the kick IPI use them on the CPU they interrupt. */
struct vsched_locks {
	struct spinlock rq;
	struct spinlock inbox;
} __attribute__((aligned(64)));
static struct vsched_locks locks[MAX_CPUS];

static void inbox_lock(u32 cpu)
{
	spin_lock(&locks[cpu].inbox);
}

static void inbox_unlock(u32 cpu)
{
	spin_unlock(&locks[cpu].inbox);
}

static bool rq_trylock(u32 cpu)
{
	return spin_trylock(&locks[cpu].rq);
}

static void rq_unlock(u32 cpu)
{
	spin_unlock(&locks[cpu].rq);
}

static const struct sched_sync vsched_sync = {
	.inbox_lock = inbox_lock,
	.inbox_unlock = inbox_unlock,
	.rq_trylock = rq_trylock,
	.rq_unlock = rq_unlock,
};

static struct vcpu *vcpu_of(struct sched_vcpu *sv)
{
	return (struct vcpu *)((u8 *)sv - offsetof(struct vcpu, sv));
}

static u64 rq_lock_irq(u32 cpu)
{
	u64 flags = irq_save();

	spin_lock(&locks[cpu].rq);
	return flags;
}

static void rq_unlock_irq(u32 cpu, u64 flags)
{
	spin_unlock(&locks[cpu].rq);
	irq_restore(flags);
}

bool vsched_enabled(void)
{
	return enabled;
}

static u64 ns_to_tsc(u64 ns)
{
	return ns / NS_PER_S * tsc_hz + ns % NS_PER_S * tsc_hz / NS_PER_S;
}

bool vsched_init(void)
{
	struct sched_params params = {
		.tslice_ns = hv_options.tslice_us * 1000ull,
		.ratelimit_ns = hv_options.ratelimit_us * 1000ull,
		.tick_ns = NS_PER_S / TICK_HZ,
	};
	u32 ncpus = 0;

	for (u32 i = 0; i < MAX_CPUS; i++)
		if (percpu_area[i].online)
			ncpus = i + 1;
	for (u32 i = 0; i < ncpus; i++)
		sched_pcpus[i].id = i;
	if (!sched_init(&sched, &sched_credit_policy, sched_pcpus, ncpus,
			&params, time_since_boot_ns()))
		return false;
	sched.sync = &vsched_sync;
	enabled = true;
	pr_info("holdfast: scheduler: %s on %u CPUs, slice %lu us, rate limit %lu us",
		sched.policy->name, ncpus, sched.params.tslice_ns / 1000,
		sched.params.ratelimit_ns / 1000);
	return true;
}

void vsched_add_vm(struct vm *vm)
{
	u64 flags;

	/* The credit refill walks the VM list on CPU 0 under its lock. */
	flags = rq_lock_irq(0);
	sched_add_vm(&sched, &vm->svm, vm->id, vm->cfg->weight, vm->cfg->cap);
	for (u32 i = 0; i < vm->nvcpus; i++) {
		const u64 *pin = vm_config_pin(vm->cfg, i);
		u64 aff[SCHED_AFF_WORDS] = { 0 };

		/* Only CPUs that can run guests, narrowed by pin=. */
		for (u32 c = 0; c < sched.nr_pcpus; c++)
			if (percpu_area[c].online && percpu_area[c].virt_ready &&
			    (!pin || sched_affinity_has(pin, c)))
				sched_affinity_set(aff, c);
		sched_add_vcpu(&sched, &vm->svm, &vm->vcpus[i]->sv, i, aff,
			       time_since_boot_ns());
	}
	rq_unlock_irq(0, flags);
}

/* On this CPU: move the vCPUs woken for it into its run queue; reschedule
 * if one of them should preempt what runs (or the CPU idles). */
void vsched_drain_inbox(void)
{
	struct percpu *pc = this_cpu();
	u64 flags;

	if (!enabled)
		return;
	flags = rq_lock_irq(pc->index);
	if (sched_drain_inbox(&sched, pc->index, time_since_boot_ns()))
		pc->need_resched = 1;
	rq_unlock_irq(pc->index, flags);
}

static void vsched_wake(struct vcpu *v)
{
	u64 flags;
	s32 cpu;

	if (v->state == VCPU_FINISHED)
		return; /* until its VM boots again */
	flags = irq_save();
	cpu = sched_vcpu_wake(&sched, &v->sv, time_since_boot_ns());
	irq_restore(flags);
	if (cpu < 0)
		return; /* not blocked, or another CPU woke it first */
	if ((u32)cpu == this_cpu()->index)
		vsched_drain_inbox();
	else
		lapic_send_ipi(percpu_area[cpu].apic_id, VEC_KICK);
}

void vsched_start_vm(struct vm *vm)
{
	for (u32 i = 0; i < vm->nvcpus; i++)
		vsched_wake(vm->vcpus[i]);
}

void vsched_kick(struct vcpu *v)
{
	/* A racy look is enough: a vCPU that blocks right after this re-checks
	 * its pending events once off the CPU (vsched_leave). */
	enum sched_state st = __atomic_load_n(&v->sv.state, __ATOMIC_ACQUIRE);
	u32 cpu = __atomic_load_n(&v->sv.pcpu, __ATOMIC_RELAXED);

	if (st == SCHED_BLOCKED)
		vsched_wake(v);
	else if (st == SCHED_RUNNING && cpu != this_cpu()->index)
		lapic_send_ipi(percpu_area[cpu].apic_id, VEC_KICK);
}

/* Wake blocked vCPUs whose vLAPIC timer is due; re-arm for the rest of
 * those last run here. */
static void vsched_wake_sleepers(struct percpu *pc)
{
	u64 now = rdtsc(), next = 0;

	for (u32 i = 0; i < vm_count; i++) {
		struct vm *vm = vms[i];

		for (u32 j = 0; j < vm->nvcpus; j++) {
			struct vcpu *v = vm->vcpus[j];
			u64 d = v->sleep_deadline_tsc;

			if (!d || v->sv.state != SCHED_BLOCKED)
				continue;
			if (d <= now) {
				v->sleep_deadline_tsc = 0;
				vsched_wake(v);
			} else if (v->sv.pcpu == pc->index && (!next || d < next)) {
				next = d;
			}
		}
	}
	pc->sleepers_deadline_tsc = next;
}

void vsched_timer(bool tick)
{
	struct percpu *pc = this_cpu();
	u64 flags;
	bool resched = false;

	if (!enabled)
		return;
	if (pc->slice_end_tsc && rdtsc() >= pc->slice_end_tsc) {
		pc->slice_end_tsc = 0;
		resched = true;
	}
	if (tick) {
		flags = rq_lock_irq(pc->index);
		resched |= sched_tick(&sched, pc->index, time_since_boot_ns());
		rq_unlock_irq(pc->index, flags);
	}
	/* Scan the sleepers only when one homed here is due, and once a tick
	 * (the recorded minimum goes stale when a sleeper is woken early). */
	if (tick || (pc->sleepers_deadline_tsc && rdtsc() >= pc->sleepers_deadline_tsc))
		vsched_wake_sleepers(pc);
	if (resched)
		pc->need_resched = 1;
	timer_reprogram();
}

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
	flags = rq_lock_irq(pc->index);
	sched_vcpu_block(&sched, &v->sv, time_since_boot_ns());
	rq_unlock_irq(pc->index, flags);
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

void vsched_yield(struct vcpu *v)
{
	struct percpu *pc = this_cpu();
	u64 flags = rq_lock_irq(pc->index);

	sched_vcpu_yield(&sched, &v->sv, time_since_boot_ns());
	rq_unlock_irq(pc->index, flags);
	pc->need_resched = 1;
}

void vsched_extend_slice(u64 end_tsc)
{
	struct percpu *pc = this_cpu();

	pc->slice_end_tsc = end_tsc;
	timer_reprogram();
}

bool vsched_yield_to(struct vcpu *v, struct vcpu *target)
{
	struct percpu *pc = this_cpu();
	u64 flags;
	bool moved;

	/* Only a preempted target is worth the CPU (KVM's rule too). */
	if (__atomic_load_n(&target->sv.state, __ATOMIC_RELAXED) != SCHED_RUNNABLE)
		return false;
	flags = rq_lock_irq(pc->index);
	moved = sched_vcpu_yield_to(&sched, &v->sv, &target->sv,
				    time_since_boot_ns());
	rq_unlock_irq(pc->index, flags);
	pc->need_resched = 1; /* leave the guest: the decision follows */
	return moved;
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
		flags = rq_lock_irq(pc->index);
		pc->need_resched = 0;
		sv = sched_schedule(&sched, pc->index, time_since_boot_ns(), &slice);
		if (preempted && sv != &preempted->sv)
			vsched_descheduled(preempted);
		else if (preempted) /* nobody else wanted the CPU */
			preempt_delay_left(preempted);
		preempted = NULL;
		rq_unlock_irq(pc->index, flags);
		if (!sv) {
			pc->slice_end_tsc = 0;
			timer_reprogram();
			irq_disable();
			if (!pc->need_resched)
				cpu_idle_wait();
			irq_enable();
			continue;
		}
		struct vcpu *v = vcpu_of(sv);

		v->pcpu = pc->index;
		v->ran_on[pc->index / 64] |= 1ull << (pc->index % 64);
		pc->slice_end_tsc = rdtsc() + ns_to_tsc(slice);
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
			preempt_delay_left(v);
		}
		__atomic_store_n(&v->running_on, 0, __ATOMIC_RELEASE);
		vsched_leave(pc, v, why);
	}
}

void vsched_print_vm(struct vm *vm)
{
	u64 now = time_since_boot_ns();

	for (u32 i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = vm->vcpus[i];
		struct sched_acct a;
		u32 cpu = v->sv.pcpu;
		u64 flags = rq_lock_irq(cpu);

		/* A blocked vCPU changes only on a wake: the figures are
		 * consistent enough for a report. */
		sched_vcpu_acct(&v->sv, now, &a);
		rq_unlock_irq(cpu, flags);
		/* ran_on: CPUs 0-63 (a hex mask); enough for the pin= check. */
		pr_info("holdfast: vm %s vcpu %u sched: run_ms=%lu steal_ms=%lu blocked_ms=%lu preemptions=%lu migrations=%lu ran_on=%lx",
			vm->name, i, a.run_ns / 1000000, a.steal_ns / 1000000,
			a.blocked_ns / 1000000, a.preemptions, a.migrations,
			v->ran_on[0]);
	}
}

void vsched_print_queues(void)
{
	for (u32 i = 0; i < sched.nr_pcpus; i++) {
		struct sched_pcpu *p = &sched_pcpus[i];
		u64 flags = rq_lock_irq(i);
		struct vcpu *cur = p->curr ? vcpu_of(p->curr) : NULL;
		u32 queued = p->rq.nr;

		/* Print outside the lock: the console can be slow. */
		rq_unlock_irq(i, flags);
		pr_info("holdfast: cpu %u: running %s%s%u, %u queued", i,
			cur ? cur->vm->name : "nothing", cur ? " vcpu " : "",
			cur ? cur->index : 0, queued);
	}
}
