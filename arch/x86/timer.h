/* TSC and LAPIC timer frequencies, calibrated once on the boot CPU. */
#ifndef HOLDFAST_X86_TIMER_H
#define HOLDFAST_X86_TIMER_H

#include "lib/types.h"

#define TICK_HZ 100 /* host tick per CPU */

extern u64 tsc_hz;
extern u64 lapic_timer_hz;

/* Remember the boot TSC so time_since_boot_ns() starts at zero. */
void timer_mark_boot(void);
/* Measure TSC and LAPIC timer rates against a reference clock: the HPET at
 * @hpet_phys when ACPI lists one (0 otherwise), else PIT channel 2. Returns
 * false, with @*error set, when no reference clock works. */
bool timer_calibrate(u64 hpet_phys, const char **reference, const char **error);
/* Start this CPU's host tick (TICK_HZ). */
void timer_start_tick(void);
/* From the timer interrupt: reprogram; true when a host tick fell due. */
bool timer_interrupt(void);
/* Also interrupt this CPU at host TSC @tsc (0: no such deadline): the
 * earliest timer of the vCPU it runs. */
void timer_set_guest_deadline(u64 tsc);
/* Re-arm after changing this CPU's sleepers_deadline_tsc or slice_end_tsc. */
void timer_reprogram(void);
/* When this CPU's host timer fires next (host TSC). */
u64 timer_next_tsc(void);

#endif
