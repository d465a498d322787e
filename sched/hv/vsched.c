/*
 * The hypervisor side of the scheduler: the instance of sched/ (the pure
 * core) over the online CPUs, its per-pCPU locks, and the calls the rest
 * of the hypervisor makes (add a VM, wake, kick, yield, extend a slice).
 */
#include "sched/hv/vsched_internal.h"
#include "kernel/console.h"
#include "kernel/options.h"
#include "kernel/percpu.h"
#include "lib/spinlock.h"
#include "kernel/time.h"
#include "vm/vm.h"
#include "arch/x86/lapic.h"
#include "arch/x86/timer.h"

#define NS_PER_S 1000000000ull

struct sched vsched_core;
struct sched_pcpu vsched_pcpus[MAX_CPUS];
volatile bool vsched_on;

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

struct vcpu *vsched_vcpu_of(struct sched_vcpu *sv)
{
	return (struct vcpu *)((u8 *)sv - offsetof(struct vcpu, sv));
}

u64 vsched_rq_lock_irq(u32 cpu)
{
	u64 flags = irq_save();

	spin_lock(&locks[cpu].rq);
	return flags;
}

void vsched_rq_unlock_irq(u32 cpu, u64 flags)
{
	spin_unlock(&locks[cpu].rq);
	irq_restore(flags);
}

bool vsched_enabled(void)
{
	return vsched_on;
}

u64 vsched_ns_to_tsc(u64 ns)
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
		vsched_pcpus[i].id = i;
	if (!sched_init(&vsched_core, &sched_credit_policy, vsched_pcpus, ncpus,
			&params, time_since_boot_ns()))
		return false;
	vsched_core.sync = &vsched_sync;
	vsched_on = true;
	pr_info("holdfast: scheduler: %s on %u CPUs, slice %lu us, rate limit %lu us",
		vsched_core.policy->name, ncpus, vsched_core.params.tslice_ns / 1000,
		vsched_core.params.ratelimit_ns / 1000);
	return true;
}

void vsched_add_vm(struct vm *vm)
{
	u64 flags;

	/* The credit refill walks the VM list on CPU 0 under its lock. */
	flags = vsched_rq_lock_irq(0);
	sched_add_vm(&vsched_core, &vm->svm, vm->id, vm->cfg->weight, vm->cfg->cap);
	for (u32 i = 0; i < vm->nvcpus; i++) {
		const u64 *pin = vm_config_pin(vm->cfg, i);
		u64 aff[SCHED_AFF_WORDS] = { 0 };

		/* Only CPUs that can run guests, narrowed by pin=. */
		for (u32 c = 0; c < vsched_core.nr_pcpus; c++)
			if (percpu_area[c].online && percpu_area[c].virt_ready &&
			    (!pin || sched_affinity_has(pin, c)))
				sched_affinity_set(aff, c);
		sched_add_vcpu(&vsched_core, &vm->svm, &vm->vcpus[i]->sv, i, aff,
			       time_since_boot_ns());
	}
	vsched_rq_unlock_irq(0, flags);
}

/* On this CPU: move the vCPUs woken for it into its run queue; reschedule
 * if one of them should preempt what runs (or the CPU idles). */
void vsched_drain_inbox(void)
{
	struct percpu *pc = this_cpu();
	u64 flags;

	if (!vsched_on)
		return;
	flags = vsched_rq_lock_irq(pc->index);
	if (sched_drain_inbox(&vsched_core, pc->index, time_since_boot_ns()))
		vsched_want_resched(pc, RESCHED_POLICY);
	vsched_rq_unlock_irq(pc->index, flags);
}

void vsched_wake(struct vcpu *v)
{
	u64 flags;
	s32 cpu;

	if (v->state == VCPU_FINISHED)
		return; /* until its VM boots again */
	flags = irq_save();
	cpu = sched_vcpu_wake(&vsched_core, &v->sv, time_since_boot_ns());
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

void vsched_yield(struct vcpu *v)
{
	struct percpu *pc = this_cpu();
	u64 flags = vsched_rq_lock_irq(pc->index);

	sched_vcpu_yield(&vsched_core, &v->sv, time_since_boot_ns());
	vsched_rq_unlock_irq(pc->index, flags);
	vsched_want_resched(pc, RESCHED_YIELD);
}

u64 vsched_slice_tsc(void)
{
	return vsched_ns_to_tsc(vsched_core.params.tslice_ns);
}

bool vsched_others_waiting(void)
{
	return sched_cpu_wanted(&vsched_core, this_cpu()->index);
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
	flags = vsched_rq_lock_irq(pc->index);
	moved = sched_vcpu_yield_to(&vsched_core, &v->sv, &target->sv,
				    time_since_boot_ns());
	vsched_rq_unlock_irq(pc->index, flags);
	vsched_want_resched(pc, RESCHED_YIELD); /* leave the guest: the decision follows */
	return moved;
}

void vsched_print_vm(struct vm *vm)
{
	u64 now = time_since_boot_ns();

	for (u32 i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = vm->vcpus[i];
		struct sched_acct a;
		u32 cpu = v->sv.pcpu;
		u64 flags = vsched_rq_lock_irq(cpu);

		/* A blocked vCPU changes only on a wake: the figures are
		 * consistent enough for a report. */
		sched_vcpu_acct(&v->sv, now, &a);
		vsched_rq_unlock_irq(cpu, flags);
		/* ran_on: CPUs 0-63 (a hex mask); enough for the pin= check. */
		pr_info("holdfast: vm %s vcpu %u sched: run_ms=%lu steal_ms=%lu blocked_ms=%lu preemptions=%lu migrations=%lu ran_on=%lx",
			vm->name, i, a.run_ns / 1000000, a.steal_ns / 1000000,
			a.blocked_ns / 1000000, a.preemptions, a.migrations,
			v->ran_on[0]);
	}
}

void vsched_print_queues(void)
{
	for (u32 i = 0; i < vsched_core.nr_pcpus; i++) {
		struct sched_pcpu *p = &vsched_pcpus[i];
		u64 flags = vsched_rq_lock_irq(i);
		struct vcpu *cur = p->curr ? vsched_vcpu_of(p->curr) : NULL;
		u32 queued = p->rq.nr;

		/* Print outside the lock: the console can be slow. */
		vsched_rq_unlock_irq(i, flags);
		pr_info("holdfast: cpu %u: running %s%s%u, %u queued", i,
			cur ? cur->vm->name : "nothing", cur ? " vcpu " : "",
			cur ? cur->index : 0, queued);
	}
}
