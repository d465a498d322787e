/*
 * The protocol of a CPU's cross-CPU call slot (arch/x86/smp.c), apart so
 * the host unit tests run it (tests/unit/test_xcall_slot.c).
 *
 * One caller at a time posts a call (callers serialise on the slot's
 * lock); the target claims it in its IPI handler before running it. A
 * caller that gives up may take the call back only while nobody claimed
 * it: once the target holds fn it will run fn(arg), and arg may point
 * into the caller's stack frame, so the caller then waits for the end.
 * Claim and withdrawal are one atomic exchange each on fn: exactly one
 * of them gets the call.
 */
#ifndef HOLDFAST_XCALL_SLOT_H
#define HOLDFAST_XCALL_SLOT_H

#include "lib/types.h"

typedef void (*xcall_fn)(void *arg);

struct xcall_slot {
	xcall_fn fn; /* posted and unclaimed; NULL: none, claimed or withdrawn */
	void *arg;   /* the posted call's argument */
	u32 done;    /* the claimed call has returned */
};

/* The caller: publish fn(arg) (then it sends the IPI). */
static inline void xcall_post(struct xcall_slot *s, xcall_fn fn, void *arg)
{
	__atomic_store_n(&s->done, 0, __ATOMIC_RELAXED);
	s->arg = arg;
	__atomic_store_n(&s->fn, fn, __ATOMIC_RELEASE);
}

/* The target: the posted call, now its own to run, or NULL when there
 * is none (withdrawn, or claimed at an earlier IPI). */
static inline xcall_fn xcall_claim(struct xcall_slot *s, void **arg)
{
	xcall_fn fn = __atomic_exchange_n(&s->fn, NULL, __ATOMIC_ACQUIRE);

	if (fn)
		*arg = s->arg;
	return fn;
}

/* The target, once the call it claimed has returned. */
static inline void xcall_complete(struct xcall_slot *s)
{
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
}

static inline bool xcall_is_done(struct xcall_slot *s)
{
	return __atomic_load_n(&s->done, __ATOMIC_ACQUIRE);
}

/* The caller, giving up: true when it took the call back unrun (no
 * target will run it); false when the target claimed it first: the call
 * runs or ran, and xcall_is_done() will say when it returned. */
static inline bool xcall_withdraw(struct xcall_slot *s)
{
	return __atomic_exchange_n(&s->fn, NULL, __ATOMIC_ACQUIRE) != NULL;
}

#endif
