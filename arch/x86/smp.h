/* Host SMP: per-CPU set-up, AP start-up, cross-CPU calls, stopping CPUs. */
#ifndef HOLDFAST_X86_SMP_H
#define HOLDFAST_X86_SMP_H

#include "lib/types.h"
#include "arch/x86/acpi.h"

/* Set up the boot CPU as CPU 0 (per-CPU block, GDT/TSS/IDT, LAPIC). Runs
 * before the page allocator exists, so its IST stacks come from the image. */
void smp_init_boot_cpu(void);

/* Give the boot CPU's stacks their guard pages (needs the allocator). */
void smp_guard_boot_stacks(void);

/* Start the boot CPU's tick once timers are calibrated and mark it online
 * (the APs do this themselves). */
void smp_start_local_timer(void);

/* Start every enabled CPU in @ai (at most @max, 0 = all) through the
 * trampoline page at @tramp_phys; each runs @main_loop (which never
 * returns) once online, with interrupts on. Returns the number of CPUs
 * online, the boot CPU included. Arch knows nothing of what the loop
 * runs: the core passes it in, as it registers its own timer and kick
 * interrupt handlers (irq_register). */
u32 smp_boot_aps(const struct acpi_info *ai, u64 tramp_phys, u32 max,
		 void (*main_loop)(void));

/* Run @fn(@arg) on CPU @cpu and wait for it (interrupts must be on).
 * Returns false when that CPU did not answer in time. */
bool smp_call(u32 cpu, void (*fn)(void *), void *arg);

/* NMI every other online CPU into a halt (panic path). */
void smp_stop_other_cpus(void);

#endif
