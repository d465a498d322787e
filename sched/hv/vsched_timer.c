/*
 * The host timer and kick interrupts, as the scheduler sees them. The core
 * registers these handlers with arch (arch/x86 knows nothing of vCPUs):
 * the timer interrupt ends slices, runs the policy's tick and wakes
 * sleepers whose vLAPIC timer is due; the kick IPI drains this CPU's inbox.
 */
#include "sched/hv/vsched_internal.h"
#include "kernel/tick.h"
#include "kernel/time.h"
#include "vm/vm.h"
#include "arch/x86/desc.h"
#include "arch/x86/lapic.h"
#include "arch/x86/timer.h"

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

/* Slices, the policy's tick (when @host_tick: TICK_HZ) and sleepers. */
static void vsched_on_timer(bool host_tick)
{
	struct percpu *pc = this_cpu();
	u64 flags;
	u32 why = 0;

	if (!vsched_on)
		return;
	if (pc->slice_end_tsc && rdtsc() >= pc->slice_end_tsc) {
		pc->slice_end_tsc = 0;
		why |= RESCHED_SLICE_END;
	}
	if (host_tick) {
		flags = vsched_rq_lock_irq(pc->index);
		if (sched_tick(&vsched_core, pc->index, time_since_boot_ns()))
			why |= RESCHED_POLICY;
		vsched_rq_unlock_irq(pc->index, flags);
	}
	/* Scan the sleepers only when one homed here is due, and once a tick
	 * (the recorded minimum goes stale when a sleeper is woken early). */
	if (host_tick || (pc->sleepers_deadline_tsc && rdtsc() >= pc->sleepers_deadline_tsc))
		vsched_wake_sleepers(pc);
	if (why)
		vsched_want_resched(pc, why);
	timer_reprogram();
}

/* VEC_TIMER: the LAPIC timer serves the host tick, slice ends and guest
 * timer deadlines at once (arch/x86/timer.c multiplexes them). */
static void timer_irq(struct regs *r)
{
	bool host_tick_due = timer_interrupt();

	(void)r;
	if (host_tick_due)
		host_tick();
	vsched_on_timer(host_tick_due);
}

/* VEC_KICK: another CPU woke a vCPU for this one, or set one of a running
 * vCPU's requests; the interrupted loop re-checks its requests. */
static void kick_irq(struct regs *r)
{
	(void)r;
	vsched_drain_inbox();
}

void vsched_irq_init(void)
{
	irq_register(VEC_TIMER, timer_irq);
	irq_register(VEC_KICK, kick_irq);
}
