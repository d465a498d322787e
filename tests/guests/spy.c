/*
 * spy: shares a CPU with the victim guest (victim.c) and reads every
 * register the victim writes, many times, looking for the victim's
 * pattern bytes A5 5A C3 3C (isolation.h). One vCPU.
 *
 * Each of `rounds=N` (default 1000) rounds it puts values of its own in
 * all of them (the XSAVE state through XRSTOR with every component the
 * guests use), turns its XCR0 down to x87 alone every other round (a
 * vCPU whose XCR0 leaves a component out must still get its own, not the
 * last vCPU's), yields its CPU by hypercall, spins `spin=N` rounds so a
 * timer preemption lands there too, then reads everything back: the GPRs
 * as they came back from the yield and the spin, the whole XSAVE image
 * (XCR0 set to every component first), the debug registers, CR2, CR8 and
 * the MSRs. Two kinds of finding:
 *  - leak: the pattern anywhere in what it read, or a register holding
 *    exactly the victim's value;
 *  - changed: a register of its own that does not hold what it wrote.
 * The first few are printed ("spy: LEAK ..." / "spy: CHANGED ..."), then
 * one verdict line: "spy: verdict clean, ..." or "spy: verdict FAIL, ...".
 */
#include "lib/string.h"
#include "tests/guests/isolation.h"
#include "tests/guests/lib/rt.h"

const char guest_name[] = "spy";

#define MAX_FINDINGS 48

static const char LEAK[] = "LEAK", CHANGED[] = "CHANGED";
#define MAX_RANGES 24

static struct hf_preempt_block block __aligned(64);
static u8 own_image[ISO_XSAVE_MAX] __aligned(64);
static u8 seen_image[ISO_XSAVE_MAX] __aligned(64);

static const char *const gpr_names[16] = {
	"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
	"R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
};

struct finding {
	const char *kind, *what; /* string constants: compared by address */
	u64 count;
};

struct spy {
	u64 xcr0;                  /* every component */
	u32 xsave_size;
	struct iso_range ranges[MAX_RANGES];
	unsigned nr_ranges;
	u64 own[ISO_NR_REGS];      /* read back right after writing */
	u64 victim[ISO_NR_REGS];   /* the victim's nominal values */
	u64 cr0, cr4;
	u64 leaks, changes, checks;
	struct finding findings[MAX_FINDINGS];
	unsigned nr_findings;
};

