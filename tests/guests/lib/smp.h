/* Synchronisation between the vCPUs of a test guest. */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#include "lib/types.h"

/* All @n participants wait until the last one arrives; reusable. */
struct barrier {
	u32 arrived;     /* atomic */
	u32 generation;  /* atomic: bumped by the last arrival */
};

void barrier_wait(struct barrier *b, u32 n);

/* Every vCPU of the guest (rt_nr_vcpus) meets here. */
void smp_barrier(void);

/*
 * Timeouts that do not depend on Holdfast's timers: a TSC budget (the TSC
 * runs near host speed under emulation), with a spin count as a backstop
 * in case the TSC does not move.
 */
struct deadline {
	u64 start_tsc, ticks;
	u64 spins_left;
};

#define DEADLINE_LONG (30ull * 1000 * 1000 * 1000) /* ~10 s at 3 GHz */
#define DEADLINE_SHORT (300ull * 1000 * 1000)      /* ~0.1 s at 3 GHz */

struct deadline deadline_start(u64 ticks);
/* Spins once (PAUSE) and says whether the deadline has passed. */
bool deadline_wait(struct deadline *d);

#endif
