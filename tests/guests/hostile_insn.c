/* Hypercalls with pseudo-random numbers and arguments, instructions a
 * guest must not get to run for real, and all of it again from CPL 3,
 * where every hypercall must return -EPERM. */
#include "tests/guests/hostile.h"

#define RANDOM_HYPERCALLS 500
#define USER_HYPERCALLS 100
#define RANDOM_PMCS 8
#define MAX_REPORTS 4

struct hc_args {
	bool vmcall;
	u64 nr, a[4], ret;
};

static void hc_call(void *arg)
{
	struct hc_args *h = arg;
	u64 (*call)(u64, u64, u64, u64, u64) =
		h->vmcall ? hypercall_vmcall : hypercall_vmmcall;

	h->ret = call(h->nr, h->a[0], h->a[1], h->a[2], h->a[3]);
}

/* Numbers near the KVM and Holdfast ones half of the time. */
static void hc_random(struct hc_args *h, u64 *rng, unsigned i)
{
	u64 r = xorshift64(rng);

	h->vmcall = i & 1;
	if ((r & 3) == 0)
		h->nr = (r >> 8) & 15;
	else if ((r & 3) == 1)
		h->nr = HF_HC_BASE + ((r >> 8) & 15);
	else
		h->nr = xorshift64(rng);
	for (unsigned k = 0; k < 4; k++)
		h->a[k] = xorshift64(rng);
	hostile_spare_self(h->nr, &h->a[0], h->a[2]);
}

void hostile_hypercall(void)
{
	/* IPIs: odd delivery modes at itself (SMI, reserved, ExtINT),
	 * INIT/SIPI at vCPUs that do not exist, destination arithmetic that
	 * wraps; fixed interrupts stay pending (IF stays 0) */
	static const struct hc_args fixed[] = {
		{ false, HF_HC_KVM_SEND_IPI, { 1, 0, 0, 2u << 8 }, 0 },
		{ false, HF_HC_KVM_SEND_IPI, { 1, 0, 0, 3u << 8 }, 0 },
		{ false, HF_HC_KVM_SEND_IPI, { 1, 0, 0, 7u << 8 }, 0 },
		{ false, HF_HC_KVM_SEND_IPI, { 1, 0, 0, 0x0d }, 0 },
		{ false, HF_HC_KVM_SEND_IPI, { 1, 0, 0, HF_IPI_NMI }, 0 },
		{ false, HF_HC_KVM_SEND_IPI, { 1, 0, 7, 5u << 8 }, 0 },
		{ false, HF_HC_KVM_SEND_IPI, { 1, 0, 7, (6u << 8) | 0x10 }, 0 },
		{ false, HF_HC_KVM_SEND_IPI, { 2, 0, 0xffffffff, 0x30 }, 0 },
		{ false, HF_HC_KVM_SEND_IPI, { ~0ull, ~0ull, ~0ull, 0x31 }, 0 },
		{ true, HF_HC_KVM_KICK_CPU, { 0, 0xffffffff, 0, 0 }, 0 },
		{ true, HF_HC_KVM_SCHED_YIELD, { 0xffffffff, 0, 0, 0 }, 0 },
		{ true, HF_HC_KVM_SCHED_YIELD, { 0, 0, 0, 0 }, 0 },
	};
	struct probe_stats st = { .name = "hypercall" };
	u64 rng = 0x6879706572ull;

	for (unsigned i = 0; i < ARRAY_SIZE(fixed); i++) {
		struct hc_args h = fixed[i];

		probe_count(&st, try_call(hc_call, &h));
	}
	for (unsigned i = 0; i < RANDOM_HYPERCALLS; i++) {
		struct hc_args h;

		hc_random(&h, &rng, i);
		probe_count(&st, try_call(hc_call, &h));
	}
	probe_report(&st);
}

static void rdpmc_probe(void *arg)
{
	u32 counter = (u32)(uintptr_t)arg, lo, hi;

	asm volatile("rdpmc" : "=a"(lo), "=d"(hi) : "c"(counter));
}

struct xcr {
	u32 index;
	u64 val;
};

static void xsetbv_probe(void *arg)
{
	struct xcr *x = arg;

	asm volatile("xsetbv"
		     : : "c"(x->index), "a"((u32)x->val),
		       "d"((u32)(x->val >> 32))
		     : "memory");
}

