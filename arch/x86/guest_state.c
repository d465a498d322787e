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
#define DR6_RESET 0xffff0ff0ull
#define CPUID_VENDOR_AMD_EBX 0x68747541u /* "Auth" */
#define CPUID_80000008_EBX_XSAVEERPTR (1u << 2)

static bool have_xsave;
/* AMD CPUs without XSaveErPtr save and restore the x87 FIP, FDP and FOP
 * only while an x87 exception is pending (Linux: X86_BUG_FXSAVE_LEAK). */
static bool x87_pointers_stay;
static u32 area_size = FXSAVE_SIZE;
/* Every XSAVE component the CPU supports: what each vCPU's image holds,
 * whatever its own XCR0 says. */
static u64 xcr0_all = XCR0_X87;

void guest_state_cpu_init(void)
{
	u64 cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;

	have_xsave = cpuid(1).ecx & CPUID1_ECX_XSAVE;
	x87_pointers_stay = cpuid(0).ebx == CPUID_VENDOR_AMD_EBX &&
		(cpuid(0x80000000).eax < 0x80000008 ||
		 !(cpuid(0x80000008).ebx & CPUID_80000008_EBX_XSAVEERPTR));
	if (have_xsave) {
		struct cpuid_regs xs = cpuid_count(0xd, 0);

		cr4 |= CR4_OSXSAVE;
		xcr0_all = ((u64)xs.edx << 32) | xs.eax;
		/* Room for every feature the CPU supports in XCR0. */
		area_size = MAX(xs.ecx, FXSAVE_SIZE + 64);
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
	for (int i = 0; i < 4; i++)
		s->dr[i] = 0;
	s->dr6 = DR6_RESET;
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

/*
 * The guest may run with fewer components in XCR0 than the CPU has, and
 * change its XCR0 at any time. So the image always covers all of them,
 * saved and restored under an XCR0 of every component: a component the
 * guest turned off keeps the guest's own contents (the CPU holds them
 * while it is off), and on the way in one that is absent from the saved
 * XSTATE_BV is put in its init state by XRSTOR instead of keeping what
 * the last vCPU on this CPU, maybe another VM's, left there. The image's
 * XSTATE_BV never holds a bit outside the XCR0 it is restored under (that
 * would be a #GP in the hypervisor).
 */
static void xstate_save(struct guest_xstate *s)
{
	s->xcr0 = xgetbv0();
	if (s->xcr0 != xcr0_all)
		xsetbv0(xcr0_all);
	asm volatile("xsave64 (%0)" ::"r"(s->area), "a"((u32)xcr0_all),
		     "d"((u32)(xcr0_all >> 32)) : "memory");
}

static void xstate_load(const struct guest_xstate *s)
{
	if (xgetbv0() != xcr0_all)
		xsetbv0(xcr0_all);
	asm volatile("xrstor64 (%0)" ::"r"(s->area), "a"((u32)xcr0_all),
		     "d"((u32)(xcr0_all >> 32)) : "memory");
	if (s->xcr0 != xcr0_all)
		xsetbv0(s->xcr0);
}

/*
 * DR0-DR3 are in neither the VMCB nor the VMCS, and DR6 is not in the
 * VMCS; the guest reads and writes them all without an exit. DR7 is
 * switched by VM entry and exit on both vendors, and every exit leaves
 * the host's DR7 with all breakpoints off, so these writes arm nothing
 * in the hypervisor. (AMD-V's VMRUN loads DR6 from the VMCB over ours.)
 */
static void debug_regs_save(struct guest_xstate *s)
{
	asm volatile("mov %%dr0, %0" : "=r"(s->dr[0]));
	asm volatile("mov %%dr1, %0" : "=r"(s->dr[1]));
	asm volatile("mov %%dr2, %0" : "=r"(s->dr[2]));
	asm volatile("mov %%dr3, %0" : "=r"(s->dr[3]));
	asm volatile("mov %%dr6, %0" : "=r"(s->dr6));
}

static void debug_regs_load(const struct guest_xstate *s)
{
	asm volatile("mov %0, %%dr0" ::"r"(s->dr[0]));
	asm volatile("mov %0, %%dr1" ::"r"(s->dr[1]));
	asm volatile("mov %0, %%dr2" ::"r"(s->dr[2]));
	asm volatile("mov %0, %%dr3" ::"r"(s->dr[3]));
	asm volatile("mov %0, %%dr6" ::"r"(s->dr6));
}

/* Where the restore would leave the last vCPU's last x87 instruction and
 * operand addresses, overwrite them with ours first: EMMS empties the
 * stack so that the load cannot fault (Linux does the same). */
static void x87_pointers_clear(void)
{
	static const u32 zero;

	if (x87_pointers_stay)
		asm volatile("fnclex; emms; fildl %0" ::"m"(zero));
}

void guest_state_save(struct guest_xstate *s)
{
	if (have_xsave)
		xstate_save(s);
	else
		asm volatile("fxsave64 (%0)" ::"r"(s->area) : "memory");
	s->tsc_aux = rdmsr(MSR_TSC_AUX);
	debug_regs_save(s);
}

void guest_state_load(const struct guest_xstate *s)
{
	x87_pointers_clear();
	if (have_xsave)
		xstate_load(s);
	else
		asm volatile("fxrstor64 (%0)" ::"r"(s->area) : "memory");
	wrmsr(MSR_TSC_AUX, s->tsc_aux);
	debug_regs_load(s);
}
