/* Scheduler core: object set-up, the vCPU state machine and its accounting,
 * run-queue lists. Decisions are the policy's (credit.c). */
#include "sched/sched.h"
#include "lib/string.h"

#define SCHED_DEFAULT_TSLICE_NS 30000000ull
#define SCHED_DEFAULT_RATELIMIT_NS 1000000ull
#define SCHED_DEFAULT_TICK_NS 10000000ull
#define SCHED_DEFAULT_PERIOD_NS 30000000ull

bool sched_init(struct sched *s, const struct sched_policy *policy,
		struct sched_pcpu *pcpus, u32 nr_pcpus,
		const struct sched_params *params, u64 now)
{
	u32 i;

	if (!s || !policy || !pcpus || nr_pcpus == 0 ||
	    nr_pcpus > SCHED_MAX_PCPUS)
		return false;
	memset(s, 0, sizeof(*s));
	s->policy = policy;
	s->pcpus = pcpus;
	s->nr_pcpus = nr_pcpus;
	if (params)
		s->params = *params;
	if (!s->params.tslice_ns)
		s->params.tslice_ns = SCHED_DEFAULT_TSLICE_NS;
	if (!s->params.ratelimit_ns)
		s->params.ratelimit_ns = SCHED_DEFAULT_RATELIMIT_NS;
	if (!s->params.tick_ns)
		s->params.tick_ns = SCHED_DEFAULT_TICK_NS;
	if (!s->params.period_ns)
		s->params.period_ns = SCHED_DEFAULT_PERIOD_NS;
	/* A rate limit longer than the slice would make the slice moot. */
	if (s->params.ratelimit_ns > s->params.tslice_ns)
		s->params.ratelimit_ns = s->params.tslice_ns;
	memset(pcpus, 0, sizeof(*pcpus) * nr_pcpus);
	for (i = 0; i < nr_pcpus; i++)
		pcpus[i].id = i;
	s->next_refill = now + s->params.period_ns;
	if (policy->init)
		policy->init(s);
	return true;
}

void sched_add_vm(struct sched *s, struct sched_vm *vm, u32 id, u32 weight,
		  u32 cap_pct)
{
	memset(vm, 0, sizeof(*vm));
	vm->id = id;
	vm->weight = weight ? weight : 1;
	vm->cap_pct = cap_pct;
	vm->next = s->vms;
	s->vms = vm;
	s->nr_vms++;
}

bool sched_add_vcpu(struct sched *s, struct sched_vm *vm,
		    struct sched_vcpu *v, u32 id, const u64 *affinity,
		    u64 now)
{
	u32 i, cpu, first = s->nr_pcpus;

	memset(v, 0, sizeof(*v));
	for (i = 0; i < s->nr_pcpus; i++) {
		if (affinity && !sched_affinity_has(affinity, i))
			continue;
		sched_affinity_set(v->affinity, i);
		if (first == s->nr_pcpus)
			first = i;
	}
	if (first == s->nr_pcpus)
		return false; /* no usable pCPU */
	v->id = id;
	v->vm = vm;
	v->state = SCHED_BLOCKED;
	v->state_since = now;
	v->charged_at = now;
	/* Spread initial placement; wake-up may still move it. */
	cpu = id % s->nr_pcpus;
	v->pcpu = sched_affinity_has(v->affinity, cpu) ? cpu : first;
	v->last_ran = v->pcpu;
	v->vm_next = vm->vcpus;
	vm->vcpus = v;
	vm->nr_vcpus++;
	if (s->policy->vcpu_init)
		s->policy->vcpu_init(s, v);
	return true;
}

/* Add the time since state_since to the account of state @was. */
static void sched_account(struct sched_vcpu *v, enum sched_state was, u64 now)
{
	u64 d = now > v->state_since ? now - v->state_since : 0;

	switch (was) {
	case SCHED_RUNNING:
		v->acct.run_ns += d;
		break;
	case SCHED_RUNNABLE:
		v->acct.steal_ns += d;
		break;
	case SCHED_BLOCKED:
		v->acct.blocked_ns += d;
		break;
	}
	v->state_since = now > v->state_since ? now : v->state_since;
}

void sched_set_state(struct sched_vcpu *v, enum sched_state st, u64 now)
{
	sched_account(v, v->state, now);
	/* Release: a waker that sees BLOCKED sees everything before it. */
	__atomic_store_n(&v->state, st, __ATOMIC_RELEASE);
}

void sched_vcpu_acct(const struct sched_vcpu *v, u64 now,
		     struct sched_acct *out)
{
	struct sched_vcpu tmp = *v;

	sched_account(&tmp, tmp.state, now);
	*out = tmp.acct;
}

void sched_runq_push(struct sched *s, struct sched_runq *rq,
		     struct sched_vcpu *v, u8 prio, bool front)
{
	v->rq_prio = prio;
	if (front) {
		v->rq_prev = NULL;
		v->rq_next = rq->head[prio];
		if (rq->head[prio])
			rq->head[prio]->rq_prev = v;
		else
			rq->tail[prio] = v;
		rq->head[prio] = v;
	} else {
		v->rq_next = NULL;
		v->rq_prev = rq->tail[prio];
		if (rq->tail[prio])
			rq->tail[prio]->rq_next = v;
		else
			rq->head[prio] = v;
		rq->tail[prio] = v;
	}
	rq->nr++;
	v->on_rq = true;
	__atomic_add_fetch(&s->nr_queued, 1, __ATOMIC_RELAXED);
}

void sched_runq_remove(struct sched *s, struct sched_runq *rq,
		       struct sched_vcpu *v)
{
	u8 prio = v->rq_prio;

