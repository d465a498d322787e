/* Scheduler core: per-pCPU run queues, vCPU state accounting and the
 * policy ops table. Pure C with no clock and no allocation: the caller owns
 * every object, passes the time (u64 nanoseconds) into each call and arms a
 * timer for the slice that sched_schedule() returns. The same files build
 * into the hypervisor, the host unit tests and tests/sim/simulate.
 *
 * Concurrency (the hypervisor runs one caller per pCPU at once; the
 * simulator and unit tests run single-threaded and leave sched.sync NULL):
 *  - A pCPU's run queue and curr are modified only by calls that name that
 *    pCPU (schedule, tick, drain, block, yield), made on that pCPU under its
 *    run-queue lock; the one exception is an idle or OVER pCPU stealing a
 *    queued vCPU, which it does only after sync->rq_trylock(victim).
 *  - sched_vcpu_wake() may run on any pCPU: it claims the BLOCKED vCPU
 *    atomically (one waker wins), lets the policy choose a pCPU and pushes
 *    the vCPU onto that pCPU's inbox under sync->inbox_lock. The caller
 *    then interrupts the target (an IPI), which moves its inbox into its
 *    run queue with sched_drain_inbox() (schedule and tick drain too).
 *  - Reads of other pCPUs' state (idle or not, queue lengths) are hints.
 *  - The credit refill runs on pCPU 0 and changes only per-vCPU credit,
 *    atomically; queues re-sort themselves lazily on their own CPU. */
#ifndef HOLDFAST_SCHED_H
#define HOLDFAST_SCHED_H

#include "lib/types.h"

#define SCHED_MAX_PCPUS 256
#define SCHED_AFF_WORDS (SCHED_MAX_PCPUS / 64)
#define SCHED_NR_PRIO 4 /* priority lists per run queue, 0 = best */

enum sched_state {
	SCHED_BLOCKED,
	SCHED_RUNNABLE, /* queued, waiting for a pCPU: counts as steal */
	SCHED_RUNNING,
};

/* Per-vCPU accounting; run + steal + blocked == now - created. */
struct sched_acct {
	u64 run_ns;
	u64 steal_ns; /* runnable but not running */
	u64 blocked_ns;
	u64 preemptions; /* involuntary RUNNING -> RUNNABLE */
	u64 migrations; /* ran on a pCPU other than the last one */
};

struct sched_vm {
	u32 id;
	u32 weight; /* relative share, > 0 */
	u32 cap_pct; /* 0: none, else at most cap_pct% of one pCPU in total */
	u32 nr_vcpus;
	struct sched_vcpu *vcpus; /* list through sched_vcpu.vm_next */
	struct sched_vm *next; /* list of every VM of the scheduler */
	u64 credit_last; /* policy: credit handed out at the last refill */
};

struct sched_vcpu {
	u32 id;
	struct sched_vm *vm;
	struct sched_vcpu *vm_next;
	u64 affinity[SCHED_AFF_WORDS]; /* pCPUs it may run on */

	/* Owned by the CPU whose run queue holds it (pcpu); BLOCKED ->
	 * RUNNABLE is an atomic claim by whichever CPU wakes it. */
	enum sched_state state;
	struct sched_vcpu *inbox_next;
	u32 pcpu; /* queue it is on, or pCPU it runs / last ran on */
	u32 last_ran; /* pCPU it last ran on, for migrations */
	bool ever_ran;
	bool yielded; /* gave up the pCPU itself: not a preemption */
	struct sched_vcpu *rq_prev, *rq_next;
	u8 rq_prio; /* list it sits on while queued */
	bool on_rq; /* queued on pcpu's run queue (not in an inbox) */

	/* Policy-private (credit: ns of pCPU time it may still use). */
	s64 credit;
	u8 prio;
	bool active; /* ran or was runnable since the last refill */
	u64 charged_at; /* run time up to here is debited */

	u64 state_since;
	struct sched_acct acct;
};

struct sched_runq {
	struct sched_vcpu *head[SCHED_NR_PRIO], *tail[SCHED_NR_PRIO];
	u32 nr; /* queued vCPUs on every list */
};

struct sched_pcpu {
	u32 id;
	struct sched_vcpu *curr; /* NULL: idle */
	struct sched_runq rq;
	u64 slice_start; /* when curr was last picked */
	struct sched_vcpu *inbox; /* woken for this pCPU, newest first */
	u32 sort_epoch; /* policy: refill epoch the queue is sorted for */
};

struct sched_params {
	u64 tslice_ns; /* longest uninterrupted run */
	u64 ratelimit_ns; /* shortest run before a wake-up may preempt */
	u64 tick_ns; /* how often each pCPU calls sched_tick */
	u64 period_ns; /* credit refill (accounting) period */
};

struct sched;

/* Locks the hypervisor supplies (NULL in single-threaded users). */
struct sched_sync {
	void (*inbox_lock)(u32 cpu);
	void (*inbox_unlock)(u32 cpu);
	/* Another pCPU's run queue, for stealing; may fail (never waits, so
	 * two pCPUs stealing from each other cannot deadlock). */
	bool (*rq_trylock)(u32 cpu);
	void (*rq_unlock)(u32 cpu);
};

