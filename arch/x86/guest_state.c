#include "arch/x86/guest_state.h"
#include "arch/x86/cpu.h"
#include "kernel/page_alloc.h"

#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_OSXSAVE (1ull << 18)
#define CPUID1_ECX_XSAVE (1u << 26)
#define MSR_TSC_AUX 0xc0000103
#define XCR0_X87 1ull
#define FXSAVE_SIZE 512

static bool have_xsave;
static u32 area_size = FXSAVE_SIZE;

void guest_state_cpu_init(void)
{
	u64 cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;

	have_xsave = cpuid(1).ecx & CPUID1_ECX_XSAVE;
	if (have_xsave) {
		cr4 |= CR4_OSXSAVE;
		/* Room for every feature the CPU supports in XCR0. */
		area_size = MAX(cpuid_count(0xd, 0).ecx, FXSAVE_SIZE + 64);
	}
	write_cr4(cr4);
}

bool guest_state_alloc(struct guest_xstate *s)
{
	u64 pages = ALIGN_UP(area_size, PAGE_SIZE) / PAGE_SIZE;
	u64 phys = page_alloc(pages);

	if (!phys)
		return false;
	/* Zeroed: an XSAVE header of zeros restores the reset state. The
	 * legacy area's MXCSR must hold its reset value (0x1f80) though. */
	s->area = (u8 *)(uintptr_t)phys;
	*(u32 *)(s->area + 24) = 0x1f80;
	s->xcr0 = XCR0_X87;
	s->tsc_aux = 0;
	return true;
}

static u64 xgetbv0(void)
{
	u32 lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((u64)hi << 32) | lo;
}

static void xsetbv0(u64 v)
{
	asm volatile("xsetbv" ::"a"((u32)v), "d"((u32)(v >> 32)), "c"(0));
}

void guest_state_save(struct guest_xstate *s)
{
	if (have_xsave) {
		s->xcr0 = xgetbv0();
		asm volatile("xsave64 (%0)" ::"r"(s->area), "a"((u32)s->xcr0),
			     "d"((u32)(s->xcr0 >> 32)) : "memory");
	} else {
		asm volatile("fxsave64 (%0)" ::"r"(s->area) : "memory");
	}
	s->tsc_aux = rdmsr(MSR_TSC_AUX);
}

void guest_state_load(const struct guest_xstate *s)
{
	if (have_xsave) {
		xsetbv0(s->xcr0);
		asm volatile("xrstor64 (%0)" ::"r"(s->area), "a"((u32)s->xcr0),
			     "d"((u32)(s->xcr0 >> 32)) : "memory");
	} else {
		asm volatile("fxrstor64 (%0)" ::"r"(s->area) : "memory");
	}
	wrmsr(MSR_TSC_AUX, s->tsc_aux);
}
