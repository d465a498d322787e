/* Unit tests for sched/ (core + credit policy), driven by a small event
 * loop: each pCPU reschedules when its slice ends or its tick asks to;
 * optional churn blocks and wakes random vCPUs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "sched/sched.h"

#define MS 1000000ull
#define INF (~0ull)
#define MAX_V 16

struct rig {
	struct sched s;
	struct sched_pcpu p[8];
	struct sched_vm vm[8];
	struct sched_vcpu v[MAX_V];
	u32 nr_pcpus, nr_v;
	u64 now, next_tick, next_churn, rng;
	u64 slice_end[8];
	u64 last_stop[MAX_V], max_gap[MAX_V];
	u64 affinity_violations;
};

static struct rig r;

static void rig_init(u32 nr_pcpus)
{
	memset(&r, 0, sizeof(r));
	r.nr_pcpus = nr_pcpus;
	r.rng = 88172645463325252ull;
	assert_true(sched_init(&r.s, &sched_credit_policy, r.p, nr_pcpus,
			       NULL, 0));
	r.next_tick = r.s.params.tick_ns;
	for (u32 i = 0; i < 8; i++)
		r.slice_end[i] = INF;
}

static struct sched_vcpu *rig_vcpu(u32 vm, const u64 *aff)
{
	struct sched_vcpu *v = &r.v[r.nr_v];

	assert_true(sched_add_vcpu(&r.s, &r.vm[vm], v, r.nr_v, aff, 0));
	r.nr_v++;
	return v;
}

static void rig_resched(u32 cpu)
{
	struct sched_vcpu *prev = r.p[cpu].curr, *next;
	u64 slice;

	next = sched_schedule(&r.s, cpu, r.now, &slice);
	if (prev && prev != next && prev->state == SCHED_RUNNABLE)
		r.last_stop[prev->id] = r.now;
	if (next && next != prev) {
		u64 gap = r.now - r.last_stop[next->id];

		if (gap > r.max_gap[next->id])
			r.max_gap[next->id] = gap;
		if (!sched_affinity_has(next->affinity, cpu))
			r.affinity_violations++;
	}
	assert_true(!next || slice > 0);
	r.slice_end[cpu] = next ? r.now + slice : INF;
}

static u64 rig_rand(void)
{
	r.rng ^= r.rng << 13;
	r.rng ^= r.rng >> 7;
	r.rng ^= r.rng << 17;
	return r.rng;
}

/* Block a running vCPU or wake a blocked one, at random. */
/* A wake-up as the hypervisor does it: the vCPU lands in the chosen pCPU's
 * inbox, the "IPI" makes that pCPU drain it and reschedule if told to. */
static s32 rig_wake(struct sched_vcpu *v)
{
	s32 cpu = sched_vcpu_wake(&r.s, v, r.now);

	if (cpu >= 0 && sched_drain_inbox(&r.s, (u32)cpu, r.now))
		rig_resched((u32)cpu);
	return cpu;
}

static void rig_churn(void)
{
	struct sched_vcpu *v = &r.v[rig_rand() % r.nr_v];

	if (v->state == SCHED_RUNNING) {
		u32 c = v->pcpu;

		sched_vcpu_block(&r.s, v, r.now);
		r.last_stop[v->id] = INF;
		rig_resched(c);
	} else if (v->state == SCHED_BLOCKED) {
		r.last_stop[v->id] = r.now;
		rig_wake(v);
	}
	r.next_churn = r.now + 500000 + rig_rand() % (3 * MS);
}

static void rig_run(u64 until, bool churn)
{
	while (r.now < until) {
		u64 t = r.next_tick;
		u32 c;

		for (c = 0; c < r.nr_pcpus; c++)
			t = r.slice_end[c] < t ? r.slice_end[c] : t;
		if (churn && r.next_churn < t)
			t = r.next_churn;
		r.now = t;
		if (t == r.next_tick) {
			for (c = 0; c < r.nr_pcpus; c++)
				if (sched_tick(&r.s, c, t))
					rig_resched(c);
			r.next_tick += r.s.params.tick_ns;
		}
		for (c = 0; c < r.nr_pcpus; c++)
			if (r.slice_end[c] <= t)
				rig_resched(c);
		if (churn && t == r.next_churn)
			rig_churn();
	}
}

static void rig_start_all(void)
{
	for (u32 i = 0; i < r.nr_v; i++)
		rig_wake(&r.v[i]);
}

static double run_share(u32 vm, u64 elapsed)
{
	struct sched_acct a;
	double sum = 0;

	for (u32 i = 0; i < r.nr_v; i++) {
		if (r.v[i].vm != &r.vm[vm])
			continue;
		sched_vcpu_acct(&r.v[i], r.now, &a);
		sum += (double)a.run_ns;
	}
	return sum / (double)elapsed;
}

/* Weights 2:1 on one pCPU: 2/3 and 1/3 of it, within 5% (relative). */
static void test_weights_are_proportional(void **state)
{
	(void)state;
	rig_init(1);
	sched_add_vm(&r.s, &r.vm[0], 0, 512, 0);
	sched_add_vm(&r.s, &r.vm[1], 1, 256, 0);
	rig_vcpu(0, NULL);
	rig_vcpu(1, NULL);
	rig_start_all();
	rig_run(10000 * MS, false);
	assert_true(run_share(0, r.now) > 2.0 / 3 * 0.95);
	assert_true(run_share(0, r.now) < 2.0 / 3 * 1.05);
	assert_true(run_share(1, r.now) > 1.0 / 3 * 0.95);
	assert_true(run_share(1, r.now) < 1.0 / 3 * 1.05);
}

/* A 25% cap holds, alone (idle time available) and under contention,
 * within 2 percentage points. */
