/* The test-guest runtime: everything a guest's main file needs. */
#ifndef GUEST_RT_H
#define GUEST_RT_H

#include "lib/types.h"
#include "paravirt/holdfast_abi.h"
#include "tests/guests/lib/console.h"
#include "tests/guests/lib/cpu.h"
#include "tests/guests/lib/hypercall.h"
#include "tests/guests/lib/insn_probe.h"
#include "tests/guests/lib/lapic.h"
#include "tests/guests/lib/options.h"
#include "tests/guests/lib/paging.h"
#include "tests/guests/lib/percpu.h"
#include "tests/guests/lib/smp.h"
#include "tests/guests/lib/trap.h"

/*
 * Each guest provides guest_name (console.h) and guest_main(), called on
 * every vCPU with its own stack, the guest's GDT, TSS and IDT loaded and
 * interrupts off. When it returns, the vCPU halts with interrupts off,
 * which tells Holdfast it is finished. @count is the number of vCPUs the
 * runtime serves (Holdfast's count, capped at RT_MAX_VCPUS).
 */
void guest_main(unsigned index, unsigned count);

#endif
