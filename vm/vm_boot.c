#include "lhp/preempt_delay.h"
#include "vm/vm_boot.h"

bool vm_boot_prepare(struct vm *vm, const struct vm_config *cfg,
		     const struct boot_module *mods, const char **error)
{
	for (u32 i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = vm->vcpus[i];

		v->requests = 0;
		v->nmi_pending = 0;
		v->nmi_masked = false;
		v->exception_pending = false;
		v->kvmclock_gpa = 0;
		v->steal_msr = 0;
		v->steal_record = NULL;
		v->kick_pending = 0;
		preempt_delay_reset(v);
	}
	vm->vcpus_parked = 0;
	if (cfg->elf_module >= 0)
		return vm_boot_elf(vm, cfg, mods, error);
	return vm_boot_linux(vm, cfg, mods, error);
}
