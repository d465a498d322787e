/* Per-physical-CPU data. Each CPU reaches its own block through this_cpu()
 * (GS base); other CPUs only touch the fields marked as shared. */
#ifndef HOLDFAST_PERCPU_H
#define HOLDFAST_PERCPU_H

#include "lib/types.h"
#include "lib/spinlock.h"
#include "arch/x86/cpu.h"
#include "arch/x86/desc.h"
#include "arch/x86/xcall_slot.h"

#define MAX_CPUS 256

struct vcpu;
#define STACK_GUARD_SLOTS (1 + IST_COUNT) /* main stack + IST stacks */

struct percpu {
	struct percpu *self; /* must stay first: this_cpu() reads %gs:0 */
	u32 index;           /* dense, 0 = boot CPU; constant once online */
	u32 apic_id;         /* constant once online */

	/* Owned by this CPU. */
	struct cpu_desc desc;
	u64 stack_top;
	u64 stack_guard[STACK_GUARD_SLOTS]; /* guard page of each stack */
	volatile u64 timer_ticks;
	u64 next_tick_tsc;      /* when the next host tick falls due */
	u64 guest_deadline_tsc; /* the running vCPU's next timer, 0 = none */
	u64 sleepers_deadline_tsc; /* earliest timer of vCPUs blocked here */
	u64 slice_end_tsc;      /* when the running vCPU's slice ends */
	u64 timer_target_tsc;   /* when the host timer is armed to fire */
	volatile u32 need_resched; /* this CPU: call the scheduler */
	volatile u32 resched_why;  /* ...and why (RESCHED_*, sched/hv/vsched.h):
				    * this CPU, its interrupts included */
	u64 spurious_interrupts;
	u64 nmis;

	/* Shared: set by this CPU once it is fully up; read by all. */
	volatile bool online;
	volatile bool virt_ready; /* hardware virtualization enabled here */
	/* With sched=none, the one vCPU this CPU runs: set by the boot CPU,
	 * then owned by this CPU (unused under the scheduler). */
	struct vcpu *volatile vcpu;

	/* Cross-CPU call slot: callers serialise on xcall_lock; the target
	 * claims the call in its IPI handler (arch/x86/xcall_slot.h). */
	struct spinlock xcall_lock;
	struct xcall_slot xcall;
};

extern struct percpu percpu_area[MAX_CPUS];
extern u32 cpus_online; /* CPUs fully up; written only by the boot CPU */

static inline struct percpu *this_cpu(void)
{
	return cpu_local_base();
}

/* Make @pc the calling CPU's block (sets GS base). */
void percpu_install(struct percpu *pc);

#endif
