#include "tests/guests/lib/cpu.h"
#include "tests/guests/lib/percpu.h"
#include "tests/guests/lib/smp.h"

void barrier_wait(struct barrier *b, u32 n)
{
	u32 gen = __atomic_load_n(&b->generation, __ATOMIC_ACQUIRE);

	if (__atomic_add_fetch(&b->arrived, 1, __ATOMIC_ACQ_REL) == n) {
		/* nobody can arrive again before generation moves */
		__atomic_store_n(&b->arrived, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&b->generation, gen + 1, __ATOMIC_RELEASE);
		return;
	}
	while (__atomic_load_n(&b->generation, __ATOMIC_ACQUIRE) == gen)
		cpu_relax();
}

void smp_barrier(void)
{
	static struct barrier all;

	barrier_wait(&all, rt_nr_vcpus);
}

struct deadline deadline_start(u64 ticks)
{
	/* PAUSE plus RDTSC take well over 32 TSC ticks, so the spin count
	 * only ends the wait when the TSC is stuck */
	return (struct deadline){ rdtsc(), ticks, ticks / 32 };
}

bool deadline_wait(struct deadline *d)
{
	cpu_relax();
	if (d->spins_left-- == 0)
		return true;
	return rdtsc() - d->start_tsc > d->ticks;
}
