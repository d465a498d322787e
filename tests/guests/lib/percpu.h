/* Per-vCPU state of the test-guest runtime. A vCPU finds its own from RSP:
 * it always runs on its slot of rt_stacks at CPL 0 (entry.S). */
#ifndef GUEST_PERCPU_H
#define GUEST_PERCPU_H

#include "lib/types.h"
#include "tests/guests/lib/layout.h"
#include "tests/guests/lib/trap.h"

struct rt_vcpu {
	struct rt_recover rec;      /* owned by this vCPU */
	u64 nmis;                   /* written by this vCPU, read by any */
	u64 nmi_rip;                /* where the last NMI came in; ditto */
	u32 irqs[256];              /* written by this vCPU, read by any */
};

extern struct rt_vcpu rt_vcpus[RT_MAX_VCPUS];
extern u8 rt_stacks[RT_MAX_VCPUS][RT_STACK_SIZE];
extern u8 rt_user_stacks[RT_MAX_VCPUS][RT_USER_STACK_SIZE];

/* Number of vCPUs the runtime serves (the entry count, capped). */
extern unsigned rt_nr_vcpus;

/* The vCPU whose stack holds @sp, or -1 when it is on no vCPU stack. */
int rt_index_from_sp(u64 sp);

/* The calling vCPU's index (0..rt_nr_vcpus-1). */
unsigned this_vcpu(void);

#endif