struct sched_policy {
	const char *name;
	void (*init)(struct sched *s);
	void (*vcpu_init)(struct sched *s, struct sched_vcpu *v);
	/* p->curr is the outgoing vCPU (RUNNING if still runnable, else
	 * BLOCKED) or NULL. Requeue it if it stays runnable and is not
	 * returned; return the next vCPU (not queued) or NULL to idle. */
	struct sched_vcpu *(*pick_next)(struct sched *s, struct sched_pcpu *p,
					u64 now, u64 *slice_ns);
	/* Periodic; true when p should call sched_schedule now. */
	bool (*tick)(struct sched *s, struct sched_pcpu *p, u64 now);
	/* v went BLOCKED -> RUNNABLE, on any pCPU: choose the pCPU to queue
	 * it on (the others' state is only a hint here). */
	u32 (*wake_target)(struct sched *s, struct sched_vcpu *v, u64 now);
	/* On p itself: queue v, woken for p; true when p should call
	 * sched_schedule (v should preempt p's current vCPU, or p idles). */
	bool (*enqueue_woken)(struct sched *s, struct sched_pcpu *p,
			      struct sched_vcpu *v, u64 now);
	/* v, the running vCPU of its pCPU, is about to stop running. */
	void (*block)(struct sched *s, struct sched_vcpu *v, u64 now);
	void (*yield)(struct sched *s, struct sched_vcpu *v, u64 now);
};

struct sched {
	const struct sched_policy *policy;
	const struct sched_sync *sync;
	struct sched_params params;
	struct sched_pcpu *pcpus;
	u32 nr_pcpus;
	struct sched_vm *vms;
	u32 nr_vms;
	u64 nr_queued; /* vCPUs queued on any pCPU, to let idlers steal
			* (atomic) */
	u64 nr_decisions;
	u64 nr_balanced; /* vCPUs moved by periodic load balancing (racy sum) */
	u64 next_refill; /* policy: time of the next accounting */
	u32 refill_epoch;
};

extern const struct sched_policy sched_credit_policy;

/* Set up @s over @pcpus[nr_pcpus] (caller-allocated). A zero field in
 * @params takes the default (credit: 30 ms slice, 1 ms rate limit,
 * 10 ms tick, 30 ms period). Returns false on bad arguments. */
bool sched_init(struct sched *s, const struct sched_policy *policy,
		struct sched_pcpu *pcpus, u32 nr_pcpus,
		const struct sched_params *params, u64 now);
void sched_add_vm(struct sched *s, struct sched_vm *vm, u32 id, u32 weight,
		  u32 cap_pct);
/* Adds @v BLOCKED; sched_vcpu_wake() makes it runnable. @affinity NULL: all. */
bool sched_add_vcpu(struct sched *s, struct sched_vm *vm,
		    struct sched_vcpu *v, u32 id, const u64 *affinity,
		    u64 now);

/* The decision point: returns the vCPU @cpu runs now (NULL: idle) and the
 * time after which it must call again. */
struct sched_vcpu *sched_schedule(struct sched *s, u32 cpu, u64 now,
				  u64 *slice_ns);
bool sched_tick(struct sched *s, u32 cpu, u64 now);
/* Any pCPU: make a BLOCKED vCPU runnable. Returns the pCPU whose inbox now
 * holds it (the caller interrupts that pCPU, which then calls
 * sched_drain_inbox), or -1 when @v was not BLOCKED (someone else won). */
s32 sched_vcpu_wake(struct sched *s, struct sched_vcpu *v, u64 now);
/* On @cpu: queue the vCPUs woken for it. True: call sched_schedule. */
bool sched_drain_inbox(struct sched *s, u32 cpu, u64 now);
/* The running vCPU halts / yields; its pCPU then calls sched_schedule. */
void sched_vcpu_block(struct sched *s, struct sched_vcpu *v, u64 now);
void sched_vcpu_yield(struct sched *s, struct sched_vcpu *v, u64 now);
/* Directed yield (on v's pCPU): v yields and @target, when it waits in a
 * run queue and may run here, moves to the front of this pCPU's queue
 * (another pCPU's queue only by trylock). True when it moved or already
 * waited here. */
bool sched_vcpu_yield_to(struct sched *s, struct sched_vcpu *v,
			 struct sched_vcpu *target, u64 now);

/* Any pCPU, without the lock (a hint: it may be stale by the time it is
 * used): true when the next decision on @cpu could pick a vCPU other than
 * the one running there: one is queued on any pCPU (queued here, or
 * queued elsewhere, which an idle-or-over-credit pCPU may steal) or woken
 * for @cpu (its inbox). */
bool sched_cpu_wanted(const struct sched *s, u32 cpu);

/* Accounting up to @now, including the current state's time so far. */
void sched_vcpu_acct(const struct sched_vcpu *v, u64 now,
		     struct sched_acct *out);

static inline bool sched_affinity_has(const u64 *aff, u32 cpu)
{
	return (aff[cpu / 64] >> (cpu % 64)) & 1;
}

static inline void sched_affinity_set(u64 *aff, u32 cpu)
{
	aff[cpu / 64] |= 1ull << (cpu % 64);
}

/* Run-queue primitives shared by the policies (sched.c). */
void sched_runq_push(struct sched *s, struct sched_runq *rq,
		     struct sched_vcpu *v, u8 prio, bool front);
void sched_runq_remove(struct sched *s, struct sched_runq *rq,
		       struct sched_vcpu *v);
void sched_set_state(struct sched_vcpu *v, enum sched_state st, u64 now);

#endif
