/* Proportional share with Xen credit1 semantics.
 *
 * Every period the pCPU time of the period (nr_pcpus * period) is handed out
 * as credit (ns) to the VMs with work, in proportion to their weights,
 * water-filled so that no VM gets more than its active vCPUs can use or its
 * cap allows; a VM splits its credit equally between its active vCPUs.
 * Running debits credit ns for ns. A vCPU with credit is UNDER, without it
 * OVER; UNDER runs before OVER, so over a few periods each VM's run time
 * follows its credit. A vCPU waking from block while UNDER is BOOSTed ahead
 * of both until its next tick, for wake-up latency. A vCPU of a capped VM
 * without credit is PARKED: it does not run until the next refill.
 *
 * Unlike Xen (where a domain's weight is multiplied by its active vCPU
 * count) the weight is the VM's, whatever its vCPU count: a VM's target
 * share is weight / sum of weights, as in VMware shares.
 *
 * Credit is the one per-vCPU field two pCPUs write (the refill on pCPU 0,
 * the charge where the vCPU runs): both update it atomically. */
#include "sched/sched.h"

enum credit_prio {
	CREDIT_BOOST,
	CREDIT_UNDER,
	CREDIT_OVER,
	CREDIT_PARKED, /* never picked */
};

static s64 credit_of(const struct sched_vcpu *v)
{
	return __atomic_load_n(&v->credit, __ATOMIC_RELAXED);
}

static u8 credit_prio_of(const struct sched_vcpu *v)
{
	if (credit_of(v) <= 0)
		return v->vm->cap_pct ? CREDIT_PARKED : CREDIT_OVER;
	return v->prio == CREDIT_BOOST ? CREDIT_BOOST : CREDIT_UNDER;
}

static void credit_charge(struct sched_vcpu *v, u64 now)
{
	if (v->state == SCHED_RUNNING && now > v->charged_at) {
		__atomic_sub_fetch(&v->credit, (s64)(now - v->charged_at),
				   __ATOMIC_RELAXED);
		v->active = true;
	}
	v->charged_at = now;
}

static void credit_enqueue(struct sched *s, struct sched_pcpu *p,
			   struct sched_vcpu *v)
{
	v->prio = credit_prio_of(v);
	v->pcpu = p->id;
	sched_runq_push(s, &p->rq, v, v->prio, false);
}

/* Refill moved credits under queued vCPUs: re-file them, in order. */
static void credit_resort(struct sched *s, struct sched_pcpu *p)
{
	struct sched_vcpu *chain[SCHED_NR_PRIO], *v, *next;
	int i;

	u32 epoch = __atomic_load_n(&s->refill_epoch, __ATOMIC_ACQUIRE);

	if (p->sort_epoch == epoch)
		return;
	p->sort_epoch = epoch;
	for (i = 0; i < SCHED_NR_PRIO; i++) {
		chain[i] = p->rq.head[i];
		p->rq.head[i] = p->rq.tail[i] = NULL;
	}
	__atomic_sub_fetch(&s->nr_queued, p->rq.nr, __ATOMIC_RELAXED);
	p->rq.nr = 0;
	for (i = 0; i < SCHED_NR_PRIO; i++) {
		for (v = chain[i]; v; v = next) {
			next = v->rq_next;
			credit_enqueue(s, p, v);
		}
	}
}

static u64 credit_vm_limit(const struct sched *s, const struct sched_vm *vm,
			   u32 nr_active)
{
	u64 limit = (u64)nr_active * s->params.period_ns;
	u64 cap = (u64)vm->cap_pct * s->params.period_ns / 100;

	return vm->cap_pct && cap < limit ? cap : limit;
}

static u32 credit_nr_active(const struct sched_vm *vm)
{
	const struct sched_vcpu *v;
	u32 n = 0;

	for (v = vm->vcpus; v; v = v->vm_next)
		n += v->active || v->state != SCHED_BLOCKED;
	return n;
}

/* credit += delta, then bounded to +-bound both ways so that an idle spell
 * banks no more than a period and a burst owes no more than one. Atomic
 * against the charge of the pCPU the vCPU runs on. */
