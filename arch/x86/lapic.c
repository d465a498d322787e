#include "arch/x86/lapic.h"
#include "arch/x86/cpu.h"

#define APIC_BASE_EXTD (1u << 10) /* x2APIC mode */
#define APIC_BASE_EN (1u << 11)

/* Register offsets (xAPIC MMIO); the x2APIC MSR is 0x800 + offset / 16. */
#define LAPIC_ID 0x020
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_ESR 0x280
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_THERMAL 0x330
#define LAPIC_LVT_PERF 0x340
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0

#define SVR_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)
#define LVT_TIMER_PERIODIC (1u << 17)
#define TIMER_DIV_16 0x3
#define ICR_DELIVERY_PENDING (1u << 12)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_MODE_NMI (4u << 8)
#define ICR_MODE_INIT (5u << 8)
#define ICR_MODE_STARTUP (6u << 8)

static bool x2apic;
static volatile u32 *xapic_mmio;

/* The 8259 PICs stay masked: every host interrupt comes through the LAPIC.
 * Bochs raises the PIC's INTR line on CPU 0 even with LINT0 masked, and
 * its BIOS leaves IRQ0 (the PIT) unmasked at vector 8: a "double fault". */
static void legacy_pic_mask(void)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

void lapic_choose_mode(void)
{
	u64 base = rdmsr(MSR_APIC_BASE);

	legacy_pic_mask();

	x2apic = (cpuid(1).ecx & (1u << 21)) || (base & APIC_BASE_EXTD);
	xapic_mmio = (volatile u32 *)(uintptr_t)(base & ~0xfffull & 0xfffffffffull);
}

bool lapic_is_x2apic(void)
{
	return x2apic;
}

static u32 lapic_read(u32 reg)
{
	if (x2apic)
		return (u32)rdmsr(0x800 + (reg >> 4));
	return xapic_mmio[reg / 4];
}

static void lapic_write(u32 reg, u32 val)
{
	if (x2apic)
		wrmsr(0x800 + (reg >> 4), val);
	else
		xapic_mmio[reg / 4] = val;
}

void lapic_init_cpu(void)
{
	u64 base = rdmsr(MSR_APIC_BASE) | APIC_BASE_EN;

	if (x2apic)
		base |= APIC_BASE_EXTD;
	wrmsr(MSR_APIC_BASE, base);

	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_LVT_THERMAL, LVT_MASKED);
	lapic_write(LAPIC_LVT_PERF, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, VEC_APIC_ERROR);
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	lapic_read_error();
	lapic_eoi(); /* drop anything firmware left in service */
}

u32 lapic_id(void)
{
	u32 id = lapic_read(LAPIC_ID);

	return x2apic ? id : id >> 24;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

u32 lapic_read_error(void)
{
	lapic_write(LAPIC_ESR, 0); /* latches the current errors */
	return lapic_read(LAPIC_ESR);
}

static void lapic_send_icr(u32 apic_id, u32 low)
{
	if (x2apic) {
		wrmsr(0x800 + (LAPIC_ICR_LO >> 4), ((u64)apic_id << 32) | low);
		return;
	}
	u64 flags = irq_save();

	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, low);
	while (lapic_read(LAPIC_ICR_LO) & ICR_DELIVERY_PENDING)
		cpu_relax();
	irq_restore(flags);
}

void lapic_send_ipi(u32 apic_id, u8 vector)
{
	lapic_send_icr(apic_id, vector);
}

void lapic_send_nmi(u32 apic_id)
{
	lapic_send_icr(apic_id, ICR_MODE_NMI);
}

void lapic_send_init(u32 apic_id)
{
	lapic_send_icr(apic_id, ICR_MODE_INIT | ICR_LEVEL_ASSERT);
}

void lapic_send_startup(u32 apic_id, u8 page)
{
	lapic_send_icr(apic_id, ICR_MODE_STARTUP | page);
}

void lapic_timer_start_oneshot(u32 count)
{
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, count);
}

void lapic_timer_start_periodic(u8 vector, u32 count)
{
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_PERIODIC | vector);
	lapic_write(LAPIC_TIMER_INIT, count);
}

void lapic_timer_arm(u8 vector, u32 count)
{
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, vector);
	lapic_write(LAPIC_TIMER_INIT, count);
}

u32 lapic_timer_current(void)
{
	return lapic_read(LAPIC_TIMER_CUR);
}

void lapic_timer_stop(void)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, 0);
}
