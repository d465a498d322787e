/*
 * Calibration. The reference clock is the HPET when ACPI lists one: its
 * period is stated by the hardware in femtoseconds and it is readable from
 * any CPU. Otherwise PIT channel 2 (1.193182 MHz, gated through port 0x61),
 * which every PC-compatible platform we boot on (QEMU, Bochs, most servers)
 * still has. The ACPI PM timer would also do; two sources are enough.
 * The TSC and the LAPIC timer are measured over the same window.
 */
#include "arch/x86/timer.h"
#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"
#include "kernel/percpu.h"
#include "kernel/time.h"

#define CALIBRATION_US 20000
#define PIT_HZ 1193182
#define HPET_CAPS 0x000
#define HPET_CONFIG 0x010
#define HPET_COUNTER 0x0f0
#define HPET_ENABLE 0x1
#define HPET_MAX_PERIOD_FS 100000000u /* the spec's upper bound: 100 ns */

u64 tsc_hz;
u64 lapic_timer_hz;
static u64 tsc_at_boot;

void timer_mark_boot(void)
{
	tsc_at_boot = rdtsc();
}

u64 time_since_boot_ns(void)
{
	if (!tsc_hz)
		return 0;
	u64 delta = rdtsc() - tsc_at_boot;

	/* Split to stay within 64 bits without 128-bit division. */
	return delta / tsc_hz * 1000000000ull +
	       delta % tsc_hz * 1000000000ull / tsc_hz;
}

void time_delay_us(u64 us)
{
	u64 end = rdtsc() + tsc_hz / 1000000 * us;

	while ((s64)(rdtsc() - end) < 0)
		cpu_relax();
}

struct sample {
	u64 tsc;
	u32 lapic;
};

static struct sample sample_now(void)
{
	return (struct sample){ rdtsc(), lapic_timer_current() };
}

/* Wait CALIBRATION_US on the HPET; false if it does not count. */
static bool hpet_window(u64 base, struct sample *start, struct sample *end)
{
	volatile u64 *caps = (volatile u64 *)(uintptr_t)(base + HPET_CAPS);
	volatile u64 *config = (volatile u64 *)(uintptr_t)(base + HPET_CONFIG);
	volatile u64 *counter = (volatile u64 *)(uintptr_t)(base + HPET_COUNTER);
	u32 period_fs = (u32)(*caps >> 32);

	if (period_fs == 0 || period_fs > HPET_MAX_PERIOD_FS)
		return false;
	*config |= HPET_ENABLE;
	u64 ticks = (u64)CALIBRATION_US * 1000000000ull / period_fs;
	u64 t0 = *counter;

	*start = sample_now();
	for (u64 spins = 0; *counter - t0 < ticks; spins++) {
		if (spins > 100000000ull)
			return false;
		cpu_relax();
	}
	*end = sample_now();
	return true;
}

static bool pit_window(struct sample *start, struct sample *end)
{
	u32 count = (u32)((u64)PIT_HZ * CALIBRATION_US / 1000000);

	/* Gate channel 2 on, speaker off; mode 0 raises OUT2 at terminal count. */
	outb(0x61, (inb(0x61) & ~0x02) | 0x01);
	outb(0x43, 0xb0);
	outb(0x42, count & 0xff);
	outb(0x42, count >> 8);
	*start = sample_now();
	for (u64 spins = 0; !(inb(0x61) & 0x20); spins++) {
		if (spins > 100000000ull)
			return false;
	}
	*end = sample_now();
	return true;
}

bool timer_calibrate(u64 hpet_phys, const char **reference, const char **error)
{
	struct sample a, b;
	bool ok = false;

	lapic_timer_start_oneshot(0xffffffffu);
	if (hpet_phys) {
		*reference = "HPET";
		ok = hpet_window(hpet_phys, &a, &b);
	}
	if (!ok) {
		*reference = "PIT channel 2";
		lapic_timer_start_oneshot(0xffffffffu);
		ok = pit_window(&a, &b);
	}
	lapic_timer_stop();
	if (!ok || b.tsc <= a.tsc || a.lapic <= b.lapic) {
		*error = "no working reference clock (HPET, PIT) to calibrate the TSC and LAPIC timer";
		return false;
	}
	tsc_hz = (b.tsc - a.tsc) * (1000000 / CALIBRATION_US);
	lapic_timer_hz = (u64)(a.lapic - b.lapic) * (1000000 / CALIBRATION_US);
	return true;
}

/*
 * The host timer runs one-shot: it fires at the next host tick, the
 * earliest timer of the vCPU this CPU runs or of the vCPUs blocked here, or
 * the end of the running vCPU's slice, whichever comes first, so guests'
 * timers are exact without a fast periodic tick.
 */
static void timer_program(struct percpu *pc)
{
	u64 now = rdtsc();
	u64 target = pc->next_tick_tsc;
	u64 ticks;

	const u64 events[] = { pc->guest_deadline_tsc, pc->sleepers_deadline_tsc,
			       pc->slice_end_tsc };

	for (u32 i = 0; i < ARRAY_SIZE(events); i++)
		if (events[i] && events[i] < target)
			target = events[i];
	pc->timer_target_tsc = target;
	ticks = target > now ? (target - now) * lapic_timer_hz / tsc_hz : 0;
	lapic_timer_arm(VEC_TIMER, (u32)MAX(1, MIN(ticks, 0xffffffffull)));
}

void timer_start_tick(void)
{
	struct percpu *pc = this_cpu();

	pc->next_tick_tsc = rdtsc() + tsc_hz / TICK_HZ;
	timer_program(pc);
}

bool timer_interrupt(void)
{
	struct percpu *pc = this_cpu();
	u64 now = rdtsc();
	bool tick = now >= pc->next_tick_tsc;

	if (tick) {
		pc->next_tick_tsc += tsc_hz / TICK_HZ;
		if (pc->next_tick_tsc <= now) /* fell behind: do not burst */
			pc->next_tick_tsc = now + tsc_hz / TICK_HZ;
	}
	/* A guest deadline that has passed did its job (the vCPU loop
	 * polls its vLAPIC before the next entry and sets the next one).
	 * Re-arming for it would fire at once, again and again, while the
	 * CPU is busy in an exit handler: under Bochs, whose LAPIC timer
	 * tick is 16 instructions, that left the host no time to run. */
	if (pc->guest_deadline_tsc && pc->guest_deadline_tsc <= now)
		pc->guest_deadline_tsc = 0;
	timer_program(pc);
	return tick;
}

u64 timer_next_tsc(void)
{
	return this_cpu()->timer_target_tsc;
}

void timer_reprogram(void)
{
	u64 flags = irq_save();

	timer_program(this_cpu());
	irq_restore(flags);
}

void timer_set_guest_deadline(u64 tsc)
{
	struct percpu *pc = this_cpu();
	u64 flags = irq_save();

	if (tsc != pc->guest_deadline_tsc) {
		pc->guest_deadline_tsc = tsc;
		timer_program(pc);
	}
	irq_restore(flags);
}
