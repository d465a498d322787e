/* Host local APIC: x2APIC (MSR access) when the CPU has it, xAPIC (MMIO)
 * otherwise, e.g. on QEMU's emulated CPU. */
#ifndef HOLDFAST_X86_LAPIC_H
#define HOLDFAST_X86_LAPIC_H

#include "lib/types.h"

/* Host interrupt vectors. High vectors: above anything a device could use. */
#define VEC_TIMER 0xf0
#define VEC_XCALL 0xf1
#define VEC_KICK 0xf2
#define VEC_APIC_ERROR 0xfe
#define VEC_SPURIOUS 0xff

/* Decide the mode once on the boot CPU (x2APIC if CPUID offers it, or if
 * firmware already enabled it: it cannot be turned back off). */
void lapic_choose_mode(void);
bool lapic_is_x2apic(void);
/* Enable and program this CPU's LAPIC (mode, spurious, error, masked LVTs). */
void lapic_init_cpu(void);

u32 lapic_id(void);
void lapic_eoi(void);
/* Read-and-clear the error status register. */
u32 lapic_read_error(void);

void lapic_send_ipi(u32 apic_id, u8 vector);
void lapic_send_nmi(u32 apic_id);
void lapic_send_init(u32 apic_id);
void lapic_send_startup(u32 apic_id, u8 page);

/* The LAPIC timer counts down at lapic_timer_hz (after divide-by-16). */
void lapic_timer_start_oneshot(u32 count);
void lapic_timer_start_periodic(u8 vector, u32 count);
/* One-shot, delivering @vector after @count ticks. */
void lapic_timer_arm(u8 vector, u32 count);
u32 lapic_timer_current(void);
void lapic_timer_stop(void);

#endif