	if (v->rq_prev)
		v->rq_prev->rq_next = v->rq_next;
	else
		rq->head[prio] = v->rq_next;
	if (v->rq_next)
		v->rq_next->rq_prev = v->rq_prev;
	else
		rq->tail[prio] = v->rq_prev;
	v->rq_prev = v->rq_next = NULL;
	v->on_rq = false;
	rq->nr--;
	__atomic_sub_fetch(&s->nr_queued, 1, __ATOMIC_RELAXED);
}

struct sched_vcpu *sched_schedule(struct sched *s, u32 cpu, u64 now,
				  u64 *slice_ns)
{
	struct sched_pcpu *p = &s->pcpus[cpu];
	struct sched_vcpu *prev = p->curr, *next;
	u64 slice = s->params.tslice_ns;

	sched_drain_inbox(s, cpu, now);
	s->nr_decisions++;
	next = s->policy->pick_next(s, p, now, &slice);
	if (prev && prev != next) {
		/* Still RUNNING here means the policy requeued it. */
		sched_set_state(prev, SCHED_RUNNABLE, now);
		if (!prev->yielded)
			prev->acct.preemptions++;
	}
	if (prev)
		prev->yielded = false;
	if (next && next != prev) {
		if (next->ever_ran && next->last_ran != cpu)
			next->acct.migrations++;
		sched_set_state(next, SCHED_RUNNING, now);
		next->pcpu = cpu;
		next->last_ran = cpu;
		next->ever_ran = true;
		p->slice_start = now;
	}
	p->curr = next;
	if (slice_ns)
		*slice_ns = slice;
	return next;
}

bool sched_tick(struct sched *s, u32 cpu, u64 now)
{
	bool woken = sched_drain_inbox(s, cpu, now);

	return s->policy->tick(s, &s->pcpus[cpu], now) || woken;
}

s32 sched_vcpu_wake(struct sched *s, struct sched_vcpu *v, u64 now)
{
	enum sched_state blocked = SCHED_BLOCKED;
	struct sched_pcpu *p;
	u32 cpu;

	/* The claim: of racing wakers exactly one gets the vCPU. */
	if (!__atomic_compare_exchange_n(&v->state, &blocked, SCHED_RUNNABLE,
					 false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return -1;
	sched_account(v, SCHED_BLOCKED, now);
	cpu = s->policy->wake_target(s, v, now);
	v->pcpu = cpu;
	p = &s->pcpus[cpu];
	if (s->sync)
		s->sync->inbox_lock(cpu);
	v->inbox_next = p->inbox;
	p->inbox = v;
	if (s->sync)
		s->sync->inbox_unlock(cpu);
	return (s32)cpu;
}

bool sched_drain_inbox(struct sched *s, u32 cpu, u64 now)
{
	struct sched_pcpu *p = &s->pcpus[cpu];
	struct sched_vcpu *list, *fifo = NULL, *v;
	bool resched = false;

	if (!__atomic_load_n(&p->inbox, __ATOMIC_ACQUIRE))
		return false;
	if (s->sync)
		s->sync->inbox_lock(cpu);
	list = p->inbox;
	p->inbox = NULL;
	if (s->sync)
		s->sync->inbox_unlock(cpu);
	while (list) { /* newest first: reverse into wake order */
		v = list;
		list = v->inbox_next;
		v->inbox_next = fifo;
		fifo = v;
	}
	while (fifo) {
		v = fifo;
		fifo = v->inbox_next;
		v->inbox_next = NULL;
		resched |= s->policy->enqueue_woken(s, p, v, now);
	}
	return resched;
}

void sched_vcpu_block(struct sched *s, struct sched_vcpu *v, u64 now)
{
	struct sched_pcpu *p = &s->pcpus[v->pcpu];

	if (v->state != SCHED_RUNNING || p->curr != v)
		return;
	s->policy->block(s, v, now);
	/* Off the pCPU before a waker can see it BLOCKED and queue it. */
	p->curr = NULL;
	sched_set_state(v, SCHED_BLOCKED, now);
}

void sched_vcpu_yield(struct sched *s, struct sched_vcpu *v, u64 now)
{
	if (v->state != SCHED_RUNNING || s->pcpus[v->pcpu].curr != v)
		return;
	v->yielded = true;
	if (s->policy->yield)
		s->policy->yield(s, v, now);
}

bool sched_vcpu_yield_to(struct sched *s, struct sched_vcpu *v,
			 struct sched_vcpu *target, u64 now)
{
	u32 cpu = v->pcpu, from;
	bool locked, moved = false;

	sched_vcpu_yield(s, v, now);
	if (target == v || !sched_affinity_has(target->affinity, cpu))
		return false;
	from = __atomic_load_n(&target->pcpu, __ATOMIC_RELAXED);
	locked = from == cpu || !s->sync || s->sync->rq_trylock(from);
	if (!locked)
		return false;
	/* Checked under the queue's lock: still waiting in that queue. */
	if (target->on_rq && target->pcpu == from &&
	    target->state == SCHED_RUNNABLE) {
		u8 prio = target->rq_prio;

		sched_runq_remove(s, &s->pcpus[from].rq, target);
		target->pcpu = cpu;
		sched_runq_push(s, &s->pcpus[cpu].rq, target, prio, true);
		moved = true;
	}
	if (from != cpu && s->sync)
		s->sync->rq_unlock(from);
	return moved;
}

bool sched_cpu_wanted(const struct sched *s, u32 cpu)
{
	return __atomic_load_n(&s->nr_queued, __ATOMIC_RELAXED) ||
	       __atomic_load_n(&s->pcpus[cpu].inbox, __ATOMIC_RELAXED);
}
