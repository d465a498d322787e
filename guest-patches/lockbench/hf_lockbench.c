// SPDX-License-Identifier: GPL-2.0
/*
 * hf_lockbench: kernel spinlock contention benchmark for Holdfast guests.
 *
 * Loading the module runs the benchmark and insmod returns when it is over:
 * @threads kernel threads (default one per online CPU, each bound to its
 * CPU) take one spinlock in a loop for @duration_ms. Each round reads the
 * clock, takes the lock, reads the clock again (the difference is the
 * acquisition latency, spinning included), holds the lock for @hold_ns,
 * releases it and, with @gap_ns, waits that long outside it. The results
 * go to the kernel log, one line per thread and a summary line last:
 *
 *   hf_lockbench: thread=I cpu=C acquisitions=N p50_ns=N p90_ns=N p99_ns=N max_ns=N
 *   hf_lockbench: threads=T hold_ns=H gap_ns=G duration_ms=D elapsed_ms=E
 *     acquisitions=N per_sec=N p50_ns=N p90_ns=N p99_ns=N max_ns=N exclusion_errors=0
 *
 * (the summary is one line). exclusion_errors counts rounds in which the
 * lock did not exclude another thread (a shared counter lost an update, or
 * another owner was seen), so it must be 0. Unload with rmmod.
 *
 * Under an over-committed hypervisor a vCPU can lose its CPU while holding
 * the lock (lock-holder preemption); every waiter then spins until it runs
 * again, which shows in the high percentiles and in the rate.
 */
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "hf_hist.h"

#define LB_MAX_THREADS 256
#define LB_MAX_HOLD_NS 1000000u		/* 1 ms: far below the lockup watchdogs */
#define LB_MAX_DURATION_MS 60000u	/* insmod blocks; stay below hung-task */

static uint hold_ns = 1000;
module_param(hold_ns, uint, 0444);
MODULE_PARM_DESC(hold_ns, "time the lock is held per acquisition, ns (default 1000, at most 1000000)");
static uint gap_ns;
module_param(gap_ns, uint, 0444);
MODULE_PARM_DESC(gap_ns, "time each thread waits outside the lock between acquisitions, ns (default 0)");
static uint duration_ms = 2000;
module_param(duration_ms, uint, 0444);
MODULE_PARM_DESC(duration_ms, "length of the run, ms (default 2000, 1 to 60000)");
static uint threads;
module_param(threads, uint, 0444);
MODULE_PARM_DESC(threads, "number of threads, bound round-robin to online CPUs (default 0: one per online CPU)");

struct lb_thread {
	struct task_struct *task;
	unsigned int id;
	unsigned int cpu;
	struct completion done;		/* the thread's run is over */
	/* Written by the thread alone until done, then read by lb_init. */
	unsigned long long acquisitions;
	unsigned long long max_ns;
	unsigned long long hist[HF_HIST_BUCKETS];
};

static DEFINE_SPINLOCK(lb_lock);
static unsigned long long lb_counter;	/* lb_lock */
static int lb_owner = -1;		/* lb_lock */
static atomic_t lb_exclusion_errors = ATOMIC_INIT(0);
static DECLARE_COMPLETION(lb_start);	/* lb_end_ns is set */
static u64 lb_end_ns;			/* written once before lb_start */

/*
 * Busy-waits until @ns have passed since @from. No cpu_relax() (PAUSE) in
 * the loop: under lhp=spin Holdfast treats PAUSE loops as spinning waiters,
 * and the lock holder must not look like one.
 */
static void lb_busy_wait(u64 from, unsigned int ns)
{
	while (ktime_get_ns() - from < ns)
		barrier();
}

static void lb_hold(struct lb_thread *t, u64 acquired)
{
	/*
	 * Read the counter, hold, write it back plus one: a thread that got
	 * in while we held the lock makes one of the two updates get lost.
	 */
	unsigned long long c = READ_ONCE(lb_counter);

	if (READ_ONCE(lb_owner) != -1)
		atomic_inc(&lb_exclusion_errors);
	WRITE_ONCE(lb_owner, t->id);
	lb_busy_wait(acquired, hold_ns);
	if (READ_ONCE(lb_owner) != t->id)
		atomic_inc(&lb_exclusion_errors);
	WRITE_ONCE(lb_owner, -1);
	WRITE_ONCE(lb_counter, c + 1);
}

