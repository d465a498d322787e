/* Every boot of a VM, the first and each reboot: per-vCPU state back to
 * power-on, then the guest's loader. */
#include "vm/vm_boot.h"

bool vm_boot_prepare(struct vm *vm, const struct vm_config *cfg,
		     const struct boot_module *mods, const char **error)
{
	for (u32 i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = vm->vcpus[i];

		v->requests = 0;
		vcpu_reset_paravirt(v);
	}
	vm->vcpus_parked = 0;
	if (cfg->elf_module >= 0)
		return vm_boot_elf(vm, cfg, mods, error);
	return vm_boot_linux(vm, cfg, mods, error);
}
