/*
 * victim: fills every register it can write with the pattern bytes A5 5A
 * C3 3C (isolation.h) and keeps them there, so that whatever runs next on
 * its CPU would see them if Holdfast left any behind: the GPRs, the x87,
 * SSE, AVX, AVX-512 and PKRU state (through XRSTOR, whichever of them the
 * CPU has), DR0-DR3, DR6 and DR7 (breakpoints on addresses it never
 * touches), CR2, CR8, the FS, GS and KERNEL_GS bases, the SYSCALL and
 * SYSENTER MSRs, TSC_AUX, EFER.SCE and PAT. One vCPU.
 *
 * `rounds=N` (default 2000) times it rewrites them all, turns its XCR0
 * down to x87 alone every other round (so that its SSE and AVX state
 * stays behind in the CPU, not in its XSAVE mask), then gives its CPU
 * away by a yield hypercall and spins `spin=N` rounds with the pattern
 * in every GPR, so timer preemptions catch it there too.
 *
 * Prints "victim: xcr0 ..." as it starts, what each register holds after
 * its write as it ends, then "victim: done, N rounds".
 */
#include "tests/guests/isolation.h"
#include "tests/guests/lib/rt.h"

const char guest_name[] = "victim";

static struct hf_preempt_block block __aligned(64);
static u8 image[ISO_XSAVE_MAX] __aligned(64);

/* Writes every register; returns how many refused the write. */
static unsigned victim_write_regs(u64 *held)
{
	unsigned refused = 0;

	for (unsigned r = 0; r < ISO_NR_REGS; r++) {
		u64 cur = 0;

		iso_reg_read(r, &cur);
		if (iso_reg_write(r, iso_reg_value(r, ISO_VICTIM, cur)) >= 0)
			refused++;
		if (held)
			iso_reg_read(r, &held[r]);
	}
	return refused;
}

/* One line before the rounds; the values held after them (printing is
 * slow: the rounds should start when the spy's do). */
static void victim_report_start(u64 xcr0, u64 rounds)
{
	unsigned refused = victim_write_regs(NULL);

	gprintf("victim: xcr0 0x%lx, %u bytes of XSAVE state, %u of %u registers refused, %lu rounds\n",
		xcr0, iso_xsave_size(), refused, ISO_NR_REGS, rounds);
}

static void victim_report_end(void)
{
	u64 held[ISO_NR_REGS];

	victim_write_regs(held);
	for (unsigned r = 0; r < ISO_NR_REGS; r++)
		gprintf("victim: %s = 0x%lx\n", iso_reg_name(r), held[r]);
}

void guest_main(unsigned index, unsigned count)
{
	u64 rounds = rt_option_u64("rounds", 2000);
	u64 spin = MAX(1, rt_option_u64("spin", 20000));
	u64 xcr0 = iso_xsave_init();
	u64 in[16], out[16];

	(void)count;
	if (index != 0)
		return;
	if (hypercall(HF_HC_PREEMPT_REGISTER, (u64)(uintptr_t)&block, 0, 0, 0)) {
		gprintf("victim: FAIL cannot register a preempt block to yield\n");
		return;
	}
	iso_xstate_build(image, xcr0, ISO_PAT32, 0x0f7f, 0x7f80);
	for (unsigned i = 0; i < 16; i++)
		in[i] = ISO_PAT64;
	in[0] = HF_HC_PREEMPT_YIELD;
	victim_report_start(xcr0, rounds);
	for (u64 r = 0; r < rounds; r++) {
		if (xcr0)
			iso_xsetbv(xcr0);
		iso_xrstor(image, xcr0);
		victim_write_regs(NULL);
		if (xcr0 && (r & 1))
			iso_xsetbv(ISO_XCR0_X87);
		iso_gprs_run(in, out, spin);
	}
	victim_report_end();
	gprintf("victim: done, %lu rounds\n", rounds);
}
