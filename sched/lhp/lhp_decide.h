/*
 * The lock-holder-preemption decision, as a pure function (DESIGN.md:
 * lhp_may_preempt). When the scheduler wants a vCPU's CPU, or while a
 * deferral runs, lhp_decide() says what to do with the inputs it is given
 * (the VM's lhp= modes, the guest's mode and published lock depth, the
 * time, why the CPU is wanted, whether anyone waits for it) and the
 * vCPU's deferral state; it touches nothing. The caller (sched/lhp/lhp.c) acts:
 * it stores @next, counts, writes the guest's preemption block and arms
 * the timer for @recheck_at. Host unit tests: tests/unit/test_lhp_decide.c.
 *
 * The rules, in order:
 *  1. A yield (the guest's HF_HC_PREEMPT_YIELD, PV_SCHED_YIELD, or a
 *     directed yield from spin detection) leaves at once: it asked to give
 *     its CPU away, so no deferral applies, and any deferral ends.
 *  2. Nothing due and no safe-point wait running: run on.
 *  3. A delay extension (lhp=delay) runs until its end, then the vCPU
 *     leaves whatever it holds (forced when the lock depth is non-zero).
 *  4. A slice end that nobody else waits for (no vCPU queued anywhere,
 *     none woken for this CPU): the vCPU simply runs on for a fresh
 *     slice; no deferral starts, so a lock holder is neither extended
 *     nor asked to yield. (When the policy itself wants the CPU, for a
 *     woken vCPU or a cap, the rules below apply.)
 *  5. lhp=delay: a vCPU whose block shows a lock held gets one extension
 *     of @bound (no second one until it yields or loses its CPU).
 *  6. After an extension this slice, no safe-point wait follows (the two
 *     do not stack).
 *  7. lhp=safepoint: a vCPU due in kernel mode (CPL 0) waits for user mode
 *     or a halt, at most @bound, re-polled every @poll; in user mode it
 *     leaves (the safe point).
 */
#ifndef HOLDFAST_LHP_DECIDE_H
#define HOLDFAST_LHP_DECIDE_H

#include "lib/types.h"

/* lhp= mode bits (vm/vm_config.h spells them LHP_DELAY...: the same). */
#define LHP_MODE_DELAY (1u << 0)
#define LHP_MODE_SAFEPOINT (1u << 1)

/* Why the decision is asked for. */
enum lhp_request {
	LHP_REQ_NONE,      /* an exit while a safe-point wait runs: re-check */
	LHP_REQ_SLICE_END, /* the slice or a deferral's timer ran out */
	LHP_REQ_PREEMPT,   /* the policy wants the CPU: a woken vCPU, a cap */
	LHP_REQ_YIELD,     /* the vCPU itself gives its CPU away */
};

/* A vCPU's deferral state; owned by the CPU running it. Times are TSC. */
struct lhp_state {
	u64 extension_end;  /* a delay extension runs until then; 0: none */
	bool extension_used; /* granted since the last yield or descheduling */
	u64 safepoint_end;  /* waiting for a safe point until then; 0: not */
};

struct lhp_input {
	u32 modes;               /* LHP_MODE_* of the VM */
	enum lhp_request request;
	bool others_waiting;     /* another vCPU could take this CPU */
	bool has_block;          /* a preemption block is registered */
	u32 lock_depth;          /* ...and the depth it shows */
	int cpl;                 /* the guest's privilege level now */
	u64 now, bound, poll;    /* TSC; @bound: lhp_delay=; @poll: safe-point
				  * re-check interval */
	u64 slice;               /* a fresh time slice (rule 4), TSC */
};

enum lhp_verdict { LHP_LEAVE, LHP_STAY };

enum lhp_reason {
	LHP_WHY_YIELD,             /* rule 1 */
	LHP_WHY_NOTHING_DUE,       /* rule 2 */
	LHP_WHY_EXTENSION_RUNS,    /* rule 3 */
	LHP_WHY_EXTENSION_OVER,    /* rule 3, the end */
	LHP_WHY_ALONE,             /* rule 4: runs on for a fresh slice */
	LHP_WHY_EXTENSION_GRANTED, /* rule 5 */
	LHP_WHY_EXTENSION_SPENT,   /* rule 6 */
	LHP_WHY_NO_DEFERRAL,       /* no mode applies: preempted */
	LHP_WHY_SAFEPOINT_REACHED, /* rule 7: user mode */
	LHP_WHY_SAFEPOINT_STARTED, /* rule 7: a wait begins */
	LHP_WHY_SAFEPOINT_WAITING, /* rule 7: still in kernel mode */
	LHP_WHY_SAFEPOINT_OVERRUN, /* rule 7: still in kernel mode at the bound */
};

struct lhp_decision {
	enum lhp_verdict verdict;
	enum lhp_reason reason;
	/* Ask again at this time (arm the slice end for it); 0: no change. */
	u64 recheck_at;
	/* EXTENSION_OVER with a lock still held: a forced preemption. */
	bool forced;
	struct lhp_state next;
};

struct lhp_decision lhp_decide(const struct lhp_input *in,
			       const struct lhp_state *state);

#endif
