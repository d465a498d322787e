/* Boot-time checks that the machine works as configured, and the
 * deliberate failures behind the selftest= option. */
#ifndef HOLDFAST_SELFTEST_H
#define HOLDFAST_SELFTEST_H

#include "kernel/options.h"

/* Ask every online CPU, by cross-CPU call, for its APIC ID and timer ticks;
 * report how many answered correctly. */
void selftest_cpus(u32 online);

/* Run the failure selftest= asked for (it does not return if it works). */
void selftest_run(enum selftest which, u32 online);

#endif
