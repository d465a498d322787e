/*
 * lockstress: user-space stressor of one kernel spinlock, for guests that
 * cannot load hf_lockbench.ko (guest-patches/lockbench).
 *
 * Starts one thread per CPU this process may run on, pins each to its CPU,
 * and has every thread, for DURATION_MS, write 1 to one shared eventfd and
 * read it back (non-blocking). Prints one line per thread and a summary:
 *   holdfast-guest: lockstress thread=I cpu=C ops=N p50_ns=N p90_ns=N p99_ns=N max_ns=N
 *   holdfast-guest: lockstress ok threads=T duration_ms=D elapsed_ms=E ops=N
 *     per_sec=N p50_ns=N p90_ns=N p99_ns=N max_ns=N
 * (the summary is one line; an op is one write and one read, its latency
 * both syscalls together) and exits 0, or prints "holdfast-guest: lockstress
 * FAIL ..." and exits 1. Every value written must be read back exactly once.
 *
 * Why an eventfd: both eventfd_write() and eventfd_read() do all their work
 * under spin_lock_irq(&ctx->wqh.lock), the spinlock of the eventfd's wait
 * queue, even when the read finds the counter empty (EAGAIN). With one
 * eventfd shared by every thread, every syscall serialises on that one
 * spinlock, with a critical section of a few dozen instructions and no
 * sleeping lock on the way (a pipe takes a mutex; FUTEX_WAKE without
 * waiters takes no lock at all). The only other shared state on the path
 * is the file's reference count (an atomic, not a lock).
 *
 * Usage: lockstress [DURATION_MS]   (default 2000)
 * Built statically on the host by build.sh (gcc -static -O2 -pthread).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "hf_hist.h"

#define MAX_THREADS CPU_SETSIZE

struct worker {
	pthread_t thread;
	int cpu;
	int ran_on;		/* CPU seen at the end, -1 if unknown */
	int error;		/* errno of a failure, 0 if none */
	const char *what;
	unsigned long long ops;
	unsigned long long got;	/* sum of the values read */
	unsigned long long max_ns;
	unsigned long long hist[HF_HIST_BUCKETS];
};

static pthread_barrier_t start_barrier;
static int efd;
static unsigned long long end_ns;	/* set before the barrier */

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const uint64_t one = 1;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0) {
		w->error = errno;
		w->what = "sched_setaffinity";
	}
	/* Wait even on failure so that the barrier completes. */
	pthread_barrier_wait(&start_barrier);
	if (w->error)
		return NULL;

	for (;;) {
		unsigned long long t0 = now_ns(), t1;
		uint64_t v;

		if (write(efd, &one, sizeof(one)) != sizeof(one)) {
			w->error = errno;
			w->what = "write";
			return NULL;
		}
		if (read(efd, &v, sizeof(v)) == sizeof(v)) {
			w->got += v;
		} else if (errno != EAGAIN) {	/* EAGAIN: another thread took it */
			w->error = errno;
			w->what = "read";
			return NULL;
		}
		t1 = now_ns();
		w->ops++;
		w->hist[hf_hist_bucket(t1 - t0)]++;
		if (t1 - t0 > w->max_ns)
			w->max_ns = t1 - t0;
		if (t1 >= end_ns)
			break;
	}
	w->ran_on = sched_getcpu();
	return NULL;
}

int main(int argc, char **argv)
{
	static struct worker workers[MAX_THREADS];
	static unsigned long long hist[HF_HIST_BUCKETS];
	unsigned long long ops = 0, got = 0, max = 0, start, elapsed;
	long duration_ms = 2000;
	cpu_set_t allowed;
	int nthreads = 0, cpu, i, b, failed = 0;
	uint64_t rest;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1) {
		char *end;

		duration_ms = strtol(argv[1], &end, 0);
		if (*end != '\0' || duration_ms <= 0 || duration_ms > 3600000) {
			fprintf(stderr, "usage: %s [DURATION_MS]\n", argv[0]);
			return 2;
		}
	}
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
		printf("holdfast-guest: lockstress FAIL sched_getaffinity: %s\n", strerror(errno));
		return 1;
	}
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &allowed))
			continue;
		workers[nthreads].cpu = cpu;
		workers[nthreads].ran_on = -1;
		nthreads++;
	}
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (efd < 0) {
		printf("holdfast-guest: lockstress FAIL eventfd: %s\n", strerror(errno));
		return 1;
	}
	printf("holdfast-guest: lockstress starting %d threads for %ld ms\n",
	       nthreads, duration_ms);

	pthread_barrier_init(&start_barrier, NULL, (unsigned)nthreads + 1);
	for (i = 0; i < nthreads; i++) {
		int rc = pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);

		if (rc != 0) {
			/* The barrier can never complete now: give up loudly. */
			printf("holdfast-guest: lockstress FAIL pthread_create: %s\n", strerror(rc));
			fflush(stdout);
			_exit(1);
		}
	}
	start = now_ns();
	end_ns = start + (unsigned long long)duration_ms * 1000000ull;
	pthread_barrier_wait(&start_barrier);
	for (i = 0; i < nthreads; i++)
		pthread_join(workers[i].thread, NULL);
	elapsed = now_ns() - start;

	for (i = 0; i < nthreads; i++) {
		struct worker *w = &workers[i];

		if (w->error) {
			printf("holdfast-guest: lockstress FAIL thread cpu %d: %s: %s after %llu ops\n",
			       w->cpu, w->what, strerror(w->error), w->ops);
			failed = 1;
			continue;
		}
		if (w->ran_on != w->cpu) {
			printf("holdfast-guest: lockstress FAIL thread for cpu %d ran on cpu %d\n",
			       w->cpu, w->ran_on);
			failed = 1;
		}
		printf("holdfast-guest: lockstress thread=%d cpu=%d ops=%llu p50_ns=%llu p90_ns=%llu p99_ns=%llu max_ns=%llu\n",
		       i, w->cpu, w->ops, hf_hist_percentile(w->hist, w->ops, w->max_ns, 500),
		       hf_hist_percentile(w->hist, w->ops, w->max_ns, 900),
		       hf_hist_percentile(w->hist, w->ops, w->max_ns, 990), w->max_ns);
		ops += w->ops;
		got += w->got;
		if (w->max_ns > max)
			max = w->max_ns;
		for (b = 0; b < (int)HF_HIST_BUCKETS; b++)
			hist[b] += w->hist[b];
	}
	if (failed)
		return 1;
	/* What no thread read back is still in the counter. */
	if (read(efd, &rest, sizeof(rest)) == sizeof(rest))
		got += rest;
	if (got != ops) {
		printf("holdfast-guest: lockstress FAIL wrote %llu, read back %llu\n", ops, got);
		return 1;
	}
	printf("holdfast-guest: lockstress ok threads=%d duration_ms=%ld elapsed_ms=%llu ops=%llu per_sec=%llu p50_ns=%llu p90_ns=%llu p99_ns=%llu max_ns=%llu\n",
	       nthreads, duration_ms, elapsed / 1000000, ops,
	       elapsed ? (unsigned long long)((double)ops * 1e9 / (double)elapsed) : 0,
	       hf_hist_percentile(hist, ops, max, 500), hf_hist_percentile(hist, ops, max, 900),
	       hf_hist_percentile(hist, ops, max, 990), max);
	return 0;
}
