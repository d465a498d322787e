/* Discrete-event simulator for the sched/ core: synthetic VMs on simulated
 * pCPUs, driven through the same calls the hypervisor makes (schedule on
 * slice expiry, tick, wake, block). See sched/README.md. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sched/sched.h"

#define INF (~0ull)
#define NS_PER_MS 1000000ull

enum workload { WL_CPU, WL_BLOCK, WL_LOCK };
enum phase { PH_COMPUTE, PH_SPIN, PH_HOLD, PH_SLEEP };
enum ev_kind { EV_PCPU, EV_TICK, EV_WAKE };

struct sim_vcpu {
	struct sched_vcpu sv; /* first: the core hands these back */
	u32 vm;
	enum phase phase;
	u64 remaining; /* work left in COMPUTE / HOLD */
	u64 progress_since;
	bool running; /* mirror, updated after the core decides */
	bool woken; /* waiting for its first run since a wake-up */
	u64 woke_at;
};

struct sim_lock {
	struct sim_vcpu *owner;
	struct sim_vcpu **waiters; /* FIFO, like a ticket lock */
	u32 head, nr, cap;
	u64 since;
};

struct sim_pcpu {
	u64 gen, slice_end;
};

struct event {
	u64 time, seq, gen;
	u32 kind, idx;
};

static struct {
	u32 pcpus, vms, vcpus_per_vm, nr_vcpus;
	u32 *weights, *caps;
	enum workload wl;
	u64 duration, seed, run_ns, sleep_ns, compute_ns, hold_ns;
	bool verbose;
} cfg = {
	.pcpus = 4, .vms = 4, .vcpus_per_vm = 1, .wl = WL_CPU,
	.duration = 1000 * NS_PER_MS, .seed = 1,
	.run_ns = 2 * NS_PER_MS, .sleep_ns = 6 * NS_PER_MS,
	.compute_ns = 400000, .hold_ns = 100000,
};

static struct sched sched;
static struct sched_pcpu *pcpus;
static struct sched_vm *vms;
static struct sim_vcpu *vcpus;
static struct sim_pcpu *spc;
static struct sim_lock *locks;
static struct event *heap;
static u64 heap_nr, heap_cap, seq, rng;
static u64 lat_sum, lat_nr, lat_max, spin_ns, lhp_spin_ns;

static u64 rand_u64(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}

/* Exponential with mean @mean, at least 1 us so phases always advance. */
static u64 rand_exp(u64 mean)
{
	double u = ((rand_u64() >> 11) + 1) * (1.0 / 9007199254740993.0);
	u64 v = (u64)(-log(u) * (double)mean);

	return v < 1000 ? 1000 : v;
}