static void credit_add_bounded(struct sched_vcpu *v, s64 delta, s64 bound)
{
	s64 old = credit_of(v), val;

	do {
		val = old + delta;
		val = val > bound ? bound : val < -bound ? -bound : val;
	} while (!__atomic_compare_exchange_n(&v->credit, &old, val, true,
					      __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
}

/* Water-fill the period's pCPU time over the VMs by weight. Runs on pCPU 0
 * and writes only credits; each queue re-sorts itself (credit_resort). */
static void credit_refill(struct sched *s, u64 now)
{
	const u64 unset = ~0ull;
	u64 period = s->params.period_ns;
	struct sched_vm *vm;
	struct sched_vcpu *v;

	/* credit_last: the VM's credit for this period, or unset while the
	 * water level still rises. */
	for (vm = s->vms; vm; vm = vm->next)
		vm->credit_last = credit_nr_active(vm) ? unset : 0;
	for (;;) {
		u64 wsum = 0, left = s->nr_pcpus * period;
		bool saturated = false;

		for (vm = s->vms; vm; vm = vm->next) {
			if (vm->credit_last == unset)
				wsum += vm->weight;
			else
				left -= MIN(left, vm->credit_last);
		}
		if (!wsum)
			break;
		/* A VM whose fair part exceeds what it can use at this level
		 * exceeds it at every higher one: fix it, then refill. */
		for (vm = s->vms; vm; vm = vm->next) {
			u64 limit;

			if (vm->credit_last != unset)
				continue;
			limit = credit_vm_limit(s, vm, credit_nr_active(vm));
			if (left * vm->weight / wsum >= limit) {
				vm->credit_last = limit;
				saturated = true;
			}
		}
		if (saturated)
			continue;
		for (vm = s->vms; vm; vm = vm->next)
			if (vm->credit_last == unset)
				vm->credit_last = left * vm->weight / wsum;
		break;
	}
	for (vm = s->vms; vm; vm = vm->next) {
		u32 n = credit_nr_active(vm);
		s64 share = n ? (s64)(vm->credit_last / n) : 0;

		for (v = vm->vcpus; v; v = v->vm_next) {
			credit_add_bounded(v, v->active ||
					      v->state != SCHED_BLOCKED ? share : 0,
					   (s64)period);
			v->active = false;
		}
	}
	__atomic_add_fetch(&s->refill_epoch, 1, __ATOMIC_RELEASE);
	while (s->next_refill <= now)
		s->next_refill += period;
}

static struct sched_vcpu *credit_first(struct sched_runq *rq, u8 below,
				       u32 cpu)
{
	struct sched_vcpu *v;
	u8 i;

	for (i = 0; i < below; i++)
		for (v = rq->head[i]; v; v = v->rq_next)
			if (sched_affinity_has(v->affinity, cpu))
				return v;
	return NULL;
}

static bool credit_rq_trylock(struct sched *s, u32 cpu)
{
	return !s->sync || s->sync->rq_trylock(cpu);
}

static void credit_rq_unlock(struct sched *s, u32 cpu)
{
	if (s->sync)
		s->sync->rq_unlock(cpu);
}

/* Take a vCPU of better priority than @below from the busiest queue that
 * holds one allowed on @p. Queue lengths are read without locks (a hint);
 * the victim's queue is searched and changed only under its lock, taken
 * with a trylock: a busy victim is skipped rather than waited for. */
static struct sched_vcpu *credit_steal(struct sched *s, struct sched_pcpu *p,
				       u8 below)
{
	struct sched_vcpu *v = NULL;
	struct sched_pcpu *best = NULL;
	u32 i, best_nr = 0;

	if (!__atomic_load_n(&s->nr_queued, __ATOMIC_RELAXED))
		return NULL;
	for (i = 1; i < s->nr_pcpus; i++) {
		struct sched_pcpu *q = &s->pcpus[(p->id + i) % s->nr_pcpus];
		u32 nr = __atomic_load_n(&q->rq.nr, __ATOMIC_RELAXED);

		if (nr <= best_nr || !credit_rq_trylock(s, q->id))
			continue;
		if (credit_first(&q->rq, below, p->id)) {
			best = q;
			best_nr = nr;
		}
		credit_rq_unlock(s, q->id);
	}
	if (best && credit_rq_trylock(s, best->id)) {
		v = credit_first(&best->rq, below, p->id);
		if (v)
			sched_runq_remove(s, &best->rq, v);
		credit_rq_unlock(s, best->id);
	}
	return v;
}

/* Periodic load balancing, on every tick of every pCPU: a queue two or
 * more shorter than the longest takes one vCPU from it (the last one of
 * the worst list that may run here), so that waiting time evens out
 * before a pCPU goes idle rather than after. */
static void credit_balance(struct sched *s, struct sched_pcpu *p)
{
	struct sched_pcpu *busiest = NULL;
	struct sched_vcpu *v = NULL;
	u32 i, most = p->rq.nr + 1;

	for (i = 1; i < s->nr_pcpus; i++) {
		struct sched_pcpu *q = &s->pcpus[(p->id + i) % s->nr_pcpus];
		u32 nr = __atomic_load_n(&q->rq.nr, __ATOMIC_RELAXED);

		if (nr > most) {
			most = nr;
			busiest = q;
		}
	}
	if (!busiest || !credit_rq_trylock(s, busiest->id))
		return;
	if (busiest->rq.nr >= p->rq.nr + 2) {
		for (i = SCHED_NR_PRIO; i-- > 0 && !v;)
			for (v = busiest->rq.tail[i]; v; v = v->rq_prev)
				if (i != CREDIT_PARKED &&
				    sched_affinity_has(v->affinity, p->id))
					break;
		if (v)
			sched_runq_remove(s, &busiest->rq, v);
	}
	credit_rq_unlock(s, busiest->id);
	if (v) {
		__atomic_add_fetch(&s->nr_balanced, 1, __ATOMIC_RELAXED);
		credit_enqueue(s, p, v);
	}
}

static struct sched_vcpu *credit_pick_next(struct sched *s,
					   struct sched_pcpu *p, u64 now,
					   u64 *slice_ns)
{
	struct sched_vcpu *prev = p->curr, *next;

	credit_resort(s, p);
	if (prev && prev->state == SCHED_RUNNING) {
		credit_charge(prev, now);
		prev->prio = credit_prio_of(prev);
		/* Rate limit: a wake-up does not cut a fresh run short. */
		if (!prev->yielded && prev->prio != CREDIT_PARKED &&
		    now - p->slice_start < s->params.ratelimit_ns) {
			*slice_ns = s->params.ratelimit_ns -
				    (now - p->slice_start);
			return prev;
		}
		credit_enqueue(s, p, prev);
	}
	next = credit_first(&p->rq, CREDIT_PARKED, p->id);
	if (!next || next->rq_prio >= CREDIT_OVER) {
		struct sched_vcpu *stolen =
			credit_steal(s, p, next ? next->rq_prio : CREDIT_PARKED);

		if (stolen) {
			stolen->pcpu = p->id;
			next = stolen;
		} else if (next) {
			sched_runq_remove(s, &p->rq, next);
		}
	} else {
		sched_runq_remove(s, &p->rq, next);
	}
	if (!next)
		return NULL;
	next->charged_at = now;
	*slice_ns = s->params.tslice_ns;
	/* With others waiting, stop when the credit runs out, not at the
	 * next tick: keeps shares and caps exact to the rate limit. */
	if (credit_of(next) > 0 && (p->rq.nr || next->vm->cap_pct))
		*slice_ns = MIN(*slice_ns,
				MAX((u64)credit_of(next), s->params.ratelimit_ns));
	return next;
}

static bool credit_tick(struct sched *s, struct sched_pcpu *p, u64 now)
{
	struct sched_vcpu *curr = p->curr, *best;

	if (p->id == 0 && now >= s->next_refill)
		credit_refill(s, now);
	credit_resort(s, p);
	credit_balance(s, p);
	if (!curr)
		return __atomic_load_n(&s->nr_queued, __ATOMIC_RELAXED) != 0;
	credit_charge(curr, now);
	if (curr->prio == CREDIT_BOOST)
		curr->prio = CREDIT_UNDER; /* boost lasts until the first tick */
	curr->prio = credit_prio_of(curr);
	if (curr->prio == CREDIT_PARKED)
		return true;
	best = credit_first(&p->rq, curr->prio, p->id);
	return best != NULL;
}

static bool credit_idle(const struct sched_pcpu *p)
{
	return !__atomic_load_n(&p->curr, __ATOMIC_RELAXED) &&
	       !__atomic_load_n(&p->rq.nr, __ATOMIC_RELAXED);
}

static u32 credit_wake_target(struct sched *s, struct sched_vcpu *v, u64 now)
{
	u32 i, cpu = v->pcpu;

	(void)now;
	if (credit_of(v) > 0)
		v->prio = CREDIT_BOOST;
	/* Prefer an idle allowed pCPU, starting from the last one. */
	for (i = 0; i < s->nr_pcpus; i++) {
		u32 c = (v->pcpu + i) % s->nr_pcpus;

		if (sched_affinity_has(v->affinity, c) &&
		    credit_idle(&s->pcpus[c]))
			return c;
	}
	if (!sched_affinity_has(v->affinity, cpu))
		for (cpu = 0; !sched_affinity_has(v->affinity, cpu); cpu++)
			;
	return cpu;
}

static bool credit_enqueue_woken(struct sched *s, struct sched_pcpu *p,
				 struct sched_vcpu *v, u64 now)
{
	(void)now;
	credit_resort(s, p);
	credit_enqueue(s, p, v);
	if (v->prio == CREDIT_PARKED)
		return false;
	return !p->curr || v->prio < p->curr->prio;
}

/* The running vCPU gives its pCPU up itself (it blocks or yields): the
 * same for credit either way: pay for the run, and a boost ends. */
static void credit_stop_running(struct sched *s, struct sched_vcpu *v, u64 now)
{
	(void)s;
	credit_charge(v, now);
	if (v->prio == CREDIT_BOOST)
		v->prio = CREDIT_UNDER;
}

static void credit_vcpu_init(struct sched *s, struct sched_vcpu *v)
{
	(void)s;
	v->credit = 0;
	v->prio = CREDIT_OVER;
}

const struct sched_policy sched_credit_policy = {
	.name = "credit",
	.vcpu_init = credit_vcpu_init,
	.pick_next = credit_pick_next,
	.tick = credit_tick,
	.wake_target = credit_wake_target,
	.enqueue_woken = credit_enqueue_woken,
	.block = credit_stop_running,
	.yield = credit_stop_running,
};
