/* Putting a new VM's guest in place: load its image, set its vCPUs' first
 * state. ELF test guests (tests/guests/ENTRY_STATE.md) and Linux bzImages. */
#ifndef HOLDFAST_VM_BOOT_H
#define HOLDFAST_VM_BOOT_H

#include "vm/vm.h"

#define VM_BOOT_AREA_SIZE MiB(1)    /* top of guest RAM: tables, GDT, stacks */
#define VM_ELF_LOAD_MIN MiB(1)
#define VM_ELF_STACK_SIZE KiB(16)

/* Load the VM's images and set every vCPU's first state (also on
 * reboot); false with @*error when the images do not fit or are bad. */
bool vm_boot_prepare(struct vm *vm, const struct vm_config *cfg,
		     const struct boot_module *mods, const char **error);

bool vm_boot_elf(struct vm *vm, const struct vm_config *cfg,
		 const struct boot_module *mods, const char **error);
bool vm_boot_linux(struct vm *vm, const struct vm_config *cfg,
		   const struct boot_module *mods, const char **error);

#endif