static bool ev_less(const struct event *a, const struct event *b)
{
	return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static void ev_push(u64 time, u32 kind, u32 idx, u64 gen)
{
	u64 i = heap_nr++;

	if (heap_nr > heap_cap) {
		heap_cap = heap_cap ? heap_cap * 2 : 1024;
		heap = realloc(heap, heap_cap * sizeof(*heap));
		if (!heap)
			abort();
	}
	heap[i] = (struct event){ time, seq++, gen, kind, idx };
	while (i && ev_less(&heap[i], &heap[(i - 1) / 2])) {
		struct event t = heap[i];

		heap[i] = heap[(i - 1) / 2];
		heap[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static struct event ev_pop(void)
{
	struct event top = heap[0];
	u64 i = 0;

	heap[0] = heap[--heap_nr];
	for (;;) {
		u64 l = 2 * i + 1, r = l + 1, m = i;
		struct event t;

		if (l < heap_nr && ev_less(&heap[l], &heap[m]))
			m = l;
		if (r < heap_nr && ev_less(&heap[r], &heap[m]))
			m = r;
		if (m == i)
			break;
		t = heap[i];
		heap[i] = heap[m];
		heap[m] = t;
		i = m;
	}
	return top;
}

static struct sim_vcpu *curr_of(u32 cpu)
{
	return (struct sim_vcpu *)pcpus[cpu].curr;
}

static bool progressing(const struct sim_vcpu *v)
{
	return v->phase == PH_COMPUTE || v->phase == PH_HOLD;
}

/* Integrate spinning up to @now with the states as they were. */
static void lock_update(u32 vm, u64 now)
{
	struct sim_lock *l = &locks[vm];
	u64 d = now - l->since, spinners = 0;
	u32 i;

	l->since = now;
	if (cfg.wl != WL_LOCK || !d)
		return;
	for (i = 0; i < cfg.vcpus_per_vm; i++) {
		struct sim_vcpu *v = &vcpus[vm * cfg.vcpus_per_vm + i];

		spinners += v->running && v->phase == PH_SPIN;
	}
	spin_ns += spinners * d;
	if (l->owner && !l->owner->running)
		lhp_spin_ns += spinners * d;
}

static void settle(u32 cpu, u64 now)
{
	struct sim_vcpu *v = curr_of(cpu);

	if (v && progressing(v) && v->remaining != INF) {
		u64 d = now - v->progress_since;

		v->remaining -= d < v->remaining ? d : v->remaining;
	}
	if (v)
		v->progress_since = now;
}

static void rearm(u32 cpu, u64 now)
{
	struct sim_vcpu *v = curr_of(cpu);
	u64 t = spc[cpu].slice_end;

	if (v && progressing(v) && v->remaining != INF &&
	    now + v->remaining < t)
		t = now + v->remaining;
	spc[cpu].gen++;
	if (t != INF)
		ev_push(t, EV_PCPU, cpu, spc[cpu].gen);
}

static void set_running(struct sim_vcpu *v, bool running, u64 now)
{
	if (!v || v->running == running)
		return;
	lock_update(v->vm, now);
	v->running = running;
	v->progress_since = now;
	if (running && v->woken) {
		u64 lat = now - v->woke_at;

		v->woken = false;
		lat_sum += lat;
		lat_nr++;
		if (lat > lat_max)
			lat_max = lat;
	}
}

static void resched(u32 cpu, u64 now)
{
	struct sim_vcpu *prev = curr_of(cpu), *next;
	u64 slice;

	next = (struct sim_vcpu *)sched_schedule(&sched, cpu, now, &slice);
	if (prev != next)
		set_running(prev, false, now);
	set_running(next, true, now);
	spc[cpu].slice_end = next ? now + slice : INF;
	rearm(cpu, now);
}

static void lock_release(struct sim_vcpu *v, u64 now)
{
	struct sim_lock *l = &locks[v->vm];
	struct sim_vcpu *w;

	lock_update(v->vm, now);
	l->owner = NULL;
	if (!l->nr)
		return;
	w = l->waiters[l->head];
	l->head = (l->head + 1) % l->cap;
	l->nr--;
	l->owner = w;
	w->phase = PH_HOLD;
	w->remaining = rand_exp(cfg.hold_ns);
	w->progress_since = now;
	if (w->running)
		rearm(w->sv.pcpu, now);
}

static void lock_acquire(struct sim_vcpu *v, u64 now)
{
	struct sim_lock *l = &locks[v->vm];

	lock_update(v->vm, now);
	if (!l->owner) {
		l->owner = v;
		v->phase = PH_HOLD;
		v->remaining = rand_exp(cfg.hold_ns);
		return;
	}
	v->phase = PH_SPIN;
	l->waiters[(l->head + l->nr++) % l->cap] = v;
}

/* The running vCPU of @cpu finished its phase; true if @cpu must
 * reschedule because it blocked. */
static bool phase_done(u32 cpu, u64 now)
{
	struct sim_vcpu *v = curr_of(cpu);

	if (v->phase == PH_HOLD) {
		lock_release(v, now);
		v->phase = PH_COMPUTE;
		v->remaining = rand_exp(cfg.compute_ns);
	} else if (cfg.wl == WL_LOCK) {
		lock_acquire(v, now);
	} else {
		v->phase = PH_SLEEP;
		set_running(v, false, now);
		sched_vcpu_block(&sched, &v->sv, now);
		ev_push(now + rand_exp(cfg.sleep_ns), EV_WAKE,
			(u32)(v - vcpus), 0);
		return true;
	}
	v->progress_since = now;
	return false;
}

static void on_pcpu(u32 cpu, u64 now)
{
	struct sim_vcpu *v;

	settle(cpu, now);
	v = curr_of(cpu);
	if (v && progressing(v) && v->remaining == 0 && phase_done(cpu, now)) {
		resched(cpu, now);
		return;
	}
	if (now >= spc[cpu].slice_end)
		resched(cpu, now);
	else
		rearm(cpu, now);
}

static void on_wake(struct sim_vcpu *v, u64 now)
{
	s32 cpu;

	/* Only wake-ups from block count, not the start of the run. */
	v->woken = v->phase == PH_SLEEP;
	v->phase = PH_COMPUTE;
	if (cfg.wl == WL_CPU)
		v->remaining = INF;
	else
		v->remaining = rand_exp(cfg.wl == WL_LOCK ? cfg.compute_ns :
							    cfg.run_ns);
	v->woke_at = now;
	/* The woken vCPU lands in the chosen pCPU's inbox; the IPI that
	 * follows in the hypervisor is instant here. */
	cpu = sched_vcpu_wake(&sched, &v->sv, now);
	if (cpu >= 0 && sched_drain_inbox(&sched, (u32)cpu, now)) {
		settle((u32)cpu, now);
		resched((u32)cpu, now);
	}
}

static u32 *parse_list(const char *s)
{
	u32 *out = calloc(cfg.vms ? cfg.vms : 1, sizeof(*out)), n = 0, i;
	char *copy = strdup(s), *tok, *save = NULL;

	for (tok = strtok_r(copy, ",", &save); tok && n < 4096;
	     tok = strtok_r(NULL, ",", &save))
		out[n++ % cfg.vms] = (u32)strtoul(tok, NULL, 0);
	for (i = n; n && i < cfg.vms; i++)
		out[i] = out[i % n]; /* cycle a short list */
	free(copy);
	return out;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: simulate [--pcpus N] [--vms M] [--vcpus-per-vm K]\n"
		"  [--weights a,b,..] [--caps c,d,..] [--workload cpu|block|lock]\n"
		"  [--duration-ms D] [--seed S] [--run-us R --sleep-us S]\n"
		"  [--compute-us C --hold-us H] [--verbose]\n");
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pcpus", 1, 0, 'p' }, { "vms", 1, 0, 'm' },
		{ "vcpus-per-vm", 1, 0, 'k' }, { "weights", 1, 0, 'w' },
		{ "caps", 1, 0, 'c' }, { "workload", 1, 0, 'l' },
		{ "duration-ms", 1, 0, 'd' }, { "seed", 1, 0, 's' },
		{ "run-us", 1, 0, 'r' }, { "sleep-us", 1, 0, 'z' },
		{ "compute-us", 1, 0, 'u' }, { "hold-us", 1, 0, 'h' },
		{ "verbose", 0, 0, 'v' }, { 0, 0, 0, 0 },
	};
	const char *weights = NULL, *caps = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': cfg.pcpus = strtoul(optarg, NULL, 0); break;
		case 'm': cfg.vms = strtoul(optarg, NULL, 0); break;
		case 'k': cfg.vcpus_per_vm = strtoul(optarg, NULL, 0); break;
		case 'w': weights = optarg; break;
		case 'c': caps = optarg; break;
		case 'd': cfg.duration = strtoull(optarg, NULL, 0) * NS_PER_MS; break;
		case 's': cfg.seed = strtoull(optarg, NULL, 0); break;
		case 'r': cfg.run_ns = strtoull(optarg, NULL, 0) * 1000; break;
		case 'z': cfg.sleep_ns = strtoull(optarg, NULL, 0) * 1000; break;
		case 'u': cfg.compute_ns = strtoull(optarg, NULL, 0) * 1000; break;
		case 'h': cfg.hold_ns = strtoull(optarg, NULL, 0) * 1000; break;
		case 'v': cfg.verbose = true; break;
		case 'l':
			if (!strcmp(optarg, "cpu"))
				cfg.wl = WL_CPU;
			else if (!strcmp(optarg, "block"))
				cfg.wl = WL_BLOCK;
			else if (!strcmp(optarg, "lock"))
				cfg.wl = WL_LOCK;
			else
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !cfg.pcpus || cfg.pcpus > SCHED_MAX_PCPUS ||
	    !cfg.vms || !cfg.vcpus_per_vm || !cfg.duration)
		usage();
	cfg.nr_vcpus = cfg.vms * cfg.vcpus_per_vm;
	cfg.weights = parse_list(weights ? weights : "256");
	cfg.caps = parse_list(caps ? caps : "0");
}

/* Weight-proportional target in % of one pCPU: water-filled so that no VM
 * gets more than its vCPUs, its cap or its demand allow. */
static void targets(double *target)
{
	double left = cfg.pcpus * 100.0;
	bool *done = calloc(cfg.vms, sizeof(*done)), saturated = true;
	u32 i;

	while (saturated) {
		double wsum = 0;

		saturated = false;
		for (i = 0; i < cfg.vms; i++)
			if (!done[i])
				wsum += cfg.weights[i];
		if (wsum == 0)
			break;
		for (i = 0; i < cfg.vms; i++) {
			double limit = cfg.vcpus_per_vm * 100.0;

			/* block: a vCPU never asks more than run / (run+sleep) */
			if (cfg.wl == WL_BLOCK)
				limit = limit * cfg.run_ns /
					(cfg.run_ns + cfg.sleep_ns);

			if (cfg.caps[i] && cfg.caps[i] < limit)
				limit = cfg.caps[i];
			if (!done[i] && left * cfg.weights[i] / wsum >= limit) {
				target[i] = limit;
				done[i] = saturated = true;
			}
		}
		left = cfg.pcpus * 100.0;
		for (i = 0; i < cfg.vms; i++)
			if (done[i])
				left -= target[i];
		if (!saturated)
			for (i = 0; i < cfg.vms; i++)
				if (!done[i])
					target[i] = left * cfg.weights[i] / wsum;
	}
	free(done);
}

static int report(double wall_s)
{
	static const char *const wl_names[] = { "cpu", "block", "lock" };
	double *share = calloc(cfg.vms, sizeof(double));
	double *target = calloc(cfg.vms, sizeof(double));
	double sx = 0, sxx = 0, max_err = 0, min_ratio = 1e9, max_ratio = 0;
	u64 preempt = 0, migr = 0, steal = 0, bad_acct = 0;
	u32 i, n = 0;

	targets(target);
	for (i = 0; i < cfg.nr_vcpus; i++) {
		struct sched_acct a;

		sched_vcpu_acct(&vcpus[i].sv, cfg.duration, &a);
		share[vcpus[i].vm] += 100.0 * a.run_ns / cfg.duration;
		preempt += a.preemptions;
		migr += a.migrations;
		steal += a.steal_ns;
		bad_acct += a.run_ns + a.steal_ns + a.blocked_ns != cfg.duration;
	}
	printf("config: pcpus=%u vms=%u vcpus=%u workload=%s duration_ms=%llu "
	       "seed=%llu\n", cfg.pcpus, cfg.vms, cfg.nr_vcpus,
	       wl_names[cfg.wl], (unsigned long long)(cfg.duration / NS_PER_MS),
	       (unsigned long long)cfg.seed);
	if (cfg.verbose || cfg.vms <= 16)
		printf("%-6s %8s %5s %6s %10s %10s %7s\n", "vm", "weight", "cap",
		       "vcpus", "share%", "target%", "ratio");
	for (i = 0; i < cfg.vms; i++) {
		double x;

		if (target[i] <= 0)
			continue;
		x = share[i] / target[i];
		if (cfg.verbose || cfg.vms <= 16)
			printf("%-6u %8u %5u %6u %10.2f %10.2f %7.3f\n", i,
			       cfg.weights[i], cfg.caps[i], cfg.vcpus_per_vm,
			       share[i], target[i], x);
		sx += x;
		sxx += x * x;
		n++;
		max_err = fabs(x - 1) > max_err ? fabs(x - 1) : max_err;
		min_ratio = x < min_ratio ? x : min_ratio;
		max_ratio = x > max_ratio ? x : max_ratio;
	}
	printf("jain_index: %.4f\n", n ? sx * sx / (n * sxx) : 0.0);
	printf("share_ratio: min=%.3f max=%.3f max_error_pct=%.2f\n",
	       min_ratio, max_ratio, 100 * max_err);
	printf("wakeup_latency_us: mean=%.1f max=%.1f count=%llu\n",
	       lat_nr ? lat_sum / 1e3 / lat_nr : 0.0, lat_max / 1e3,
	       (unsigned long long)lat_nr);
	printf("spin_ms: total=%.3f on_preempted_holder=%.3f\n", spin_ns / 1e6,
	       lhp_spin_ns / 1e6);
	printf("steal_ms_per_vcpu: %.3f\n", steal / 1e6 / cfg.nr_vcpus);
	printf("preemptions: %llu migrations: %llu balanced: %llu\n",
	       (unsigned long long)preempt, (unsigned long long)migr,
	       (unsigned long long)sched.nr_balanced);
	printf("decisions: %llu per_wall_s=%.0f wall_s=%.3f\n",
	       (unsigned long long)sched.nr_decisions,
	       sched.nr_decisions / (wall_s > 0 ? wall_s : 1e-9), wall_s);
	printf("accounting: %s\n", bad_acct ? "MISMATCH" : "ok");
	free(share);
	free(target);
	return bad_acct ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	u32 i;

	parse_args(argc, argv);
	rng = cfg.seed * 0x9e3779b97f4a7c15ull + 1;
	pcpus = calloc(cfg.pcpus, sizeof(*pcpus));
	spc = calloc(cfg.pcpus, sizeof(*spc));
	vms = calloc(cfg.vms, sizeof(*vms));
	locks = calloc(cfg.vms, sizeof(*locks));
	vcpus = calloc(cfg.nr_vcpus, sizeof(*vcpus));
	if (!pcpus || !spc || !vms || !locks || !vcpus ||
	    !sched_init(&sched, &sched_credit_policy, pcpus, cfg.pcpus, NULL, 0))
		return 1;
	for (i = 0; i < cfg.vms; i++) {
		sched_add_vm(&sched, &vms[i], i, cfg.weights[i], cfg.caps[i]);
		locks[i].cap = cfg.vcpus_per_vm;
		locks[i].waiters = calloc(cfg.vcpus_per_vm, sizeof(void *));
	}
	for (i = 0; i < cfg.nr_vcpus; i++) {
		struct sim_vcpu *v = &vcpus[i];

		v->vm = i / cfg.vcpus_per_vm;
		sched_add_vcpu(&sched, &vms[v->vm], &v->sv, i, NULL, 0);
	}
	for (i = 0; i < cfg.pcpus; i++) {
		spc[i].slice_end = INF;
		ev_push(sched.params.tick_ns, EV_TICK, i, 0);
	}
	/* Staggered starts, or every pCPU would switch in lock step. */
	for (i = 0; i < cfg.nr_vcpus; i++) {
		vcpus[i].phase = PH_COMPUTE;
		ev_push(rand_u64() % sched.params.tslice_ns, EV_WAKE, i, 0);
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (heap_nr && heap[0].time <= cfg.duration) {
		struct event e = ev_pop();

		switch (e.kind) {
		case EV_PCPU:
			if (e.gen == spc[e.idx].gen)
				on_pcpu(e.idx, e.time);
			break;
		case EV_TICK:
			settle(e.idx, e.time);
			if (sched_tick(&sched, e.idx, e.time))
				resched(e.idx, e.time);
			ev_push(e.time + sched.params.tick_ns, EV_TICK, e.idx, 0);
			break;
		case EV_WAKE:
			on_wake(&vcpus[e.idx], e.time);
			break;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (i = 0; i < cfg.vms; i++)
		lock_update(i, cfg.duration);
	return report((t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
}
