/*
 * tlbstress: TLB-shootdown stress for the Holdfast test initramfs.
 *
 * Starts one thread per CPU this process may run on, pins each thread to its
 * CPU, and has every thread repeatedly mmap 64 KiB of anonymous memory, touch
 * each page and munmap it.  All threads share one address space, so each
 * munmap must flush the TLBs of the other CPUs running it: cross-CPU
 * shootdown IPIs.  Prints the "TLB shootdowns" totals of /proc/interrupts
 * before and after, then
 *   holdfast-guest: tlb ok THREADS threads ITER iterations
 * and exits 0 (or prints "holdfast-guest: tlb FAIL ..." and exits 1).
 *
 * Usage: tlbstress [ITERATIONS_PER_THREAD]   (default 2000)
 * Built statically on the host by build.sh (gcc -static -O2 -pthread).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define REGION (64 * 1024)
#define MAX_THREADS CPU_SETSIZE

struct worker {
	pthread_t thread;
	int cpu;
	long iterations;
	long done;
	int ran_on;	/* CPU seen after pinning, -1 if unknown */
	int error;	/* errno of a failure, 0 if none */
	const char *what;
};

static pthread_barrier_t start_barrier;
static long page_size;

/* Sum of the per-CPU counts on the "TLB:" line of /proc/interrupts, -1 if absent. */
static long long tlb_shootdowns(void)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[4096];
	long long total = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = line;

		while (*p == ' ')
			p++;
		if (strncmp(p, "TLB:", 4) != 0)
			continue;
		p += 4;
		total = 0;
		for (;;) {
			char *end;
			long long v = strtoll(p, &end, 10);

			if (end == p)
				break;	/* reached the description text */
			total += v;
			p = end;
		}
		break;
	}
	fclose(f);
	return total;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	cpu_set_t set;
	long i;

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0) {
		w->error = errno;
		w->what = "sched_setaffinity";
	}
	w->ran_on = sched_getcpu();
	/* Wait even on failure so that the barrier completes. */
	pthread_barrier_wait(&start_barrier);
	if (w->error)
		return NULL;

	for (i = 0; i < w->iterations; i++) {
		volatile char *p = mmap(NULL, REGION, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		long off;

		if (p == MAP_FAILED) {
			w->error = errno;
			w->what = "mmap";
			return NULL;
		}
		for (off = 0; off < REGION; off += page_size)
			p[off] = (char)(i + off);
		for (off = 0; off < REGION; off += page_size)
			if (p[off] != (char)(i + off)) {
				w->error = EIO;
				w->what = "page contents";
				return NULL;
			}
		if (munmap((void *)p, REGION) != 0) {
			w->error = errno;
			w->what = "munmap";
			return NULL;
		}
		w->done++;
	}
	if (sched_getcpu() != w->cpu)
		w->ran_on = sched_getcpu();
	return NULL;
}

int main(int argc, char **argv)
{
	static struct worker workers[MAX_THREADS];
	long iterations = 2000;
	cpu_set_t allowed;
	int nthreads = 0, cpu, i, failed = 0;
	long long before, after;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1) {
		char *end;

		iterations = strtol(argv[1], &end, 0);
		if (*end != '\0' || iterations <= 0) {
			fprintf(stderr, "usage: %s [ITERATIONS_PER_THREAD]\n", argv[0]);
			return 2;
		}
	}
	page_size = sysconf(_SC_PAGESIZE);
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
		printf("holdfast-guest: tlb FAIL sched_getaffinity: %s\n", strerror(errno));
		return 1;
	}
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &allowed))
			continue;
		workers[nthreads].cpu = cpu;
		workers[nthreads].iterations = iterations;
		workers[nthreads].ran_on = -1;
		nthreads++;
	}
	if (nthreads == 0) {
		printf("holdfast-guest: tlb FAIL no CPUs in affinity mask\n");
		return 1;
	}

	before = tlb_shootdowns();
	printf("holdfast-guest: tlb shootdowns before %lld\n", before);
	printf("holdfast-guest: tlb starting %d threads x %ld iterations\n",
	       nthreads, iterations);

	pthread_barrier_init(&start_barrier, NULL, (unsigned)nthreads);
	for (i = 0; i < nthreads; i++) {
		int rc = pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);

		if (rc != 0) {
			/* The barrier can never complete now: give up loudly. */
			printf("holdfast-guest: tlb FAIL pthread_create: %s\n", strerror(rc));
			fflush(stdout);
			_exit(1);
		}
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(workers[i].thread, NULL);

	after = tlb_shootdowns();
	printf("holdfast-guest: tlb shootdowns after %lld (+%lld)\n", after,
	       (before >= 0 && after >= 0) ? after - before : -1LL);

	for (i = 0; i < nthreads; i++) {
		struct worker *w = &workers[i];

		if (w->error) {
			printf("holdfast-guest: tlb FAIL thread cpu %d: %s: %s after %ld iterations\n",
			       w->cpu, w->what, strerror(w->error), w->done);
			failed = 1;
		} else if (w->ran_on != w->cpu) {
			printf("holdfast-guest: tlb FAIL thread for cpu %d ran on cpu %d\n",
			       w->cpu, w->ran_on);
			failed = 1;
		}
	}
	if (failed)
		return 1;
	printf("holdfast-guest: tlb ok %d threads %ld iterations\n", nthreads, iterations);
	return 0;
}
