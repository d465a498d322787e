/* Turning the GRUB entry's modules into running VMs, and the loop every
 * CPU idles in once bring-up is over. */
#ifndef HOLDFAST_VM_LAUNCH_H
#define HOLDFAST_VM_LAUNCH_H

#include "kernel/multiboot2.h"

/* Parse the VM configuration, create every good VM and hand its vCPUs to
 * CPUs. Returns the number of VMs started. @virt_ok: hardware
 * virtualization is usable. */
u32 vms_launch(const struct boot_info *bi, bool virt_ok);

/* Run whatever vCPU this CPU is given; otherwise halt. Never returns. */
__noreturn void cpu_idle_loop(void);

#endif