static void test_cap_is_respected(void **state)
{
	double alone, shared;

	(void)state;
	rig_init(1);
	sched_add_vm(&r.s, &r.vm[0], 0, 256, 25);
	rig_vcpu(0, NULL);
	rig_start_all();
	rig_run(10000 * MS, false);
	alone = run_share(0, r.now);
	assert_true(alone <= 0.27 && alone >= 0.23);

	rig_init(2);
	sched_add_vm(&r.s, &r.vm[0], 0, 1024, 25); /* weight would give more */
	sched_add_vm(&r.s, &r.vm[1], 1, 256, 0);
	rig_vcpu(0, NULL);
	rig_vcpu(0, NULL);
	rig_vcpu(1, NULL);
	rig_vcpu(1, NULL);
	rig_start_all();
	rig_run(10000 * MS, false);
	shared = run_share(0, r.now);
	assert_true(shared <= 0.27 && shared >= 0.23);
	/* Work-conserving: the uncapped VM takes the rest of both pCPUs. */
	assert_true(run_share(1, r.now) > 1.70);
}

/* Eight vCPUs with weights 1..8 on one pCPU: each runs again within
 * 8 time slices (240 ms) of being preempted. */
static void test_no_starvation(void **state)
{
	(void)state;
	rig_init(1);
	for (u32 i = 0; i < 8; i++) {
		sched_add_vm(&r.s, &r.vm[i], i, i + 1, 0);
		rig_vcpu(i, NULL);
	}
	rig_start_all();
	rig_run(5000 * MS, false);
	for (u32 i = 0; i < 8; i++) {
		struct sched_acct a;

		sched_vcpu_acct(&r.v[i], r.now, &a);
		assert_true(a.run_ns > 0);
		assert_true(r.max_gap[i] <= 8 * r.s.params.tslice_ns);
	}
}

/* Pinned vCPUs under block/wake churn and stealing: never on a pCPU
 * outside their mask; accounting adds up to the elapsed time. */
static void test_affinity_and_accounting(void **state)
{
	u64 run_total = 0;

	(void)state;
	rig_init(4);
	sched_add_vm(&r.s, &r.vm[0], 0, 256, 0);
	sched_add_vm(&r.s, &r.vm[1], 1, 512, 50);
	for (u32 i = 0; i < 12; i++) {
		u64 aff[SCHED_AFF_WORDS] = { 0 };

		sched_affinity_set(aff, i % 4);
		if (i % 3)
			sched_affinity_set(aff, (i + 1) % 4);
		rig_vcpu(i % 2, aff);
	}
	rig_start_all();
	rig_run(3000 * MS, true);
	assert_int_equal(r.affinity_violations, 0);
	for (u32 i = 0; i < r.nr_v; i++) {
		struct sched_acct a;

		sched_vcpu_acct(&r.v[i], r.now, &a);
		assert_int_equal(a.run_ns + a.steal_ns + a.blocked_ns, r.now);
		assert_true(sched_affinity_has(r.v[i].affinity, r.v[i].pcpu));
		run_total += a.run_ns;
	}
	assert_true(run_total <= 4 * r.now);
	/* Churn migrated and preempted something, or it tested nothing. */
	assert_true(r.v[1].acct.preemptions + r.v[2].acct.preemptions > 0);
}

/* A vCPU waking with credit is boosted past a CPU hog; a wake on an idle
 * pCPU asks that pCPU to reschedule. */
static void test_wake_boost_preempts(void **state)
{
	struct sched_vcpu *hog, *io;
	s32 cpu;

	(void)state;
	rig_init(1);
	sched_add_vm(&r.s, &r.vm[0], 0, 256, 0);
	sched_add_vm(&r.s, &r.vm[1], 1, 256, 0);
	hog = rig_vcpu(0, NULL);
	io = rig_vcpu(1, NULL);
	assert_int_equal(rig_wake(hog), 0); /* idle pCPU */
	assert_ptr_equal(r.p[0].curr, hog);
	rig_run(100 * MS, false);
	io->credit = 5 * MS; /* as if it had banked credit while blocked */
	r.now += 5 * MS;
	cpu = sched_vcpu_wake(&r.s, io, r.now);
	assert_int_equal(cpu, 0);
	assert_true(sched_drain_inbox(&r.s, 0, r.now)); /* boost preempts */
	rig_resched(0);
	assert_ptr_equal(r.p[0].curr, io);
	assert_int_equal(hog->acct.preemptions, 1);
	assert_int_equal(hog->state, SCHED_RUNNABLE);
}

/* Yielding hands the pCPU to the other vCPU and is not a preemption. */
static void test_yield_is_voluntary(void **state)
{
	struct sched_vcpu *a, *b;

	(void)state;
	rig_init(1);
	sched_add_vm(&r.s, &r.vm[0], 0, 256, 0);
	a = rig_vcpu(0, NULL);
	b = rig_vcpu(0, NULL);
	rig_start_all();
	a = r.p[0].curr;
	b = a == &r.v[0] ? &r.v[1] : &r.v[0];
	r.now = 2 * MS;
	sched_vcpu_yield(&r.s, a, r.now);
	rig_resched(0);
	assert_ptr_equal(r.p[0].curr, b);
	assert_int_equal(a->acct.preemptions, 0);
	assert_int_equal(a->state, SCHED_RUNNABLE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weights_are_proportional),
		cmocka_unit_test(test_cap_is_respected),
		cmocka_unit_test(test_no_starvation),
		cmocka_unit_test(test_affinity_and_accounting),
		cmocka_unit_test(test_wake_boost_preempts),
		cmocka_unit_test(test_yield_is_voluntary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
