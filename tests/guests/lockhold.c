/*
 * lockhold: the delayed-preemption protocol from the guest side, as a
 * patched Linux does it (paravirt/holdfast_abi.h, struct hf_preempt_block).
 * Every vCPU registers its block, then takes one spinlock shared by the
 * VM `iters=` times: lock_depth goes up before it spins (waiters count
 * too), it holds the lock for `hold=` rounds of work, and after the release
 * brings the depth back to 0 it yields by hypercall if Holdfast set
 * preempt_pending. A counter bumped under the lock proves mutual exclusion.
 *
 * Prints "lockhold: done, N vcpus, M acquisitions, counter ok" (vCPU 0)
 * and per vCPU the block's extensions / forced / yields.
 */
#include "tests/guests/lib/rt.h"

const char guest_name[] = "lockhold";

static struct hf_preempt_block blocks[RT_MAX_VCPUS] __attribute__((aligned(64)));
static volatile u32 lock;
static volatile u64 counter;
static struct barrier start_barrier, done_barrier;

static void spin_acquire(void)
{
	while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&lock, __ATOMIC_RELAXED))
			cpu_relax();
}

static void spin_release(void)
{
	__atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
}

static u64 work(u64 rounds, u64 seed)
{
	for (u64 i = 0; i < rounds; i++)
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
	return seed;
}

void guest_main(unsigned index, unsigned count)
{
	volatile struct hf_preempt_block *b = &blocks[index];
	u64 iters = rt_option_u64("iters", 2000);
	u64 hold = rt_option_u64("hold", 2000);
	u64 gap = rt_option_u64("gap", 2000);
	u64 sink = index;
	s64 r = (s64)hypercall(HF_HC_PREEMPT_REGISTER, (u64)(uintptr_t)b, 0, 0, 0);

	if (r) {
		gprintf("lockhold: FAIL vcpu %u: register returned %ld\n", index, r);
		return;
	}
	barrier_wait(&start_barrier, count);
	for (u64 i = 0; i < iters; i++) {
		__atomic_add_fetch(&b->lock_depth, 1, __ATOMIC_SEQ_CST);
		spin_acquire();
		counter = counter + 1;
		sink = work(hold, sink);
		spin_release();
		if (__atomic_sub_fetch(&b->lock_depth, 1, __ATOMIC_SEQ_CST) == 0 &&
		    __atomic_load_n(&b->preempt_pending, __ATOMIC_ACQUIRE))
			hypercall(HF_HC_PREEMPT_YIELD, 0, 0, 0, 0);
		sink = work(gap, sink);
	}
	gprintf("lockhold: vcpu %u extensions %u forced %u yields %u (%lx)\n",
		index, b->extensions, b->forced, b->yields, sink & 0xff);
	barrier_wait(&done_barrier, count);
	if (index != 0)
		return;
	if (counter == iters * count)
		gprintf("lockhold: done, %u vcpus, %lu acquisitions, counter ok\n",
			count, counter);
	else
		gprintf("lockhold: FAIL counter %lu, expected %lu\n", counter,
			iters * count);
}