static u64 spy_read_cr0(void)
{
	u64 v;

	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

/* One kind of finding about one register or range, printed the first
 * time and counted. */
static void spy_report(struct spy *s, u64 round, const char *kind,
		       const char *what, u64 own, u64 seen)
{
	struct finding *f = s->findings;

	while (f < s->findings + s->nr_findings &&
	       (f->what != what || f->kind != kind))
		f++;
	if (f == s->findings + MAX_FINDINGS)
		return; /* counted in leaks/changes all the same */
	if (f == s->findings + s->nr_findings) {
		*f = (struct finding){ kind, what, 0 };
		s->nr_findings++;
		gprintf("spy: %s round %lu %s own=0x%lx seen=0x%lx\n", kind,
			round, what, own, seen);
	}
	f->count++;
}

/* A register compared with the spy's own value and, where it has one,
 * the victim's (@victim NULL: none). */
static void spy_check_value(struct spy *s, u64 round, const char *what,
			    u64 own, const u64 *victim, u64 seen)
{
	s->checks++;
	if (seen == own)
		return;
	if ((victim && seen == *victim) ||
	    iso_find_pattern(&seen, sizeof(seen)) >= 0) {
		s->leaks++;
		spy_report(s, round, LEAK, what, own, seen);
	} else {
		s->changes++;
		spy_report(s, round, CHANGED, what, own, seen);
	}
}

static const char *spy_range_name(const struct spy *s, u32 off)
{
	for (unsigned i = 0; i < s->nr_ranges; i++)
		if (off >= s->ranges[i].off &&
		    off < s->ranges[i].off + s->ranges[i].len)
			return s->ranges[i].name;
	return off < ISO_XSAVE_HEADER ? "x87/SSE control" : "XSAVE image";
}

/* The XSAVE image: the pattern anywhere, and, when the spy's XCR0 kept
 * every component on while it was away, its own registers unchanged. */
static void spy_check_xstate(struct spy *s, u64 round, bool full)
{
	long at = iso_find_pattern(seen_image, s->xsave_size);

	s->checks++;
	if (at >= 0) {
		s->leaks++;
		spy_report(s, round, LEAK, spy_range_name(s, (u32)at),
			   (u64)at, *(u64 *)(seen_image + (at & ~7l)));
	}
	if (!full)
		return;
	spy_check_value(s, round, "FCW", *(u16 *)own_image, NULL,
			*(u16 *)seen_image);
	spy_check_value(s, round, "MXCSR", *(u32 *)(own_image + 24), NULL,
			*(u32 *)(seen_image + 24));
	for (unsigned i = 0; i < s->nr_ranges; i++) {
		const struct iso_range *r = &s->ranges[i];

		s->checks++;
		if (!memcmp(own_image + r->off, seen_image + r->off, r->len))
			continue;
		s->changes++;
		spy_report(s, round, CHANGED, r->name,
			   *(u64 *)(own_image + r->off),
			   *(u64 *)(seen_image + r->off));
	}
}

static void spy_check_gprs(struct spy *s, u64 round, const u64 in[16],
			   const u64 out[16])
{
	static const u64 victim = ISO_PAT64;

	for (unsigned i = 1; i < 16; i++)
		if (i != 4) /* RSP */
			spy_check_value(s, round, gpr_names[i], in[i], &victim,
					out[i]);
	/* RAX: the yield's result, 0. */
	spy_check_value(s, round, "RAX", 0, &victim, out[0]);
}

static void spy_write_own(struct spy *s)
{
	if (s->xcr0)
		iso_xsetbv(s->xcr0);
	iso_xrstor(own_image, s->xcr0);
	for (unsigned r = 0; r < ISO_NR_REGS; r++)
		iso_reg_write(r, s->own[r]);
}

static void spy_round(struct spy *s, u64 round, u64 spin)
{
	bool full = !s->xcr0 || !(round & 1);
	u64 own_xcr0 = full ? s->xcr0 : ISO_XCR0_X87;
	u64 in[16], out[16], seen, xcr0 = 0;

	spy_write_own(s);
	if (!full)
		iso_xsetbv(ISO_XCR0_X87);
	for (unsigned i = 0; i < 16; i++)
		in[i] = ISO_SPY64 + i;
	in[0] = HF_HC_PREEMPT_YIELD;
	iso_gprs_run(in, out, spin);
	if (s->xcr0) {
		xcr0 = iso_xgetbv();
		iso_xsetbv(s->xcr0);
	}
	memset(seen_image, 0, s->xsave_size);
	iso_xsave(seen_image, s->xcr0);

	spy_check_gprs(s, round, in, out);
	spy_check_xstate(s, round, full);
	if (s->xcr0)
		spy_check_value(s, round, "XCR0", own_xcr0, NULL, xcr0);
	for (unsigned r = 0; r < ISO_NR_REGS; r++) {
		iso_reg_read(r, &seen);
		spy_check_value(s, round, iso_reg_name(r), s->own[r],
				&s->victim[r], seen);
	}
	spy_check_value(s, round, "CR0", s->cr0, NULL, spy_read_cr0());
	spy_check_value(s, round, "CR4", s->cr4, NULL, read_cr4());
}

static void spy_setup(struct spy *s)
{
	s->xcr0 = iso_xsave_init();
	s->xsave_size = iso_xsave_size();
	s->nr_ranges = iso_xstate_ranges(s->xcr0, s->ranges, MAX_RANGES);
	iso_xstate_build(own_image, s->xcr0, ISO_SPY32, 0x037f, 0x1f80);
	for (unsigned r = 0; r < ISO_NR_REGS; r++) {
		u64 cur = 0;

		iso_reg_read(r, &cur);
		s->victim[r] = iso_reg_value(r, ISO_VICTIM, cur);
		iso_reg_write(r, iso_reg_value(r, ISO_SPY, cur));
		iso_reg_read(r, &s->own[r]);
	}
	s->cr0 = spy_read_cr0();
	s->cr4 = read_cr4();
}

void guest_main(unsigned index, unsigned count)
{
	u64 rounds = rt_option_u64("rounds", 1000);
	u64 spin = MAX(1, rt_option_u64("spin", 20000));
	struct spy s = { 0 };

	(void)count;
	if (index != 0)
		return;
	if (hypercall(HF_HC_PREEMPT_REGISTER, (u64)(uintptr_t)&block, 0, 0, 0)) {
		gprintf("spy: verdict FAIL, cannot register a preempt block to yield\n");
		return;
	}
	spy_setup(&s);
	gprintf("spy: xcr0 0x%lx, %u bytes of XSAVE state, %u registers, %lu rounds\n",
		s.xcr0, s.xsave_size, ISO_NR_REGS, rounds);
	for (u64 r = 0; r < rounds; r++)
		spy_round(&s, r, spin);
	for (unsigned i = 0; i < s.nr_findings; i++)
		gprintf("spy: %s %s in %lu checks\n", s.findings[i].kind,
			s.findings[i].what, s.findings[i].count);
	if (s.leaks || s.changes)
		gprintf("spy: verdict FAIL, %lu rounds, %lu checks, %lu leaks, %lu changes\n",
			rounds, s.checks, s.leaks, s.changes);
	else
		gprintf("spy: verdict clean, %lu rounds, %lu checks, 0 leaks, 0 changes\n",
			rounds, s.checks);
}