static void cr4_write_probe(void *arg)
{
	write_cr4(*(u64 *)arg);
}

static void xsetbv_probes(struct probe_stats *st)
{
	/* invalid: x87 bit clear, reserved bits, AVX without SSE, no XCR */
	static const struct xcr bad[] = {
		{ 0, 0 }, { 0, 1ull << 63 }, { 0, 0x5 }, { 1, 0xdead },
		{ 0xffffffff, 1 },
	};
	struct xcr valid = { 0, 1 };
	u64 cr4 = read_cr4();

	probe_count(st, try_call(xsetbv_probe, &valid)); /* #UD: no OSXSAVE */
	if (!(cpuid(1, 0).ecx & (1u << 26)))
		return;
	u64 osxsave = cr4 | (1ull << 18);

	if (probe_count(st, try_call(cr4_write_probe, &osxsave)) >= 0)
		return;
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		struct xcr x = bad[i];

		probe_count(st, try_call(xsetbv_probe, &x));
	}
	probe_count(st, try_call(cr4_write_probe, &cr4));
}

static void run_probes(struct probe_stats *st, const struct insn_probe *p,
		       unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		probe_count(st, try_call(p[i].fn, insn_probe_scratch));
}

void hostile_instructions(void)
{
	struct probe_stats st = { .name = "instructions" };
	u64 rng = 0x696e736e73ull;

	run_probes(&st, insn_probes_virt, insn_probes_virt_count);
	run_probes(&st, insn_probes_invalid, insn_probes_invalid_count);
	run_probes(&st, insn_probes_misc, insn_probes_misc_count);
	for (unsigned i = 0; i < RANDOM_PMCS; i++) {
		u64 r = xorshift64(&rng);
		u32 counter = i < 4 ? i : (u32)r;

		probe_count(&st, try_call(rdpmc_probe, (void *)(uintptr_t)counter));
	}
	xsetbv_probes(&st);
	probe_report(&st);
}

static u64 user_hypercall(void *arg)
{
	hc_call(arg);
	return 0;
}

static u64 user_insn(void *arg)
{
	const struct insn_probe *p = arg;

	p->fn(insn_probe_scratch);
	return 0;
}

static u64 user_in(void *arg)
{
	(void)arg;
	return inb(0x80);
}

static u64 user_out(void *arg)
{
	(void)arg;
	outb(0xf4, 0);
	return 0;
}

static u64 user_rdmsr(void *arg)
{
	(void)arg;
	return rdmsr(MSR_EFER);
}

static u64 user_wrmsr(void *arg)
{
	(void)arg;
	wrmsr(MSR_EFER, 0);
	return 0;
}

static u64 user_cli(void *arg)
{
	(void)arg;
	irq_disable();
	return 0;
}

static u64 user_hlt(void *arg)
{
	(void)arg;
	asm volatile("hlt");
	return 0;
}

static u64 user_int(void *arg)
{
	(void)arg;
	asm volatile("int $0x40");
	return 0;
}

void hostile_user(void)
{
	static u64 (*const privileged[])(void *) = {
		user_in, user_out, user_rdmsr, user_wrmsr, user_cli, user_hlt,
		user_int,
	};
	struct probe_stats st = { .name = "user" };
	u64 rng = 0x75736572ull, ret;
	unsigned wrong = 0;

	for (unsigned i = 0; i < USER_HYPERCALLS; i++) {
		struct hc_args h;

		hc_random(&h, &rng, i);
		if (i < 2)
			h.nr = HF_HC_NOP;
		if (probe_count(&st, user_call(user_hypercall, &h, &ret)) < 0 &&
		    h.ret != (u64)-HF_EPERM && wrong++ < MAX_REPORTS)
			gprintf("hostile: FAIL user hypercall 0x%lx returned 0x%lx\n",
				h.nr, h.ret);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(privileged); i++)
		probe_count(&st, user_call(privileged[i], NULL, &ret));
	for (unsigned i = 0; i < insn_probes_virt_count; i++)
		probe_count(&st, user_call(user_insn,
					   (void *)&insn_probes_virt[i], &ret));
	if (wrong)
		gprintf("hostile: FAIL %u user hypercalls did not return -EPERM\n",
			wrong);
	probe_report(&st);
}
