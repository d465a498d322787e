#include "kernel/selftest.h"
#include "kernel/console.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/time.h"
#include "arch/x86/lapic.h"
#include "arch/x86/smp.h"
#include "arch/x86/timer.h"

struct cpu_report {
	u32 apic_id;
	u64 ticks;
};

static void cpu_report_fill(void *arg)
{
	struct cpu_report *r = arg;

	r->apic_id = lapic_id();
	r->ticks = this_cpu()->timer_ticks;
}

void selftest_cpus(u32 online)
{
	u32 answered = 0, ticking = 0;

	/* Long enough for a few ticks on every CPU. */
	time_delay_us(4 * 1000000 / TICK_HZ);
	for (u32 i = 0; i < MAX_CPUS; i++) {
		struct cpu_report r = { 0 };

		if (!percpu_area[i].online)
			continue;
		if (!smp_call(i, cpu_report_fill, &r)) {
			pr_err("holdfast: error: CPU %u did not answer a cross-CPU call", i);
			continue;
		}
		if (r.apic_id != percpu_area[i].apic_id) {
			pr_err("holdfast: error: cross-CPU call for CPU %u ran on APIC %u",
			       i, r.apic_id);
			continue;
		}
		answered++;
		if (r.ticks)
			ticking++;
		else
			pr_err("holdfast: error: CPU %u's timer is not ticking", i);
	}
	pr_info("holdfast: cross-CPU calls answered by %u of %u CPUs, timers ticking on %u",
		answered, online, ticking);
}

static volatile bool keep_recursing = true;

static u64 __attribute__((noinline)) recurse(u64 depth)
{
	volatile u8 frame[512];

	frame[0] = (u8)depth;
	if (!keep_recursing)
		return depth;
	return recurse(depth + 1) + frame[0]; /* not a tail call */
}

static void overflow_stack(void *arg)
{
	(void)arg;
	recurse(0);
}

static void panic_here(void *arg)
{
	(void)arg;
	panic("selftest=panic asked for a panic on this CPU");
}

void selftest_run(enum selftest which, u32 online)
{
	void (*fn)(void *);

	switch (which) {
	case SELFTEST_PANIC:
		fn = panic_here;
		break;
	case SELFTEST_STACK_OVERFLOW:
		fn = overflow_stack;
		break;
	default:
		return;
	}
	/* On the last CPU, so the boot CPU shows being stopped by NMI. */
	u32 last = 0;

	for (u32 i = 0; i < MAX_CPUS; i++)
		if (percpu_area[i].online)
			last = i;
	pr_info("holdfast: selftest: %s on CPU %u of %u",
		which == SELFTEST_PANIC ? "panic" : "stack overflow", last,
		online);
	smp_call(last, fn, NULL);
	panic("selftest did not stop the machine");
}
