/* pvclock arithmetic (Linux arch/x86/include/asm/pvclock.h): the guest
 * computes ns = system_time + (((tsc - tsc_timestamp) << shift) * mul >> 32),
 * a negative shift shifting right. Pure, host unit-tested. */
#ifndef HOLDFAST_PVCLOCK_H
#define HOLDFAST_PVCLOCK_H

#include "lib/types.h"

/* The multiplier and shift for a TSC of @tsc_hz, as precise as 32 bits
 * allow. */
void pvclock_scale(u64 tsc_hz, u32 *mul, s8 *shift);

/* Nanoseconds for @delta TSC ticks, the guest's way. */
u64 pvclock_ticks_to_ns(u64 delta, u32 mul, s8 shift);

#endif
