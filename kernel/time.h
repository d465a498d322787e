/* Time since boot, from the TSC once it is calibrated (0 before). */
#ifndef HOLDFAST_TIME_H
#define HOLDFAST_TIME_H

#include "lib/types.h"

u64 time_since_boot_ns(void);
/* Busy-wait; needs a calibrated TSC. */
void time_delay_us(u64 us);

#endif
