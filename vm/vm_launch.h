/* Turning the GRUB entry's modules into running VMs. */
#ifndef HOLDFAST_VM_LAUNCH_H
#define HOLDFAST_VM_LAUNCH_H

#include "kernel/multiboot2.h"

/* Parse the VM configuration, create every good VM and hand its vCPUs to
 * CPUs. Returns the number of VMs started. @virt_ok: hardware
 * virtualization is usable. */
u32 vms_launch(const struct boot_info *bi, bool virt_ok);

#endif
