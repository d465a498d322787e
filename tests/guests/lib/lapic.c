#include "tests/guests/lib/lapic.h"
#include "tests/guests/lib/cpu.h"

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_EXTD (1ull << 10)
#define APIC_BASE_EN (1ull << 11)
#define MSR_X2APIC_EOI 0x80b
#define MSR_X2APIC_SVR 0x80f
#define SVR_ENABLE_SPURIOUS_FF 0x1ff

void lapic_enable(void)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_EN | APIC_BASE_EXTD);
	wrmsr(MSR_X2APIC_SVR, SVR_ENABLE_SPURIOUS_FF);
}

void lapic_eoi(void)
{
	/* The hostile guest rewrites APIC_BASE: never fault in a handler. */
	if ((rdmsr(MSR_APIC_BASE) & (APIC_BASE_EN | APIC_BASE_EXTD)) ==
	    (APIC_BASE_EN | APIC_BASE_EXTD))
		wrmsr(MSR_X2APIC_EOI, 0);
}
