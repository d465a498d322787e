/*
 * bench: exit-cost microbenchmark (one vCPU). Times `calls=N` (default
 * 20000) round trips of each kind with the TSC and prints one line per kind:
 *   bench: KIND N calls T tsc-ticks
 * tests/bench/exit_cost.py converts ticks to time with the TSC rate the
 * hypervisor prints, repeats runs and reports rates and ratios.
 */
#include "tests/guests/lib/rt.h"

const char guest_name[] = "bench";

#define UNCLAIMED_PORT 0x80

static u64 time_calls(void (*op)(void), u64 n)
{
	u64 t0 = rdtsc();

	for (u64 i = 0; i < n; i++)
		op();
	return rdtsc() - t0;
}

static void op_hypercall(void)
{
	hypercall(HF_HC_NOP, 0, 0, 0, 0);
}

static void op_cpuid(void)
{
	cpuid(0, 0);
}

static void op_port(void)
{
	inb(UNCLAIMED_PORT);
}

static void op_rdtsc(void)
{
	rdtsc(); /* not intercepted: the cost of the loop itself */
}

void guest_main(unsigned index, unsigned count)
{
	static const struct {
		const char *kind;
		void (*op)(void);
	} ops[] = {
		{ "hypercall", op_hypercall }, { "cpuid", op_cpuid },
		{ "port-in", op_port }, { "no-exit", op_rdtsc },
	};
	u64 n = rt_option_u64("calls", 20000);

	(void)count;
	if (index != 0)
		return;
	for (u32 i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		gprintf("bench: %s %lu calls %lu tsc-ticks\n", ops[i].kind, n,
			time_calls(ops[i].op, n));
	gprintf("bench: done\n");
}