static int lb_thread_fn(void *arg)
{
	struct lb_thread *t = arg;

	wait_for_completion(&lb_start);
	while (!kthread_should_stop()) {
		u64 t0, t1, lat;

		t0 = ktime_get_ns();
		spin_lock(&lb_lock);
		t1 = ktime_get_ns();
		lb_hold(t, t1);
		spin_unlock(&lb_lock);

		lat = t1 - t0;
		t->acquisitions++;
		t->hist[hf_hist_bucket(lat)]++;
		if (lat > t->max_ns)
			t->max_ns = lat;
		if (t1 >= lb_end_ns)
			break;
		if (gap_ns)
			lb_busy_wait(ktime_get_ns(), gap_ns);
		/* Outside the lock: lets RCU and the watchdogs see progress. */
		cond_resched();
	}
	complete(&t->done);
	/* kthread_stop() must find the thread alive: wait for it. */
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static void lb_report_thread(const struct lb_thread *t)
{
	const unsigned long long *h = t->hist;
	unsigned long long n = t->acquisitions, m = t->max_ns;

	pr_info("hf_lockbench: thread=%u cpu=%u acquisitions=%llu p50_ns=%llu p90_ns=%llu p99_ns=%llu max_ns=%llu\n",
		t->id, t->cpu, n, hf_hist_percentile(h, n, m, 500),
		hf_hist_percentile(h, n, m, 900), hf_hist_percentile(h, n, m, 990), m);
}

static void lb_report(struct lb_thread *lb, unsigned int n, u64 elapsed_ns)
{
	/* Static: a module of this name initialises once at a time. */
	static unsigned long long hist[HF_HIST_BUCKETS];
	unsigned long long total = 0, max = 0, per_sec;
	unsigned int i, b;
	int errors = atomic_read(&lb_exclusion_errors);

	memset(hist, 0, sizeof(hist));
	for (i = 0; i < n; i++) {
		lb_report_thread(&lb[i]);
		total += lb[i].acquisitions;
		if (lb[i].max_ns > max)
			max = lb[i].max_ns;
		for (b = 0; b < HF_HIST_BUCKETS; b++)
			hist[b] += lb[i].hist[b];
	}
	if (lb_counter != total)
		errors++;
	per_sec = elapsed_ns ? div64_u64(total * NSEC_PER_SEC, elapsed_ns) : 0;
	pr_info("hf_lockbench: threads=%u hold_ns=%u gap_ns=%u duration_ms=%u elapsed_ms=%llu acquisitions=%llu per_sec=%llu p50_ns=%llu p90_ns=%llu p99_ns=%llu max_ns=%llu exclusion_errors=%d\n",
		n, hold_ns, gap_ns, duration_ms, div64_u64(elapsed_ns, NSEC_PER_MSEC),
		total, per_sec, hf_hist_percentile(hist, total, max, 500),
		hf_hist_percentile(hist, total, max, 900),
		hf_hist_percentile(hist, total, max, 990), max, errors);
}

/* Creates the threads, bound round-robin to the online CPUs. */
static int lb_create(struct lb_thread *lb, unsigned int n)
{
	unsigned int i, cpu;
	int err = 0;

	cpus_read_lock();
	cpu = cpumask_first(cpu_online_mask);
	for (i = 0; i < n; i++) {
		struct lb_thread *t = &lb[i];

		t->id = i;
		t->cpu = cpu;
		init_completion(&t->done);
		t->task = kthread_create(lb_thread_fn, t, "hf_lockbench/%u", i);
		if (IS_ERR(t->task)) {
			err = PTR_ERR(t->task);
			t->task = NULL;
			break;
		}
		kthread_bind(t->task, cpu);
		cpu = cpumask_next(cpu, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_online_mask);
	}
	cpus_read_unlock();
	return err;
}

static int __init lb_init(void)
{
	unsigned int n = threads ? threads : num_online_cpus();
	struct lb_thread *lb;
	u64 start;
	unsigned int i;
	int err;

	if (n > LB_MAX_THREADS || hold_ns > LB_MAX_HOLD_NS || !duration_ms ||
	    duration_ms > LB_MAX_DURATION_MS || gap_ns > LB_MAX_HOLD_NS) {
		pr_err("hf_lockbench: bad parameters: threads<=%u hold_ns<=%u gap_ns<=%u duration_ms=1..%u\n",
		       LB_MAX_THREADS, LB_MAX_HOLD_NS, LB_MAX_HOLD_NS, LB_MAX_DURATION_MS);
		return -EINVAL;
	}
	lb = kvcalloc(n, sizeof(*lb), GFP_KERNEL);
	if (!lb)
		return -ENOMEM;
	err = lb_create(lb, n);
	if (err) {
		/* Threads never woken exit in kthread() without running. */
		for (i = 0; i < n && lb[i].task; i++)
			kthread_stop(lb[i].task);
		kvfree(lb);
		pr_err("hf_lockbench: cannot create threads: %d\n", err);
		return err;
	}
	pr_info("hf_lockbench: start threads=%u hold_ns=%u gap_ns=%u duration_ms=%u\n",
		n, hold_ns, gap_ns, duration_ms);
	for (i = 0; i < n; i++)
		wake_up_process(lb[i].task);
	start = ktime_get_ns();
	lb_end_ns = start + (u64)duration_ms * NSEC_PER_MSEC;
	complete_all(&lb_start);
	for (i = 0; i < n; i++)
		wait_for_completion(&lb[i].done);
	lb_report(lb, n, ktime_get_ns() - start);
	for (i = 0; i < n; i++)
		kthread_stop(lb[i].task);
	kvfree(lb);
	return 0;
}

static void __exit lb_exit(void)
{
}

module_init(lb_init);
module_exit(lb_exit);
MODULE_DESCRIPTION("Holdfast guest spinlock contention benchmark");
MODULE_AUTHOR("Holdfast");
MODULE_LICENSE("GPL");
