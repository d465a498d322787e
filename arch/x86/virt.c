/* Backend selection: the one place that knows which vendors exist. */
#include "arch/x86/virt.h"
#include "arch/x86/svm/svm.h"
#include "arch/x86/vmx/vmx.h"

const struct vcpu_ops *vcpu_ops;

bool virt_init(const char **why)
{
	if (svm_detect())
		vcpu_ops = &svm_ops;
	else if (vmx_detect())
		vcpu_ops = &vmx_ops;
	if (!vcpu_ops) {
		*why = "the CPU offers no hardware virtualization (neither AMD-V nor VT-x)";
		return false;
	}
	if (!vcpu_ops->init(why) || !vcpu_ops->cpu_enable(why)) {
		vcpu_ops = NULL;
		return false;
	}
	return true;
}

bool virt_cpu_enable(const char **why)
{
	return vcpu_ops && vcpu_ops->cpu_enable(why);
}
