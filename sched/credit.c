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
 * share is weight / sum of weights, as in VMware shares. */
#include "sched/sched.h"

enum credit_prio {
	CREDIT_BOOST,
	CREDIT_UNDER,
	CREDIT_OVER,
	CREDIT_PARKED, /* never picked */
};

static u8 credit_prio_of(const struct sched_vcpu *v)
{
	if (v->credit <= 0)
		return v->vm->cap_pct ? CREDIT_PARKED : CREDIT_OVER;
	return v->prio == CREDIT_BOOST ? CREDIT_BOOST : CREDIT_UNDER;
}

static void credit_charge(struct sched_vcpu *v, u64 now)
{
	if (v->state == SCHED_RUNNING && now > v->charged_at) {
		v->credit -= (s64)(now - v->charged_at);
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

	if (p->sort_epoch == s->refill_epoch)
		return;
	p->sort_epoch = s->refill_epoch;
	for (i = 0; i < SCHED_NR_PRIO; i++) {
		chain[i] = p->rq.head[i];
		p->rq.head[i] = p->rq.tail[i] = NULL;
	}
	s->nr_queued -= p->rq.nr;
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
			if (v->active || v->state != SCHED_BLOCKED)
				v->credit += share;
			/* Bounded both ways so that an idle spell banks no more
			 * than a period and a burst owes no more than one. */
			if (v->credit > (s64)period)
				v->credit = (s64)period;
			if (v->credit < -(s64)period)
				v->credit = -(s64)period;
			v->active = false;
		}
	}
	s->refill_epoch++;
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

/* Take a vCPU of better priority than @below from the busiest queue that
 * holds one allowed on @p. */
static struct sched_vcpu *credit_steal(struct sched *s, struct sched_pcpu *p,
				       u8 below)
{
	struct sched_vcpu *best = NULL, *v;
	u32 i, best_nr = 0;

	if (!s->nr_queued)
		return NULL;
	for (i = 1; i < s->nr_pcpus; i++) {
		struct sched_pcpu *q = &s->pcpus[(p->id + i) % s->nr_pcpus];

		if (q->rq.nr <= best_nr)
			continue;
		v = credit_first(&q->rq, below, p->id);
		if (v) {
			best = v;
			best_nr = q->rq.nr;
		}
	}
	if (best)
		sched_runq_remove(s, &s->pcpus[best->pcpu].rq, best);
	return best;
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
	if (next->credit > 0 && (p->rq.nr || next->vm->cap_pct))
		*slice_ns = MIN(*slice_ns,
				MAX((u64)next->credit, s->params.ratelimit_ns));
	return next;
}

static bool credit_tick(struct sched *s, struct sched_pcpu *p, u64 now)
{
	struct sched_vcpu *curr = p->curr, *best;

	if (p->id == 0 && now >= s->next_refill)
		credit_refill(s, now);
	credit_resort(s, p);
	if (!curr)
		return s->nr_queued != 0;
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
	return !p->curr && !p->rq.nr;
}

static s32 credit_wake(struct sched *s, struct sched_vcpu *v, u64 now)
{
	struct sched_pcpu *p;
	u32 i, cpu = v->pcpu;

	(void)now;
	if (v->credit > 0)
		v->prio = CREDIT_BOOST;
	/* Prefer an idle allowed pCPU, starting from the last one. */
	for (i = 0; i < s->nr_pcpus; i++) {
		u32 c = (v->pcpu + i) % s->nr_pcpus;

		if (sched_affinity_has(v->affinity, c) &&
		    credit_idle(&s->pcpus[c])) {
			cpu = c;
			break;
		}
	}
	if (i == s->nr_pcpus && !sched_affinity_has(v->affinity, cpu))
		for (cpu = 0; !sched_affinity_has(v->affinity, cpu); cpu++)
			;
	p = &s->pcpus[cpu];
	credit_resort(s, p);
	credit_enqueue(s, p, v);
	if (v->prio == CREDIT_PARKED)
		return -1;
	if (!p->curr || v->prio < p->curr->prio)
		return (s32)cpu;
	return -1;
}

static void credit_block(struct sched *s, struct sched_vcpu *v, u64 now)
{
	(void)s;
	credit_charge(v, now);
	if (v->prio == CREDIT_BOOST)
		v->prio = CREDIT_UNDER;
}

static void credit_yield(struct sched *s, struct sched_vcpu *v, u64 now)
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
	.wake = credit_wake,
	.block = credit_block,
	.yield = credit_yield,
};
